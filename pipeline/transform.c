/* transform.c — one source item to its rows (see transform.h, docs/transform.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/dim.h"
#include "pipeline/transform.h"
#include "pipeline/tstamp.h"
#include "provision/aws/sigv4.h"

#define DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* ---- compiling the spec ---- */

static int type_of_join(const struct spec_pipeline *pl, const char *from)
{
    for (size_t j = 0; j < pl->join.n_columns; j++)
        if (strcmp(pl->join.columns[j].v, from) == 0)
            return (int)j + 1;
    return 0;
}

/* Everything the rendering depends on, as one canonical text, hashed. */
static void fingerprints(struct transform *tf)
{
    const struct spec_pipeline *pl = tf->pl;
    struct buf b;
    buf_init(&b, 0);
    buf_appendf(&b, "v1|explode=%s,%d|", tf->explode ? tf->explode : "", (int)tf->empty);
    for (size_t i = 0; i < tf->n_cols; i++)
        buf_appendf(&b, "col=%s,%s,%d,%s,%d|", tf->cols[i].name, tf->cols[i].from,
                    (int)tf->cols[i].type, tf->cols[i].format ? tf->cols[i].format : "",
                    tf->cols[i].required);
    if (tf->has_join) {
        buf_appendf(&b, "join=%d,%s,%d|", (int)tf->kind, tf->dim_explode ? tf->dim_explode : "",
                    (int)tf->dim_empty);
        for (size_t i = 0; i < tf->n_on; i++)
            buf_appendf(&b, "on=%s|", tf->on[i]);
        for (size_t i = 0; i < tf->n_join_cols; i++)
            buf_appendf(&b, "jc=%s|", tf->join_cols[i]);
    }
    buf_appendf(&b, "format=%d,%d,%d", (int)pl->output.format, pl->output.header,
                (int)pl->output.compression);
    sigv4_sha256_hex(b.data, b.len, tf->fingerprint);
    buf_reset(&b);
    buf_appendf(&b, "v1|keys=%s,%s|", tf->key_names[0], tf->n_keys > 1 ? tf->key_names[1] : "");
    if (tf->partitioned)
        buf_appendf(&b, "part=%s,%s,%d,%s,%d", tf->part_as, tf->part.from, (int)tf->part.type,
                    tf->part.format ? tf->part.format : "", (int)tf->granularity);
    sigv4_sha256_hex(b.data, b.len, tf->part_fingerprint);
    buf_release(&b);
}

static int compile_join(struct transform *tf, struct pw_error *err)
{
    const struct spec_join *j = &tf->pl->join;
    tf->has_join = 1;
    tf->kind = j->kind;
    tf->n_on = j->n_on;
    tf->n_join_cols = j->n_columns;
    tf->on = calloc(j->n_on ? j->n_on : 1, sizeof *tf->on);
    tf->on_dim_key = calloc(j->n_on ? j->n_on : 1, sizeof *tf->on_dim_key);
    tf->join_cols = calloc(j->n_columns ? j->n_columns : 1, sizeof *tf->join_cols);
    tf->join_typed = calloc(j->n_columns ? j->n_columns : 1, sizeof *tf->join_typed);
    if (!tf->on || !tf->on_dim_key || !tf->join_cols || !tf->join_typed)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    const struct spec_table *d = j->table;
    tf->dim_key_names[0] = d->key.hash.name.v;
    tf->dim_key_types[0] = d->key.hash.type;
    tf->n_dim_keys = 1;
    if (spec_str_set(d->key.range.name)) {
        tf->dim_key_names[1] = d->key.range.name.v;
        tf->dim_key_types[1] = d->key.range.type;
        tf->n_dim_keys = 2;
    }
    for (size_t i = 0; i < j->n_on; i++) {
        tf->on[i] = j->on[i].v;
        for (size_t k = 0; k < tf->n_dim_keys; k++)
            if (strcmp(tf->on[i], tf->dim_key_names[k]) == 0)
                tf->on_dim_key[i] = 1;
    }
    for (size_t i = 0; i < j->n_columns; i++) {
        tf->join_cols[i] = j->columns[i].v;
        for (size_t c = 0; c < tf->n_cols; c++)
            if (tf->cols[c].join == (int)i + 1)
                tf->join_typed[i] = &tf->cols[c];
    }
    if (spec_str_set(j->explode.attribute)) {
        tf->dim_explode = j->explode.attribute.v;
        tf->dim_empty = j->explode.empty;
    }
    return 0;
}

