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
#include "provision/bucket.h"
#include "provision/orphans.h"
#include "provision/plan.h"
#include "provision/table.h"
#include "provision/topic.h"
#include "provision/xmlw.h"
#include "tests/unit/stacktest.h"

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
    "  lake:\n"
    "    name: shop-lake-${env}-${account}\n"
    "    versioning: true\n"
    "    lifecycle:\n"
    "      - {prefix: tmp/, expire_days: 7}\n"
    "      - {noncurrent_expire_days: 30, abort_multipart_days: 2}\n"
    "    tags: {note: 'a&b <c>'}\n"
    "topics:\n"
    "  events:\n"
    "    subscriptions:\n"
    "      - email:a@example.com\n"
    "      - protocol: sqs\n"
    "        endpoint: arn:aws:sqs:eu-west-1:123456789012:q\n"
    "        raw_delivery: true\n"
    "        filter_policy: {status: [failed], kind: [a, b]}\n"
    "catalog:\n"
    "  database: shop_${env}\n";

STACKTEST_FIXTURE(spec_text, ACCOUNT)

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
    assert_string_equal(st->items[3].name, "shop-dev-events");
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

/* --- buckets -------------------------------------------------------------------------------- */

static struct xml_node *xml(const char *text)
{
    struct pw_error err;
    struct xml_node *x = xml_parse(text, strlen(text), &err);
    if (!x)
        fail_msg("bad xml fixture: %s", err.message);
    return x;
}

/* Shows a diff that should have been empty, so a failure says which property drifted. */
static void assert_no_diff(const struct res_diff *d)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(stderr, "unexpected drift: %s: %s -> %s\n", d->items[i].path,
                plan_value(d->items[i].old), plan_value(d->items[i].new));
    assert_int_equal(d->len, 0);
}

static void bucket_diff(void **state, const struct bucket_answers *ans, struct res_diff *d,
                        enum res_presence *presence)
{
    const struct resource *r = res(state, "bucket.lake");
    struct kvlist want;
    struct res_actual a;
    struct pw_error err;
    kvlist_init(&want);
    res_actual_init(&a);
    res_diff_init(d);
    assert_int_equal(bucket_desired(r, &want, &err), 0);
    assert_int_equal(bucket_actual(r, ans, &a), 0);
    assert_int_equal(res_diff_compute(r->kind, &want, &a.props, d, &err), 0);
    *presence = a.presence;
    res_actual_release(&a);
    kvlist_release(&want);
}

/* S3's answers right after up configured the bucket (moto's shapes, namespaces included). */
#define NS " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\""
static const char versioning_on[] = "<VersioningConfiguration" NS "><Status>Enabled</Status></VersioningConfiguration>";
static const char sse_s3[] =
    "<ServerSideEncryptionConfiguration" NS "><Rule><ApplyServerSideEncryptionByDefault>"
    "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    "<BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>";
static const char pab_on[] =
    "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
    "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>"
    "</PublicAccessBlockConfiguration>";
static const char lifecycle_rules[] =
    "<LifecycleConfiguration" NS ">"
    "<Rule><ID>expire-tmp/</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status>"
    "<Expiration><Days>7</Days></Expiration></Rule>"
    "<Rule><ID>expire-all</ID><Prefix></Prefix><Status>Enabled</Status>"
    "<NoncurrentVersionExpiration><NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration>"
    "<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload>"
    "</Rule></LifecycleConfiguration>";
static const char lake_tags[] =
    "<Tagging" NS "><TagSet><Tag><Key>team</Key><Value>data</Value></Tag>"
    "<Tag><Key>note</Key><Value>a&amp;b &lt;c&gt;</Value></Tag>"
    "<Tag><Key>pipewright:stack</Key><Value>shop</Value></Tag>"
    "<Tag><Key>pipewright:env</Key><Value>dev</Value></Tag></TagSet></Tagging>";

