/* test_glue.c — the Glue kinds' pure parts: what Glue answers for a crawler, a job, a
 * database or a table right after up created it (AWS-filled fields included) must equal what
 * was declared; each out-of-band change must show as the property that changed; the job's
 * arguments derived from the pipeline; the catalog table's SerDe per format; the Glue ARNs of
 * orphans; the embedded templates equal their files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provision/artifact.h"
#include "provision/calls.h"
#include "provision/catalog_table.h"
#include "provision/crawler.h"
#include "provision/database.h"
#include "provision/glue.h"
#include "provision/job.h"
#include "provision/orphans.h"
#include "provision/stack.h"
#include "provision/templates.h"

#define ACCOUNT "123456789012"

static const char spec_text[] =
    "version: 1\n"
    "stack: shop\n"
    "region: eu-west-1\n"
    "vars: {env: dev}\n"
    "tags: {team: data}\n"
    "tables:\n"
    "  orders: {key: {hash: userID:S, range: campaignID:S}, stream: true}\n"
    "  info: {key: {hash: campaignID:S}, stream: true}\n"
    "buckets:\n"
    "  lake: {name: 'shop-lake-${env}-${account}'}\n"
    "catalog:\n"
    "  database: shop_${env}\n"
    "  description: the lake\n"
    "  crawlers:\n"
    "    lake:\n"
    "      targets: [bucket.lake/orders/, table.orders, {path: s3://raw/x/, exclude: ['*.tmp']}]\n"
    "      schedule: cron(0 * * * ? *)\n"
    "      role: arn:aws:iam::123456789012:role/Crawl\n"
    "jobs:\n"
    "  flat:\n"
    "    script: templates/glue/flatten_join.py\n"
    "    bucket: lake\n"
    "    bookmarks: true\n"
    "    arguments: {extra: '1', join_kind: inner}\n"
    "pipeline:\n"
    "  source: orders\n"
    "  explode: {attribute: progress, empty: keep}\n"
    "  join: {table: info, explode: tasks, on: [campaignID, taskID], columns: [deadline]}\n"
    "  columns:\n"
    "    - userID\n"
    "    - {name: at, type: timestamp, format: '%d/%m/%Y'}\n"
    "    - {name: reward, from: rewardEarned, type: decimal}\n"
    "    - {name: n, type: int, required: true}\n"
    "    - {name: ok, type: bool}\n"
    "  partition: {column: at, granularity: month}\n"
    "  output: {bucket: lake, prefix: orders/, table: orders_out}\n";

struct fixture {
    struct spec *spec;
    struct stack stack;
};

static int load(const char *text, struct fixture *f)
{
    struct diag_list d;
    struct pw_error err = {0};
    diag_list_init(&d);
    int rc = spec_load_text("tests/inline.yaml", text, strlen(text), NULL, &f->spec, &d, &err);
    if (rc == 0)
        rc = spec_bind_account(f->spec, ACCOUNT, &err);
    if (rc == 0)
        rc = stack_init(&f->stack, f->spec, ACCOUNT, &err);
    if (rc < 0) {
        struct buf out;
        buf_init(&out, 0);
        diag_list_render(&d, &out);
        fprintf(stderr, "%s%s\n", buf_cstr(&out), err.message);
        buf_release(&out);
    }
    diag_list_release(&d);
    return rc;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || load(spec_text, f) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (!f)
        return 0;
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

/* text with its first `old` replaced by `new` (the caller frees). */
static char *replaced(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    struct buf b;
    assert_non_null(at);
    buf_init(&b, 0);
    buf_append(&b, text, (size_t)(at - text));
    buf_appends(&b, new);
    buf_appends(&b, at + strlen(old));
    return buf_detach(&b);
}

enum kind { K_CRAWLER, K_JOB, K_DATABASE, K_TABLE };

