#include "provision/aws/kv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void kvlist_init(struct kvlist *l)
{
    l->items = NULL;
    l->len = l->cap = 0;
}

void kvlist_release(struct kvlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].name);
        free(l->items[i].value);
    }
    free(l->items);
    kvlist_init(l);
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int kvlist_addn(struct kvlist *l, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct kv *p = realloc(l->items, cap * sizeof *p);
        if (!p)
            return -1;
        l->items = p;
        l->cap = cap;
    }
    char *n = dupn(name, nlen);
    char *v = dupn(value ? value : "", value ? vlen : 0);
    if (!n || !v) {
        free(n);
        free(v);
        return -1;
    }
    l->items[l->len].name = n;
    l->items[l->len].value = v;
    l->len++;
    return 0;
}

int kvlist_add(struct kvlist *l, const char *name, const char *value)
{
    return kvlist_addn(l, name, strlen(name), value, value ? strlen(value) : 0);
}

void kvlist_remove_ci(struct kvlist *l, const char *name)
{
    size_t w = 0;
    for (size_t r = 0; r < l->len; r++) {
        if (strcasecmp(l->items[r].name, name) == 0) {
            free(l->items[r].name);
            free(l->items[r].value);
        } else {
            l->items[w++] = l->items[r];
        }
    }
    l->len = w;
}

int kvlist_set(struct kvlist *l, const char *name, const char *value)
{
    kvlist_remove_ci(l, name);
    return kvlist_add(l, name, value);
}

const char *kvlist_get(const struct kvlist *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].name, name) == 0)
            return l->items[i].value;
    return NULL;
}

const char *kvlist_get_ci(const struct kvlist *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcasecmp(l->items[i].name, name) == 0)
            return l->items[i].value;
    return NULL;
}
