/* checkpoint.c — checkpoints and leases as conditional writes on the checkpoint table. */
#include "pipeline/checkpoint.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "provision/calls.h"

#define BATCH_WRITE_MAX 25          /* BatchWriteItem's limit */
#define BATCH_WRITE_ATTEMPTS 8      /* rounds for UnprocessedItems before giving up */

/* Attribute names of an item (see checkpoint.h). Every expression names them through these
 * placeholders: `owner` is a DynamoDB reserved word, and one spelling keeps them consistent. */
static const struct {
    const char *token, *attr;
} names[] = {
    {"#owner", "owner"},
    {"#exp", "lease_expires"},
    {"#seq", "sequence"},
    {"#ord", "sequence_order"},
    {"#fin", "finished"},
    {"#parent", "parent"},
    {"#upd", "updated_at"},
};

int64_t checkpoint_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void checkpoint_runner_id(char *out, size_t n)
{
    char host[64] = "localhost";
    unsigned char r[4] = {0};
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    if (RAND_bytes(r, sizeof r) != 1) {
        /* Without the CSPRNG, time and pid still separate runners on one host. */
        uint64_t t = (uint64_t)checkpoint_now_ms() ^ ((uint64_t)getpid() << 20);
        memcpy(r, &t, sizeof r);
    }
    snprintf(out, n, "%s:%ld:%02x%02x%02x%02x", host, (long)getpid(), r[0], r[1], r[2], r[3]);
}

static long lease_ms(const struct checkpoint_store *s)
{
    return s->lease_ms > 0 ? s->lease_ms : CHECKPOINT_LEASE_MS_DEFAULT;
}

/* ---- requests ---------------------------------------------------------------------------- */

