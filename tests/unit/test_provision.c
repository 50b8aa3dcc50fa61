/* test_provision.c — the engine's pure parts: the property diff and its classification, path
 * rules, JSON normalisation, the stack's order and tags, and each kind's normalisation of
 * AWS answers: what a freshly created resource answers must equal what was declared (a clean
 * environment never shows drift), and each out-of-band change must show as exactly the
 * property that changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provision/resource.h"
#include "provision/stack.h"
#include "provision/table.h"

#define ACCOUNT "123456789012"

static const char spec_text[] =
    "version: 1\n"
    "stack: shop\n"
    "region: eu-west-1\n"
    "vars: {env: dev}\n"
    "tags: {team: data}\n"
    "tables:\n"
    "  orders:\n"
    "    name: Orders-${env}\n"
    "    key: {hash: orderid:S}\n"
    "    stream: new-and-old-images\n"
    "    point_in_time_recovery: true\n"
    "    ttl: expiresAt\n"
    "    tags: {tier: gold}\n"
    "  events:\n"
    "    key: {hash: userID:S, range: at:N}\n"
    "    billing: {read: 5, write: 5}\n"
    "    global_indexes:\n"
    "      by_kind:\n"
    "        key: {hash: kind:S, range: at:N}\n"
    "        projection: [note, amount]\n"
    "buckets:\n"
    "  lake: {name: 'shop-lake-${env}-${account}', versioning: true}\n"
    "topics:\n"
    "  events: {subscriptions: ['email:a@example.com']}\n"
    "catalog:\n"
    "  database: shop_${env}\n";

struct fixture {
    struct spec *spec;
    struct stack stack;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct diag_list d;
    struct pw_error err = {0};
    diag_list_init(&d);
    if (spec_load_text("inline.yaml", spec_text, strlen(spec_text), NULL, &f->spec, &d, &err) < 0 ||
        spec_bind_account(f->spec, ACCOUNT, &err) < 0 || stack_init(&f->stack, f->spec, ACCOUNT, &err) < 0) {
        struct buf out;
        buf_init(&out, 0);
        diag_list_render(&d, &out);
        fprintf(stderr, "%s%s\n", buf_cstr(&out), err.message);
        buf_release(&out);
        diag_list_release(&d);
        return -1;
    }
    diag_list_release(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    stack_release(&f->stack);
    spec_free(f->spec);
    free(f);
    return 0;
}

static const struct resource *res(void **state, const char *address)
{
    struct fixture *f = *state;
    const struct resource *r = stack_find(&f->stack, address);
    if (!r)
        fail_msg("no resource %s", address);
    return r;
}

/* --- the diff ----------------------------------------------------------------------------- */

static enum res_change_mode key_replaces(const char *path, const char **why)
{
    if (res_path_under(path, "key")) {
        *why = "keys are fixed";
        return RES_REPLACE;
    }
    if (res_path_under(path, "index")) {
        *why = "not yet";
        return RES_UNSUPPORTED;
    }
    return RES_IN_PLACE;
}

static const struct res_kind fake_kind = {.name = "fake", .noun = "fake", .mode = key_replaces};