/* Diffs the declaration of r against an answer (and GetTags' "Tags", or NULL). */
static void diff_of(const struct resource *r, enum kind k, const char *answer, const char *tags,
                    struct res_diff *d, enum res_presence *presence)
{
    struct kvlist want;
    struct res_actual a;
    struct pw_error err;
    cJSON *x = cJSON_Parse(answer), *t = tags ? cJSON_Parse(tags) : NULL;
    assert_non_null(x);
    kvlist_init(&want);
    res_actual_init(&a);
    res_diff_init(d);
    assert_int_equal(r->kind->desired(r, &want, &err), 0);
    int rc = k == K_CRAWLER ? crawler_actual(r, x, t, &a)
             : k == K_JOB   ? job_actual(r, x, t, &a)
             : k == K_DATABASE ? database_actual(r, x, t, &a)
                               : catalog_table_actual(r, x, &a);
    assert_int_equal(rc, 0);
    assert_int_equal(res_diff_compute(r->kind, &want, &a.props, d, &err), 0);
    *presence = a.presence;
    res_actual_release(&a);
    kvlist_release(&want);
    cJSON_Delete(x);
    cJSON_Delete(t);
}

static void expect_in_sync(const struct res_diff *d)
{
    for (size_t i = 0; i < d->len; i++)
        fprintf(stderr, "unexpected drift: %s: %s -> %s\n", d->items[i].path,
                d->items[i].old ? d->items[i].old : "(none)", d->items[i].new ? d->items[i].new : "(none)");
    assert_int_equal(d->len, 0);
}

static const char tags_ours[] = "{\"team\":\"data\",\"pipewright:stack\":\"shop\",\"pipewright:env\":\"dev\","
                                "\"aws:cloudformation:stack-name\":\"x\"}";

/* --- crawlers ------------------------------------------------------------------------------ */

/* GetCrawler right after CreateCrawler, as AWS answers: the state, versions, lineage and
 * lake formation settings it fills in, the schedule as an object, DynamoDB targets with
 * their scan settings, no Exclusions member where there are none. */
static const char crawler_answer[] =
    "{\"Name\":\"shop-dev-lake\",\"Role\":\"arn:aws:iam::123456789012:role/Crawl\","
    "\"Targets\":{\"S3Targets\":[{\"Path\":\"s3://shop-lake-dev-123456789012/orders/\",\"Exclusions\":[]},"
    "{\"Path\":\"s3://raw/x/\",\"Exclusions\":[\"*.tmp\"]}],\"JdbcTargets\":[],\"MongoDBTargets\":[],"
    "\"DynamoDBTargets\":[{\"Path\":\"shop-dev-orders\",\"scanAll\":true}],\"CatalogTargets\":[]},"
    "\"DatabaseName\":\"shop_dev\",\"Classifiers\":[],"
    "\"RecrawlPolicy\":{\"RecrawlBehavior\":\"CRAWL_EVERYTHING\"},"
    "\"SchemaChangePolicy\":{\"UpdateBehavior\":\"UPDATE_IN_DATABASE\",\"DeleteBehavior\":\"DEPRECATE_IN_DATABASE\"},"
    "\"LineageConfiguration\":{\"CrawlerLineageSettings\":\"DISABLE\"},\"State\":\"READY\","
    "\"Schedule\":{\"ScheduleExpression\":\"cron(0 * * * ? *)\",\"State\":\"SCHEDULED\"},"
    "\"CrawlElapsedTime\":0,\"CreationTime\":1.7e9,\"LastUpdated\":1.7e9,\"Version\":1,"
    "\"LakeFormationConfiguration\":{\"UseLakeFormationCredentials\":false,\"AccountId\":\"\"}}";

static void crawler_fresh_is_in_sync(void **state)
{
    struct res_diff d;
    enum res_presence p;
    diff_of(res(state, "crawler.lake"), K_CRAWLER, crawler_answer, tags_ours, &d, &p);
    expect_in_sync(&d);
    assert_int_equal(p, RES_OWNED);
    res_diff_release(&d);
}

/* A bare role name (Glue accepts one) and an answer without policies (Glue's defaults) are
 * what the spec says, not drift. */
