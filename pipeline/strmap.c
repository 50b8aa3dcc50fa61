/* strmap.c — a hash map from byte strings to pointers (see strmap.h). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/strmap.h"

static char tombstone_key;
#define TOMBSTONE (&tombstone_key)

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof *m);
}

void strmap_release(struct strmap *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key && m->slots[i].key != TOMBSTONE)
            free(m->slots[i].key);
    free(m->slots);
    strmap_init(m);
}

/* FNV-1a, 64 bit, finished with a multiply-xorshift so that low bits mix well. */
uint64_t strmap_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

static struct strmap_slot *find(const struct strmap *m, const void *key, size_t len, uint64_t h)
{
    if (!m->cap)
        return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != TOMBSTONE && s->hash == h && s->len == len && memcmp(s->key, key, len) == 0)
            return s;
    }
}

static int grow(struct strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    if (m->len * 2 < m->cap)        /* mostly tombstones: rehash at the same size */
        cap = m->cap;
    struct strmap_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        struct strmap_slot *s = &m->slots[i];
        if (!s->key || s->key == TOMBSTONE)
            continue;
        size_t j = s->hash & (cap - 1);
        while (slots[j].key)
            j = (j + 1) & (cap - 1);
        slots[j] = *s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    m->used = m->len;
    return 0;
}

void *strmap_get(const struct strmap *m, const void *key, size_t len)
{
    struct strmap_slot *s = find(m, key, len, strmap_hash(key, len));
    return s ? s->value : NULL;
}

int strmap_has(const struct strmap *m, const void *key, size_t len)
{
    return find(m, key, len, strmap_hash(key, len)) != NULL;
}

struct strmap_slot *strmap_put(struct strmap *m, const void *key, size_t len, int *created)
{
    uint64_t h = strmap_hash(key, len);
    struct strmap_slot *s = find(m, key, len, h);
    if (created)
        *created = !s;
    if (s)
        return s;
    if ((m->used + 1) * 4 > m->cap * 3 && grow(m) < 0)
        return NULL;
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, key, len);
    copy[len] = '\0';
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key && m->slots[i].key != TOMBSTONE)
        i = (i + 1) & (m->cap - 1);
    s = &m->slots[i];
    if (!s->key)
        m->used++;
    *s = (struct strmap_slot){.key = copy, .len = len, .hash = h, .value = NULL};
    m->len++;
    return s;
}

void *strmap_remove(struct strmap *m, const void *key, size_t len)
{
    struct strmap_slot *s = find(m, key, len, strmap_hash(key, len));
    if (!s)
        return NULL;
    void *v = s->value;
    free(s->key);
    s->key = TOMBSTONE;
    s->value = NULL;
    m->len--;
    return v;
}

int strmap_next(const struct strmap *m, size_t *i, struct strmap_slot **slot)
{
    for (; *i < m->cap; (*i)++) {
        struct strmap_slot *s = &m->slots[*i];
        if (s->key && s->key != TOMBSTONE) {
            *slot = s;
            (*i)++;
            return 1;
        }
    }
    return 0;
}
