/* lake_s3.c — a lake in an S3 bucket, catalogued in Glue (see lake.h, docs/transform.md §7).
 *
 *   s3://<bucket>/<prefix><part>/<version>/{part-*, _state.gz, _manifest.json}
 *   s3://<bucket>/<stem>_pipewright/<name>            the pipeline's own objects
 *   s3://<bucket>/<quarantine_prefix><name>, <changes_prefix><name>
 *
 * The current version of a partition is the location of its Glue partition: readers (Athena)
 * go through the catalog, so switching the location in one UpdatePartition (CreatePartition for
 * a new one) switches what every new query reads, atomically; the old version's objects stay
 * for the grace period. S3 writes are durable when PutObject answers, so sync has nothing to do.
 *
 * Files are buffered and sent with one PutObject when closed (no multipart: a data file is at
 * most target_file_size), and read with one GetObject. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline/lake.h"
#include "pipeline/strmap.h"
#include "provision/aws/client.h"
#include "provision/aws/xml.h"
#include "provision/calls.h"
#include "provision/s3.h"
#include "provision/xmlw.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define DELETE_BATCH 1000

struct s3_lake {
    struct lake base;
    struct aws_client *client;
    char *bucket;
    char *prefix;           /* the table's folder: "" or ending with '/' */
    char *areas[3];         /* key prefixes of LAKE_META, LAKE_QUARANTINE, LAKE_CHANGES */
    char *database, *table;
    cJSON *sd;              /* the table's StorageDescriptor, the model of each partition's */
    struct strmap catalog;  /* partition folder -> its version in Glue (load_catalog) */
    int catalog_loaded;
};

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

static char *key_of(const char *a, const char *b, const char *c, const char *d)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + strlen(d) + 4;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s%s%s%s%s%s%s", a, b, *c ? "/" : "", c, *d ? "/" : "", d, "");
    return k;
}

/* The partition's value, as Glue keeps it: the path's "name=value" with Hive's %XX undone. */
static char *part_value(const char *part)
{
    const char *eq = strchr(part, '=');
    const char *v = eq ? eq + 1 : part;
    char *out = malloc(strlen(v) + 1), *o = out;
    if (!out)
        return NULL;
    for (; *v; v++) {
        unsigned int c;
        if (v[0] == '%' && sscanf(v + 1, "%2x", &c) == 1 && v[1] && v[2]) {
            *o++ = (char)c;
            v += 2;
        } else {
            *o++ = *v;
        }
    }
    *o = '\0';
    return out;
}

/* ---- streams ---- */

struct s3_stream {
    struct lake_stream base;
    struct s3_lake *sl;
    char *key;              /* writing: where close puts it; NULL when reading */
    struct buf data;
    size_t pos;
};

static long ss_io(struct lake_stream *s, void *data, size_t n, struct pw_error *err)
{
    struct s3_stream *st = (struct s3_stream *)s;
    if (st->key)
        return buf_append(&st->data, data, n) == 0 ? 0 : pw_fail(err, PW_EXIT_FAILED, "s3 object "
                          "'%s': larger than memory allows", st->key);
    size_t left = st->data.len - st->pos;
    size_t take = n < left ? n : left;
    memcpy(data, st->data.data + st->pos, take);
    st->pos += take;
    return (long)take;
}

static int put_object(struct s3_lake *sl, const char *key, const void *data, size_t n,
                      struct pw_error *err)
{
    struct s3_call call;
    s3_call_init(&call, "PutObject", "PUT", sl->bucket, NULL);
    call.key = key;
    call.body = n ? data : "";
    call.body_len = n;
    call.content_type = "application/octet-stream";
    int rc = s3_run1(sl->client, &call, err);
    s3_call_release(&call);
    return rc;
}

static int ss_close(struct lake_stream *s, int ok, struct pw_error *err)
{
    struct s3_stream *st = (struct s3_stream *)s;
    int rc = st->key && ok ? put_object(st->sl, st->key, st->data.data, st->data.len, err) : 0;
    free(st->key);
    buf_release(&st->data);
    free(st);
    return rc;
}