static void crawler_bare_role_and_default_policies_are_in_sync(void **state)
{
    static const char answer[] =
        "{\"Name\":\"shop-dev-lake\",\"Role\":\"Crawl\",\"DatabaseName\":\"shop_dev\","
        "\"Targets\":{\"S3Targets\":[{\"Path\":\"s3://shop-lake-dev-123456789012/orders/\"},"
        "{\"Path\":\"s3://raw/x/\",\"Exclusions\":[\"*.tmp\"]}],"
        "\"DynamoDBTargets\":[{\"Path\":\"shop-dev-orders\"}]},"
        "\"Schedule\":{\"ScheduleExpression\":\"cron(0 * * * ? *)\"},\"TablePrefix\":\"\"}";
    struct res_diff d;
    enum res_presence p;
    diff_of(res(state, "crawler.lake"), K_CRAWLER, answer, tags_ours, &d, &p);
    expect_in_sync(&d);
    res_diff_release(&d);
}

static void crawler_changes_are_named(void **state)
{
    static const char answer[] =
        "{\"Name\":\"shop-dev-lake\",\"Role\":\"arn:aws:iam::123456789012:role/Other\","
        "\"DatabaseName\":\"shop_dev\",\"Targets\":{\"S3Targets\":["
        "{\"Path\":\"s3://raw/x/\",\"Exclusions\":[\"*.tmp\",\"*.bak\"]},{\"Path\":\"s3://else/\"}],"
        "\"DynamoDBTargets\":[{\"Path\":\"shop-dev-orders\"}]},"
        "\"SchemaChangePolicy\":{\"UpdateBehavior\":\"LOG\",\"DeleteBehavior\":\"DELETE_FROM_DATABASE\"},"
        "\"RecrawlPolicy\":{\"RecrawlBehavior\":\"CRAWL_NEW_FOLDERS_ONLY\"},\"TablePrefix\":\"p_\"}";
    static const char tags[] = "{\"team\":\"ops\",\"pipewright:stack\":\"shop\",\"pipewright:env\":\"dev\"}";
    struct res_diff d;
    enum res_presence p;
    diff_of(res(state, "crawler.lake"), K_CRAWLER, answer, tags, &d, &p);
    const struct res_change *c;
    assert_non_null(c = res_diff_find(&d, "role"));
    assert_string_equal(c->old, "arn:aws:iam::123456789012:role/Other");
    assert_non_null(c = res_diff_find(&d, "target[s3://shop-lake-dev-123456789012/orders/]"));
    assert_null(c->old);
    assert_non_null(c = res_diff_find(&d, "target[s3://raw/x/].exclude"));
    assert_string_equal(c->old, "[\"*.tmp\",\"*.bak\"]");
    assert_string_equal(c->new, "[\"*.tmp\"]");
    assert_non_null(c = res_diff_find(&d, "target[s3://else/]"));
    assert_null(c->new);
    assert_non_null(c = res_diff_find(&d, "schedule"));
    assert_null(c->old);
    assert_non_null(c = res_diff_find(&d, "schema_change.update"));
    assert_string_equal(c->old, "log");
    assert_string_equal(c->new, "update-in-database");
    assert_non_null(c = res_diff_find(&d, "schema_change.delete"));
    assert_string_equal(c->old, "delete-from-database");
    assert_non_null(c = res_diff_find(&d, "recrawl"));
    assert_string_equal(c->old, "new-folders-only");
    assert_string_equal(c->new, "everything");
    assert_non_null(c = res_diff_find(&d, "table_prefix"));
    assert_null(c->new);
    assert_non_null(c = res_diff_find(&d, "tags[team]"));
    assert_int_equal(d.len, 10);
    res_diff_release(&d);
}

static void crawler_input_matches_the_declaration(void **state)
{
    cJSON *in = crawler_input(res(state, "crawler.lake"), 1);
    assert_non_null(in);
    const cJSON *s3 = cJSON_GetObjectItem(cJSON_GetObjectItem(in, "Targets"), "S3Targets");
    assert_int_equal(cJSON_GetArraySize(s3), 2);
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(s3, 0), "Exclusions"));
    assert_string_equal(json_str(cJSON_GetArrayItem(s3, 1), "Path"), "s3://raw/x/");
    assert_null(cJSON_GetObjectItem(in, "TablePrefix"));   /* nothing to clear on a create */
    assert_string_equal(json_str(cJSON_GetObjectItem(in, "Tags"), "pipewright:stack"), "shop");
    cJSON_Delete(in);
    in = crawler_input(res(state, "crawler.lake"), 0);
    assert_string_equal(json_str(in, "TablePrefix"), "");  /* an update clears it */
    assert_null(cJSON_GetObjectItem(in, "Tags"));
    cJSON_Delete(in);
}

