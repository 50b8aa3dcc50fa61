/* seed_mutate.c — `seed --mutate N`: the change workload the pipeline must handle. N items of
 * the table, chosen at random, are modified (UpdateItem: one non-key value changes) or deleted
 * (DeleteItem), so the table's stream carries MODIFY and REMOVE records.
 *
 * Reproducible: the items are read with a paginated Scan and sorted by key (a Scan's order is
 * the service's business), then every choice comes from rng_init(--seed, STREAM_MUTATE, ...).
 * A quarter of the N (at least one when N >= 2) are deletions, the rest modifications. A
 * modification picks one value among the item's non-key strings, numbers and booleans, and the
 * fields of the maps in its lists (progressDetails[1].userCampaignTaskProgressState): a number
 * grows by 1 to 3 (DynamoDB does the arithmetic, so decimals stay exact), a boolean flips, and
 * a string takes a value the same attribute has in another item (INPROGRESS → COMPLETED), so
 * states stay states. An item with nothing to change is deleted instead. Every request is
 * conditional on the item still existing: one deleted meanwhile is counted as gone, never
 * recreated by an update. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/rng.h"
#include "pipeline/seed_int.h"
#include "provision/aws/workers.h"
#include "provision/calls.h"

enum { STREAM_MUTATE = 10 };
#define PROBES 16                   /* other items looked at for a string's new value */

struct scanned {
    cJSON *item;
    char *key;                      /* canonical, for sorting */
};

/* One value that can change: attr, or attr[index].field. */
struct leaf {
    const char *attr;
    long index;                     /* -1: the attribute itself */
    const char *field;
};

struct mutation {
    const char *operation;          /* "UpdateItem" or "DeleteItem" */
    cJSON *input;
    struct seed_meter *meter;
    int gone;
};

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct scanned *)a)->key, ((const struct scanned *)b)->key);
}

/* Every item of the table, sorted by key. */
static int scan_all(struct aws_client *c, const char *table, const struct ddb_key_schema *ks,
                    struct scanned **out, size_t *n, struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *page = NULL;
    struct scanned *items = NULL;
    size_t cap = 0;
    struct buf key;
    char msg[512];
    int rc = -1;
    buf_init(&key, 0);
    *n = 0;
    if (!in || !cJSON_AddStringToObject(in, "TableName", table))
        goto oom;
    for (;;) {
        if (aws_json_call(c, "dynamodb", "Scan", in, &page, err) < 0)
            goto out;
        cJSON *list = cJSON_GetObjectItemCaseSensitive(page, "Items");
        while (cJSON_GetArraySize(list) > 0) {
            cJSON *it = cJSON_DetachItemFromArray(list, 0);
            if (*n == cap) {
                cap = cap ? cap * 2 : 256;
                struct scanned *more = realloc(items, cap * sizeof *more);
                if (!more) {
                    cJSON_Delete(it);
                    goto oom;
                }
                items = more;
            }
            /* The key's canonical form (filled first; an item DynamoDB holds has its key,
             * whatever else the check might say about it). */
            (void)ddb_item_check(it, ks, &key, NULL, msg, sizeof msg);
            items[*n] = (struct scanned){it, strdup(key.data ? key.data : "")};
            if (!items[(*n)++].key)
                goto oom;
        }
        cJSON *last = cJSON_DetachItemFromObjectCaseSensitive(page, "LastEvaluatedKey");
        cJSON_Delete(page);
        page = NULL;
        cJSON_DeleteItemFromObjectCaseSensitive(in, "ExclusiveStartKey");
        if (!last)
            break;
        cJSON_AddItemToObject(in, "ExclusiveStartKey", last);
    }
    qsort(items, *n, sizeof *items, by_key);
    *out = items;
    items = NULL;
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    for (size_t i = 0; items && i < *n; i++) {
        cJSON_Delete(items[i].item);
        free(items[i].key);
    }
    free(items);
    if (rc < 0)
        *n = 0;
    cJSON_Delete(page);
    cJSON_Delete(in);
    buf_release(&key);
    return rc;
}

