/* table.c — DynamoDB tables: read, create, update (one kind of change per UpdateTable, each
 * waited for), delete, and whether they hold items. The properties are in table_props.c. */
#include "provision/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/stack.h"

#define POLL_FIRST_MS 250
#define POLL_MAX_MS 2000

static const struct spec_table *decl(const struct resource *r)
{
    return r->decl;
}

static cJSON *name_input(const struct resource *r)
{
    cJSON *in = cJSON_CreateObject();
    if (in && !cJSON_AddStringToObject(in, "TableName", r->name)) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

/* Every page of the table's tags into one array (owned by the caller). */
static int read_tags(struct aws_client *c, const char *arn, cJSON *first, cJSON **out,
                     struct pw_error *err)
{
    cJSON *all = cJSON_CreateArray(), *page = first, *in = NULL;
    int rc = -1;
    for (;;) {
        cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(page, "Tags"))
            cJSON_AddItemToArray(all, cJSON_Duplicate(t, 1));
        const char *next = json_str(page, "NextToken");
        if (!next)
            break;
        cJSON_Delete(in);
        in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "ResourceArn", arn);
        cJSON_AddStringToObject(in, "NextToken", next);
        if (page != first)
            cJSON_Delete(page);
        page = NULL;
        if (aws_json_call(c, "dynamodb", "ListTagsOfResource", in, &page, err) < 0)
            goto out;
    }
    *out = all;
    all = NULL;
    rc = 0;
out:
    if (page != first)
        cJSON_Delete(page);
    cJSON_Delete(in);
    cJSON_Delete(all);
    return rc;
}