static void bucket_fresh_is_in_sync(void **state)
{
    struct xml_node *v = xml(versioning_on), *e = xml(sse_s3), *p = xml(pab_on), *l = xml(lifecycle_rules),
                    *t = xml(lake_tags);
    struct bucket_answers ans = {v, e, p, l, t};
    struct res_diff d;
    enum res_presence presence;
    bucket_diff(state, &ans, &d, &presence);
    assert_no_diff(&d);
    assert_int_equal(presence, RES_OWNED);
    res_diff_release(&d);
    xml_free(v);
    xml_free(e);
    xml_free(p);
    xml_free(l);
    xml_free(t);
}

/* Nothing configured, "Suspended" versioning, no tags: every difference named, not a crash. */
static void bucket_not_configured_reads_as_defaults(void **state)
{
    struct xml_node *v = xml("<VersioningConfiguration" NS "><Status>Suspended</Status></VersioningConfiguration>");
    struct bucket_answers ans = {.versioning = v};
    struct res_diff d;
    enum res_presence presence;
    bucket_diff(state, &ans, &d, &presence);
    assert_int_equal(presence, RES_FOREIGN);
    const struct res_change *c = res_diff_find(&d, "versioning");
    assert_non_null(c);
    assert_string_equal(c->old, "false");
    c = res_diff_find(&d, "encryption");
    assert_string_equal(c->old, "none");
    assert_string_equal(c->new, "sse-s3");
    c = res_diff_find(&d, "public_access_block.restrict_public_buckets");
    assert_string_equal(c->old, "false");
    c = res_diff_find(&d, "lifecycle[expire-tmp/].expire_days");
    assert_null(c->old);
    assert_string_equal(c->new, "7");
    assert_non_null(res_diff_find(&d, "tags[pipewright:stack]"));
    res_diff_release(&d);
    xml_free(v);
}

static void bucket_lifecycle_shapes_and_kms(void **state)
{
    const struct resource *r = res(state, "bucket.lake");
    struct xml_node *l = xml("<LifecycleConfiguration><Rule><ID>x</ID><Filter><And><Prefix>logs/</Prefix>"
                             "</And></Filter><Status>Disabled</Status><Expiration><Days>3</Days></Expiration>"
                             "</Rule><Rule><Status>Enabled</Status><Prefix>p/</Prefix></Rule></LifecycleConfiguration>");
    struct xml_node *e = xml("<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
                             "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/k</KMSMasterKeyID>"
                             "</ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>");
    struct bucket_answers ans = {.lifecycle = l, .encryption = e};
    struct res_actual a;
    res_actual_init(&a);
    assert_int_equal(bucket_actual(r, &ans, &a), 0);
    assert_string_equal(kvlist_get(&a.props, "lifecycle[x].prefix"), "logs/");
    assert_string_equal(kvlist_get(&a.props, "lifecycle[x].status"), "disabled");
    assert_string_equal(kvlist_get(&a.props, "lifecycle[(rule 1 without id)].prefix"), "p/");
    assert_string_equal(kvlist_get(&a.props, "encryption"), "sse-kms");
    assert_string_equal(kvlist_get(&a.props, "encryption.kms_key"), "alias/k");
    res_actual_release(&a);
    xml_free(l);
    xml_free(e);
}