int transform_new(const struct spec_pipeline *pl, struct transform **out, struct pw_error *err)
{
    *out = NULL;
    if (!pl->present || !pl->source)
        return pw_fail(err, PW_EXIT_SPEC, "the spec has no pipeline section");
    struct transform *tf = calloc(1, sizeof *tf);
    if (!tf)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    arena_init(&tf->arena);
    buf_init(&tf->tuple, 0);
    buf_init(&tf->aff, 0);
    tf->pl = pl;
    tf->key_names[0] = pl->source->key.hash.name.v;
    tf->key_types[0] = pl->source->key.hash.type;
    tf->n_keys = 1;
    if (spec_str_set(pl->source->key.range.name)) {
        tf->key_names[1] = pl->source->key.range.name.v;
        tf->key_types[1] = pl->source->key.range.type;
        tf->n_keys = 2;
    }
    if (spec_str_set(pl->explode.attribute)) {
        tf->explode = pl->explode.attribute.v;
        tf->empty = pl->explode.empty;
    }
    tf->all_columns = pl->n_columns == 0;
    if (tf->all_columns && pl->output.format == SPEC_FORMAT_CSV) {
        transform_free(tf);
        return pw_fail(err, PW_EXIT_SPEC, "the pipeline writes csv but declares no columns: a csv "
                       "file needs a fixed header, so list the 'columns'");
    }
    tf->n_cols = pl->n_columns;
    tf->cols = calloc(tf->n_cols ? tf->n_cols : 1, sizeof *tf->cols);
    tf->names = calloc(tf->n_cols ? tf->n_cols : 1, sizeof *tf->names);
    if (!tf->cols || !tf->names) {
        transform_free(tf);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    for (size_t i = 0; i < tf->n_cols; i++) {
        const struct spec_column *c = &pl->columns[i];
        struct tf_col *t = &tf->cols[i];
        t->name = tf->names[i] = c->name.v;
        t->from = spec_str_set(c->from) ? c->from.v : c->name.v;
        t->type = c->type;
        t->format = spec_str_set(c->format) ? c->format.v : NULL;
        t->required = c->required;
        t->join = spec_str_set(pl->join.table_ref) ? type_of_join(pl, t->from) : 0;
    }
    if (spec_str_set(pl->join.table_ref) && pl->join.table && compile_join(tf, err) < 0) {
        transform_free(tf);
        return -1;
    }
    if (spec_str_set(pl->partition.column)) {
        tf->partitioned = 1;
        tf->part_as = pl->partition.as.v;
        tf->granularity = pl->partition.granularity;
        tf->part.name = tf->part.from = pl->partition.column.v;
        tf->part.type = tf->granularity == SPEC_GRAN_VALUE ? SPEC_COL_STRING : SPEC_COL_TIMESTAMP;
        for (size_t i = 0; i < tf->n_cols; i++)
            if (strcmp(tf->cols[i].name, pl->partition.column.v) == 0)
                tf->part = tf->cols[i];
        if (tf->part.join || (tf->has_join && type_of_join(pl, tf->part.from))) {
            transform_free(tf);
            return pw_fail(err, PW_EXIT_SPEC, "the partition column '%s' comes from the join; "
                           "partition by an attribute of the source item, so that all rows of "
                           "an item share a partition", pl->partition.column.v);
        }
        if (tf->explode && strcmp(tf->part.from, tf->explode) == 0) {
            transform_free(tf);
            return pw_fail(err, PW_EXIT_SPEC, "the partition column '%s' is the exploded list",
                           pl->partition.column.v);
        }
    }
    fingerprints(tf);
    *out = tf;
    return 0;
}

void transform_free(struct transform *tf)
{
    if (!tf)
        return;
    free(tf->cols);
    free(tf->names);
    free(tf->on);
    free(tf->on_dim_key);
    free(tf->join_cols);
    free(tf->join_typed);
    free(tf->cells);
    arena_release(&tf->arena);
    buf_release(&tf->tuple);
    buf_release(&tf->aff);
    free(tf);
}

/* ---- keys and partitions ---- */

/* The JSON array of the key values' text; see transform_key. */
static int key_text(const char *const *names, const enum spec_attr_type *types, size_t n_keys,
                    const cJSON *keys, struct buf *out, char *why, size_t n_why)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n_keys && rc == 0; i++) {
        struct ddb_val v = ddb_get(keys, names[i]);
        enum ddb_type want = types[i] == SPEC_ATTR_N ? DDB_N : types[i] == SPEC_ATTR_B ? DDB_B : DDB_S;
        if (v.type == DDB_MISSING) {
            snprintf(why, n_why, "missing key attribute '%s'", names[i]);
            rc = 1;
        } else if (v.type != want) {
            snprintf(why, n_why, "key attribute '%s' is %s, the table's key says %s", names[i],
                     ddb_type_name(v.type), ddb_type_name(want));
            rc = 1;
        } else {
            cJSON *s = cJSON_CreateStringReference(v.text);
            if (!s)
                rc = -1;
            else
                cJSON_AddItemToArray(arr, s);
        }
    }
    if (rc == 0) {
        char *text = cJSON_PrintUnformatted(arr);
        rc = text && buf_appends(out, text) == 0 ? 0 : -1;
        cJSON_free(text);
    }
    cJSON_Delete(arr);
    return rc;
}