static int table_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                      struct pw_error *err)
{
    cJSON *in = name_input(r), *desc = NULL, *tags = NULL, *arn_in = NULL;
    struct json_call calls[3] = {{0}};
    int rc = -1;
    if (!in) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (aws_json_call(c, "dynamodb", "DescribeTable", in, &desc, err) < 0) {
        if (strcmp(err->code, "ResourceNotFoundException") == 0) {
            pw_error_clear(err);
            a->presence = RES_MISSING;
            rc = 0;
        }
        goto out;
    }
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(desc, "Table");
    const char *arn = json_str(table, "TableArn");
    if (!arn) {
        pw_fail(err, PW_EXIT_FAILED, "dynamodb DescribeTable '%s': the answer has no TableArn", r->name);
        goto out;
    }
    arn_in = cJSON_CreateObject();
    cJSON_AddStringToObject(arn_in, "ResourceArn", arn);
    calls[0] = (struct json_call){.operation = "DescribeContinuousBackups", .input = in};
    calls[1] = (struct json_call){.operation = "DescribeTimeToLive", .input = in};
    calls[2] = (struct json_call){.operation = "ListTagsOfResource", .input = arn_in};
    json_calls_run(c, "dynamodb", calls, 3);
    for (size_t i = 0; i < 3; i++)
        if (calls[i].rc < 0) {
            *err = calls[i].err;
            goto out;
        }
    if (read_tags(c, arn, calls[2].output, &tags, err) < 0)
        goto out;
    if (table_actual(r, table, calls[0].output, calls[1].output, tags, a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    json_calls_release(calls, 3);
    cJSON_Delete(in);
    cJSON_Delete(arn_in);
    cJSON_Delete(desc);
    cJSON_Delete(tags);
    return rc;
}

/* --- waiting ------------------------------------------------------------------------------ */

enum wait_for { WAIT_ACTIVE, WAIT_GONE };

/* ACTIVE on two reads in a row (DynamoDB's own answer can flap right after a change), every
 * index ACTIVE, and the stream ARN known when a stream is on; or gone. */
static int table_wait(struct aws_client *c, const struct resource *r, enum wait_for what,
                      struct pw_error *err)
{
    long deadline = calls_now_ms() + r->stack->wait_timeout_s * 1000L, delay = POLL_FIRST_MS;
    int streak = 0, rc = -1;
    cJSON *in = name_input(r);
    char last[64] = "unknown";
    if (!in)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (;;) {
        cJSON *desc = NULL;
        if (aws_json_call(c, "dynamodb", "DescribeTable", in, &desc, err) < 0) {
            if (what == WAIT_GONE && strcmp(err->code, "ResourceNotFoundException") == 0) {
                pw_error_clear(err);
                rc = 0;
            }
            goto out;
        }
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(desc, "Table");
        const char *status = json_str(t, "TableStatus");
        int ready = status && strcmp(status, "ACTIVE") == 0;
        const cJSON *g;
        cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(t, "GlobalSecondaryIndexes")) {
            const char *is = json_str(g, "IndexStatus");
            ready &= !is || strcmp(is, "ACTIVE") == 0;
        }
        if (json_bool(cJSON_GetObjectItemCaseSensitive(t, "StreamSpecification"), "StreamEnabled"))
            ready &= json_str(t, "LatestStreamArn") != NULL;
        snprintf(last, sizeof last, "%s", status ? status : "no status");
        cJSON_Delete(desc);
        streak = what == WAIT_ACTIVE && ready ? streak + 1 : 0;
        if (streak >= 2) {
            rc = 0;
            goto out;
        }
        if (calls_now_ms() >= deadline) {
            pw_fail(err, PW_EXIT_FAILED, "table '%s' is still %s after %ld s (waiting until it is %s)",
                    r->name, last, r->stack->wait_timeout_s, what == WAIT_GONE ? "deleted" : "ACTIVE");
            goto out;
        }
        calls_sleep_ms(streak ? POLL_FIRST_MS : delay);
        delay = delay * 2 > POLL_MAX_MS ? POLL_MAX_MS : delay * 2;
    }
out:
    cJSON_Delete(in);
    return rc;
}

/* One call whose answer is not needed. */
static int call(struct aws_client *c, const char *op, cJSON *in, struct pw_error *err)
{
    cJSON *outj = NULL;
    int rc = in ? aws_json_call(c, "dynamodb", op, in, &outj, err)
                : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_Delete(outj);
    cJSON_Delete(in);
    return rc;
}

/* --- creating ----------------------------------------------------------------------------- */

static void add_attr_def(cJSON *defs, const struct spec_attr *at)
{
    const cJSON *d;
    if (!spec_str_set(at->name))
        return;
    cJSON_ArrayForEach(d, defs)
        if (strcmp(json_str(d, "AttributeName"), at->name.v) == 0)
            return;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "AttributeName", at->name.v);
    cJSON_AddStringToObject(o, "AttributeType", spec_attr_type_aws(at->type));
    cJSON_AddItemToArray(defs, o);
}

static cJSON *key_schema_json(const struct spec_key *k)
{
    cJSON *ks = cJSON_CreateArray(), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "AttributeName", k->hash.name.v);
    cJSON_AddStringToObject(o, "KeyType", "HASH");
    cJSON_AddItemToArray(ks, o);
    if (spec_str_set(k->range.name)) {
        o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "AttributeName", k->range.name.v);
        cJSON_AddStringToObject(o, "KeyType", "RANGE");
        cJSON_AddItemToArray(ks, o);
    }
    return ks;
}

static cJSON *throughput(long read, long write)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ReadCapacityUnits", (double)read);
    cJSON_AddNumberToObject(o, "WriteCapacityUnits", (double)write);
    return o;
}

static cJSON *tags_json(const struct resource *r)
{
    struct kvlist tags;
    cJSON *arr = cJSON_CreateArray();
    kvlist_init(&tags);
    if (stack_tags(r, &tags) < 0) {
        cJSON_Delete(arr);
        arr = NULL;
    }
    for (size_t i = 0; arr && i < tags.len; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", tags.items[i].name);
        cJSON_AddStringToObject(o, "Value", tags.items[i].value);
        cJSON_AddItemToArray(arr, o);
    }
    kvlist_release(&tags);
    return arr;
}