static void diff_orders_changes_and_classifies(void **state)
{
    (void)state;
    struct kvlist want, have;
    struct res_diff d;
    struct pw_error err;
    kvlist_init(&want);
    kvlist_init(&have);
    res_diff_init(&d);
    kvlist_add(&want, "key.hash", "id:S");
    kvlist_add(&want, "billing", "on-demand");
    kvlist_add(&want, "ttl", "exp");
    kvlist_add(&want, "tags[a]", "1");
    kvlist_add(&have, "tags[b]", "2");     /* only actual: to remove, after the desired ones */
    kvlist_add(&have, "billing", "provisioned");
    kvlist_add(&have, "key.hash", "id:S");
    kvlist_add(&have, "tags[a]", "1");
    assert_int_equal(res_diff_compute(&fake_kind, &want, &have, &d, &err), 0);
    assert_int_equal(d.len, 3);
    assert_string_equal(d.items[0].path, "billing");
    assert_string_equal(d.items[0].old, "provisioned");
    assert_string_equal(d.items[0].new, "on-demand");
    assert_string_equal(d.items[1].path, "ttl");
    assert_null(d.items[1].old);
    assert_string_equal(d.items[1].new, "exp");
    assert_string_equal(d.items[2].path, "tags[b]");
    assert_string_equal(d.items[2].old, "2");
    assert_null(d.items[2].new);
    assert_int_equal(res_diff_worst(&d), RES_IN_PLACE);
    assert_true(res_diff_touches(&d, "tags"));
    assert_false(res_diff_touches(&d, "tag"));
    assert_false(res_diff_touches(&d, "key"));
    res_diff_release(&d);

    /* A key change replaces; an index change is beyond what pipewright can do, and wins. */
    kvlist_set(&want, "key.hash", "other:S");
    kvlist_add(&want, "index[x]", "hash=a:S");
    assert_int_equal(res_diff_compute(&fake_kind, &want, &have, &d, &err), 0);
    const struct res_change *k = res_diff_find(&d, "key.hash");
    assert_non_null(k);
    assert_int_equal(k->mode, RES_REPLACE);
    assert_string_equal(k->why, "keys are fixed");
    assert_int_equal(res_diff_worst(&d), RES_UNSUPPORTED);
    assert_int_equal(res_diff_drop(&d, "index"), 1);
    assert_int_equal(res_diff_worst(&d), RES_REPLACE);
    res_diff_release(&d);

    /* Equal lists: nothing, whatever the order. */
    struct kvlist a, b;
    kvlist_init(&a);
    kvlist_init(&b);
    kvlist_add(&a, "x", "1");
    kvlist_add(&a, "y", "2");
    kvlist_add(&b, "y", "2");
    kvlist_add(&b, "x", "1");
    assert_int_equal(res_diff_compute(&fake_kind, &a, &b, &d, &err), 0);
    assert_int_equal(d.len, 0);
    kvlist_release(&a);
    kvlist_release(&b);
    kvlist_release(&want);
    kvlist_release(&have);
}

static void paths_and_members(void **state)
{
    (void)state;
    char m[64];
    assert_true(res_path_under("tags[team]", "tags"));
    assert_true(res_path_under("tags", "tags"));
    assert_true(res_path_under("lifecycle[a].prefix", "lifecycle[a]"));
    assert_true(res_path_under("billing.read", "billing"));
    assert_false(res_path_under("billingx", "billing"));
    assert_false(res_path_under("bill", "billing"));
    assert_true(res_path_member("tags[pipewright:stack]", "tags", m, sizeof m));
    assert_string_equal(m, "pipewright:stack");
    assert_true(res_path_member("subscription[https://h/x?a[0]=1].raw_delivery", "subscription", m, sizeof m));
    assert_string_equal(m, "https://h/x?a[0]=1");
    assert_false(res_path_member("tagsx[a]", "tags", m, sizeof m));
    assert_false(res_path_member("tags.a", "tags", m, sizeof m));
}

static void json_normalised(void **state)
{
    (void)state;
    char *a = res_json_normalise("{\"b\": [1, {\"z\": 1, \"a\": 2}], \"a\": \"x\"}");
    char *b = res_json_normalise("{\"a\":\"x\",\"b\":[1,{\"a\":2,\"z\":1}]}");
    assert_non_null(a);
    assert_string_equal(a, "{\"a\":\"x\",\"b\":[1,{\"a\":2,\"z\":1}]}");
    assert_string_equal(a, b);
    assert_null(res_json_normalise("{nope"));
    free(a);
    free(b);
}

/* --- the stack ------------------------------------------------------------------------------ */