int transform_key(const struct transform *tf, const cJSON *keys, struct buf *out, char *why,
                  size_t n_why)
{
    return key_text(tf->key_names, tf->key_types, tf->n_keys, keys, out, why, n_why);
}

int transform_dim_key(const struct transform *tf, const cJSON *keys, struct buf *out, char *why,
                      size_t n_why)
{
    return key_text(tf->dim_key_names, tf->dim_key_types, tf->n_dim_keys, keys, out, why, n_why);
}

int transform_dim_affinity(const struct transform *tf, const char *key, size_t len, struct buf *out)
{
    cJSON *arr = cJSON_ParseWithLength(key, len);
    int rc = cJSON_IsArray(arr) ? 0 : -1, n = 0;
    for (size_t i = 0; rc == 0 && i < tf->n_on; i++) {
        if (!tf->on_dim_key[i])
            continue;
        size_t k = 0;
        while (k < tf->n_dim_keys && strcmp(tf->dim_key_names[k], tf->on[i]) != 0)
            k++;
        const cJSON *v = cJSON_GetArrayItem(arr, (int)k);
        if (!cJSON_IsString(v))
            rc = -1;
        else if ((n++ && buf_appendc(out, '\x1f') < 0) || buf_appends(out, v->valuestring) < 0)
            rc = -1;
    }
    cJSON_Delete(arr);
    return rc;
}

int transform_escape_partition(const char *v, size_t n, struct buf *out)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c)) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (buf_append(out, e, 3) < 0)
                return -1;
        } else if (buf_appendc(out, (char)c) < 0) {
            return -1;
        }
    }
    return 0;
}

int transform_partition(struct transform *tf, const cJSON *item, struct buf *out, char *why,
                        size_t n_why)
{
    if (!tf->partitioned)
        return 0;
    struct ddb_val v = ddb_path(item, tf->part.from);
    if (buf_appends(out, tf->part_as) < 0 || buf_appendc(out, '=') < 0)
        return -1;
    char text[64];
    if (tf->granularity != SPEC_GRAN_VALUE) {
        struct tstamp ts;
        int rc = transform_timestamp(&tf->part, &v, &ts, why, n_why);
        if (rc == 1)
            return 1;
        if (rc == 2)
            return buf_appends(out, DEFAULT_PARTITION);
        int n = tstamp_format_partition(&ts, tf->granularity, text, sizeof text);
        return n < 0 ? -1 : buf_append(out, text, (size_t)n);
    }
    struct cell c;
    int rc = transform_convert(&tf->part, &v, &tf->arena, &c, why, n_why);
    if (rc)
        return rc;
    if (c.kind == CELL_NULL || c.len == 0)
        return buf_appends(out, DEFAULT_PARTITION);
    return transform_escape_partition(c.text, c.len, out);
}

