/* kv.h — an ordered list of owned name/value strings: query parameters, HTTP headers,
 * form fields. Order is kept as added and repeated names are allowed (a query string
 * may repeat a key; HTTP may repeat a header). */
#ifndef PW_KV_H
#define PW_KV_H

#include <stddef.h>

struct kv {
    char *name;
    char *value;
};

struct kvlist {
    struct kv *items;
    size_t len;
    size_t cap;
};

void kvlist_init(struct kvlist *l);
void kvlist_release(struct kvlist *l);
int kvlist_add(struct kvlist *l, const char *name, const char *value);              /* copies both */
int kvlist_addn(struct kvlist *l, const char *name, size_t nlen, const char *value, size_t vlen);
int kvlist_set(struct kvlist *l, const char *name, const char *value);              /* replaces all of name (case-insensitive) */
const char *kvlist_get(const struct kvlist *l, const char *name);                   /* first, exact */
const char *kvlist_get_ci(const struct kvlist *l, const char *name);                /* first, ASCII case-insensitive */
void kvlist_remove_ci(struct kvlist *l, const char *name);

#endif