static struct s3_stream *stream_new(struct s3_lake *sl)
{
    struct s3_stream *st = calloc(1, sizeof *st);
    if (st) {
        st->base.io = ss_io;
        st->base.close = ss_close;
        st->sl = sl;
        buf_init(&st->data, (size_t)6 << 30);
    }
    return st;
}

static int get_object(struct s3_lake *sl, const char *key, struct buf *out, struct pw_error *err)
{
    return s3_get_object(sl->client, sl->bucket, key, out, err);
}

/* ---- listings ---- */

struct listing {
    const char *prefix;
    size_t plen;
    int keys;
    struct lake_names *out;
};

/* Keeps a key, or the name of a common prefix without the prefix and its '/' ("v=..."),
 * skipping the lake's own names (_..., .*). */
static int list_one(void *ctx, const char *k, struct pw_error *err)
{
    struct listing *li = ctx;
    if (strncmp(k, li->prefix, li->plen) != 0)
        return 0;
    char *name = li->keys ? strdup(k) : strndup(k + li->plen, strlen(k + li->plen) -
                                                            (k[strlen(k) - 1] == '/'));
    if (!name)
        return oom(err);
    int rc = 0;
    if (li->keys || (name[0] && name[0] != '_' && name[0] != '.'))
        rc = lake_names_add(li->out, name) < 0 ? oom(err) : 0;
    free(name);
    return rc;
}

/* The names just below prefix ("createdAt_date=2024-01-01", "v=..."): common prefixes of a
 * delimited listing, every page. keys: the objects' keys instead (no delimiter). */
static int list(struct s3_lake *sl, const char *prefix, int keys, struct lake_names *out,
                struct pw_error *err)
{
    struct listing li = {.prefix = prefix, .plen = strlen(prefix), .keys = keys, .out = out};
    int rc = s3_list(sl->client, sl->bucket, prefix, !keys, list_one, &li, err);
    lake_names_sort(out);
    return rc;
}

/* ---- Glue ---- */

