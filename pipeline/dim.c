/* dim.c — the dimension table in memory (see dim.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/dim.h"
#include "pipeline/transform.h"

struct dim_item;

/* One dimension row offering its join columns under a tuple. */
struct dim_cand {
    struct dim_item *item;
    int elem;                   /* element index, -1 for the item's own row */
    struct ddb_val *values;     /* tf->n_join_cols, texts owned */
    char *tuple;
    size_t tuple_len;
    struct dim_cand *next;      /* the next candidate of the same tuple (losing to this one) */
    struct dim_cand *item_next; /* the next row of the same item */
};

struct dim_item {
    const char *key;            /* the items map's copy */
    size_t key_len;
    char *record;
    size_t record_len;
    struct dim_cand *cands;
};

void dim_init(struct dim *d, struct transform *tf)
{
    memset(d, 0, sizeof *d);
    d->tf = tf;
    strmap_init(&d->items);
    strmap_init(&d->tuples);
}

static void cand_free(struct dim_cand *c, size_t n_values)
{
    if (!c)
        return;
    for (size_t i = 0; c->values && i < n_values; i++)
        free((char *)c->values[i].text);
    free(c->values);
    free(c->tuple);
    free(c);
}

static void chain_free(struct dim_cand *c, size_t n_values)
{
    for (struct dim_cand *next; c; c = next) {
        next = c->item_next;
        cand_free(c, n_values);
    }
}

void dim_release(struct dim *d)
{
    if (!d)
        return;
    struct strmap_slot *s;
    for (size_t i = 0; strmap_next(&d->items, &i, &s);) {
        struct dim_item *it = s->value;
        chain_free(it->cands, d->tf->n_join_cols);
        free(it->record);
        free(it);
    }
    strmap_release(&d->items);
    strmap_release(&d->tuples);
}

static struct ddb_val lookup(const struct transform *tf, const cJSON *item, const cJSON *elem,
                             const char *from)
{
    return transform_row_value(item, elem, tf->dim_explode, from);
}

/* A value copied out of the record: strings duplicated, structured values as plain JSON. */
static int copy_value(const struct ddb_val *v, struct ddb_val *out)
{
    *out = (struct ddb_val){.type = v->type};
    if (v->type == DDB_MISSING || v->type == DDB_NULL)
        return 0;
    if (v->body) {
        struct buf b;
        buf_init(&b, 0);
        if (ddb_plain_json(v, &b) < 0) {
            buf_release(&b);
            return -1;
        }
        out->len = b.len;
        out->text = buf_detach(&b);
        return out->text ? 0 : -1;
    }
    char *t = malloc(v->len + 1);
    if (!t)
        return -1;
    memcpy(t, v->text, v->len);
    t[v->len] = '\0';
    out->text = t;
    out->len = v->len;
    return 0;
}

/* The candidate of one row, or *out NULL when the row lacks an `on` attribute. */
static int make_cand(struct dim *d, const cJSON *item, const cJSON *elem, int index,
                     struct arena *scratch, struct dim_cand **out, char *why, size_t n_why)
{
    const struct transform *tf = d->tf;
    struct buf tuple;
    int rc = 0;
    *out = NULL;
    buf_init(&tuple, 0);
    for (size_t i = 0; i < tf->n_on; i++) {
        struct ddb_val v = lookup(tf, item, elem, tf->on[i]);
        if (v.type != DDB_S && v.type != DDB_N && v.type != DDB_B) {
            buf_release(&tuple);
            return 0;
        }
        if ((i && buf_appendc(&tuple, '\x1f') < 0) || buf_append(&tuple, v.text, v.len) < 0) {
            buf_release(&tuple);
            return -1;
        }
    }
    struct dim_cand *c = calloc(1, sizeof *c);
    if (!c || !(c->values = calloc(tf->n_join_cols ? tf->n_join_cols : 1, sizeof *c->values))) {
        free(c);
        buf_release(&tuple);
        return -1;
    }
    c->elem = index;
    c->tuple_len = tuple.len;
    c->tuple = tuple.data ? buf_detach(&tuple) : strdup("");
    for (size_t j = 0; rc == 0 && j < tf->n_join_cols; j++) {
        struct ddb_val v = lookup(tf, item, elem, tf->join_cols[j]);
        struct cell cell;
        if (tf->join_typed[j])
            rc = transform_convert(tf->join_typed[j], &v, scratch, &cell, why, n_why);
        if (rc == 0)
            rc = copy_value(&v, &c->values[j]);
    }
    if (rc || !c->tuple) {
        cand_free(c, tf->n_join_cols);
        buf_release(&tuple);
        return rc ? rc : -1;
    }
    *out = c;
    return 0;
}