/* ---- rows ---- */

struct ddb_val transform_row_value(const cJSON *item, const cJSON *elem, const char *exploded,
                                   const char *from)
{
    if (elem) {
        struct ddb_val v = ddb_path(elem, from);
        if (v.type != DDB_MISSING)
            return v;
    }
    if (exploded && strcmp(from, exploded) == 0)
        return (struct ddb_val){0};
    return ddb_path(item, from);
}

static struct ddb_val row_lookup(const struct transform *tf, const cJSON *item, const cJSON *elem,
                                 const char *from)
{
    return transform_row_value(item, elem, tf->explode, from);
}

static int is_key_type(enum ddb_type t)
{
    return t == DDB_S || t == DDB_N || t == DDB_B;
}

/* Remembers a distinct affinity value for the result. */
static int add_affinity(struct transform *tf, struct tf_result *res, const char *a, size_t n,
                        size_t *cap)
{
    for (size_t i = 0; i < res->n_affinity; i++)
        if (strlen(res->affinity[i]) == n && memcmp(res->affinity[i], a, n) == 0)
            return 0;
    if (res->n_affinity == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        const char **arr = arena_alloc(&tf->arena, ncap * sizeof *arr);
        if (!arr)
            return -1;
        if (res->n_affinity)
            memcpy(arr, res->affinity, res->n_affinity * sizeof *arr);
        res->affinity = arr;
        *cap = ncap;
    }
    const char *copy = arena_strndup(&tf->arena, a, n);
    if (!copy)
        return -1;
    res->affinity[res->n_affinity++] = copy;
    return 0;
}

/* The dimension's join-column values for the row, or NULL when nothing matches. */
static int join_row(struct transform *tf, const cJSON *item, const cJSON *elem, const struct dim *dim,
                    struct tf_result *res, size_t *aff_cap, const struct ddb_val **match)
{
    struct buf *tuple = &tf->tuple, *aff = &tf->aff;     /* reused: no allocation per row */
    int rc = 0, complete = 1, n_aff = 0;
    *match = NULL;
    buf_reset(tuple);
    buf_reset(aff);
    for (size_t i = 0; i < tf->n_on && complete; i++) {
        struct ddb_val v = row_lookup(tf, item, elem, tf->on[i]);
        if (!is_key_type(v.type)) {
            complete = 0;
            break;
        }
        if ((i && buf_appendc(tuple, '\x1f') < 0) || buf_append(tuple, v.text, v.len) < 0)
            rc = -1;
        if (tf->on_dim_key[i] && ((n_aff++ && buf_appendc(aff, '\x1f') < 0) ||
                                  buf_append(aff, v.text, v.len) < 0))
            rc = -1;
    }
    if (rc == 0 && complete) {
        rc = add_affinity(tf, res, aff->data ? aff->data : "", aff->len, aff_cap);
        if (dim)
            *match = dim_lookup(dim, tuple->data ? tuple->data : "", tuple->len);
    }
    return rc;
}

static int ensure_cells(struct transform *tf, size_t n)
{
    if (n <= tf->cells_cap)
        return 0;
    size_t cap = tf->cells_cap ? tf->cells_cap : 16;
    while (cap < n)
        cap *= 2;
    struct cell *c = realloc(tf->cells, cap * sizeof *c);
    if (!c)
        return -1;
    tf->cells = c;
    tf->cells_cap = cap;
    return 0;
}

/* ---- every attribute, when no columns are declared ---- */

struct flat {
    const char *name;
    int layer;              /* 0 item, 1 element, 2 join: the higher wins a name */
    struct cell cell;
};

struct flat_list {
    struct flat *items;
    size_t n, cap;
};