static cJSON *create_input(const struct resource *r)
{
    const struct spec_table *t = decl(r);
    int prov = t->billing.mode == SPEC_BILLING_PROVISIONED;
    cJSON *in = name_input(r);
    if (!in)
        return NULL;
    cJSON *defs = cJSON_AddArrayToObject(in, "AttributeDefinitions");
    add_attr_def(defs, &t->key.hash);
    add_attr_def(defs, &t->key.range);
    for (size_t i = 0; i < t->n_gsis; i++) {
        add_attr_def(defs, &t->gsis[i].key.hash);
        add_attr_def(defs, &t->gsis[i].key.range);
    }
    cJSON_AddItemToObject(in, "KeySchema", key_schema_json(&t->key));
    cJSON_AddStringToObject(in, "BillingMode", spec_billing_aws(t->billing.mode));
    if (prov)
        cJSON_AddItemToObject(in, "ProvisionedThroughput", throughput(t->billing.read, t->billing.write));
    if (t->stream != SPEC_STREAM_NONE) {
        cJSON *ss = cJSON_AddObjectToObject(in, "StreamSpecification");
        cJSON_AddBoolToObject(ss, "StreamEnabled", 1);
        cJSON_AddStringToObject(ss, "StreamViewType", spec_stream_aws(t->stream));
    }
    if (t->n_gsis) {
        cJSON *gs = cJSON_AddArrayToObject(in, "GlobalSecondaryIndexes");
        for (size_t i = 0; i < t->n_gsis; i++) {
            const struct spec_gsi *g = &t->gsis[i];
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "IndexName", g->name.v);
            cJSON_AddItemToObject(o, "KeySchema", key_schema_json(&g->key));
            cJSON *p = cJSON_AddObjectToObject(o, "Projection");
            cJSON_AddStringToObject(p, "ProjectionType", spec_projection_aws(g->projection));
            if (g->projection == SPEC_PROJECTION_INCLUDE) {
                cJSON *nk = cJSON_AddArrayToObject(p, "NonKeyAttributes");
                for (size_t k = 0; k < g->n_include; k++)
                    cJSON_AddItemToArray(nk, cJSON_CreateString(g->include[k].v));
            }
            if (prov)
                cJSON_AddItemToObject(o, "ProvisionedThroughput",
                                      throughput(g->capacity.read, g->capacity.write));
            cJSON_AddItemToArray(gs, o);
        }
    }
    cJSON_AddItemToObject(in, "Tags", tags_json(r));
    cJSON_AddBoolToObject(in, "DeletionProtectionEnabled", t->deletion_protection);
    return in;
}

static int set_pitr(struct aws_client *c, const struct resource *r, int on, struct pw_error *err)
{
    cJSON *in = name_input(r);
    if (in) {
        cJSON *spec = cJSON_AddObjectToObject(in, "PointInTimeRecoverySpecification");
        cJSON_AddBoolToObject(spec, "PointInTimeRecoveryEnabled", on);
    }
    return call(c, "UpdateContinuousBackups", in, err);
}

static int set_ttl(struct aws_client *c, const struct resource *r, const char *attr, int on,
                   struct pw_error *err)
{
    cJSON *in = name_input(r);
    if (in) {
        cJSON *spec = cJSON_AddObjectToObject(in, "TimeToLiveSpecification");
        cJSON_AddStringToObject(spec, "AttributeName", attr);
        cJSON_AddBoolToObject(spec, "Enabled", on);
    }
    return call(c, "UpdateTimeToLive", in, err);
}

static int table_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                        struct pw_error *err)
{
    const struct spec_table *t = decl(r);
    (void)desired;
    if (call(c, "CreateTable", create_input(r), err) < 0 || table_wait(c, r, WAIT_ACTIVE, err) < 0)
        return -1;
    /* Both need an ACTIVE table; neither changes its status. */
    if (t->point_in_time_recovery && set_pitr(c, r, 1, err) < 0)
        return -1;
    if (spec_str_set(t->ttl) && set_ttl(c, r, t->ttl.v, 1, err) < 0)
        return -1;
    return 0;
}

/* --- updating ----------------------------------------------------------------------------- */

static int update_table(struct aws_client *c, const struct resource *r, cJSON *in,
                        struct pw_error *err)
{
    if (call(c, "UpdateTable", in, err) < 0)
        return -1;
    return table_wait(c, r, WAIT_ACTIVE, err);
}