static cJSON *glue_input(const struct s3_lake *sl, const char *table_key)
{
    cJSON *in = cJSON_CreateObject();
    if (in && (!cJSON_AddStringToObject(in, "DatabaseName", sl->database) ||
               !cJSON_AddStringToObject(in, table_key, sl->table))) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

static cJSON *values_of(const char *part)
{
    char *v = part_value(part);
    cJSON *arr = v ? cJSON_CreateArray() : NULL, *s = arr ? cJSON_CreateString(v) : NULL;
    free(v);
    if (!s) {
        cJSON_Delete(arr);
        return NULL;
    }
    cJSON_AddItemToArray(arr, s);
    return arr;
}

/* A Glue call on one partition ({DatabaseName, TableName, PartitionValues}). */
static int partition_call(struct s3_lake *sl, const char *op, const char *part, cJSON **out,
                          struct pw_error *err)
{
    cJSON *in = glue_input(sl, "TableName"), *vals = values_of(part);
    if (!in || !vals) {
        cJSON_Delete(in);
        cJSON_Delete(vals);
        return oom(err);
    }
    cJSON_AddItemToObject(in, "PartitionValues", vals);
    int rc = aws_json_call(sl->client, "glue", op, in, out, err);
    cJSON_Delete(in);
    return rc;
}

/* The catalog's partitions (folder name -> version), read with GetPartitions once per hold of
 * the writers' lock (sl_lock forgets it) and kept current by this lake's own switches meanwhile,
 * so a batch asks Glue once, not once per partition. */
static int load_catalog(struct s3_lake *sl, struct pw_error *err)
{
    char *token = NULL;
    int rc = 0;
    if (sl->catalog_loaded)
        return 0;
    size_t n = strlen(sl->bucket) + strlen(sl->prefix) + 8;
    char *base = malloc(n);
    if (!base)
        return oom(err);
    snprintf(base, n, "s3://%s/%s", sl->bucket, sl->prefix);
    do {
        cJSON *in = glue_input(sl, "TableName"), *res = NULL;
        if (!in || (token && !cJSON_AddStringToObject(in, "NextToken", token)))
            rc = oom(err);
        free(token);
        token = NULL;
        if (rc == 0)
            rc = aws_json_call(sl->client, "glue", "GetPartitions", in, &res, err);
        cJSON_Delete(in);
        const cJSON *p, *parts = rc == 0 ? cJSON_GetObjectItemCaseSensitive(res, "Partitions") : NULL;
        cJSON_ArrayForEach(p, parts) {
            const char *loc = json_str(cJSON_GetObjectItemCaseSensitive(p, "StorageDescriptor"),
                                       "Location");
            /* s3://bucket/prefix/<folder>/<version>/ */
            const char *rest = loc && strncmp(loc, base, strlen(base)) == 0 ? loc + strlen(base) : NULL;
            const char *slash = rest ? strchr(rest, '/') : NULL;
            if (!slash) {
                rc = pw_fail(err, PW_EXIT_FAILED, "a Glue partition of %s.%s points at '%s', outside "
                             "%s", sl->database, sl->table, loc ? loc : "", base);
                break;
            }
            const char *v = slash + 1, *vend = strchr(v, '/');
            char *version = strndup(v, vend ? (size_t)(vend - v) : strlen(v));
            struct strmap_slot *slot = version ? strmap_put(&sl->catalog, rest,
                                                            (size_t)(slash - rest), NULL) : NULL;
            if (!slot) {
                free(version);
                rc = oom(err);
                break;
            }
            free(slot->value);
            slot->value = version;
        }
        const char *next = json_str(res, "NextToken");
        if (rc == 0 && next && next[0])
            token = strdup(next);
        cJSON_Delete(res);
    } while (rc == 0 && token);
    free(token);
    free(base);
    sl->catalog_loaded = rc == 0;
    return rc;
}

/* The catalog now says version (NULL: no partition). */
static int catalog_set(struct s3_lake *sl, const char *part, const char *version)
{
    if (!version) {
        free(strmap_remove(&sl->catalog, part, strlen(part)));
        return 0;
    }
    char *v = strdup(version);
    struct strmap_slot *slot = v ? strmap_put(&sl->catalog, part, strlen(part), NULL) : NULL;
    if (!slot) {
        free(v);
        return -1;
    }
    free(slot->value);
    slot->value = v;
    return 0;
}

static int sl_current(struct lake *l, const char *part, struct buf *version, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    if (load_catalog(sl, err) < 0)
        return -1;
    const char *v = strmap_get(&sl->catalog, part, strlen(part));
    if (!v)
        return 0;
    if (strncmp(v, "v=", 2) != 0)
        return pw_fail(err, PW_EXIT_FAILED, "the Glue partition %s of %s.%s points at '%s', not at "
                       "a version written by pipewright", part, sl->database, sl->table, v);
    return buf_appends(version, v) < 0 ? oom(err) : 0;
}

static int sl_partitions(struct lake *l, int stored, struct lake_names *out, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    if (stored)
        return list(sl, sl->prefix, 0, out, err);
    if (load_catalog(sl, err) < 0)
        return -1;
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sl->catalog, &i, &slot);)
        if (lake_names_add(out, slot->key) < 0)
            return oom(err);
    lake_names_sort(out);
    return 0;
}

static int sl_versions(struct lake *l, const char *part, struct lake_names *out, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    char *p = key_of(sl->prefix, part, "", "");
    size_t n = p ? strlen(p) : 0;
    char *pre = p ? realloc(p, n + 2) : NULL;
    if (!pre) {
        free(p);
        return oom(err);
    }
    pre[n] = '/';
    pre[n + 1] = '\0';
    int rc = list(sl, pre, 0, out, err);
    free(pre);
    return rc;
}