/* --- jobs ---------------------------------------------------------------------------------- */

static void job_arguments_derive_the_pipeline_and_declared_ones_win(void **state)
{
    struct fixture *f = *state;
    struct kvlist args;
    kvlist_init(&args);
    assert_int_equal(job_arguments(f->spec, &f->spec->jobs[0], &args), 0);
    assert_string_equal(kvlist_get(&args, "--source_table"), "shop-dev-orders");
    assert_string_equal(kvlist_get(&args, "--explode"), "progress");
    assert_string_equal(kvlist_get(&args, "--explode_empty"), "keep");
    assert_string_equal(kvlist_get(&args, "--dimension_table"), "shop-dev-info");
    assert_string_equal(kvlist_get(&args, "--dimension_explode"), "tasks");
    assert_string_equal(kvlist_get(&args, "--join_on"), "[\"campaignID\",\"taskID\"]");
    assert_string_equal(kvlist_get(&args, "--join_columns"), "[\"deadline\"]");
    assert_string_equal(kvlist_get(&args, "--join_kind"), "inner");   /* declared: replaces "left" */
    assert_string_equal(kvlist_get(&args, "--columns"),
                        "[{\"name\":\"userID\",\"type\":\"string\"},"
                        "{\"name\":\"at\",\"type\":\"timestamp\",\"format\":\"%d/%m/%Y\"},"
                        "{\"name\":\"reward\",\"from\":\"rewardEarned\",\"type\":\"decimal\"},"
                        "{\"name\":\"n\",\"type\":\"int\",\"required\":true},"
                        "{\"name\":\"ok\",\"type\":\"bool\"}]");
    assert_string_equal(kvlist_get(&args, "--partition_column"), "at");
    assert_string_equal(kvlist_get(&args, "--partition_granularity"), "month");
    assert_string_equal(kvlist_get(&args, "--partition_as"), "at_month");
    assert_string_equal(kvlist_get(&args, "--output_path"), "s3://shop-lake-dev-123456789012/orders/");
    assert_string_equal(kvlist_get(&args, "--output_format"), "jsonl");
    assert_string_equal(kvlist_get(&args, "--output_compression"), "gzip");
    assert_string_equal(kvlist_get(&args, "--job-bookmark-option"), "job-bookmark-enable");
    assert_string_equal(kvlist_get(&args, "--extra"), "1");
    size_t joins = 0;   /* replaced, never listed twice */
    for (size_t i = 0; i < args.len; i++)
        joins += strcmp(args.items[i].name, "--join_kind") == 0;
    assert_int_equal(joins, 1);
    kvlist_release(&args);
}

/* GetJob right after CreateJob: AWS fills MaxCapacity, AllocatedCapacity, ExecutionClass and
 * the command's PythonVersion, none of which the spec declares. */
static void job_fresh_is_in_sync(void **state)
{
    struct fixture *f = *state;
    struct kvlist args;
    struct buf answer;
    kvlist_init(&args);
    buf_init(&answer, 0);
    assert_int_equal(job_arguments(f->spec, &f->spec->jobs[0], &args), 0);
    buf_appends(&answer, "{\"Name\":\"shop-dev-flat\",\"Role\":\"shop-dev-job-flat\","
                "\"Command\":{\"Name\":\"glueetl\",\"ScriptLocation\":"
                "\"s3://shop-lake-dev-123456789012/scripts/flatten_join.py\",\"PythonVersion\":\"3\"},"
                "\"MaxRetries\":0,\"AllocatedCapacity\":2,\"Timeout\":2880,\"MaxCapacity\":2.0,"
                "\"WorkerType\":\"G.1X\",\"NumberOfWorkers\":2,\"GlueVersion\":\"4.0\","
                "\"ExecutionClass\":\"STANDARD\",\"DefaultArguments\":{");
    for (size_t i = 0; i < args.len; i++) {
        cJSON *v = cJSON_CreateString(args.items[i].value);
        char *text = cJSON_PrintUnformatted(v);
        buf_appendf(&answer, "%s\"%s\":%s", i ? "," : "", args.items[i].name, text);
        cJSON_free(text);
        cJSON_Delete(v);
    }
    buf_appends(&answer, "}}");
    struct res_diff d;
    enum res_presence p;
    /* The generated role's bare name reads as its ARN; no ExecutionProperty reads as 1. */
    diff_of(res(state, "job.flat"), K_JOB, buf_cstr(&answer), tags_ours, &d, &p);
    expect_in_sync(&d);
    assert_int_equal(p, RES_OWNED);
    res_diff_release(&d);
    buf_release(&answer);
    kvlist_release(&args);
}