static int update_billing(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                          struct pw_error *err)
{
    const struct spec_table *t = decl(r);
    int prov = t->billing.mode == SPEC_BILLING_PROVISIONED;
    cJSON *in = name_input(r);
    if (!in)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_AddStringToObject(in, "BillingMode", spec_billing_aws(t->billing.mode));
    if (prov) {
        cJSON_AddItemToObject(in, "ProvisionedThroughput", throughput(t->billing.read, t->billing.write));
        /* Going provisioned, DynamoDB wants every existing index's capacity in the same call
         * (indexes still to be created get theirs when they are). */
        cJSON *u = cJSON_CreateArray();
        for (size_t i = 0; i < t->n_gsis; i++) {
            char path[400];
            snprintf(path, sizeof path, "index[%s]", t->gsis[i].name.v);
            if (!kvlist_get(&a->props, path))
                continue;
            cJSON *o = cJSON_CreateObject(), *up = cJSON_AddObjectToObject(o, "Update");
            cJSON_AddStringToObject(up, "IndexName", t->gsis[i].name.v);
            cJSON_AddItemToObject(up, "ProvisionedThroughput",
                                  throughput(t->gsis[i].capacity.read, t->gsis[i].capacity.write));
            cJSON_AddItemToArray(u, o);
        }
        if (cJSON_GetArraySize(u))
            cJSON_AddItemToObject(in, "GlobalSecondaryIndexUpdates", u);
        else
            cJSON_Delete(u);
    }
    return update_table(c, r, in, err);
}

static int update_stream(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                         struct pw_error *err)
{
    const struct spec_table *t = decl(r);
    const char *now = kvlist_get(&a->props, "stream");
    /* DynamoDB changes a view type only by turning the stream off and on again. */
    if (now && strcmp(now, "false") != 0) {
        cJSON *in = name_input(r);
        if (in)
            cJSON_AddBoolToObject(cJSON_AddObjectToObject(in, "StreamSpecification"), "StreamEnabled", 0);
        if (update_table(c, r, in, err) < 0)
            return -1;
    }
    if (t->stream == SPEC_STREAM_NONE)
        return 0;
    cJSON *in = name_input(r);
    if (in) {
        cJSON *ss = cJSON_AddObjectToObject(in, "StreamSpecification");
        cJSON_AddBoolToObject(ss, "StreamEnabled", 1);
        cJSON_AddStringToObject(ss, "StreamViewType", spec_stream_aws(t->stream));
    }
    return update_table(c, r, in, err);
}

static const struct spec_gsi *find_gsi(const struct spec_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_gsis; i++)
        if (strcmp(t->gsis[i].name.v, name) == 0)
            return &t->gsis[i];
    return NULL;
}

static cJSON *gsi_create(const struct spec_table *t, const struct spec_gsi *g)
{
    cJSON *o = cJSON_CreateObject(), *c = cJSON_AddObjectToObject(o, "Create");
    cJSON_AddStringToObject(c, "IndexName", g->name.v);
    cJSON_AddItemToObject(c, "KeySchema", key_schema_json(&g->key));
    cJSON *p = cJSON_AddObjectToObject(c, "Projection");
    cJSON_AddStringToObject(p, "ProjectionType", spec_projection_aws(g->projection));
    if (g->projection == SPEC_PROJECTION_INCLUDE) {
        cJSON *nk = cJSON_AddArrayToObject(p, "NonKeyAttributes");
        for (size_t k = 0; k < g->n_include; k++)
            cJSON_AddItemToArray(nk, cJSON_CreateString(g->include[k].v));
    }
    if (t->billing.mode == SPEC_BILLING_PROVISIONED)
        cJSON_AddItemToObject(c, "ProvisionedThroughput", throughput(g->capacity.read, g->capacity.write));
    return o;
}

/* One index: deleted when the spec dropped it or changed its keys or projection (DynamoDB
 * cannot change those in place; an index is derived data, rebuilt from the table), created
 * when new or changed, its capacity updated otherwise. One index change per UpdateTable, each
 * waited for: DynamoDB refuses a second while the first is building. */