static void stack_order_and_tags(void **state)
{
    struct fixture *f = *state;
    const struct stack *st = &f->stack;
    assert_string_equal(st->partition, "aws");
    /* Level order, spec order within a level; unsupported kinds are instances too. */
    assert_string_equal(st->items[0].address, "table.orders");
    assert_string_equal(st->items[1].address, "table.events");
    assert_string_equal(st->items[2].address, "bucket.lake");
    assert_string_equal(st->items[3].address, "topic.events");
    assert_string_equal(st->items[4].address, "database.shop_dev");
    assert_int_equal(st->n, 5);
    for (size_t i = 1; i < st->n; i++)
        assert_true(st->items[i - 1].kind->level <= st->items[i].kind->level);
    assert_string_equal(st->items[2].name, "shop-lake-dev-123456789012");
    assert_string_equal(st->items[1].name, "shop-dev-events");

    struct kvlist tags;
    kvlist_init(&tags);
    assert_int_equal(stack_tags(res(state, "table.orders"), &tags), 0);
    assert_int_equal(tags.len, 4);
    assert_string_equal(kvlist_get(&tags, "team"), "data");
    assert_string_equal(kvlist_get(&tags, "tier"), "gold");
    assert_string_equal(kvlist_get(&tags, PW_TAG_STACK), "shop");
    assert_string_equal(kvlist_get(&tags, PW_TAG_ENV), "dev");
    kvlist_release(&tags);
}

/* --- tables --------------------------------------------------------------------------------- */

/* What DynamoDB answers for Orders-dev right after up created it: AWS-filled fields included. */
static const char orders_describe[] =
    "{\"AttributeDefinitions\":[{\"AttributeName\":\"orderid\",\"AttributeType\":\"S\"}],"
    "\"TableName\":\"Orders-dev\",\"KeySchema\":[{\"AttributeName\":\"orderid\",\"KeyType\":\"HASH\"}],"
    "\"TableStatus\":\"ACTIVE\",\"CreationDateTime\":1.7e9,"
    "\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0},"
    "\"TableSizeBytes\":0,\"ItemCount\":0,"
    "\"TableArn\":\"arn:aws:dynamodb:eu-west-1:123456789012:table/Orders-dev\","
    "\"BillingModeSummary\":{\"BillingMode\":\"PAY_PER_REQUEST\"},"
    "\"LocalSecondaryIndexes\":[],\"GlobalSecondaryIndexes\":[],"
    "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
    "\"LatestStreamArn\":\"arn:aws:dynamodb:eu-west-1:123456789012:table/Orders-dev/stream/x\","
    "\"DeletionProtectionEnabled\":false,"
    "\"WarmThroughput\":{\"ReadUnitsPerSecond\":12000,\"WriteUnitsPerSecond\":4000,\"Status\":\"ACTIVE\"}}";
static const char pitr_on[] =
    "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
    "\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":\"ENABLED\"}}}";
static const char ttl_on[] =
    "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"ENABLED\",\"AttributeName\":\"expiresAt\"}}";
static const char orders_tags[] =
    "[{\"Key\":\"team\",\"Value\":\"data\"},{\"Key\":\"tier\",\"Value\":\"gold\"},"
    "{\"Key\":\"aws:cloudformation:stack-name\",\"Value\":\"x\"},"
    "{\"Key\":\"pipewright:stack\",\"Value\":\"shop\"},{\"Key\":\"pipewright:env\",\"Value\":\"dev\"}]";

/* Diffs the declaration of address against the given answers; returns the diff (caller
 * releases) and the presence. */