/* What up sends is what a read of it gives back: the bodies parse to the declared properties. */
static void bucket_bodies_round_trip(void **state)
{
    const struct resource *r = res(state, "bucket.lake");
    const struct spec_bucket *b = r->decl;
    struct buf v, e, p, l, t;
    buf_init(&v, 0);
    buf_init(&e, 0);
    buf_init(&p, 0);
    buf_init(&l, 0);
    buf_init(&t, 0);
    assert_int_equal(bucket_xml_versioning(b, &v), 0);
    assert_int_equal(bucket_xml_encryption(b, &e), 0);
    assert_int_equal(bucket_xml_public_access(b, &p), 0);
    assert_int_equal(bucket_xml_lifecycle(b, &l), 0);
    assert_int_equal(bucket_xml_tagging(r, &t), 0);
    assert_non_null(strstr(buf_cstr(&t), "<Value>a&amp;b &lt;c&gt;</Value>"));
    assert_non_null(strstr(buf_cstr(&l), "<Rule><ID>expire-tmp/</ID><Filter><Prefix>tmp/</Prefix></Filter>"
                                         "<Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule>"));
    struct xml_node *xv = xml(buf_cstr(&v)), *xe = xml(buf_cstr(&e)), *xp = xml(buf_cstr(&p)),
                    *xl = xml(buf_cstr(&l)), *xt = xml(buf_cstr(&t));
    struct bucket_answers ans = {xv, xe, xp, xl, xt};
    struct res_diff d;
    enum res_presence presence;
    bucket_diff(state, &ans, &d, &presence);
    assert_no_diff(&d);
    res_diff_release(&d);
    xml_free(xv);
    xml_free(xe);
    xml_free(xp);
    xml_free(xl);
    xml_free(xt);
    buf_release(&v);
    buf_release(&e);
    buf_release(&p);
    buf_release(&l);
    buf_release(&t);
}

static void xml_writer_escapes_and_refuses_control_characters(void **state)
{
    (void)state;
    struct buf b;
    struct xmlw w;
    buf_init(&b, 0);
    xmlw_init(&w, &b, "R", NULL);
    xmlw_elem(&w, "K", "\"q\" & 'a' <b>\r");
    assert_int_equal(xmlw_finish(&w), 0);
    assert_string_equal(buf_cstr(&b), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                      "<R><K>&quot;q&quot; &amp; &apos;a&apos; &lt;b&gt;&#13;</K></R>");
    buf_reset(&b);
    xmlw_init(&w, &b, "R", NULL);
    xmlw_elem(&w, "K", "bell\a");
    assert_int_equal(xmlw_finish(&w), -1);
    buf_release(&b);
}

/* --- topics --------------------------------------------------------------------------------- */

static void topic_diff(void **state, const char *attrs, const char *tags, struct topic_sub *subs,
                       size_t n, struct res_diff *d, struct res_actual *a)
{
    const struct resource *r = res(state, "topic.events");
    struct kvlist want;
    struct pw_error err;
    struct xml_node *xa = xml(attrs), *xt = xml(tags);
    kvlist_init(&want);
    res_actual_init(a);
    res_diff_init(d);
    assert_int_equal(topic_desired(r, &want, &err), 0);
    assert_int_equal(topic_actual(r, xa, xt, subs, n, a), 0);
    assert_int_equal(res_diff_compute(r->kind, &want, &a->props, d, &err), 0);
    kvlist_release(&want);
    xml_free(xa);
    xml_free(xt);
}

static const char topic_attrs[] =
    "<Attributes><entry><key>Owner</key><value>123456789012</value></entry>"
    "<entry><key>DisplayName</key><value></value></entry></Attributes>";
static const char topic_tags[] =
    "<Tags><member><Key>team</Key><Value>data</Value></member>"
    "<member><Key>pipewright:stack</Key><Value>shop</Value></member>"
    "<member><Key>pipewright:env</Key><Value>dev</Value></member></Tags>";

static void topic_pending_email_and_confirmed_sqs_are_in_sync(void **state)
{
    /* The filter policy as SNS hands it back: keys in another order, spaces. */
    struct xml_node *sqs_attrs = xml(
        "<Attributes><entry><key>RawMessageDelivery</key><value>true</value></entry>"
        "<entry><key>FilterPolicy</key><value>{\"status\": [\"failed\"], \"kind\": [\"a\", \"b\"]}</value></entry>"
        "<entry><key>PendingConfirmation</key><value>false</value></entry></Attributes>");
    struct topic_sub subs[] = {
        {"email", "a@example.com", "PendingConfirmation", NULL},
        {"sqs", "arn:aws:sqs:eu-west-1:123456789012:q", "arn:aws:sns:eu-west-1:123456789012:shop-dev-events:1", sqs_attrs},
    };
    struct res_diff d;
    struct res_actual a;
    topic_diff(state, topic_attrs, topic_tags, subs, 2, &d, &a);
    assert_no_diff(&d);
    assert_int_equal(a.presence, RES_OWNED);
    /* Only the confirmed one has an ARN to change or remove it by. */
    assert_null(kvlist_get(&a.ids, "subscription[email:a@example.com]"));
    assert_non_null(kvlist_get(&a.ids, "subscription[sqs:arn:aws:sqs:eu-west-1:123456789012:q]"));
    res_diff_release(&d);
    res_actual_release(&a);
    xml_free(sqs_attrs);
}