static int update_index(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        const struct res_diff *d, const char *name, int billing_done,
                        struct pw_error *err)
{
    const struct spec_table *t = decl(r);
    const struct spec_gsi *g = find_gsi(t, name);
    char path[400];
    snprintf(path, sizeof path, "index[%s]", name);
    int exists = kvlist_get(&a->props, path) != NULL, redefined = res_diff_find(d, path) != NULL;
    if (exists && (!g || redefined)) {
        cJSON *in = name_input(r);
        if (in) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "Delete"), "IndexName", name);
            cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "GlobalSecondaryIndexUpdates"), o);
        }
        if (update_table(c, r, in, err) < 0)
            return -1;
    }
    if (g && (!exists || redefined)) {
        cJSON *in = name_input(r);
        if (in) {
            /* The new index's key attributes must be defined; the table's are always there. */
            cJSON *defs = cJSON_AddArrayToObject(in, "AttributeDefinitions");
            add_attr_def(defs, &t->key.hash);
            add_attr_def(defs, &t->key.range);
            add_attr_def(defs, &g->key.hash);
            add_attr_def(defs, &g->key.range);
            cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "GlobalSecondaryIndexUpdates"), gsi_create(t, g));
        }
        return update_table(c, r, in, err);
    }
    /* Capacity only; a billing change already set every index's capacity. */
    if (g && !billing_done && t->billing.mode == SPEC_BILLING_PROVISIONED) {
        cJSON *in = name_input(r);
        if (in) {
            cJSON *o = cJSON_CreateObject(), *u = cJSON_AddObjectToObject(o, "Update");
            cJSON_AddStringToObject(u, "IndexName", name);
            cJSON_AddItemToObject(u, "ProvisionedThroughput", throughput(g->capacity.read, g->capacity.write));
            cJSON_AddItemToArray(cJSON_AddArrayToObject(in, "GlobalSecondaryIndexUpdates"), o);
        }
        return update_table(c, r, in, err);
    }
    return 0;
}

/* Each index named by the diff, once. */
static int update_indexes(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                          const struct res_diff *d, int billing_done, struct pw_error *err)
{
    char name[300], other[300];
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "index", name, sizeof name))
            continue;
        int done = 0;
        for (size_t k = 0; k < i && !done; k++)
            done = res_path_member(d->items[k].path, "index", other, sizeof other) &&
                   strcmp(other, name) == 0;
        if (!done && update_index(c, r, a, d, name, billing_done, err) < 0)
            return -1;
    }
    return 0;
}

static int update_tags(struct aws_client *c, const struct res_actual *a, const struct res_diff *d,
                       struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    cJSON *tag = cJSON_CreateArray(), *untag = cJSON_CreateArray();
    char key[400];
    int rc = -1;
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Key", key);
            cJSON_AddStringToObject(o, "Value", d->items[i].new);
            cJSON_AddItemToArray(tag, o);
        } else {
            cJSON_AddItemToArray(untag, cJSON_CreateString(key));
        }
    }
    if (cJSON_GetArraySize(tag)) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "ResourceArn", arn);
        cJSON_AddItemToObject(in, "Tags", tag);
        tag = NULL;
        if (call(c, "TagResource", in, err) < 0)
            goto out;
    }
    if (cJSON_GetArraySize(untag)) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddStringToObject(in, "ResourceArn", arn);
        cJSON_AddItemToObject(in, "TagKeys", untag);
        untag = NULL;
        if (call(c, "UntagResource", in, err) < 0)
            goto out;
    }
    rc = 0;
out:
    cJSON_Delete(tag);
    cJSON_Delete(untag);
    return rc;
}