static int is_key(const struct ddb_key_schema *ks, const char *name)
{
    return strcmp(name, ks->hash) == 0 || (ks->range && strcmp(name, ks->range) == 0);
}

/* The type of a DynamoDB JSON value ("S", "N", ...), or "" */
static const char *type_of(const cJSON *av)
{
    return cJSON_IsObject(av) && av->child && av->child->string ? av->child->string : "";
}

static int scalar(const cJSON *av)
{
    const char *t = type_of(av);
    return strcmp(t, "S") == 0 || strcmp(t, "N") == 0 || strcmp(t, "BOOL") == 0;
}

static const cJSON *leaf_value(const cJSON *item, const struct leaf *l)
{
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, l->attr);
    if (l->index < 0)
        return av;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(av, "L");
    const cJSON *e = cJSON_GetArrayItem(list, (int)l->index);
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "M"), l->field);
}

/* Every value of the item that can change, in a stable order (members as DynamoDB returned
 * them can come in any order, so by name). */
static size_t leaves_of(const cJSON *item, const struct ddb_key_schema *ks, struct leaf *out, size_t max)
{
    size_t n = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, item) {
        if (is_key(ks, a->string))
            continue;
        if (scalar(a) && n < max) {
            out[n++] = (struct leaf){a->string, -1, NULL};
            continue;
        }
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(a, "L"), *e;
        long i = 0;
        cJSON_ArrayForEach(e, list) {
            const cJSON *f;
            cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(e, "M"))
                if (scalar(f) && n < max)
                    out[n++] = (struct leaf){a->string, i, f->string};
            i++;
        }
    }
    for (size_t x = 1; x < n; x++)         /* insertion sort: a few dozen leaves at most */
        for (size_t y = x; y > 0; y--) {
            int c = strcmp(out[y - 1].attr, out[y].attr);
            if (!c)
                c = out[y - 1].index < out[y].index ? -1 : out[y - 1].index > out[y].index;
            if (!c && out[y].field)
                c = strcmp(out[y - 1].field, out[y].field);
            if (c <= 0)
                break;
            struct leaf t = out[y];
            out[y] = out[y - 1];
            out[y - 1] = t;
        }
    return n;
}

/* A string the same leaf holds in another item (any element of its list), different from
 * now; NULL when a few random items offer none. */
static const char *other_string(const struct scanned *items, size_t n, const struct leaf *l,
                                const char *now, struct rng *r)
{
    for (int p = 0; p < PROBES; p++) {
        const cJSON *item = items[rng_below(r, n)].item, *v;
        if (l->index < 0) {
            v = leaf_value(item, l);
        } else {
            const cJSON *list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, l->attr), "L");
            int len = cJSON_GetArraySize(list);
            struct leaf at = {l->attr, len ? (long)rng_below(r, (uint64_t)len) : 0, l->field};
            v = len ? leaf_value(item, &at) : NULL;
        }
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(v, "S");
        if (cJSON_IsString(s) && strcmp(s->valuestring, now) != 0)
            return s->valuestring;
    }
    return NULL;
}

/* {"<type>": text} or {"BOOL": b}; NULL when out of memory. */
static cJSON *typed(const char *type, const char *text, int b)
{
    cJSON *v = cJSON_CreateObject();
    if (v && !(text ? cJSON_AddStringToObject(v, type, text) : cJSON_AddBoolToObject(v, type, b))) {
        cJSON_Delete(v);
        return NULL;
    }
    return v;
}

static cJSON *key_of(const cJSON *item, const struct ddb_key_schema *ks)
{
    cJSON *key = cJSON_CreateObject();
    const char *names[2] = {ks->hash, ks->range};
    for (int i = 0; key && i < 2 && names[i]; i++) {
        cJSON *v = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, names[i]), 1);
        if (!v || !cJSON_AddItemToObject(key, names[i], v)) {
            cJSON_Delete(v);
            cJSON_Delete(key);
            return NULL;
        }
    }
    return key;
}