/* Every dimension row of the item, as a chain of candidates. */
static int make_cands(struct dim *d, const cJSON *item, struct dim_cand **chain, char *why,
                      size_t n_why)
{
    const struct transform *tf = d->tf;
    struct arena scratch;
    struct dim_cand *head = NULL, **tail = &head, *c;
    int rc = 0;
    arena_init(&scratch);
    const cJSON *list = NULL;
    if (tf->dim_explode) {
        struct ddb_val v = ddb_get(item, tf->dim_explode);
        if (v.type == DDB_L) {
            list = v.body;
        } else if (v.type != DDB_MISSING && v.type != DDB_NULL) {
            snprintf(why, n_why, "'%s' is not a list of maps (it is %s)", tf->dim_explode,
                     ddb_type_name(v.type));
            rc = 1;
        }
    }
    if (rc == 0 && (!tf->dim_explode || !list || !list->child)) {
        if (!tf->dim_explode || tf->dim_empty == SPEC_EMPTY_KEEP) {
            rc = make_cand(d, item, NULL, -1, &scratch, &c, why, n_why);
            if (rc == 0 && c)
                *tail = c, tail = &c->item_next;
        }
    } else if (rc == 0) {
        int i = 0;
        for (const cJSON *e = list->child; e && rc == 0; e = e->next, i++) {
            struct ddb_val ev;
            char w[8];
            if (ddb_decode(e, &ev, w, sizeof w) < 0 || ev.type != DDB_M) {
                snprintf(why, n_why, "'%s' is not a list of maps (element %d is %s)",
                         tf->dim_explode, i, ddb_type_name(ev.type));
                rc = 1;
                break;
            }
            rc = make_cand(d, item, ev.body, i, &scratch, &c, why, n_why);
            if (rc == 0 && c)
                *tail = c, tail = &c->item_next;
        }
    }
    arena_release(&scratch);
    if (rc) {
        chain_free(head, tf->n_join_cols);
        return rc;
    }
    *chain = head;
    return 0;
}

/* Order of candidates: item key text (bytes, shorter first on a tie), then element. */
static int cand_before(const struct dim_cand *a, const struct dim_cand *b)
{
    size_t n = a->item->key_len < b->item->key_len ? a->item->key_len : b->item->key_len;
    int c = memcmp(a->item->key, b->item->key, n);
    if (c == 0)
        c = (a->item->key_len > b->item->key_len) - (a->item->key_len < b->item->key_len);
    return c < 0 || (c == 0 && a->elem < b->elem);
}

static int link_cand(struct dim *d, struct dim_cand *c)
{
    struct strmap_slot *s = strmap_put(&d->tuples, c->tuple, c->tuple_len, NULL);
    if (!s)
        return -1;
    struct dim_cand **p = (struct dim_cand **)&s->value;
    if (*p)
        d->duplicates++;
    while (*p && cand_before(*p, c))
        p = &(*p)->next;
    c->next = *p;
    *p = c;
    return 0;
}

static void unlink_cand(struct dim *d, struct dim_cand *c)
{
    struct strmap_slot *s = strmap_put(&d->tuples, c->tuple, c->tuple_len, NULL);
    if (!s)
        return;         /* cannot happen: the tuple is there */
    struct dim_cand **p = (struct dim_cand **)&s->value;
    while (*p && *p != c)
        p = &(*p)->next;
    if (*p)
        *p = c->next;
    if (!s->value)
        strmap_remove(&d->tuples, c->tuple, c->tuple_len);
}

int dim_remove(struct dim *d, const char *key, size_t len)
{
    struct dim_item *it = strmap_get(&d->items, key, len);
    if (!it)
        return 0;
    for (struct dim_cand *c = it->cands; c; c = c->item_next)
        unlink_cand(d, c);
    chain_free(it->cands, d->tf->n_join_cols);
    free(it->record);
    free(it);
    strmap_remove(&d->items, key, len);
    return 1;
}

int dim_put(struct dim *d, const cJSON *item, const char *record, size_t record_len,
            struct buf *key_out, char *why, size_t n_why)
{
    struct buf key;
    struct dim_cand *chain = NULL;
    buf_init(&key, 0);
    int rc = ddb_check_item(item, why, n_why) < 0 ? 1 : 0;
    if (rc == 0)
        rc = transform_dim_key(d->tf, item, &key, why, n_why);
    if (rc == 0)
        rc = make_cands(d, item, &chain, why, n_why);
    if (rc) {
        buf_release(&key);
        return rc;
    }
    dim_remove(d, key.data, key.len);
    struct dim_item *it = calloc(1, sizeof *it);
    struct strmap_slot *s = it ? strmap_put(&d->items, key.data, key.len, NULL) : NULL;
    if (!s || !(it->record = malloc(record_len + 1))) {
        if (s)
            strmap_remove(&d->items, key.data, key.len);
        free(it);
        chain_free(chain, d->tf->n_join_cols);
        buf_release(&key);
        return -1;
    }
    memcpy(it->record, record, record_len);
    it->record[record_len] = '\0';
    it->record_len = record_len;
    it->key = s->key;
    it->key_len = s->len;
    it->cands = chain;
    s->value = it;
    for (struct dim_cand *c = chain; c && rc == 0; c = c->item_next) {
        c->item = it;
        rc = link_cand(d, c);
    }
    if (rc == 0 && key_out)
        rc = buf_append(key_out, key.data, key.len);
    buf_release(&key);
    return rc;
}

const struct ddb_val *dim_lookup(const struct dim *d, const char *tuple, size_t len)
{
    const struct dim_cand *c = strmap_get(&d->tuples, tuple, len);
    return c ? c->values : NULL;
}

const char *dim_record(const struct dim *d, const char *key, size_t len, size_t *record_len)
{
    const struct dim_item *it = strmap_get(&d->items, key, len);
    if (!it)
        return NULL;
    *record_len = it->record_len;
    return it->record;
}

size_t dim_count(const struct dim *d)
{
    return d->items.len;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int dim_keys(const struct dim *d, const char ***keys, size_t *n)
{
    const char **arr = malloc((d->items.len ? d->items.len : 1) * sizeof *arr);
    if (!arr)
        return -1;
    size_t k = 0;
    struct strmap_slot *s;
    for (size_t i = 0; strmap_next(&d->items, &i, &s);)
        arr[k++] = s->key;
    qsort(arr, k, sizeof *arr, key_cmp);
    *keys = arr;
    *n = k;
    return 0;
}