static void job_changes_are_named(void **state)
{
    static const char answer[] =
        "{\"Name\":\"shop-dev-flat\",\"Role\":\"arn:aws:iam::123456789012:role/shop-dev-job-flat\","
        "\"Command\":{\"Name\":\"pythonshell\",\"ScriptLocation\":\"s3://elsewhere/x.py\"},"
        "\"MaxRetries\":3,\"Timeout\":60,\"WorkerType\":\"G.2X\",\"NumberOfWorkers\":10,"
        "\"GlueVersion\":\"3.0\",\"ExecutionProperty\":{\"MaxConcurrentRuns\":4},"
        "\"DefaultArguments\":{\"--extra\":\"2\",\"--theirs\":\"x\"}}";
    static const char tags[] = "{\"team\":\"data\",\"pipewright:stack\":\"other\",\"pipewright:env\":\"dev\"}";
    struct res_diff d;
    enum res_presence p;
    diff_of(res(state, "job.flat"), K_JOB, answer, tags, &d, &p);
    assert_int_equal(p, RES_FOREIGN);   /* another stack's job */
    static const char *const changed[] = {"command", "script_location", "glue_version", "worker_type",
                                          "workers", "timeout", "max_retries", "max_concurrent_runs",
                                          "argument[--extra]", "argument[--theirs]", "tags[pipewright:stack]",
                                          "argument[--source_table]"};
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
        if (!res_diff_find(&d, changed[i]))
            fail_msg("no change at %s", changed[i]);
    assert_null(res_diff_find(&d, "role"));
    assert_string_equal(res_diff_find(&d, "workers")->old, "10");
    assert_string_equal(res_diff_find(&d, "workers")->new, "2");
    assert_null(res_diff_find(&d, "argument[--theirs]")->new);
    res_diff_release(&d);
}

/* --- the database and the catalog table ---------------------------------------------------- */

static void database_description_and_tags(void **state)
{
    static const char fresh[] = "{\"Name\":\"shop_dev\",\"Description\":\"the lake\",\"CreateTime\":1.7e9,"
        "\"CreateTableDefaultPermissions\":[{\"Principal\":{\"DataLakePrincipalIdentifier\":"
        "\"IAM_ALLOWED_PRINCIPALS\"},\"Permissions\":[\"ALL\"]}],\"CatalogId\":\"123456789012\"}";
    static const char nulled[] = "{\"Name\":\"shop_dev\",\"Description\":null,\"LocationUri\":null}";
    struct res_diff d;
    enum res_presence p;
    diff_of(res(state, "database.shop_dev"), K_DATABASE, fresh, tags_ours, &d, &p);
    expect_in_sync(&d);
    assert_int_equal(p, RES_OWNED);
    res_diff_release(&d);
    diff_of(res(state, "database.shop_dev"), K_DATABASE, nulled, "{}", &d, &p);
    assert_int_equal(p, RES_FOREIGN);
    assert_null(res_diff_find(&d, "description")->old);
    res_diff_release(&d);
}

/* What GetTable answers for the table up created: the TableInput, with what Glue and a
 * crawler add (versions, statistics parameters, bucket counts). */