static int sl_create(struct lake *l, const char *part, const char *version, const char *name,
                     struct lake_stream **out, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    struct s3_stream *st = stream_new(sl);
    if (!st || !(st->key = key_of(sl->prefix, part, version, name))) {
        free(st);
        return oom(err);
    }
    *out = &st->base;
    return 0;
}

static int sl_open(struct lake *l, const char *part, const char *version, const char *name,
                   struct lake_stream **out, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    struct s3_stream *st = stream_new(sl);
    char *key = key_of(sl->prefix, part, version, name);
    if (!st || !key) {
        free(st);
        free(key);
        return oom(err);
    }
    int rc = get_object(sl, key, &st->data, err);
    free(key);
    if (rc) {
        ss_close(&st->base, 0, err);
        return rc;
    }
    *out = &st->base;
    return 0;
}

static int partition_input(struct s3_lake *sl, const char *part, const char *version, cJSON **out)
{
    char *key = key_of(sl->prefix, part, version, "");
    size_t n = key ? strlen(sl->bucket) + strlen(key) + 8 : 0;
    char *loc = key ? malloc(n) : NULL;
    cJSON *in = cJSON_CreateObject(), *sd = cJSON_Duplicate(sl->sd, 1), *vals = values_of(part);
    int rc = loc && in && sd && vals ? 0 : -1;
    if (rc == 0) {
        snprintf(loc, n, "s3://%s/%s/", sl->bucket, key);
        cJSON_DeleteItemFromObjectCaseSensitive(sd, "Location");
        rc = cJSON_AddStringToObject(sd, "Location", loc) ? 0 : -1;
    }
    if (rc == 0) {
        cJSON_AddItemToObject(in, "Values", vals);
        cJSON_AddItemToObject(in, "StorageDescriptor", sd);
        vals = sd = NULL;
        *out = in;
        in = NULL;
    }
    cJSON_Delete(in);
    cJSON_Delete(sd);
    cJSON_Delete(vals);
    free(key);
    free(loc);
    return rc;
}

/* A partition switched to version in one call: UpdatePartition, or CreatePartition when the
 * catalog has none yet. */
static int switch_partition(struct s3_lake *sl, const char *part, const char *version,
                            struct pw_error *err)
{
    cJSON *pi = NULL, *in = glue_input(sl, "TableName"), *out = NULL;
    if (!in || partition_input(sl, part, version, &pi) < 0) {
        cJSON_Delete(in);
        return oom(err);
    }
    cJSON_AddItemToObject(in, "PartitionInput", pi);
    cJSON *vals = values_of(part);
    if (!vals) {
        cJSON_Delete(in);
        return oom(err);
    }
    cJSON_AddItemToObject(in, "PartitionValueList", vals);
    int rc = aws_json_call(sl->client, "glue", "UpdatePartition", in, &out, err);
    if (rc < 0 && strcmp(err->code, "EntityNotFoundException") == 0) {
        cJSON_DeleteItemFromObjectCaseSensitive(in, "PartitionValueList");
        rc = aws_json_call(sl->client, "glue", "CreatePartition", in, &out, err);
    }
    cJSON_Delete(out);
    cJSON_Delete(in);
    if (rc == 0 && catalog_set(sl, part, version) < 0)
        rc = oom(err);
    return rc;
}

#define GLUE_BATCH 100     /* BatchUpdatePartition's and BatchCreatePartition's limit */

/* One Batch*Partition call for parts[from, to): the partitions it could not switch because they
 * do not exist (update) are added to missing; any other refusal fails. */