static int flat_add(struct flat_list *l, const char *name, int layer, struct cell c)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct flat *f = realloc(l->items, cap * sizeof *f);
        if (!f)
            return -1;
        l->items = f;
        l->cap = cap;
    }
    c.name = name;
    l->items[l->n++] = (struct flat){name, layer, c};
    return 0;
}

/* Adds the attributes of a map, maps flattened to outer_inner names. */
static int flatten(struct transform *tf, const cJSON *map, const char *prefix, int layer,
                   const char *skip, struct flat_list *l)
{
    char why[8];
    for (const cJSON *c = map->child; c; c = c->next) {
        if (skip && strcmp(c->string, skip) == 0)
            continue;
        struct ddb_val v;
        if (ddb_decode(c, &v, why, sizeof why) < 0)
            continue;
        size_t n = (prefix ? strlen(prefix) + 1 : 0) + strlen(c->string);
        char *name = arena_alloc(&tf->arena, n + 1);
        if (!name)
            return -1;
        snprintf(name, n + 1, "%s%s%s", prefix ? prefix : "", prefix ? "_" : "", c->string);
        if (v.type == DDB_M) {
            if (flatten(tf, v.body, name, layer, NULL, l) < 0)
                return -1;
            continue;
        }
        struct cell cell;
        if (transform_natural(&v, &tf->arena, &cell) < 0 || flat_add(l, name, layer, cell) < 0)
            return -1;
    }
    return 0;
}

static int flat_cmp(const void *a, const void *b)
{
    const struct flat *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : x->layer - y->layer;
}

static int all_columns_row(struct transform *tf, const cJSON *item, const cJSON *elem,
                           const struct ddb_val *match, struct row_renderer *rr, struct buf *rows)
{
    struct flat_list l = {0};
    int rc = flatten(tf, item, NULL, 0, tf->explode, &l);
    if (rc == 0 && elem)
        rc = flatten(tf, elem, NULL, 1, NULL, &l);
    for (size_t j = 0; rc == 0 && j < tf->n_join_cols; j++) {
        struct cell c = {0};
        struct ddb_val none = {0};
        rc = transform_natural(match ? &match[j] : &none, &tf->arena, &c);
        if (rc == 0)
            rc = flat_add(&l, tf->join_cols[j], 2, c);
    }
    if (rc == 0) {
        qsort(l.items, l.n, sizeof *l.items, flat_cmp);
        size_t k = 0;
        for (size_t i = 0; i < l.n; i++) {
            if (i + 1 < l.n && strcmp(l.items[i].name, l.items[i + 1].name) == 0)
                continue;       /* a later layer has the same name */
            l.items[k++] = l.items[i];
        }
        rc = ensure_cells(tf, k);
        for (size_t i = 0; rc == 0 && i < k; i++)
            tf->cells[i] = l.items[i].cell;
        if (rc == 0)
            rc = row_render(rr, tf->cells, k, rows);
    }
    free(l.items);
    return rc;
}

/* One row: the element (or NULL) with the item, joined. 0, 1 bad (why), -1 OOM. A row
 * dropped by an inner join returns 0 with *written 0. */
static int one_row(struct transform *tf, const cJSON *item, const cJSON *elem, const struct dim *dim,
                   struct row_renderer *rr, struct buf *rows, struct tf_result *res, size_t *aff_cap,
                   int *written)
{
    const struct ddb_val *match = NULL;
    *written = 0;
    if (tf->has_join) {
        if (join_row(tf, item, elem, dim, res, aff_cap, &match) < 0)
            return -1;
        if (!match) {
            res->unmatched++;
            if (tf->kind == SPEC_JOIN_INNER)
                return 0;
        }
    }
    if (tf->all_columns) {
        int rc = all_columns_row(tf, item, elem, match, rr, rows);
        *written = rc == 0;
        return rc;
    }
    if (ensure_cells(tf, tf->n_cols) < 0)
        return -1;
    for (size_t i = 0; i < tf->n_cols; i++) {
        const struct tf_col *col = &tf->cols[i];
        struct ddb_val v = {0};
        if (col->join)
            v = match ? match[col->join - 1] : v;
        else
            v = row_lookup(tf, item, elem, col->from);
        int rc = transform_convert(col, &v, &tf->arena, &tf->cells[i], res->why, sizeof res->why);
        if (rc)
            return rc;
        if (col->required && tf->cells[i].kind == CELL_NULL) {
            snprintf(res->why, sizeof res->why, "missing required attribute '%s'", col->from);
            return 1;
        }
    }
    int rc = row_render(rr, tf->cells, tf->n_cols, rows);
    *written = rc == 0;
    return rc;
}