static char *table_answer(const struct resource *r)
{
    cJSON *t = catalog_table_input(r);
    assert_non_null(t);
    cJSON_AddStringToObject(t, "DatabaseName", "shop_dev");
    cJSON_AddNumberToObject(t, "CreateTime", 1.7e9);
    cJSON_AddStringToObject(t, "VersionId", "3");
    cJSON_AddBoolToObject(t, "IsRegisteredWithLakeFormation", 0);
    cJSON *params = cJSON_GetObjectItem(t, "Parameters");
    cJSON_AddStringToObject(params, "averageRecordSize", "120");
    cJSON_AddStringToObject(params, "UPDATED_BY_CRAWLER", "shop-dev-lake");
    cJSON *sd = cJSON_GetObjectItem(t, "StorageDescriptor");
    cJSON_AddNumberToObject(sd, "NumberOfBuckets", -1);
    cJSON_AddItemToObject(sd, "BucketColumns", cJSON_CreateArray());
    cJSON_AddBoolToObject(sd, "StoredAsSubDirectories", 0);
    char *text = cJSON_PrintUnformatted(t);
    cJSON_Delete(t);
    return text;
}

static void catalog_table_json_lines(void **state)
{
    const struct resource *r = res(state, "catalog_table.orders_out");
    struct kvlist want;
    struct pw_error err;
    kvlist_init(&want);
    assert_int_equal(catalog_table_desired(r, &want, &err), 0);
    assert_string_equal(kvlist_get(&want, "location"), "s3://shop-lake-dev-123456789012/orders/");
    assert_string_equal(kvlist_get(&want, "column[at]"), "timestamp");
    assert_string_equal(kvlist_get(&want, "column[reward]"), "decimal(38,18)");
    assert_string_equal(kvlist_get(&want, "column[n]"), "bigint");
    assert_string_equal(kvlist_get(&want, "column[ok]"), "boolean");
    assert_string_equal(kvlist_get(&want, "column_order"), "userID,at,reward,n,ok");
    assert_string_equal(kvlist_get(&want, "partition_key[at_month]"), "string");
    assert_string_equal(kvlist_get(&want, "serde"), "org.openx.data.jsonserde.JsonSerDe");
    assert_string_equal(kvlist_get(&want, "parameter[classification]"), "json");
    assert_string_equal(kvlist_get(&want, "parameter[compressionType]"), "gzip");
    assert_null(kvlist_get(&want, "parameter[skip.header.line.count]"));
    assert_string_equal(kvlist_get(&want, "tags[pipewright:stack]"), "shop");
    assert_null(kvlist_get(&want, "tags[team]"));   /* Glue tables have no tags of their own */
    kvlist_release(&want);

    char *answer = table_answer(r);
    struct res_diff d;
    enum res_presence p;
    diff_of(r, K_TABLE, answer, NULL, &d, &p);
    expect_in_sync(&d);
    assert_int_equal(p, RES_OWNED);
    res_diff_release(&d);
    free(answer);
}

static void catalog_table_changes_and_partition_keys_replace(void **state)
{
    const struct resource *r = res(state, "catalog_table.orders_out");
    cJSON *t = catalog_table_input(r);
    cJSON *sd = cJSON_GetObjectItem(t, "StorageDescriptor");
    cJSON *cols = cJSON_GetObjectItem(sd, "Columns");
    cJSON_DeleteItemFromArray(cols, 0);                              /* userID gone */
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cols, 0), "Type", cJSON_CreateString("string"));
    cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(t, "PartitionKeys"), 0), "Name",
                              cJSON_CreateString("month"));
    cJSON_DeleteItemFromObject(cJSON_GetObjectItem(t, "Parameters"), "pipewright:stack");
    char *text = cJSON_PrintUnformatted(t);
    struct res_diff d;
    enum res_presence p;
    diff_of(r, K_TABLE, text, NULL, &d, &p);
    assert_int_equal(p, RES_FOREIGN);
    assert_null(res_diff_find(&d, "column[userID]")->old);
    assert_string_equal(res_diff_find(&d, "column[at]")->old, "string");
    assert_string_equal(res_diff_find(&d, "column_order")->old, "at,reward,n,ok");
    assert_int_equal(res_diff_find(&d, "partition_key[at_month]")->mode, RES_REPLACE);
    assert_int_equal(res_diff_find(&d, "partition_key[month]")->mode, RES_REPLACE);
    assert_int_equal(res_diff_find(&d, "column[at]")->mode, RES_IN_PLACE);
    assert_int_equal(res_diff_worst(&d), RES_REPLACE);
    res_diff_release(&d);
    free(text);
    cJSON_Delete(t);
}