static int batch_switch(struct s3_lake *sl, const char *op, const struct lake_names *parts,
                        size_t from, size_t to, const char *version, struct lake_names *missing,
                        struct pw_error *err)
{
    int update = strcmp(op, "BatchUpdatePartition") == 0;
    cJSON *in = glue_input(sl, "TableName"), *out = NULL;
    cJSON *list = in ? cJSON_AddArrayToObject(in, update ? "Entries" : "PartitionInputList") : NULL;
    int rc = list ? 0 : oom(err);
    for (size_t i = from; rc == 0 && i < to; i++) {
        cJSON *pi = NULL, *vals = NULL, *entry = update ? cJSON_CreateObject() : NULL;
        if (partition_input(sl, parts->items[i], version, &pi) < 0 || (update && !entry) ||
            (update && !(vals = values_of(parts->items[i])))) {
            cJSON_Delete(pi);
            cJSON_Delete(entry);
            rc = oom(err);
            break;
        }
        if (update) {
            cJSON_AddItemToObject(entry, "PartitionValueList", vals);
            cJSON_AddItemToObject(entry, "PartitionInput", pi);
            cJSON_AddItemToArray(list, entry);
        } else {
            cJSON_AddItemToArray(list, pi);
        }
    }
    if (rc == 0)
        rc = aws_json_call(sl->client, "glue", op, in, &out, err);
    const cJSON *e;
    const cJSON *errors = rc == 0 ? cJSON_GetObjectItemCaseSensitive(out, "Errors") : NULL;
    cJSON_ArrayForEach(e, errors) {
        const cJSON *detail = cJSON_GetObjectItemCaseSensitive(e, "ErrorDetail");
        const char *code = json_str(detail, "ErrorCode");
        const cJSON *v = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e,
                                            update ? "PartitionValueList" : "PartitionValues"), 0);
        int absent = update && code && strcmp(code, "EntityNotFoundException") == 0;
        int exists = !update && code && strcmp(code, "AlreadyExistsException") == 0;
        if ((absent || exists) && cJSON_IsString(v)) {
            /* Back from the value to the partition's folder name: an absent one is created by
             * the caller, one created meanwhile is switched with a call of its own. */
            for (size_t i = from; rc == 0 && i < to; i++) {
                char *pv = part_value(parts->items[i]);
                int same = pv && strcmp(pv, v->valuestring) == 0;
                free(pv);
                if (same && absent && lake_names_add(missing, parts->items[i]) < 0)
                    rc = oom(err);
                else if (same && exists)
                    rc = switch_partition(sl, parts->items[i], version, err);
            }
        } else if (rc == 0) {
            rc = pw_fail(err, PW_EXIT_FAILED, "glue %s %s.%s: partition '%s': %s: %s", op,
                         sl->database, sl->table, cJSON_IsString(v) ? v->valuestring : "?",
                         code ? code : "?", json_str(detail, "ErrorMessage") ?
                         json_str(detail, "ErrorMessage") : "");
        }
    }
    cJSON_Delete(out);
    cJSON_Delete(in);
    return rc;
}

/* Every partition switched to version: BatchUpdatePartition, 100 at a time, then
 * BatchCreatePartition for those the catalog does not have yet. */
static int sl_publish_all(struct lake *l, const struct lake_names *parts, const char *version,
                          struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    struct lake_names missing = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < parts->n; i += GLUE_BATCH)
        rc = batch_switch(sl, "BatchUpdatePartition", parts, i,
                          i + GLUE_BATCH < parts->n ? i + GLUE_BATCH : parts->n, version, &missing, err);
    for (size_t i = 0; rc == 0 && i < missing.n; i += GLUE_BATCH)
        rc = batch_switch(sl, "BatchCreatePartition", &missing, i,
                          i + GLUE_BATCH < missing.n ? i + GLUE_BATCH : missing.n, version, NULL, err);
    for (size_t i = 0; rc == 0 && i < parts->n; i++)
        if (catalog_set(sl, parts->items[i], version) < 0)
            rc = oom(err);
    lake_names_release(&missing);
    return rc;
}

static int sl_publish(struct lake *l, const char *part, const char *version, const char *tomb,
                      struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    if (version)
        return switch_partition(sl, part, version, err);
    cJSON *out = NULL;
    int rc = partition_call(sl, "DeletePartition", part, &out, err);
    cJSON_Delete(out);
    if (rc < 0 && strcmp(err->code, "EntityNotFoundException") != 0)
        return -1;
    catalog_set(sl, part, NULL);
    if (!tomb)
        return 0;
    char *key = key_of(sl->prefix, part, tomb, "_removed");
    rc = key ? put_object(sl, key, "", 0, err) : oom(err);
    free(key);
    return rc;
}

