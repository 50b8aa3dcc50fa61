/* state_dim.c — the state's dimension: loaded from a file or from the lake's snapshot of it,
 * changed record by record, compared with what the lake was built with, and saved back (see
 * state.h; docs/transform.md §6).
 *
 * The snapshot (LAKE_META "dimension.gz") holds one line per dimension item, sorted by key:
 * <key text>\t<record>. A dimension item changed when its record text differs; the rows that
 * joined it are found by their affinity (the dimension key values they joined on). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <zlib.h>

#include "pipeline/gzstream.h"
#include "pipeline/input.h"
#include "pipeline/state_int.h"

#define META_DIMENSION "dimension.gz"
#define MAX_DIMENSION_FILE ((size_t)4 << 30)

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

int state_dim_key_changed(struct state *s, const char *key, size_t len, struct pw_error *err)
{
    struct buf aff;
    buf_init(&aff, 0);
    int rc = transform_dim_affinity(s->tf, key, len, &aff);
    struct strmap_slot *slot = NULL;
    if (rc == 0 && !(slot = strmap_put(&s->dim_changed, aff.data ? aff.data : "", aff.len, NULL)))
        rc = -1;
    if (slot)
        slot->value = (void *)(uintptr_t)++s->dim_gen;
    buf_release(&aff);
    return rc < 0 ? oom(err) : 0;
}

/* The item of a dimension record: an export line's Item, or the record itself. */
static const cJSON *record_item(const cJSON *rec)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(rec, "Item");
    return cJSON_IsObject(item) ? item : rec;
}

/* Puts one dimension item; a bad one is quarantined (and leaves no item of its key). */
static int put_item(struct state *s, const cJSON *item, const char *record, size_t len,
                    const char *source, long line, struct pipeline_report *rep, struct pw_error *err)
{
    char why[512], reason[600];
    int rc = dim_put(&s->dim, item, record, len, NULL, why, sizeof why);
    if (rc <= 0)
        return rc < 0 ? oom(err) : 0;
    struct buf key;
    buf_init(&key, 0);
    if (transform_dim_key(s->tf, item, &key, reason, sizeof reason) == 0)
        dim_remove(&s->dim, key.data, key.len);
    buf_release(&key);
    snprintf(reason, sizeof reason, "dimension item: %s", why);
    return state_reject(s, reason, record, len, source, line, rep, err);
}

/* ---- the snapshot ---- */

struct snapshot {
    struct buf text;        /* the decompressed snapshot; the map points into it */
    struct strmap records;  /* key text -> struct span */
    int found;
};

struct span {
    const char *p;
    size_t n;
};

static void snapshot_release(struct snapshot *sn)
{
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sn->records, &i, &slot);)
        free(slot->value);
    strmap_release(&sn->records);
    buf_release(&sn->text);
}

static int snapshot_read(struct state *s, struct snapshot *sn, struct pw_error *err)
{
    struct buf gz;
    memset(sn, 0, sizeof *sn);
    strmap_init(&sn->records);
    buf_init(&sn->text, MAX_DIMENSION_FILE);
    buf_init(&gz, MAX_DIMENSION_FILE);
    int rc = s->lake->ops->get(s->lake, LAKE_META, META_DIMENSION, &gz, err);
    if (rc == 0)
        rc = gz_decompress(gz.data, gz.len, &sn->text, err);
    buf_release(&gz);
    if (rc)
        return rc < 0 ? -1 : 0;
    sn->found = 1;
    const char *p = sn->text.data ? sn->text.data : "", *end = p + sn->text.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *tab = memchr(p, '\t', (size_t)((nl ? nl : end) - p));
        if (!nl || !tab)
            return pw_fail(err, PW_EXIT_FAILED, "the dimension snapshot of %s is damaged",
                           s->lake->where);
        struct span *sp = malloc(sizeof *sp);
        struct strmap_slot *slot = sp ? strmap_put(&sn->records, p, (size_t)(tab - p), NULL) : NULL;
        if (!slot) {
            free(sp);
            return oom(err);
        }
        free(slot->value);
        sp->p = tab + 1;
        sp->n = (size_t)(nl - tab - 1);
        slot->value = sp;
        p = nl + 1;
    }
    return 0;
}

