/* dim.h — the dimension (join) table in memory.
 *
 * Each dimension item is turned into dimension rows (its own explode and flattening), and each
 * row that has every `on` attribute offers its join columns under its join tuple (the `on`
 * values' text joined by '\x1f'). What is kept: per item, its key and its record text (to
 * write the snapshot and to see what changed); per tuple, the candidates offering it, ordered
 * by (item key, element index), so that the first one wins and removing an item brings the
 * next one back (docs/transform.md §2, duplicate join keys). No cJSON tree is kept.
 *
 * Items are put and removed one by one, so a stream of dimension changes and a whole table
 * load are the same operation. */
#ifndef PW_DIM_H
#define PW_DIM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "pipeline/ddb_decode.h"
#include "pipeline/strmap.h"

struct transform;

struct dim {
    struct transform *tf;
    struct strmap items;    /* key text -> struct dim_item */
    struct strmap tuples;   /* join tuple -> struct dim_cand (the winner first) */
    size_t duplicates;      /* candidates that lost to another one when they were put */
};

/* tf gives the join's settings; it must outlive the dimension and have a join. */
void dim_init(struct dim *d, struct transform *tf);
void dim_release(struct dim *d);

/* Adds an item (an attribute object), or replaces the item of the same key. record is the
 * text kept for it (the export line or the item's JSON). key_out (may be NULL) receives the
 * key text. 0; 1 when the item is bad (why says why; a previous item of that key stays); -1
 * out of memory. */
int dim_put(struct dim *d, const cJSON *item, const char *record, size_t record_len,
            struct buf *key_out, char *why, size_t n_why);

/* Removes the item of that key text: 1 removed, 0 there was none. */
int dim_remove(struct dim *d, const char *key, size_t len);

/* The join columns' values (tf->n_join_cols of them) of the winning row for a tuple, or NULL.
 * Structured values (M, L, sets) have body NULL and their plain JSON as text. */
const struct ddb_val *dim_lookup(const struct dim *d, const char *tuple, size_t len);

/* The record text of the item with that key, or NULL. */
const char *dim_record(const struct dim *d, const char *key, size_t len, size_t *record_len);

size_t dim_count(const struct dim *d);

/* The item keys, sorted (byte order); *keys is malloc'd, its strings belong to the dimension. */
int dim_keys(const struct dim *d, const char ***keys, size_t *n);

#endif