static void table_diff(void **state, const char *address, const char *describe, const char *pitr,
                       const char *ttl, const char *tags, struct res_diff *d, enum res_presence *presence)
{
    const struct resource *r = res(state, address);
    struct kvlist want;
    struct res_actual a;
    struct pw_error err;
    cJSON *t = cJSON_Parse(describe), *p = cJSON_Parse(pitr), *l = cJSON_Parse(ttl), *g = cJSON_Parse(tags);
    assert_non_null(t);
    kvlist_init(&want);
    res_actual_init(&a);
    res_diff_init(d);
    assert_int_equal(table_desired(r, &want, &err), 0);
    assert_int_equal(table_actual(r, t, p, l, g, &a), 0);
    assert_int_equal(res_diff_compute(r->kind, &want, &a.props, d, &err), 0);
    *presence = a.presence;
    if (a.presence == RES_OWNED) {
        assert_string_equal(kvlist_get(&a.ids, "arn"), cJSON_GetObjectItem(t, "TableArn")->valuestring);
    }
    res_actual_release(&a);
    kvlist_release(&want);
    cJSON_Delete(t);
    cJSON_Delete(p);
    cJSON_Delete(l);
    cJSON_Delete(g);
}

static void table_fresh_is_in_sync(void **state)
{
    struct res_diff d;
    enum res_presence presence;
    table_diff(state, "table.orders", orders_describe, pitr_on, ttl_on, orders_tags, &d, &presence);
    for (size_t i = 0; i < d.len; i++)
        fprintf(stderr, "unexpected drift: %s: %s -> %s\n", d.items[i].path,
                d.items[i].old ? d.items[i].old : "(none)", d.items[i].new ? d.items[i].new : "(none)");
    assert_int_equal(d.len, 0);
    assert_int_equal(presence, RES_OWNED);
    res_diff_release(&d);
}

static void table_provisioned_with_index_in_sync(void **state)
{
    static const char describe[] =
        "{\"AttributeDefinitions\":[{\"AttributeName\":\"userID\",\"AttributeType\":\"S\"},"
        "{\"AttributeName\":\"at\",\"AttributeType\":\"N\"},{\"AttributeName\":\"kind\",\"AttributeType\":\"S\"}],"
        "\"TableName\":\"shop-dev-events\",\"TableStatus\":\"ACTIVE\","
        "\"KeySchema\":[{\"AttributeName\":\"at\",\"KeyType\":\"RANGE\"},{\"AttributeName\":\"userID\",\"KeyType\":\"HASH\"}],"
        "\"ProvisionedThroughput\":{\"NumberOfDecreasesToday\":0,\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5},"
        "\"TableArn\":\"arn:aws:dynamodb:eu-west-1:123456789012:table/shop-dev-events\","
        "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"by_kind\",\"IndexStatus\":\"ACTIVE\","
        "\"KeySchema\":[{\"AttributeName\":\"kind\",\"KeyType\":\"HASH\"},{\"AttributeName\":\"at\",\"KeyType\":\"RANGE\"}],"
        "\"Projection\":{\"ProjectionType\":\"INCLUDE\",\"NonKeyAttributes\":[\"amount\",\"note\"]},"
        "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":5,\"WriteCapacityUnits\":5}}]}";
    static const char pitr_off[] =
        "{\"ContinuousBackupsDescription\":{\"ContinuousBackupsStatus\":\"ENABLED\","
        "\"PointInTimeRecoveryDescription\":{\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}";
    static const char ttl_off[] = "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLED\"}}";
    static const char tags[] =
        "[{\"Key\":\"team\",\"Value\":\"data\"},{\"Key\":\"pipewright:stack\",\"Value\":\"shop\"},"
        "{\"Key\":\"pipewright:env\",\"Value\":\"dev\"}]";
    struct res_diff d;
    enum res_presence presence;
    /* No BillingModeSummary (a table from before on-demand), key schema in another order,
     * index attributes in another order, stream absent: all as declared. */
    table_diff(state, "table.events", describe, pitr_off, ttl_off, tags, &d, &presence);
    for (size_t i = 0; i < d.len; i++)
        fprintf(stderr, "unexpected drift: %s\n", d.items[i].path);
    assert_int_equal(d.len, 0);
    assert_int_equal(presence, RES_OWNED);
    res_diff_release(&d);
}