int state_save_dimension(struct state *s, struct pw_error *err)
{
    if (!s->has_dim || !s->dim_dirty)
        return 0;
    const char **keys = NULL;
    size_t n = 0;
    struct buf text, gz;
    buf_init(&text, MAX_DIMENSION_FILE);
    buf_init(&gz, MAX_DIMENSION_FILE);
    int rc = dim_keys(&s->dim, &keys, &n) < 0 ? oom(err) : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t len;
        const char *rec = dim_record(&s->dim, keys[i], strlen(keys[i]), &len);
        if (buf_appends(&text, keys[i]) < 0 || buf_appendc(&text, '\t') < 0 ||
            buf_append(&text, rec, len) < 0 || buf_appendc(&text, '\n') < 0)
            rc = oom(err);
    }
    if (rc == 0)
        rc = gz_compress(text.data ? text.data : "", text.len, 1, &gz, err);
    if (rc == 0)
        rc = s->lake->ops->put(s->lake, LAKE_META, META_DIMENSION, gz.data ? gz.data : "", gz.len, err);
    if (rc == 0)
        s->dim_dirty = 0;
    free(keys);
    buf_release(&text);
    buf_release(&gz);
    return rc;
}

/* ---- loading ---- */

static int no_join(struct state *s, struct pw_error *err)
{
    (void)s;
    return pw_fail(err, PW_EXIT_USAGE, "the pipeline joins no dimension table");
}

/* Records every difference between the loaded dimension and the snapshot as a change. */
static int diff(struct state *s, const struct snapshot *sn, struct pipeline_report *rep,
                struct pw_error *err)
{
    const char **keys = NULL;
    size_t n = 0;
    if (dim_keys(&s->dim, &keys, &n) < 0)
        return oom(err);
    int rc = 0;
    uint64_t changes = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t len, klen = strlen(keys[i]);
        const char *rec = dim_record(&s->dim, keys[i], klen, &len);
        const struct span *old = strmap_get(&sn->records, keys[i], klen);
        if (old && old->n == len && memcmp(old->p, rec, len) == 0)
            continue;
        changes++;
        rc = state_dim_key_changed(s, keys[i], klen, err);
    }
    free(keys);
    struct strmap_slot *slot;
    for (size_t i = 0; rc == 0 && strmap_next(&sn->records, &i, &slot);) {
        if (dim_record(&s->dim, slot->key, slot->len, &(size_t){0}))
            continue;
        changes++;
        rc = state_dim_key_changed(s, slot->key, slot->len, err);
    }
    rep->dimension_changes += changes;
    s->dim_dirty = changes > 0 || !sn->found;
    return rc;
}

/* Every item of a JSON array (DynamoDB JSON items, or export lines). */
static int put_items(struct state *s, const cJSON *arr, const char *source,
                     struct pipeline_report *rep, struct pw_error *err)
{
    long i = 0;
    int rc = 0;
    for (const cJSON *e = arr ? arr->child : NULL; rc == 0 && e; e = e->next) {
        i++;
        char *text = cJSON_PrintUnformatted(e);
        if (!text)
            return oom(err);
        rc = put_item(s, record_item(e), text, strlen(text), source, i, rep, err);
        cJSON_free(text);
    }
    return rc;
}

/* A JSON array of items, read whole. */
static int load_array(struct state *s, const char *path, struct pipeline_report *rep,
                      struct pw_error *err)
{
    struct buf b;
    char chunk[65536];
    int n, rc = 0;
    buf_init(&b, MAX_DIMENSION_FILE);
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return pw_fail(err, PW_EXIT_FAILED, "opening '%s': cannot read it", path);
    while ((n = gzread(gz, chunk, sizeof chunk)) > 0)
        if (buf_append(&b, chunk, (size_t)n) < 0) {
            rc = pw_fail(err, PW_EXIT_FAILED, "reading '%s': too large or out of memory", path);
            break;
        }
    if (rc == 0 && n < 0)
        rc = pw_fail(err, PW_EXIT_FAILED, "reading '%s': not valid gzip", path);
    gzclose(gz);
    cJSON *arr = rc == 0 ? cJSON_ParseWithLength(b.data ? b.data : "", b.len) : NULL;
    buf_release(&b);
    if (rc == 0 && !cJSON_IsArray(arr))
        rc = pw_fail(err, PW_EXIT_FAILED, "'%s' is not a JSON array of DynamoDB JSON items, nor "
                     "export lines", path);
    if (rc == 0)
        rc = put_items(s, arr, path, rep, err);
    cJSON_Delete(arr);
    return rc;
}

/* Export lines ({"Item": ...}) or one item per line. */
static int load_lines(struct state *s, const char *path, struct pipeline_report *rep,
                      struct pw_error *err)
{
    struct input in;
    const char *line;
    size_t len;
    int rc, got;
    if (input_open(&in, path, err) < 0)
        return -1;
    rc = 0;
    while (rc == 0 && (got = input_next(&in, &line, &len, err)) > 0) {
        if (got == 2) {
            rc = state_reject(s, "dimension item longer than 4194304 bytes", line, len, path,
                              in.line, rep, err);
            continue;
        }
        cJSON *j = cJSON_ParseWithLength(line, len);
        if (!cJSON_IsObject(j))
            rc = state_reject(s, "dimension item: not a JSON object", line, len, path, in.line, rep,
                              err);
        else
            rc = put_item(s, record_item(j), line, len, path, in.line, rep, err);
        cJSON_Delete(j);
    }
    if (rc == 0 && got < 0)
        rc = -1;
    input_close(&in);
    return rc;
}

