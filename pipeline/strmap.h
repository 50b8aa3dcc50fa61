/* strmap.h — a hash map from byte strings to pointers (open addressing, linear probing).
 *
 * Keys are copied into the map; values are the caller's. Iteration order is the slot order,
 * which is not meaningful: callers that need an order sort. */
#ifndef PW_STRMAP_H
#define PW_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
    char *key;          /* NULL: empty; TOMBSTONE: deleted */
    size_t len;
    uint64_t hash;
    void *value;
};

struct strmap {
    struct strmap_slot *slots;
    size_t cap;         /* a power of two, or 0 */
    size_t len;         /* live entries */
    size_t used;        /* live + deleted slots */
};

void strmap_init(struct strmap *m);
/* Frees the keys (not the values). */
void strmap_release(struct strmap *m);

uint64_t strmap_hash(const void *key, size_t len);

/* The value, or NULL. */
void *strmap_get(const struct strmap *m, const void *key, size_t len);
/* Whether key is there (whatever its value: maps used as sets hold NULL). */
int strmap_has(const struct strmap *m, const void *key, size_t len);
/* The slot of key, created (value NULL) when absent; NULL when out of memory. The slot is
 * valid until the next put or remove. *created (may be NULL) says whether it is new. */
struct strmap_slot *strmap_put(struct strmap *m, const void *key, size_t len, int *created);
/* Removes key; returns its value, or NULL. */
void *strmap_remove(struct strmap *m, const void *key, size_t len);

/* Visits every live entry: for (i = 0; strmap_next(m, &i, &slot);) */
int strmap_next(const struct strmap *m, size_t *i, struct strmap_slot **slot);

#endif