static void catalog_table_csv(void **state)
{
    (void)state;
    struct fixture f = {0};
    char *text = replaced(spec_text, "table: orders_out}", "format: csv}");
    assert_int_equal(load(text, &f), 0);
    const struct resource *r = stack_find(&f.stack, "catalog_table.orders");
    assert_non_null(r);   /* the table defaults to the pipeline's name */
    struct kvlist want;
    struct pw_error err;
    kvlist_init(&want);
    assert_int_equal(catalog_table_desired(r, &want, &err), 0);
    assert_string_equal(kvlist_get(&want, "serde"), "org.apache.hadoop.hive.serde2.OpenCSVSerde");
    assert_string_equal(kvlist_get(&want, "serde.parameter[separatorChar]"), ",");
    assert_string_equal(kvlist_get(&want, "serde.parameter[quoteChar]"), "\"");
    assert_string_equal(kvlist_get(&want, "parameter[classification]"), "csv");
    assert_string_equal(kvlist_get(&want, "parameter[skip.header.line.count]"), "1");
    assert_string_equal(kvlist_get(&want, "input_format"), "org.apache.hadoop.mapred.TextInputFormat");
    kvlist_release(&want);
    struct kvlist args;
    kvlist_init(&args);
    assert_int_equal(job_pipeline_arguments(f.spec, &args), 0);
    assert_string_equal(kvlist_get(&args, "--output_format"), "csv");
    assert_string_equal(kvlist_get(&args, "--output_header"), "true");
    kvlist_release(&args);
    stack_release(&f.stack);
    spec_free(f.spec);
    free(text);
}

/* --- order, ARNs, spellings, templates ----------------------------------------------------- */

static void glue_resources_come_in_dependency_order(void **state)
{
    struct fixture *f = *state;
    const char *order[] = {"artifact.flat", "database.shop_dev", "crawler.lake", "job.flat",
                           "catalog_table.orders_out"};
    size_t at = 0;
    for (size_t i = 0; i < f->stack.n && at < 5; i++)
        if (strcmp(f->stack.items[i].address, order[at]) == 0)
            at++;
    assert_int_equal(at, 5);
    /* A table cannot be created before its database: they are on different levels. */
    assert_true(res(state, "database.shop_dev")->kind->level < res(state, "catalog_table.orders_out")->kind->level);
    assert_true(res(state, "artifact.flat")->kind->level < res(state, "job.flat")->kind->level);
    assert_string_equal(res(state, "artifact.flat")->name, "scripts/flatten_join.py");
}