/* The explode list: 0 with *list (NULL when missing, NULL or empty), 1 when it is not a list
 * of maps. */
static int explode_list(const struct transform *tf, const cJSON *item, const cJSON **list,
                        char *why, size_t n_why)
{
    struct ddb_val v = ddb_get(item, tf->explode);
    *list = NULL;
    if (v.type == DDB_MISSING || v.type == DDB_NULL)
        return 0;
    if (v.type != DDB_L) {
        snprintf(why, n_why, "'%s' is not a list of maps (it is %s)", tf->explode,
                 ddb_type_name(v.type));
        return 1;
    }
    int i = 0;
    for (const cJSON *e = v.body->child; e; e = e->next, i++) {
        struct ddb_val ev;
        char w[8];
        if (ddb_decode(e, &ev, w, sizeof w) < 0 || ev.type != DDB_M) {
            snprintf(why, n_why, "'%s' is not a list of maps (element %d is %s)", tf->explode, i,
                     ddb_type_name(ev.type));
            return 1;
        }
    }
    *list = v.body->child ? v.body : NULL;
    return 0;
}

/* The partition attribute must be the item's own: missing there but present on an element
 * means the spec partitions by something rows do not share. */
static int partition_on_element(const struct transform *tf, const cJSON *item, const cJSON *list,
                                char *why, size_t n_why)
{
    if (!tf->partitioned || !list || ddb_path(item, tf->part.from).type != DDB_MISSING)
        return 0;
    for (const cJSON *e = list->child; e; e = e->next) {
        struct ddb_val ev;
        char w[8];
        if (ddb_decode(e, &ev, w, sizeof w) == 0 && ddb_path(ev.body, tf->part.from).type != DDB_MISSING) {
            snprintf(why, n_why, "partition column '%s' must be an attribute of the source item, "
                     "not of its '%s' elements", tf->part.name, tf->explode);
            return 1;
        }
    }
    return 0;
}

int transform_item(struct transform *tf, const cJSON *item, const struct dim *dim,
                   struct row_renderer *rr, struct buf *rows, struct tf_result *res)
{
    size_t len0 = rows->len, aff_cap = 0;
    const cJSON *list = NULL;
    int rc = 0, written = 0;
    memset(res, 0, sizeof *res);
    arena_reset(&tf->arena);
    if (ddb_check_item(item, res->why, sizeof res->why) < 0)
        return 1;
    if (tf->explode) {
        rc = explode_list(tf, item, &list, res->why, sizeof res->why);
        if (rc == 0)
            rc = partition_on_element(tf, item, list, res->why, sizeof res->why);
        if (rc)
            return rc;
        if (!list) {
            res->empty = 1;
            if (tf->empty == SPEC_EMPTY_KEEP)
                rc = one_row(tf, item, NULL, dim, rr, rows, res, &aff_cap, &written);
            res->rows += rc == 0 && tf->empty == SPEC_EMPTY_KEEP && written;
        }
        for (const cJSON *e = list ? list->child : NULL; e && rc == 0; e = e->next) {
            struct ddb_val ev;
            char w[8];
            ddb_decode(e, &ev, w, sizeof w);
            rc = one_row(tf, item, ev.body, dim, rr, rows, res, &aff_cap, &written);
            res->rows += rc == 0 && written;
        }
    } else {
        rc = one_row(tf, item, NULL, dim, rr, rows, res, &aff_cap, &written);
        res->rows += rc == 0 && written;
    }
    if (rc) {
        buf_cut(rows, len0);
        res->rows = res->unmatched = 0;
        res->n_affinity = 0;
    }
    return rc;
}
