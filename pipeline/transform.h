/* transform.h — one source item (+ the dimension) to its rows, per the spec's pipeline section
 * and docs/transform.md: explode, flatten, join, select and type the columns, partition.
 *
 * A struct transform is compiled once from the spec (transform_new checks what the spec
 * loader cannot: that the rows can be written, that the partition comes from the item) and
 * then applied item by item. It owns scratch memory reused between items, so one transform is
 * used by one thread. Everything is a pure function of (item, dimension, spec): the same
 * inputs give the same bytes, which is what lets the state compare partitions byte for byte. */
#ifndef PW_TRANSFORM_H
#define PW_TRANSFORM_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "pipeline/arena.h"
#include "pipeline/ddb_decode.h"
#include "pipeline/row.h"
#include "provision/aws/error.h"
#include "provision/spec/spec.h"

struct dim;

/* An output column, compiled. */
struct tf_col {
    const char *name;
    const char *from;
    enum spec_col_type type;
    const char *format;     /* strptime format of a timestamp, NULL for ISO 8601 */
    int required;
    int join;               /* 1 + index into the join columns when the dimension gives it, else 0 */
};

struct transform {
    const struct spec_pipeline *pl;
    /* the source item's key */
    const char *key_names[2];
    enum spec_attr_type key_types[2];
    size_t n_keys;
    /* explode */
    const char *explode;    /* NULL: one row per item */
    enum spec_empty empty;
    /* columns: declared, or all_columns (every attribute, names sorted) */
    struct tf_col *cols;
    size_t n_cols;
    int all_columns;
    const char **names;     /* the declared names, for a CSV header */
    /* partition */
    int partitioned;
    struct tf_col part;     /* how its value is read and typed (name = the column's) */
    const char *part_as;
    enum spec_granularity granularity;
    /* join */
    int has_join;
    const char **on;
    size_t n_on;
    int *on_dim_key;        /* on[i] is a key attribute of the dimension table */
    const char **join_cols;
    size_t n_join_cols;
    const struct tf_col **join_typed;  /* the output column of each join column, or NULL */
    enum spec_join_kind kind;
    const char *dim_explode;
    enum spec_empty dim_empty;
    const char *dim_key_names[2];
    enum spec_attr_type dim_key_types[2];
    size_t n_dim_keys;
    /* sha-256 hex of what the rendering depends on, and of what the partitioning depends on */
    char fingerprint[65];
    char part_fingerprint[65];
    /* scratch, reused from item to item */
    struct arena arena;
    struct cell *cells;
    size_t cells_cap;
    struct buf tuple, aff;  /* a row's join tuple and affinity */
};

/* What one item gave. */
struct tf_result {
    size_t rows;            /* rows appended */
    size_t unmatched;       /* rows without a dimension match (kept or dropped per the kind) */
    int empty;              /* the explode attribute was missing or empty */
    /* The item's dimension affinity: for each row that tried the join, the values of the `on`
     * attributes that are keys of the dimension, joined by '\x1f' (docs/transform.md §6).
     * Distinct, in the transform's scratch: valid until the next call. */
    const char **affinity;
    size_t n_affinity;
    char why[512];          /* when the item is bad */
};

/* Compiles the pipeline section. pl must outlive the transform. */
int transform_new(const struct spec_pipeline *pl, struct transform **out, struct pw_error *err);
void transform_free(struct transform *tf);

/* The item's key as canonical text: the JSON array of its key values' text,
 * ["user-002","101"]. keys is an attribute object holding (at least) the key attributes
 * (a stream record's Keys, or the item). 0, 1 with why (missing key, wrong type), -1 OOM. */
int transform_key(const struct transform *tf, const cJSON *keys, struct buf *out, char *why,
                  size_t n_why);

/* The same for an item of the dimension table, by its key. */
int transform_dim_key(const struct transform *tf, const cJSON *keys, struct buf *out, char *why,
                      size_t n_why);

/* The affinity (see tf_result) that rows joined to the dimension item of this key text have:
 * the key's values of the `on` attributes that are dimension keys, joined by '\x1f'. Appends
 * to out (it must start empty); -1 when key is not a key text, or out of memory. */
int transform_dim_affinity(const struct transform *tf, const char *key, size_t len, struct buf *out);

/* The item's partition, as its path component "createdAt_date=2024-01-01" ("" when the
 * pipeline is not partitioned). 0, 1 with why (a value that does not convert), -1 OOM. */
int transform_partition(struct transform *tf, const cJSON *item, struct buf *out, char *why,
                        size_t n_why);

/* Checks the item and appends its rows (rendered by rr) to rows. dim may be NULL (no join,
 * or a check without the dimension: every row unmatched). 0, 1 when the item is bad (res->why
 * says why; nothing appended), -1 out of memory. */
int transform_item(struct transform *tf, const cJSON *item, const struct dim *dim,
                   struct row_renderer *rr, struct buf *rows, struct tf_result *res);

/* Converts a value to a column's type (docs/transform.md §3); the text of the cell lives in
 * arena or in v. 0, or 1 with why. Also used by the dimension to check its join columns. */
int transform_convert(const struct tf_col *col, const struct ddb_val *v, struct arena *arena,
                      struct cell *out, char *why, size_t n_why);

/* A timestamp column's value: 0 with *ts, 1 bad (why), 2 null (missing or NULL). */
struct tstamp;
int transform_timestamp(const struct tf_col *col, const struct ddb_val *v, struct tstamp *ts,
                        char *why, size_t n_why);

/* A value with its own type, for pipelines without declared columns: N a number, BOOL a
 * boolean, S and B strings, lists and sets JSON (docs/transform.md §4). 0, or -1 OOM. */
int transform_natural(const struct ddb_val *v, struct arena *a, struct cell *c);

/* The value of attribute `from` in a row made of item and element (NULL: the item's own row):
 * the element's field, else the item's attribute; the exploded list is not an attribute of the
 * row (docs/transform.md §1). Used for source and dimension rows alike. */
struct ddb_val transform_row_value(const cJSON *item, const cJSON *elem, const char *exploded,
                                   const char *from);

/* Hive's escaping of a partition value in a path (docs/transform.md §5). */
int transform_escape_partition(const char *v, size_t n, struct buf *out);

#endif