static void glue_arns_spellings_and_roles(void **state)
{
    const struct res_kind *k = NULL;
    char name[256], out[300];
    assert_true(orphan_from_arn("arn:aws:glue:eu-west-1:1:database/old_db", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_database);
    assert_string_equal(name, "old_db");
    assert_true(orphan_from_arn("arn:aws:glue:eu-west-1:1:crawler/old-crawler", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_crawler);
    assert_true(orphan_from_arn("arn:aws-cn:glue:cn-north-1:1:job/old-job", &k, name, sizeof name));
    assert_ptr_equal(k, &res_kind_job);
    assert_string_equal(name, "old-job");
    assert_false(orphan_from_arn("arn:aws:glue:eu-west-1:1:table/db/t", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:glue:eu-west-1:1:catalog", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:glue:eu-west-1:1:trigger/t", &k, name, sizeof name));
    assert_false(orphan_from_arn("arn:aws:glue:eu-west-1:1:job/", &k, name, sizeof name));

    glue_spelling("DEPRECATE_IN_DATABASE", out, sizeof out);
    assert_string_equal(out, "deprecate-in-database");
    glue_spelling("LOG", out, 3);
    assert_string_equal(out, "lo");   /* truncated, terminated */
    struct fixture *f = *state;
    assert_int_equal(glue_role_normalise(&f->stack, "Crawl", out, sizeof out), 0);
    assert_string_equal(out, "arn:aws:iam::123456789012:role/Crawl");
    assert_int_equal(glue_role_normalise(&f->stack, "arn:aws:iam::9:role/x/y", out, sizeof out), 0);
    assert_string_equal(out, "arn:aws:iam::9:role/x/y");
    assert_int_equal(glue_role_arn(&f->stack, &f->spec->jobs[0].role, out, sizeof out), 0);
    assert_string_equal(out, "arn:aws:iam::123456789012:role/shop-dev-job-flat");
    assert_int_equal(glue_role_arn(&f->stack, &f->spec->crawlers[0].role, out, sizeof out), 0);
    assert_string_equal(out, "arn:aws:iam::123456789012:role/Crawl");
}

static void templates_embedded_equal_their_files(void **state)
{
    (void)state;
    size_t n = 0;
    for (const char *path; (path = template_path(n)); n++) {
        char file[300];
        struct buf b;
        struct pw_error err;
        size_t len = 0;
        buf_init(&b, 0);
        snprintf(file, sizeof file, "templates/%s", path);
        assert_int_equal(buf_read_file(&b, file, &err), 0);
        const char *text = template_text(path, &len);
        /* Fails when a template was edited without re-running provision/embed_templates.py. */
        assert_int_equal(len, b.len);
        assert_memory_equal(text, b.data, len);
        buf_release(&b);
    }
    assert_true(n >= 1);
    size_t len;
    assert_null(template_text("glue/nope.py", &len));
}

/* The script: the spec's directory first (tests/inline.yaml -> tests/), then the built-in. */
static void artifact_source_is_looked_up_then_built_in(void **state)
{
    const struct resource *r = res(state, "artifact.flat");
    struct buf b;
    struct pw_error err;
    char from[300];
    size_t len = 0;
    buf_init(&b, 0);
    assert_int_equal(artifact_source(r, &b, from, sizeof from, &err), 0);
    assert_string_equal(from, "built-in templates/glue/flatten_join.py");
    const char *text = template_text("glue/flatten_join.py", &len);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, text, len);
    buf_release(&b);

    struct kvlist want;
    kvlist_init(&want);
    assert_int_equal(artifact_desired(r, &want, &err), 0);
    assert_int_equal(strlen(kvlist_get(&want, "sha256")), 64);
    assert_string_equal(kvlist_get(&want, "tags[team]"), "data");
    kvlist_release(&want);

    struct fixture f = {0};
    char *text2 = replaced(spec_text, "flatten_join.py", "flatten_nope.py");
    assert_int_equal(load(text2, &f), 0);
    buf_init(&b, 0);
    assert_int_equal(artifact_source(stack_find(&f.stack, "artifact.flat"), &b, from, sizeof from, &err), -1);
    assert_non_null(strstr(err.message, "script 'templates/glue/flatten_nope.py' is neither in 'tests'"));
    buf_release(&b);
    stack_release(&f.stack);
    spec_free(f.spec);
    free(text2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(crawler_fresh_is_in_sync),
        cmocka_unit_test(crawler_bare_role_and_default_policies_are_in_sync),
        cmocka_unit_test(crawler_changes_are_named),
        cmocka_unit_test(crawler_input_matches_the_declaration),
        cmocka_unit_test(job_arguments_derive_the_pipeline_and_declared_ones_win),
        cmocka_unit_test(job_fresh_is_in_sync),
        cmocka_unit_test(job_changes_are_named),
        cmocka_unit_test(database_description_and_tags),
        cmocka_unit_test(catalog_table_json_lines),
        cmocka_unit_test(catalog_table_changes_and_partition_keys_replace),
        cmocka_unit_test(catalog_table_csv),
        cmocka_unit_test(glue_resources_come_in_dependency_order),
        cmocka_unit_test(glue_arns_spellings_and_roles),
        cmocka_unit_test(templates_embedded_equal_their_files),
        cmocka_unit_test(artifact_source_is_looked_up_then_built_in),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