static int table_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const struct spec_table *t = decl(r);
    (void)desired;
    if (!kvlist_get(&a->ids, "arn"))
        return pw_fail(err, PW_EXIT_FAILED, "table '%s': its ARN is unknown", r->name);
    /* A table still settling from someone else's change refuses UpdateTable: wait first. */
    const char *status = kvlist_get(&a->ids, "status");
    if ((!status || strcmp(status, "ACTIVE") != 0) && table_wait(c, r, WAIT_ACTIVE, err) < 0)
        return -1;
    /* UpdateTable takes one kind of change at a time; each waits for ACTIVE again. */
    int billing = res_diff_touches(d, "billing");
    if (billing && update_billing(c, r, a, err) < 0)
        return -1;
    if (res_diff_touches(d, "index") && update_indexes(c, r, a, d, billing, err) < 0)
        return -1;
    if (res_diff_touches(d, "stream") && update_stream(c, r, a, err) < 0)
        return -1;
    if (res_diff_touches(d, "deletion_protection")) {
        cJSON *in = name_input(r);
        if (in)
            cJSON_AddBoolToObject(in, "DeletionProtectionEnabled", t->deletion_protection);
        if (update_table(c, r, in, err) < 0)
            return -1;
    }
    if (res_diff_touches(d, "point_in_time_recovery") && set_pitr(c, r, t->point_in_time_recovery, err) < 0)
        return -1;
    const struct res_change *ttl = res_diff_find(d, "ttl");
    if (ttl) {
        if (ttl->old && set_ttl(c, r, ttl->old, 0, err) < 0)
            return -1;
        if (ttl->new && set_ttl(c, r, ttl->new, 1, err) < 0)
            return -1;
    }
    if (res_diff_touches(d, "tags") && update_tags(c, a, d, err) < 0)
        return -1;
    return 0;
}

static enum res_change_mode table_mode(const char *path, const char **why)
{
    if (res_path_under(path, "key")) {
        *why = "DynamoDB cannot change the key schema of a table";
        return RES_REPLACE;
    }
    return RES_IN_PLACE;
}

/* --- deleting ----------------------------------------------------------------------------- */

static int table_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                         struct pw_error *err)
{
    (void)a;
    if (call(c, "DeleteTable", name_input(r), err) < 0) {
        if (strcmp(err->code, "ResourceNotFoundException") != 0)
            return -1;
        pw_error_clear(err);
        return 0;
    }
    return table_wait(c, r, WAIT_GONE, err);
}

/* One item is enough to know; ItemCount lags by hours, so it is not asked. */
static int table_holds_data(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            int *holds, struct pw_error *err)
{
    (void)a;
    cJSON *in = name_input(r), *outj = NULL;
    if (!in)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_AddNumberToObject(in, "Limit", 1);
    int rc = aws_json_call(c, "dynamodb", "Scan", in, &outj, err);
    if (rc == 0)
        *holds = json_num(outj, "Count") > 0 ||
                 cJSON_GetObjectItemCaseSensitive(outj, "LastEvaluatedKey") != NULL;
    cJSON_Delete(in);
    cJSON_Delete(outj);
    return rc;
}

static int table_prepare_delete(struct aws_client *c, const struct resource *r,
                                const struct res_actual *a, struct pw_error *err)
{
    const char *dp = kvlist_get(&a->props, "deletion_protection");
    if (!dp || strcmp(dp, "true") != 0)
        return 0;
    cJSON *in = name_input(r);
    if (in)
        cJSON_AddBoolToObject(in, "DeletionProtectionEnabled", 0);
    return update_table(c, r, in, err);
}

/* "arn:aws:dynamodb:eu-west-1:123456789012:table/NAME", not a stream or index under it. */
static int table_name_from_arn(const char *arn, char *name, size_t n)
{
    const char *res = res_arn_resource(arn, "dynamodb");
    if (!res || strncmp(res, "table/", 6) != 0 || strchr(res + 6, '/') || !res[6] || strlen(res + 6) >= n)
        return 0;
    snprintf(name, n, "%s", res + 6);
    return 1;
}

const struct res_kind res_kind_table = {
    .name = "table",
    .noun = "DynamoDB table",
    .level = RES_LEVEL_STORAGE,
    .supported = 1,
    .desired = table_desired,
    .read = table_read,
    .mode = table_mode,
    .create = table_create,
    .update = table_update,
    .destroy = table_destroy,
    .holds_data = table_holds_data,
    .tagging_type = "dynamodb:table",
    .name_from_arn = table_name_from_arn,
    .prepare_delete = table_prepare_delete,
};