static int delete_keys(struct s3_lake *sl, const struct lake_names *keys, size_t from, size_t to,
                       struct pw_error *err)
{
    struct buf body;
    struct xmlw w;
    struct s3_call call;
    buf_init(&body, 0);
    s3_call_init(&call, "DeleteObjects", "POST", sl->bucket, "delete");
    xmlw_init(&w, &body, "Delete", S3_NS);
    xmlw_elem(&w, "Quiet", "true");
    for (size_t i = from; i < to; i++) {
        xmlw_open(&w, "Object");
        xmlw_elem(&w, "Key", keys->items[i]);
        xmlw_close(&w);
    }
    int rc = xmlw_finish(&w) < 0 ? oom(err) : 0;
    if (rc == 0) {
        call.body = body.data;
        call.body_len = body.len;
        rc = s3_run1(sl->client, &call, err);
    }
    const struct xml_node *e = rc == 0 ? xml_child(call.xml, "Error") : NULL;
    if (e)
        rc = pw_fail(err, PW_EXIT_FAILED, "s3 DeleteObjects '%s': '%s' was not deleted: %s",
                     sl->bucket, xml_text(e, "Key") ? xml_text(e, "Key") : "?",
                     xml_text(e, "Code") ? xml_text(e, "Code") : "?");
    s3_call_release(&call);
    buf_release(&body);
    return rc;
}

static int sl_discard(struct lake *l, const char *part, const char *version, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    struct lake_names keys = {0};
    char *pre = key_of(sl->prefix, part, version, "x");
    if (!pre)
        return oom(err);
    pre[strlen(pre) - 1] = '\0';            /* ".../v=.../" */
    int rc = list(sl, pre, 1, &keys, err);
    for (size_t i = 0; rc == 0 && i < keys.n; i += DELETE_BATCH)
        rc = delete_keys(sl, &keys, i, i + DELETE_BATCH < keys.n ? i + DELETE_BATCH : keys.n, err);
    lake_names_release(&keys);
    free(pre);
    return rc;
}

static int sl_put(struct lake *l, enum lake_area area, const char *name, const void *data, size_t n,
                  struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    char *key = key_of(sl->areas[area], name, "", "");
    int rc = key ? put_object(sl, key, data, n, err) : oom(err);
    free(key);
    return rc;
}

static int sl_get(struct lake *l, enum lake_area area, const char *name, struct buf *out,
                  struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    char *key = key_of(sl->areas[area], name, "", "");
    int rc = key ? get_object(sl, key, out, err) : oom(err);
    free(key);
    return rc;
}

/* S3 has no lock of its own: runners that share the lake wrap it in the writers' lock of the
 * checkpoint table (lake_guard.h, writers_lock.h), which is taken after this. What this lock
 * does is forget the catalog read before: another runner may have switched partitions since,
 * so a batch reads the catalog afresh under the lock (one GetPartitions walk per batch). */
static int sl_lock(struct lake *l, struct pw_error *err)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    (void)err;
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sl->catalog, &i, &slot);)
        free(slot->value);
    strmap_release(&sl->catalog);
    strmap_init(&sl->catalog);
    sl->catalog_loaded = 0;
    return 0;
}

static void sl_unlock(struct lake *l)
{
    (void)l;
}

static int sl_sync(struct lake *l, struct pw_error *err)
{
    (void)l;
    (void)err;
    return 0;           /* a PutObject that answered is durable */
}

static void sl_free(struct lake *l)
{
    struct s3_lake *sl = (struct s3_lake *)l;
    free(sl->base.where);
    free(sl->bucket);
    free(sl->prefix);
    for (size_t i = 0; i < 3; i++)
        free(sl->areas[i]);
    free(sl->database);
    free(sl->table);
    cJSON_Delete(sl->sd);
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sl->catalog, &i, &slot);)
        free(slot->value);
    strmap_release(&sl->catalog);
    free(sl);
}