static cJSON *attr_s(const char *v)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "S", v)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *attr_n(int64_t v)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, v);
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddStringToObject(o, "N", text)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *attr_bool(int v)
{
    cJSON *o = cJSON_CreateObject();
    if (o && !cJSON_AddBoolToObject(o, "BOOL", v)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *key_json(const struct checkpoint_store *s, const char *shard)
{
    cJSON *k = cJSON_CreateObject();
    cJSON *p = attr_s(s->pipeline), *sh = attr_s(shard);
    if (!k || !p || !sh) {
        cJSON_Delete(k);
        cJSON_Delete(p);
        cJSON_Delete(sh);
        return NULL;
    }
    cJSON_AddItemToObject(k, "pipeline", p);
    cJSON_AddItemToObject(k, "shard", sh);
    return k;
}

/* Whether expr contains the placeholder token as a whole word. */
static int uses(const char *expr, const char *token)
{
    size_t n = strlen(token);
    for (const char *p = expr ? strstr(expr, token) : NULL; p; p = strstr(p + 1, token)) {
        unsigned char after = (unsigned char)p[n];
        if (!isalnum(after) && after != '_')
            return 1;
    }
    return 0;
}

struct value {
    const char *token;
    cJSON *v;                       /* owned until added */
};

/* An UpdateItem input whose attribute names and values are exactly those the two
 * expressions use: DynamoDB refuses a request that defines one it does not use. */
static cJSON *update_input(const struct checkpoint_store *s, const char *shard,
                           const char *update, const char *condition, struct value *values,
                           size_t n_values, const char *return_values)
{
    cJSON *in = cJSON_CreateObject(), *key = key_json(s, shard);
    cJSON *nm = cJSON_CreateObject(), *vals = cJSON_CreateObject();
    int ok = in && key && nm && vals;
    for (size_t i = 0; ok && i < n_values; i++)
        ok = values[i].v != NULL;
    if (!ok)
        goto fail;
    cJSON_AddItemToObject(in, "Key", key);
    key = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if ((uses(update, names[i].token) || uses(condition, names[i].token)) &&
            !cJSON_AddStringToObject(nm, names[i].token, names[i].attr))
            goto fail;
    for (size_t i = 0; i < n_values; i++)
        if (uses(update, values[i].token) || uses(condition, values[i].token)) {
            cJSON_AddItemToObject(vals, values[i].token, values[i].v);
            values[i].v = NULL;
        }
    if (!cJSON_AddStringToObject(in, "TableName", s->table) ||
        !cJSON_AddStringToObject(in, "UpdateExpression", update) ||
        (condition && !cJSON_AddStringToObject(in, "ConditionExpression", condition)))
        goto fail;
    cJSON_AddItemToObject(in, "ExpressionAttributeNames", nm);
    nm = NULL;
    if (cJSON_GetArraySize(vals) > 0) {
        cJSON_AddItemToObject(in, "ExpressionAttributeValues", vals);
        vals = NULL;
    }
    if (return_values && !cJSON_AddStringToObject(in, "ReturnValues", return_values))
        goto fail;
    goto out;
fail:
    cJSON_Delete(in);
    in = NULL;
out:
    cJSON_Delete(key);
    cJSON_Delete(nm);
    cJSON_Delete(vals);
    for (size_t i = 0; i < n_values; i++)
        cJSON_Delete(values[i].v);
    return in;
}

#define NVALUES(a) (sizeof(a) / sizeof(a)[0])

/* Free, expired or ours, and not finished. An absent item passes every attribute_not_exists. */
static const char acquire_condition[] =
    "(attribute_not_exists(#owner) OR #owner = :me OR #exp < :now) AND "
    "(attribute_not_exists(#fin) OR #fin = :false)";

cJSON *checkpoint_acquire_input(const struct checkpoint_store *s, const char *shard,
                                const char *parent, int64_t now_ms)
{
    int has_parent = parent && parent[0];
    struct value v[] = {
        {":me", attr_s(s->owner ? s->owner : "")},
        {":now", attr_n(now_ms)},
        {":exp", attr_n(now_ms + lease_ms(s))},
        {":false", attr_bool(0)},
        {":parent", attr_s(has_parent ? parent : "")},
    };
    const char *update = has_parent
        ? "SET #owner = :me, #exp = :exp, #upd = :now, #parent = if_not_exists(#parent, :parent)"
        : "SET #owner = :me, #exp = :exp, #upd = :now";
    return update_input(s, shard, update, acquire_condition, v, NVALUES(v), "ALL_NEW");
}

cJSON *checkpoint_renew_input(const struct checkpoint_store *s, const char *shard,
                              int64_t now_ms)
{
    struct value v[] = {
        {":me", attr_s(s->owner ? s->owner : "")},
        {":now", attr_n(now_ms)},
        {":exp", attr_n(now_ms + lease_ms(s))},
    };
    return update_input(s, shard, "SET #exp = :exp, #upd = :now", "#owner = :me", v,
                        NVALUES(v), NULL);
}

cJSON *checkpoint_commit_input(const struct checkpoint_store *s, const char *shard,
                               const char *seq, int finish, int64_t now_ms)
{
    char order[SEQNUM_MAX];
    int has_seq = seq && seq[0];
    if (has_seq && seqnum_order_key(seq, order) < 0)
        return NULL;
    if (!has_seq && !finish)
        return NULL;
    struct value v[] = {
        {":me", attr_s(s->owner ? s->owner : "")},
        {":now", attr_n(now_ms)},
        {":exp", attr_n(now_ms + lease_ms(s))},
        {":seq", attr_s(has_seq ? seq : "")},
        {":ord", attr_s(has_seq ? order : "")},
        {":true", attr_bool(1)},
    };
    const char *update, *condition;
    /* The order key makes "a higher sequence number" a plain string comparison. */
    if (!has_seq) {
        update = "SET #fin = :true, #upd = :now REMOVE #owner, #exp";
        condition = "#owner = :me";
    } else if (finish) {
        update = "SET #seq = :seq, #ord = :ord, #fin = :true, #upd = :now REMOVE #owner, #exp";
        condition = "#owner = :me AND (attribute_not_exists(#ord) OR #ord < :ord)";
    } else {
        update = "SET #seq = :seq, #ord = :ord, #exp = :exp, #upd = :now";
        condition = "#owner = :me AND (attribute_not_exists(#ord) OR #ord < :ord)";
    }
    return update_input(s, shard, update, condition, v, NVALUES(v), NULL);
}

cJSON *checkpoint_release_input(const struct checkpoint_store *s, const char *shard)
{
    struct value v[] = {{":me", attr_s(s->owner ? s->owner : "")}};
    return update_input(s, shard, "REMOVE #owner, #exp", "#owner = :me", v, NVALUES(v), NULL);
}

/* ---- items ------------------------------------------------------------------------------- */

static const char *item_s(const cJSON *item, const char *name)
{
    return json_str(cJSON_GetObjectItemCaseSensitive(item, name), "S");
}

static int64_t item_n(const cJSON *item, const char *name)
{
    const char *n = json_str(cJSON_GetObjectItemCaseSensitive(item, name), "N");
    return n ? strtoll(n, NULL, 10) : 0;
}

int checkpoint_from_item(const cJSON *item, struct checkpoint *out)
{
    memset(out, 0, sizeof *out);
    const char *shard = item_s(item, "shard");
    if (!shard)
        return -1;
    snprintf(out->shard, sizeof out->shard, "%s", shard);
    const char *parent = item_s(item, "parent");
    snprintf(out->parent, sizeof out->parent, "%s", parent ? parent : "");
    const char *seq = item_s(item, "sequence");
    if (seq && seqnum_valid(seq))
        snprintf(out->sequence, sizeof out->sequence, "%s", seq);
    const char *owner = item_s(item, "owner");
    if (owner) {
        snprintf(out->owner, sizeof out->owner, "%s", owner);
        out->lease_expires_ms = item_n(item, "lease_expires");
    }
    out->finished = json_bool(cJSON_GetObjectItemCaseSensitive(item, "finished"), "BOOL");
    out->updated_ms = item_n(item, "updated_at");
    return 0;
}

/* ---- calls ------------------------------------------------------------------------------- */

static int call(const struct checkpoint_store *s, const char *op, cJSON *in, cJSON **out,
                struct pw_error *err)
{
    cJSON *ignored = NULL;
    if (!in)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    int rc = jsonapi_call(s->api, "dynamodb", op, in, out ? out : &ignored, err);
    cJSON_Delete(in);
    cJSON_Delete(ignored);
    return rc;
}

static int conditional_failed(const struct pw_error *err)
{
    return strcmp(err->code, "ConditionalCheckFailedException") == 0;
}

int checkpoint_get(const struct checkpoint_store *s, const char *shard, struct checkpoint *out,
                   int *found, struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *key = key_json(s, shard), *ans = NULL;
    *found = 0;
    memset(out, 0, sizeof *out);
    if (!in || !key || !cJSON_AddStringToObject(in, "TableName", s->table) ||
        !cJSON_AddBoolToObject(in, "ConsistentRead", 1)) {
        cJSON_Delete(in);
        cJSON_Delete(key);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddItemToObject(in, "Key", key);
    if (call(s, "GetItem", in, &ans, err) < 0) {
        pw_error_prefix(err, "reading the checkpoint of shard '%s'", shard);
        return -1;
    }
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(ans, "Item");
    if (item && checkpoint_from_item(item, out) == 0)
        *found = 1;
    cJSON_Delete(ans);
    return 0;
}

void checkpoint_format_time(int64_t ms, char *out, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(out, n, "%" PRId64 " ms", ms);
}

/* After a refused write: why, in words, from the item as it is now. */
static int explain_conflict(const struct checkpoint_store *s, const char *shard, const char *what,
                            const char *seq, struct pw_error *err)
{
    struct checkpoint cp;
    int found = 0;
    char until[40];
    if (checkpoint_get(s, shard, &cp, &found, err) < 0)
        return -1;
    if (!found)
        return pw_fail(err, PW_EXIT_FAILED, "%s shard '%s' of pipeline '%s': refused: its "
                       "checkpoint is gone (was `pipeline reset` run?)", what, shard, s->pipeline);
    if (strcmp(cp.owner, s->owner ? s->owner : "") != 0) {
        if (!cp.owner[0])
            return pw_fail(err, PW_EXIT_FAILED, "%s shard '%s' of pipeline '%s': refused: this "
                           "runner (%s) no longer holds its lease; nobody does now", what, shard,
                           s->pipeline, s->owner);
        checkpoint_format_time(cp.lease_expires_ms, until, sizeof until);
        return pw_fail(err, PW_EXIT_FAILED, "%s shard '%s' of pipeline '%s': refused: the lease "
                       "is held by runner '%s' until %s, not by this runner (%s); that runner "
                       "processes the shard from its checkpoint", what, shard, s->pipeline,
                       cp.owner, until, s->owner);
    }
    if (seq && cp.sequence[0] && seqnum_cmp(seq, cp.sequence) <= 0)
        return pw_fail(err, PW_EXIT_FAILED, "%s shard '%s' of pipeline '%s' at sequence number "
                       "%s: refused: the checkpoint is already at %s, and a checkpoint never "
                       "moves back", what, shard, s->pipeline, seq, cp.sequence);
    return pw_fail(err, PW_EXIT_FAILED, "%s shard '%s' of pipeline '%s': refused by the "
                   "checkpoint table's condition (the item changed meanwhile; try again)", what,
                   shard, s->pipeline);
}

int checkpoint_acquire(const struct checkpoint_store *s, const char *shard, const char *parent,
                       struct checkpoint *out, struct pw_error *err)
{
    cJSON *ans = NULL;
    int found = 0;
    memset(out, 0, sizeof *out);
    if (call(s, "UpdateItem", checkpoint_acquire_input(s, shard, parent, checkpoint_now_ms()),
             &ans, err) == 0) {
        int rc = checkpoint_from_item(cJSON_GetObjectItemCaseSensitive(ans, "Attributes"), out);
        cJSON_Delete(ans);
        if (rc < 0)
            return pw_fail(err, PW_EXIT_FAILED, "taking the lease of shard '%s': UpdateItem "
                           "answered without the item", shard);
        return 0;
    }
    if (!conditional_failed(err)) {
        pw_error_prefix(err, "taking the lease of shard '%s'", shard);
        return -1;
    }
    if (checkpoint_get(s, shard, out, &found, err) < 0)
        return -1;
    return 1;
}

static int conditional_write(const struct checkpoint_store *s, const char *shard, cJSON *in,
                             const char *what, const char *seq, struct pw_error *err)
{
    if (call(s, "UpdateItem", in, NULL, err) == 0)
        return 0;
    if (conditional_failed(err))
        return explain_conflict(s, shard, what, seq, err);
    pw_error_prefix(err, "%s shard '%s'", what, shard);
    return -1;
}

int checkpoint_renew(const struct checkpoint_store *s, const char *shard, struct pw_error *err)
{
    return conditional_write(s, shard, checkpoint_renew_input(s, shard, checkpoint_now_ms()),
                             "renewing the lease of", NULL, err);
}

int checkpoint_commit(const struct checkpoint_store *s, const char *shard, const char *seq,
                      int finish, struct pw_error *err)
{
    if (seq && seq[0] && !seqnum_valid(seq))
        return pw_fail(err, PW_EXIT_FAILED, "committing shard '%s': '%s' is not a sequence "
                       "number", shard, seq);
    return conditional_write(s, shard,
                             checkpoint_commit_input(s, shard, seq, finish, checkpoint_now_ms()),
                             finish ? "finishing" : "committing", seq, err);
}

int checkpoint_release(const struct checkpoint_store *s, const char *shard, struct pw_error *err)
{
    return conditional_write(s, shard, checkpoint_release_input(s, shard),
                             "releasing the lease of", NULL, err);
}

/* ---- the whole pipeline ------------------------------------------------------------------ */

static cJSON *query_input(const struct checkpoint_store *s, const cJSON *start)
{
    cJSON *in = cJSON_CreateObject();
    cJSON *nm = cJSON_AddObjectToObject(in, "ExpressionAttributeNames");
    cJSON *vals = cJSON_AddObjectToObject(in, "ExpressionAttributeValues");
    cJSON *pl = attr_s(s->pipeline);
    if (!in || !nm || !vals || !pl || !cJSON_AddStringToObject(in, "TableName", s->table) ||
        !cJSON_AddStringToObject(in, "KeyConditionExpression", "#pl = :pl") ||
        !cJSON_AddBoolToObject(in, "ConsistentRead", 1) ||
        !cJSON_AddStringToObject(nm, "#pl", "pipeline")) {
        cJSON_Delete(in);
        cJSON_Delete(pl);
        return NULL;
    }
    cJSON_AddItemToObject(vals, ":pl", pl);
    if (start)
        cJSON_AddItemToObject(in, "ExclusiveStartKey", cJSON_Duplicate(start, 1));
    return in;
}

int checkpoint_list(const struct checkpoint_store *s, struct checkpoint **items, size_t *n,
                    struct pw_error *err)
{
    cJSON *page = NULL, *start = NULL;
    size_t cap = 0;
    int rc = -1;
    *items = NULL;
    *n = 0;
    do {
        cJSON_Delete(page);
        page = NULL;
        if (call(s, "Query", query_input(s, start), &page, err) < 0) {
            pw_error_prefix(err, strcmp(err->code, "ResourceNotFoundException") == 0
                                     ? "reading the checkpoints of pipeline '%s' from table '%s' "
                                       "(does it exist? `pipewright up` creates it)"
                                     : "reading the checkpoints of pipeline '%s' from table '%s'",
                            s->pipeline, s->table);
            goto out;
        }
        const cJSON *item;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(page, "Items")) {
            if (*n == cap) {
                size_t ncap = cap ? cap * 2 : 16;
                struct checkpoint *p = realloc(*items, ncap * sizeof *p);
                if (!p) {
                    pw_fail(err, PW_EXIT_FAILED, "out of memory");
                    goto out;
                }
                *items = p;
                cap = ncap;
            }
            if (checkpoint_from_item(item, &(*items)[*n]) == 0)
                (*n)++;
        }
        start = cJSON_GetObjectItemCaseSensitive(page, "LastEvaluatedKey");
    } while (cJSON_IsObject(start) && cJSON_GetArraySize(start) > 0);
    rc = 0;
out:
    cJSON_Delete(page);
    if (rc < 0) {
        free(*items);
        *items = NULL;
        *n = 0;
    }
    return rc;
}

/* One BatchWriteItem of delete requests, repeated for what DynamoDB leaves unprocessed. */
static int delete_batch(const struct checkpoint_store *s, const struct checkpoint *items,
                        size_t n, struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *ans = NULL;
    cJSON *ri = cJSON_AddObjectToObject(in, "RequestItems");
    cJSON *reqs = cJSON_AddArrayToObject(ri, s->table);
    int rc = -1;
    if (!reqs)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject(), *key = key_json(s, items[i].shard);
        cJSON *del = cJSON_AddObjectToObject(r, "DeleteRequest");
        if (!del || !key) {
            cJSON_Delete(r);
            cJSON_Delete(key);
            goto oom;
        }
        cJSON_AddItemToObject(del, "Key", key);
        cJSON_AddItemToArray(reqs, r);
    }
    for (int attempt = 0;; attempt++) {
        if (call(s, "BatchWriteItem", cJSON_Duplicate(in, 1), &ans, err) < 0)
            goto out;
        cJSON *left = cJSON_GetObjectItemCaseSensitive(ans, "UnprocessedItems");
        if (!cJSON_IsObject(left) || cJSON_GetArraySize(left) == 0)
            break;
        if (attempt + 1 == BATCH_WRITE_ATTEMPTS) {
            pw_fail(err, PW_EXIT_FAILED, "deleting checkpoints: DynamoDB left %d requests "
                    "unprocessed after %d attempts",
                    cJSON_GetArraySize(cJSON_GetArrayItem(left, 0)), BATCH_WRITE_ATTEMPTS);
            goto out;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(in, "RequestItems",
                                               cJSON_DetachItemViaPointer(ans, left));
        cJSON_Delete(ans);
        ans = NULL;
        calls_sleep_ms(50L << attempt);     /* throttled: back off before the rest */
    }
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    cJSON_Delete(in);
    cJSON_Delete(ans);
    return rc;
}

int checkpoint_delete(const struct checkpoint_store *s, const struct checkpoint *items, size_t n,
                      struct pw_error *err)
{
    for (size_t i = 0; i < n; i += BATCH_WRITE_MAX) {
        size_t k = n - i < BATCH_WRITE_MAX ? n - i : BATCH_WRITE_MAX;
        if (delete_batch(s, items + i, k, err) < 0) {
            pw_error_prefix(err, "deleting the checkpoints of pipeline '%s' from table '%s'",
                            s->pipeline, s->table);
            return -1;
        }
    }
    return 0;
}