/* Replaces the first occurrence of from with to in a copy of s. */
static char *edit(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to) + 1;
    char *out = malloc(n);
    snprintf(out, n, "%.*s%s%s", (int)(at - s), s, to, at + strlen(from));
    return out;
}

static void table_out_of_band_changes_are_named(void **state)
{
    struct res_diff d;
    enum res_presence presence;
    /* Switched to provisioned capacity. */
    char *prov = edit(orders_describe, "\"PAY_PER_REQUEST\"", "\"PROVISIONED\"");
    char *prov2 = edit(prov, "\"ReadCapacityUnits\":0,\"WriteCapacityUnits\":0", "\"ReadCapacityUnits\":3,\"WriteCapacityUnits\":4");
    table_diff(state, "table.orders", prov2, pitr_on, ttl_on, orders_tags, &d, &presence);
    assert_int_equal(d.len, 3);
    assert_string_equal(d.items[0].path, "billing");
    assert_string_equal(d.items[0].old, "provisioned");
    assert_string_equal(d.items[0].new, "on-demand");
    assert_string_equal(d.items[1].path, "billing.read");
    assert_null(d.items[1].new);
    assert_int_equal(res_diff_worst(&d), RES_IN_PLACE);
    res_diff_release(&d);
    free(prov);
    free(prov2);

    /* A tag changed, PITR off, TTL being disabled, the stream's view type changed. */
    char *tags = edit(orders_tags, "\"gold\"", "\"silver\"");
    char *stream = edit(orders_describe, "NEW_AND_OLD_IMAGES", "KEYS_ONLY");
    table_diff(state, "table.orders", stream,
               "{\"ContinuousBackupsDescription\":{\"PointInTimeRecoveryDescription\":"
               "{\"PointInTimeRecoveryStatus\":\"DISABLED\"}}}",
               "{\"TimeToLiveDescription\":{\"TimeToLiveStatus\":\"DISABLING\",\"AttributeName\":\"expiresAt\"}}",
               tags, &d, &presence);
    assert_int_equal(d.len, 4);
    assert_string_equal(d.items[0].path, "stream");
    assert_string_equal(d.items[0].old, "keys-only");
    assert_string_equal(d.items[1].path, "point_in_time_recovery");
    assert_string_equal(d.items[2].path, "ttl");
    assert_null(d.items[2].old);
    assert_string_equal(d.items[3].path, "tags[tier]");
    assert_string_equal(d.items[3].old, "silver");
    res_diff_release(&d);
    free(tags);
    free(stream);

    /* Another key: only a replacement can do it. */
    char *key = edit(orders_describe, "\"AttributeName\":\"orderid\",\"KeyType\"", "\"AttributeName\":\"id\",\"KeyType\"");
    table_diff(state, "table.orders", key, pitr_on, ttl_on, orders_tags, &d, &presence);
    assert_int_equal(d.len, 1);
    assert_string_equal(d.items[0].old, "id:?");
    assert_int_equal(d.items[0].mode, RES_REPLACE);
    res_diff_release(&d);
    free(key);
}

static void table_without_our_tag_is_foreign(void **state)
{
    struct res_diff d;
    enum res_presence presence;
    table_diff(state, "table.orders", orders_describe, pitr_on, ttl_on,
               "[{\"Key\":\"team\",\"Value\":\"data\"},{\"Key\":\"pipewright:stack\",\"Value\":\"other\"}]",
               &d, &presence);
    assert_int_equal(presence, RES_FOREIGN);
    assert_non_null(res_diff_find(&d, "tags[pipewright:stack]"));
    res_diff_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(diff_orders_changes_and_classifies),
        cmocka_unit_test(paths_and_members),
        cmocka_unit_test(json_normalised),
        cmocka_unit_test(stack_order_and_tags),
        cmocka_unit_test(table_fresh_is_in_sync),
        cmocka_unit_test(table_provisioned_with_index_in_sync),
        cmocka_unit_test(table_out_of_band_changes_are_named),
        cmocka_unit_test(table_without_our_tag_is_foreign),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