static const struct lake_ops s3_ops = {
    .scheme = "s3",
    .current = sl_current,
    .partitions = sl_partitions,
    .versions = sl_versions,
    .create = sl_create,
    .open = sl_open,
    .lock = sl_lock,
    .unlock = sl_unlock,
    .sync = sl_sync,
    .publish = sl_publish,
    .publish_all = sl_publish_all,
    .discard = sl_discard,
    .put = sl_put,
    .get = sl_get,
    .free = sl_free,
};

/* The table's storage descriptor, and a check that it is partitioned as the pipeline is. */
static int read_table(struct s3_lake *sl, const char *part_as, struct pw_error *err)
{
    cJSON *in = glue_input(sl, "Name"), *out = NULL;
    if (!in)
        return oom(err);
    int rc = aws_json_call(sl->client, "glue", "GetTable", in, &out, err);
    cJSON_Delete(in);
    if (rc < 0) {
        if (strcmp(err->code, "EntityNotFoundException") == 0)
            pw_error_prefix(err, "the pipeline's Glue table %s.%s does not exist (pipewright up "
                            "creates it)", sl->database, sl->table);
        return -1;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(out, "Table");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(t, "PartitionKeys");
    const char *k0 = json_str(cJSON_GetArrayItem(keys, 0), "Name");
    if (!k0 || strcmp(k0, part_as) != 0 || cJSON_GetArraySize(keys) != 1)
        rc = pw_fail(err, PW_EXIT_FAILED, "the Glue table %s.%s is partitioned by '%s', the "
                     "pipeline by '%s': run pipewright up", sl->database, sl->table,
                     k0 ? k0 : "nothing", part_as);
    else if (!(sl->sd = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(t, "StorageDescriptor"), 1)))
        rc = pw_fail(err, PW_EXIT_FAILED, "the Glue table %s.%s has no storage descriptor",
                     sl->database, sl->table);
    cJSON_Delete(out);
    return rc;
}

int lake_s3_open(struct aws_client *client, const struct lake_s3_options *o, struct lake **out,
                 struct pw_error *err)
{
    *out = NULL;
    if (!o->part_as || !o->part_as[0])
        return pw_fail(err, PW_EXIT_SPEC, "an S3 lake needs a partitioned pipeline (the catalog "
                       "switches partitions); add 'partition' or write to file://");
    struct s3_lake *sl = calloc(1, sizeof *sl);
    if (!sl)
        return oom(err);
    sl->base.ops = &s3_ops;
    sl->client = client;
    strmap_init(&sl->catalog);
    size_t plen = strlen(o->prefix);
    char *stem = strndup(o->prefix, plen && o->prefix[plen - 1] == '/' ? plen - 1 : plen);
    sl->bucket = strdup(o->bucket);
    sl->prefix = strdup(o->prefix);
    sl->areas[LAKE_META] = stem ? key_of(stem, stem[0] ? "_pipewright/" : "_pipewright/", "", "")
                                : NULL;
    sl->areas[LAKE_QUARANTINE] = strdup(o->quarantine_prefix);
    sl->areas[LAKE_CHANGES] = strdup(o->changes_prefix);
    sl->database = strdup(o->database);
    sl->table = strdup(o->table);
    size_t wn = strlen(o->bucket) + plen + 8;
    if ((sl->base.where = malloc(wn)))
        snprintf(sl->base.where, wn, "s3://%s/%s", o->bucket, o->prefix);
    free(stem);
    if (!sl->bucket || !sl->prefix || !sl->areas[0] || !sl->areas[1] || !sl->areas[2] ||
        !sl->database || !sl->table || !sl->base.where) {
        sl_free(&sl->base);
        return oom(err);
    }
    if (read_table(sl, o->part_as, err) < 0) {
        sl_free(&sl->base);
        return -1;
    }
    *out = &sl->base;
    return 0;
}