static int first_byte(const char *path, int *c, struct pw_error *err)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return pw_fail(err, PW_EXIT_FAILED, "opening '%s': cannot read it", path);
    do
        *c = gzgetc(gz);
    while (*c == ' ' || *c == '\n' || *c == '\r' || *c == '\t');
    gzclose(gz);
    return 0;
}

/* The whole table, from a file (path) or from items in memory, compared with the lake's copy:
 * what differs re-enriches the rows it affects. */
static int load_whole(struct state *s, const char *path, const cJSON *items, const char *source,
                      struct pipeline_report *rep, struct pw_error *err)
{
    struct snapshot sn;
    int c = -1;
    if (!s->tf->has_join)
        return no_join(s, err);
    if (path && first_byte(path, &c, err) < 0)
        return -1;
    int rc = snapshot_read(s, &sn, err);
    if (rc == 0)
        rc = !path ? put_items(s, items, source, rep, err)
           : c == '[' ? load_array(s, path, rep, err) : load_lines(s, path, rep, err);
    if (rc == 0)
        rc = diff(s, &sn, rep, err);
    snapshot_release(&sn);
    s->has_dim = rc == 0;
    rep->dimension_items = dim_count(&s->dim);
    return rc;
}

int state_load_dimension_file(struct state *s, const char *path, struct pipeline_report *rep,
                              struct pw_error *err)
{
    return load_whole(s, path, NULL, path, rep, err);
}

int state_load_dimension_items(struct state *s, const cJSON *items, const char *source,
                               struct pipeline_report *rep, struct pw_error *err)
{
    return load_whole(s, NULL, items, source, rep, err);
}

int state_load_dimension_snapshot(struct state *s, struct pipeline_report *rep,
                                  struct pw_error *err)
{
    struct snapshot sn;
    if (!s->tf->has_join)
        return no_join(s, err);
    int rc = snapshot_read(s, &sn, err);
    if (rc == 0 && !sn.found)
        rc = pw_fail(err, PW_EXIT_FAILED, "the pipeline joins table '%s', and the lake at %s has no "
                     "copy of it yet: load the dimension table (pipeline run --dimension-file)",
                     s->tf->pl->join.table_ref.v, s->lake->where);
    struct strmap_slot *slot;
    for (size_t i = 0; rc == 0 && strmap_next(&sn.records, &i, &slot);) {
        const struct span *sp = slot->value;
        cJSON *j = cJSON_ParseWithLength(sp->p, sp->n);
        if (!j)
            rc = pw_fail(err, PW_EXIT_FAILED, "the dimension snapshot of %s is damaged",
                         s->lake->where);
        else
            rc = put_item(s, record_item(j), sp->p, sp->n, "the dimension snapshot", 0, rep, err);
        cJSON_Delete(j);
    }
    snapshot_release(&sn);
    s->has_dim = rc == 0;
    rep->dimension_items = dim_count(&s->dim);
    return rc;
}

static int apply_dimension(struct state *s, const struct change *c, struct pipeline_report *rep,
                           struct pw_error *err);

int state_apply_dimension(struct state *s, const struct change *c, struct pipeline_report *rep,
                          struct pw_error *err)
{
    if (!s->tf->has_join)
        return no_join(s, err);
    return state_with_record(s, c, apply_dimension, rep, err);
}

static int apply_dimension(struct state *s, const struct change *c, struct pipeline_report *rep,
                           struct pw_error *err)
{
    char why[512], reason[600];
    struct buf key;
    buf_init(&key, 0);
    int rc = ddb_check_item(c->keys, why, sizeof why) < 0 ? 1
           : transform_dim_key(s->tf, c->keys, &key, why, sizeof why);
    if (rc) {
        buf_release(&key);
        snprintf(reason, sizeof reason, "dimension item: %s", why);
        return rc < 0 ? oom(err) : state_reject(s, reason, c->record, c->record_len, c->source,
                                                c->line, rep, err);
    }
    if (c->op == CHANGE_REMOVE)
        dim_remove(&s->dim, key.data, key.len);
    else
        rc = put_item(s, c->new_image, c->record, c->record_len, c->source, c->line, rep, err);
    if (rc == 0)
        rc = state_dim_key_changed(s, key.data, key.len, err);
    buf_release(&key);
    s->has_dim = 1;
    s->dim_dirty = 1;
    rep->dimension_changes++;
    rep->dimension_items = dim_count(&s->dim);
    return rc;
}