/* The request's common part: table, key, "only while it exists". */
static cJSON *request(const char *table, const cJSON *item, const struct ddb_key_schema *ks)
{
    cJSON *in = cJSON_CreateObject(), *names;
    cJSON *key = key_of(item, ks);
    if (!in || !key || !cJSON_AddStringToObject(in, "TableName", table) ||
        !cJSON_AddItemToObject(in, "Key", key) ||
        !cJSON_AddStringToObject(in, "ConditionExpression", "attribute_exists(#k)") ||
        !(names = cJSON_AddObjectToObject(in, "ExpressionAttributeNames")) ||
        !cJSON_AddStringToObject(names, "#k", ks->hash)) {
        if (!cJSON_GetObjectItemCaseSensitive(in, "Key"))
            cJSON_Delete(key);
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

/* An UpdateItem input setting one leaf with expr; takes value (freed on failure). NULL when
 * out of memory. */
static cJSON *update_request(const char *table, const cJSON *item, const struct ddb_key_schema *ks,
                             const struct leaf *l, const char *expr, cJSON *value)
{
    cJSON *in = value ? request(table, item, ks) : NULL;
    cJSON *names = cJSON_GetObjectItemCaseSensitive(in, "ExpressionAttributeNames");
    cJSON *values = in ? cJSON_AddObjectToObject(in, "ExpressionAttributeValues") : NULL;
    if (!values || !cJSON_AddItemToObject(values, ":v", value)) {
        cJSON_Delete(value);
        cJSON_Delete(in);
        return NULL;
    }
    if (!cJSON_AddStringToObject(in, "UpdateExpression", expr) ||
        !cJSON_AddStringToObject(names, "#a", l->attr) ||
        (l->field && !cJSON_AddStringToObject(names, "#f", l->field))) {
        cJSON_Delete(in);               /* value is in's now */
        return NULL;
    }
    return in;
}

/* An UpdateItem input changing one leaf of item, or NULL when none can change (*oom on
 * failure to allocate). */
static cJSON *modification(const char *table, const struct scanned *items, size_t n, size_t at,
                           const struct ddb_key_schema *ks, struct rng *r, int *oom)
{
    struct leaf leaves[256];
    const cJSON *item = items[at].item;
    size_t nl = leaves_of(item, ks, leaves, 256);
    while (nl > 0) {
        size_t pick = rng_below(r, nl);
        struct leaf l = leaves[pick];
        const cJSON *now = leaf_value(item, &l);
        const char *type = type_of(now);
        char path[64], expr[160];
        cJSON *value = NULL;
        if (l.index < 0)
            snprintf(path, sizeof path, "#a");
        else
            snprintf(path, sizeof path, "#a[%ld].#f", l.index);
        if (strcmp(type, "N") == 0) {
            char delta[4];
            snprintf(delta, sizeof delta, "%ld", rng_range(r, 1, 3));
            snprintf(expr, sizeof expr, "SET %s = %s + :v", path, path);
            value = typed("N", delta, 0);
        } else if (strcmp(type, "BOOL") == 0) {
            snprintf(expr, sizeof expr, "SET %s = :v", path);
            value = typed("BOOL", NULL, !cJSON_IsTrue(now->child));
        } else {
            const char *other = other_string(items, n, &l, now->child->valuestring, r);
            if (!other) {           /* nothing else to become: try another leaf */
                leaves[pick] = leaves[--nl];
                continue;
            }
            snprintf(expr, sizeof expr, "SET %s = :v", path);
            value = typed("S", other, 0);
        }
        cJSON *in = update_request(table, item, ks, &l, expr, value);
        if (!in)
            *oom = 1;
        return in;
    }
    return NULL;
}

static int apply(struct aws_client *c, void *task, struct pw_error *err)
{
    struct mutation *m = task;
    cJSON *out = NULL;
    int rc = aws_json_call(c, "dynamodb", m->operation, m->input, &out, err);
    cJSON_Delete(out);
    if (rc < 0 && strcmp(err->code, "ConditionalCheckFailedException") == 0) {
        m->gone = 1;
        rc = 0;
    }
    seed_meter_add(m->meter, 1);
    return rc;
}

int seed_mutate(struct aws_client *c, const char *table, const struct spec_table *t,
                const struct seed_options *o, struct seed_report *rep, struct pw_error *err)
{
    struct ddb_key_schema ks;
    seed_key_schema(t, &ks);
    struct scanned *items = NULL;
    struct mutation *muts = NULL;
    void **tasks = NULL;
    struct worker_result *results = NULL;
    size_t n = 0, want = (size_t)o->mutate, *order = NULL;
    struct seed_meter meter;
    int rc = -1, oom = 0;
    long start = calls_now_ms();
    seed_meter_init(&meter, o, "mutating", want);
    if (scan_all(c, table, &ks, &items, &n, err) < 0) {
        pw_error_prefix(err, "reading the items of '%s' to mutate", table);
        goto out;
    }
    rep->scanned = n;
    if (want > n) {
        pw_fail(err, PW_EXIT_FAILED, "--mutate %zu: table '%s' holds only %zu item%s", want, table,
                n, n == 1 ? "" : "s");
        goto out;
    }
    muts = calloc(want ? want : 1, sizeof *muts);
    tasks = calloc(want ? want : 1, sizeof *tasks);
    results = calloc(want ? want : 1, sizeof *results);
    order = calloc(n ? n : 1, sizeof *order);
    if (!muts || !tasks || !results || !order)
        goto oom;
    struct rng r;
    rng_init(&r, o->seed, STREAM_MUTATE, 0);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    size_t deletions = want / 4;
    if (want >= 2 && deletions == 0)
        deletions = 1;
    for (size_t i = 0; i < want; i++) {
        size_t j = i + (size_t)rng_below(&r, n - i), tmp = order[i];
        order[i] = order[j];
        order[j] = tmp;
        const cJSON *item = items[order[i]].item;
        muts[i].meter = &meter;
        tasks[i] = &muts[i];
        if (i < want - deletions)
            muts[i].input = modification(table, items, n, order[i], &ks, &r, &oom);
        if (oom)
            goto oom;
        muts[i].operation = muts[i].input ? "UpdateItem" : "DeleteItem";
        if (!muts[i].input && !(muts[i].input = request(table, item, &ks)))
            goto oom;
    }
    if (workers_run(c, o->parallel > 0 ? o->parallel : SEED_DEFAULT_PARALLEL, apply, tasks, want,
                    results, err) < 0)
        goto out;
    seed_meter_finish(&meter);
    const struct pw_error *first = NULL;
    for (size_t i = 0; i < want; i++) {
        if (results[i].rc < 0) {
            rep->mutate_failed++;
            if (!first)
                first = &results[i].err;
        } else if (muts[i].gone) {
            rep->gone++;
        } else if (muts[i].operation[0] == 'U') {
            rep->modified++;
        } else {
            rep->deleted++;
        }
    }
    if (first) {
        *err = *first;
        pw_error_prefix(err, "%zu of %zu mutations failed", rep->mutate_failed, want);
        goto out;
    }
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    rep->mutate_ms = calls_now_ms() - start;
    for (size_t i = 0; muts && i < want; i++)
        cJSON_Delete(muts[i].input);
    for (size_t i = 0; i < n; i++) {
        cJSON_Delete(items[i].item);
        free(items[i].key);
    }
    seed_meter_release(&meter);
    free(items);
    free(muts);
    free(tasks);
    free(results);
    free(order);
    return rc;
}