static void topic_changes_are_named(void **state)
{
    struct xml_node *sqs_attrs = xml("<Attributes><entry><key>RawMessageDelivery</key><value>false</value></entry>"
                                     "</Attributes>");
    struct topic_sub subs[] = {
        {"sqs", "arn:aws:sqs:eu-west-1:123456789012:q", "arn:x:1", sqs_attrs},
        {"https", "https://example.com/hook", "arn:x:2", NULL},
    };
    struct res_diff d;
    struct res_actual a;
    topic_diff(state,
               "<Attributes><entry><key>KmsMasterKeyId</key><value>alias/aws/sns</value></entry></Attributes>",
               topic_tags, subs, 2, &d, &a);
    assert_string_equal(res_diff_find(&d, "encryption")->old, "sse-kms");
    assert_string_equal(res_diff_find(&d, "encryption")->new, "none");
    assert_null(res_diff_find(&d, "subscription[email:a@example.com]")->old);
    assert_null(res_diff_find(&d, "subscription[sqs:arn:aws:sqs:eu-west-1:123456789012:q].raw_delivery")->old);
    assert_non_null(res_diff_find(&d, "subscription[sqs:arn:aws:sqs:eu-west-1:123456789012:q].filter_policy"));
    assert_null(res_diff_find(&d, "subscription[https:https://example.com/hook]")->new);
    res_diff_release(&d);
    res_actual_release(&a);
    xml_free(sqs_attrs);
}

/* --- orphans ------------------------------------------------------------------------------- */

static void arns_name_their_resource_or_nothing(void **state)
{
    (void)state;
    const struct res_kind *k = NULL;
    char name[256];
    assert_true(orphan_from_arn("arn:aws:dynamodb:eu-west-1:123456789012:table/Old-dev", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_table);
    assert_string_equal(name, "Old-dev");
    assert_true(orphan_from_arn("arn:aws:s3:::old-bucket", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_bucket);
    assert_string_equal(name, "old-bucket");
    assert_true(orphan_from_arn("arn:aws-cn:sns:cn-north-1:123456789012:old-topic", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_topic);
    assert_string_equal(name, "old-topic");
    /* Things under a resource, other services, garbage: not an orphan of ours. */
    assert_false(orphan_from_arn("arn:aws:dynamodb:eu-west-1:1:table/T/stream/2024", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:dynamodb:eu-west-1:1:table/T/index/i", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:s3:::bucket/key", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:sns:eu-west-1:1:topic:5c8a-uuid", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:sqs:eu-west-1:1:queue", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:dynamodb", &k, name, sizeof name));
    assert_false(orphan_from_arn("not an arn", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:s3:::", &k, name, sizeof name));
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
        cmocka_unit_test(bucket_fresh_is_in_sync),
        cmocka_unit_test(bucket_not_configured_reads_as_defaults),
        cmocka_unit_test(bucket_lifecycle_shapes_and_kms),
        cmocka_unit_test(bucket_bodies_round_trip),
        cmocka_unit_test(xml_writer_escapes_and_refuses_control_characters),
        cmocka_unit_test(topic_pending_email_and_confirmed_sqs_are_in_sync),
        cmocka_unit_test(topic_changes_are_named),
        cmocka_unit_test(arns_name_their_resource_or_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
