/* test_iam.c — the IAM policy templates and the role kind's pure parts: the embedded copies
 * are the files, the template rules (scalars, lists, rows, dropped statements, errors), what
 * each generated role may do (exactly the stack's resources, nothing broader), and a role
 * read back as IAM answers (URL-encoded, reformatted) is in sync, while each out-of-band
 * change shows as the property that changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "provision/aws/uri.h"
#include "provision/iam_policy.h"
#include "provision/templates.h"
#include "provision/role.h"
#include "provision/stack.h"
#include "tests/unit/stacktest.h"

#define ACCOUNT "123456789012"

static const char spec_text[] =
    "version: 1\n"
    "stack: shop\n"
    "region: eu-west-1\n"
    "vars: {env: dev}\n"
    "tags: {team: data}\n"
    "tables:\n"
    "  orders: {key: {hash: orderid:S}, stream: new-and-old-images}\n"
    "  products: {key: {hash: sku:S}, stream: new-image}\n"
    "buckets:\n"
    "  lake: {}\n"
    "  artifacts: {}\n"
    "catalog:\n"
    "  database: shop_${env}\n"
    "  crawlers:\n"
    "    curated:\n"
    "      targets: [bucket.lake/orders/, bucket.lake/more/, table.orders, s3://other-bucket/raw/x/]\n"
    "      table_prefix: cur_\n"
    "    whole: {targets: [bucket.artifacts]}\n"
    "    named: {targets: [bucket.lake/x/], role: 'arn:aws:iam::${account}:role/Theirs'}\n"
    "jobs:\n"
    "  flatten: {script: flatten.py, bucket: artifacts}\n"
    "  metered: {script: m.py, bucket: artifacts, arguments: {enable-metrics: 'true'}}\n"
    "schedules:\n"
    "  hourly: {expression: rate(1 hour), target: job.flatten}\n"
    "  crawl: {expression: 'cron(0 1 * * ? *)', target: crawler.curated}\n"
    "  native: {expression: 'cron(0 2 * * ? *)', target: job.flatten, via: glue-trigger}\n"
    "pipeline:\n"
    "  source: orders\n"
    "  join: {table: products, on: [sku], columns: [title]}\n"
    "  output: {bucket: lake, prefix: orders/, table: orders, mode: changes}\n";

STACKTEST_FIXTURE(spec_text, ACCOUNT)

/* --- the templates ------------------------------------------------------------------------ */

static void templates_embedded_are_json(void **state)
{
    (void)state;
    size_t n = 0, len;
    for (size_t i = 0; template_path(i); i++) {
        if (strncmp(template_path(i), "iam/", 4) != 0)
            continue;
        /* Every template is JSON before any substitution (test_glue.c checks that each
         * embedded copy equals its file). */
        cJSON *j = cJSON_Parse(template_text(template_path(i), &len));
        assert_non_null(j);
        cJSON_Delete(j);
        n++;
    }
    assert_int_equal(n, 5);
    assert_null(template_text("iam/nope.json", &len));
}

/* One of the real templates rendered and parsed: the rules are checked on what ships. */
static cJSON *render(const char *name, const struct policy_vars *v)
{
    struct pw_error err = {0};
    char *text = policy_render(name, v, &err);
    if (!text)
        fail_msg("render %s: %s", name, err.message);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    free(text);
    return j;
}

static const cJSON *statement(const cJSON *doc, const char *sid)
{
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(doc, "Statement")) {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Sid"));
        if (s && strcmp(s, sid) == 0)
            return st;
    }
    return NULL;
}

static size_t statements(const cJSON *doc)
{
    return (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "Statement"));
}

/* The Resource of a statement as one text: "a" or "a|b|c". */
static void resources(const cJSON *st, char *out, size_t n)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(st, "Resource"), *e;
    out[0] = '\0';
    if (cJSON_IsString(r)) {
        snprintf(out, n, "%s", r->valuestring);
        return;
    }
    cJSON_ArrayForEach(e, r) {
        size_t len = strlen(out);
        snprintf(out + len, n - len, "%s%s", len ? "|" : "", e->valuestring);
    }
}

static void expect_resources(const cJSON *doc, const char *sid, const char *want)
{
    char got[4096];
    const cJSON *st = statement(doc, sid);
    if (!st)
        fail_msg("no statement %s", sid);
    resources(st, got, sizeof got);
    assert_string_equal(got, want);
}

static void scheduler_vars(struct policy_vars *v, const char *job, const char *crawler)
{
    assert_int_equal(policy_var(v, "partition", "aws") | policy_var(v, "region", "eu-west-1") |
                     policy_var(v, "account", ACCOUNT) | policy_list(v, "job") | policy_list(v, "crawler"), 0);
    if (job)
        assert_int_equal(policy_list_add(v, "job", job), 0);
    if (crawler)
        assert_int_equal(policy_list_add(v, "crawler", crawler), 0);
}

static void rows_repeat_and_empty_lists_drop(void **state)
{
    (void)state;
    struct policy_vars v;
    /* One row each: one statement each, Sid as written. */
    policy_vars_init(&v);
    scheduler_vars(&v, "j1", NULL);
    cJSON *doc = render("schedule", &v);
    assert_int_equal(statements(doc), 1);
    expect_resources(doc, "StartTheScheduledJob", "arn:aws:glue:eu-west-1:" ACCOUNT ":job/j1");
    assert_null(statement(doc, "StartTheScheduledCrawler"));
    cJSON_Delete(doc);
    policy_vars_release(&v);

    /* Two rows: the statement twice, numbered, each with its own element. */
    policy_vars_init(&v);
    scheduler_vars(&v, "j1", "c1");
    assert_int_equal(policy_list_add(&v, "job", "j2"), 0);
    doc = render("schedule", &v);
    assert_int_equal(statements(doc), 3);
    expect_resources(doc, "StartTheScheduledJob1", "arn:aws:glue:eu-west-1:" ACCOUNT ":job/j1");
    expect_resources(doc, "StartTheScheduledJob2", "arn:aws:glue:eu-west-1:" ACCOUNT ":job/j2");
    expect_resources(doc, "StartTheScheduledCrawler", "arn:aws:glue:eu-west-1:" ACCOUNT ":crawler/c1");
    cJSON_Delete(doc);
    policy_vars_release(&v);
}

static void render_errors_name_the_problem(void **state)
{
    (void)state;
    struct policy_vars v;
    struct pw_error err = {0};
    /* Nothing to grant at all: an error, never an empty policy. */
    policy_vars_init(&v);
    scheduler_vars(&v, NULL, NULL);
    assert_null(policy_render("schedule", &v, &err));
    assert_non_null(strstr(err.message, "grants nothing"));
    policy_vars_release(&v);
    /* A variable the caller forgot. */
    policy_vars_init(&v);
    assert_int_equal(policy_list_add(&v, "job", "j"), 0);
    assert_null(policy_render("schedule", &v, &err));
    assert_non_null(strstr(err.message, "unknown variable '${partition}'"));
    policy_vars_release(&v);
    /* Row variables of one statement in different lengths. */
    policy_vars_init(&v);
    assert_int_equal(policy_var(&v, "partition", "aws") | policy_var(&v, "region", "r") |
                     policy_var(&v, "account", ACCOUNT) | policy_var(&v, "database", "d") |
                     policy_var(&v, "table_prefix", "") | policy_list(&v, "s3_objects") |
                     policy_list(&v, "s3_buckets") | policy_list(&v, "whole_buckets") |
                     policy_list(&v, "dynamodb_tables") | policy_list(&v, "deleting_database") |
                     policy_list_add(&v, "listed_bucket", "b") | policy_list_add(&v, "listed_bucket", "c") |
                     policy_list_add(&v, "listed_prefix", "p/"), 0);
    assert_null(policy_render("crawler", &v, &err));
    assert_non_null(strstr(err.message, "differ in length (2 and 1)"));
    policy_vars_release(&v);
    assert_null(policy_render("no-such-template", &v, &err));
    assert_non_null(strstr(err.message, "no iam template 'no-such-template'"));
}

/* --- what each generated role may do ------------------------------------------------------- */

struct docs {
    cJSON *trust, *policy;
};

static struct docs documents(void **state, const char *address)
{
    struct pw_error err = {0};
    char *trust, *policy;
    if (role_documents(res(state, address), &trust, &policy, &err) < 0)
        fail_msg("%s: %s", address, err.message);
    struct docs d = {cJSON_Parse(trust), cJSON_Parse(policy)};
    assert_non_null(d.trust);
    assert_non_null(d.policy);
    free(trust);
    free(policy);
    return d;
}

static void docs_free(struct docs *d)
{
    cJSON_Delete(d->trust);
    cJSON_Delete(d->policy);
}

/* No statement of a generated policy grants "*" on a resource, but the one AWS has no
 * resource-level permission for. */
static void expect_no_star(const cJSON *policy, const char *except_sid)
{
    const cJSON *st;
    cJSON_ArrayForEach(st, cJSON_GetObjectItemCaseSensitive(policy, "Statement")) {
        char got[4096];
        const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Sid"));
        resources(st, got, sizeof got);
        if (except_sid && strcmp(sid, except_sid) == 0)
            continue;
        for (const char *p = got; (p = strstr(p, "*")) != NULL; p++)
            if (p == got || p[-1] == '|')
                fail_msg("%s grants a bare '*': %s", sid, got);
        assert_null(strstr(got, ":::*"));
    }
}

static void trust_is(const cJSON *trust, const char *service, const char *source_arn)
{
    assert_int_equal(statements(trust), 1);
    const cJSON *st = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(trust, "Statement"), 0);
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(st, "Condition"), "StringEquals");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(st, "Action")), "sts:AssumeRole");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(st, "Principal"), "Service")), service);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cond, "aws:SourceAccount")), ACCOUNT);
    const char *arn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cond, "aws:SourceArn"));
    if (source_arn)
        assert_string_equal(arn, source_arn);
    else
        assert_null(arn);
}

static void crawler_role_reads_exactly_its_targets(void **state)
{
    struct docs d = documents(state, "role.shop-dev-crawler-curated");
    const char *lake = "arn:aws:s3:::shop-dev-lake-" ACCOUNT;
    trust_is(d.trust, "glue.amazonaws.com", NULL);
    char want[2048];
    snprintf(want, sizeof want, "%s/orders/*|%s/more/*|arn:aws:s3:::other-bucket/raw/x/*", lake, lake);
    expect_resources(d.policy, "ReadTheCrawledObjects", want);
    snprintf(want, sizeof want, "%s|arn:aws:s3:::other-bucket", lake);
    expect_resources(d.policy, "LocateTheCrawledBuckets", want);
    /* Listing is granted per prefix, in a statement of its own for each. */
    expect_resources(d.policy, "ListTheCrawledPrefix1", lake);
    expect_resources(d.policy, "ListTheCrawledPrefix3", "arn:aws:s3:::other-bucket");
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(statement(d.policy, "ListTheCrawledPrefix2"), "Condition");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(cond, "StringLike"), "s3:prefix")), "more/*");
    assert_null(statement(d.policy, "ListTheCrawledBuckets"));
    expect_resources(d.policy, "ReadTheCrawledTables", "arn:aws:dynamodb:eu-west-1:" ACCOUNT ":table/shop-dev-orders");
    expect_resources(d.policy, "CatalogWhatItFinds",
                     "arn:aws:glue:eu-west-1:" ACCOUNT ":catalog|arn:aws:glue:eu-west-1:" ACCOUNT
                     ":database/shop_dev|arn:aws:glue:eu-west-1:" ACCOUNT ":table/shop_dev/cur_*");
    /* The default schema policy deprecates: nothing may be deleted. */
    assert_null(statement(d.policy, "DeleteWhatDisappeared"));
    expect_resources(d.policy, "WriteItsLogs",
                     "arn:aws:logs:eu-west-1:" ACCOUNT ":log-group:/aws-glue/crawlers|arn:aws:logs:eu-west-1:"
                     ACCOUNT ":log-group:/aws-glue/crawlers:*");
    expect_no_star(d.policy, NULL);
    docs_free(&d);

    /* A whole-bucket target lists without a prefix condition, and reads nothing else. */
    d = documents(state, "role.shop-dev-crawler-whole");
    const char *art = "arn:aws:s3:::shop-dev-artifacts-" ACCOUNT;
    snprintf(want, sizeof want, "%s/*", art);
    expect_resources(d.policy, "ReadTheCrawledObjects", want);
    expect_resources(d.policy, "ListTheCrawledBuckets", art);
    assert_null(statement(d.policy, "ListTheCrawledPrefix"));
    assert_null(statement(d.policy, "ReadTheCrawledTables"));
    docs_free(&d);
}

static void named_role_is_no_instance(void **state)
{
    struct fixture *f = *state;
    char arn[256];
    for (size_t i = 0; i < f->stack.n; i++)
        assert_null(strstr(f->stack.items[i].name, "Theirs"));
    assert_null(stack_find(&f->stack, "role.shop-dev-crawler-named"));
    assert_int_equal(role_arn(&f->stack, &spec_crawler_find(f->spec, "named")->role, arn, sizeof arn), 0);
    assert_string_equal(arn, "arn:aws:iam::" ACCOUNT ":role/Theirs");
    assert_int_equal(role_arn(&f->stack, &spec_job_find(f->spec, "flatten")->role, arn, sizeof arn), 0);
    assert_string_equal(arn, "arn:aws:iam::" ACCOUNT ":role/shop-dev-job-flatten");
    /* A glue trigger needs no role: no instance for it either. */
    assert_null(stack_find(&f->stack, "role.shop-dev-schedule-native"));
}

static void job_role_runs_the_pipeline_and_nothing_more(void **state)
{
    struct docs d = documents(state, "role.shop-dev-job-flatten");
    const char *lake = "arn:aws:s3:::shop-dev-lake-" ACCOUNT, *t = "arn:aws:dynamodb:eu-west-1:" ACCOUNT ":table/";
    char want[2048];
    trust_is(d.trust, "glue.amazonaws.com", NULL);
    expect_resources(d.policy, "ReadItsScript", "arn:aws:s3:::shop-dev-artifacts-" ACCOUNT "/scripts/flatten.py");
    snprintf(want, sizeof want, "%sshop-dev-orders|%sshop-dev-products", t, t);
    expect_resources(d.policy, "ReadTheSourceTables", want);
    snprintf(want, sizeof want, "%sshop-dev-orders/stream/*|%sshop-dev-products/stream/*", t, t);
    expect_resources(d.policy, "ReadTheirStreams", want);
    snprintf(want, sizeof want, "%s/orders/*|%s/orders_quarantine/*|%s/orders_changes/*", lake, lake, lake);
    expect_resources(d.policy, "WriteTheOutput", want);
    expect_resources(d.policy, "ListTheOutputPrefixes", lake);
    assert_null(statement(d.policy, "ListTheOutputBucket"));
    expect_resources(d.policy, "RegisterTheOutputTable",
                     "arn:aws:glue:eu-west-1:" ACCOUNT ":catalog|arn:aws:glue:eu-west-1:" ACCOUNT
                     ":database/shop_dev|arn:aws:glue:eu-west-1:" ACCOUNT ":table/shop_dev/orders");
    assert_null(statement(d.policy, "PublishGlueMetrics"));   /* not asked for */
    expect_no_star(d.policy, NULL);
    docs_free(&d);

    d = documents(state, "role.shop-dev-job-metered");
    expect_resources(d.policy, "ReadItsScript", "arn:aws:s3:::shop-dev-artifacts-" ACCOUNT "/scripts/m.py");
    expect_resources(d.policy, "PublishGlueMetrics", "*");
    expect_no_star(d.policy, "PublishGlueMetrics");
    docs_free(&d);
}

static void schedule_role_starts_exactly_its_target(void **state)
{
    struct docs d = documents(state, "role.shop-dev-schedule-hourly");
    trust_is(d.trust, "scheduler.amazonaws.com",
             "arn:aws:scheduler:eu-west-1:" ACCOUNT ":schedule-group/shop-dev-hourly");
    assert_int_equal(statements(d.policy), 1);
    expect_resources(d.policy, "StartTheScheduledJob", "arn:aws:glue:eu-west-1:" ACCOUNT ":job/shop-dev-flatten");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                            statement(d.policy, "StartTheScheduledJob"), "Action")), "glue:StartJobRun");
    docs_free(&d);
    d = documents(state, "role.shop-dev-schedule-crawl");
    assert_int_equal(statements(d.policy), 1);
    expect_resources(d.policy, "StartTheScheduledCrawler",
                     "arn:aws:glue:eu-west-1:" ACCOUNT ":crawler/shop-dev-curated");
    docs_free(&d);
}

/* --- reading a role back --------------------------------------------------------------------- */

/* text reformatted (indented, as a person or the console would write it), URL-encoded. */
static void encoded(const char *text, struct buf *out)
{
    cJSON *j = cJSON_Parse(text);
    char *pretty = cJSON_Print(j);
    buf_reset(out);
    assert_int_equal(uri_encode(out, pretty, strlen(pretty), 0), 0);
    cJSON_free(pretty);
    cJSON_Delete(j);
}

struct read_back {
    struct xml_node *x;
    struct res_actual a;
    struct res_diff d;
};

/* What IAM would answer for the role as declared, with the changes given applied. */
static void read_back(void **state, const char *address, const char *policy_override,
                      const char *extra_tag, const char *attached, struct read_back *rb)
{
    const struct resource *r = res(state, address);
    struct kvlist desired;
    struct pw_error err = {0};
    struct buf trust, policy, xml;
    kvlist_init(&desired);
    buf_init(&trust, 0);
    buf_init(&policy, 0);
    buf_init(&xml, 0);
    assert_int_equal(role_desired(r, &desired, &err), 0);
    encoded(kvlist_get(&desired, "trust_policy"), &trust);
    encoded(policy_override ? policy_override : kvlist_get(&desired, "policy[pipewright]"), &policy);
    buf_appendf(&xml, "<R><Role><Arn>arn:aws:iam::%s:role/%s</Arn><AssumeRolePolicyDocument>%s"
                "</AssumeRolePolicyDocument></Role><Tags>", ACCOUNT, r->name, buf_cstr(&trust));
    buf_appendf(&xml, "<member><Key>pipewright:env</Key><Value>dev</Value></member>"
                "<member><Key>team</Key><Value>data</Value></member>"
                "<member><Key>pipewright:stack</Key><Value>shop</Value></member>%s</Tags>",
                extra_tag ? extra_tag : "");
    buf_appendf(&xml, "<Attached>%s</Attached></R>", attached ? attached : "");
    rb->x = xml_parse(xml.data, xml.len, &err);
    assert_non_null(rb->x);
    const char *names[] = {"pipewright"}, *docs[] = {buf_cstr(&policy)};
    struct role_answers ans = {.role = xml_child(rb->x, "Role"), .tags = xml_child(rb->x, "Tags"),
                               .attached = xml_child(rb->x, "Attached"), .names = names,
                               .docs = docs, .n_policies = 1};
    res_actual_init(&rb->a);
    res_diff_init(&rb->d);
    assert_int_equal(role_actual(r, &ans, &rb->a), 0);
    assert_int_equal(res_diff_compute(r->kind, &desired, &rb->a.props, &rb->d, &err), 0);
    kvlist_release(&desired);
    buf_release(&trust);
    buf_release(&policy);
    buf_release(&xml);
}

static void read_back_release(struct read_back *rb)
{
    xml_free(rb->x);
    res_actual_release(&rb->a);
    res_diff_release(&rb->d);
}

static void role_fresh_is_in_sync(void **state)
{
    struct read_back rb;
    read_back(state, "role.shop-dev-job-flatten", NULL, NULL, NULL, &rb);
    for (size_t i = 0; i < rb.d.len; i++)
        fprintf(stderr, "unexpected drift: %s\n", rb.d.items[i].path);
    assert_int_equal(rb.d.len, 0);
    assert_int_equal(rb.a.presence, RES_OWNED);
    assert_string_equal(kvlist_get(&rb.a.ids, "arn"), "arn:aws:iam::" ACCOUNT ":role/shop-dev-job-flatten");
    read_back_release(&rb);
}

static void role_changes_are_named(void **state)
{
    struct read_back rb;
    read_back(state, "role.shop-dev-schedule-hourly",
              "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"glue:*\","
              "\"Resource\":\"*\"}]}",
              "<member><Key>owner</Key><Value>someone</Value></member>",
              "<member><PolicyName>Admin</PolicyName><PolicyArn>arn:aws:iam::aws:policy/AdministratorAccess"
              "</PolicyArn></member>", &rb);
    assert_int_equal(rb.d.len, 3);
    const struct res_change *c = res_diff_find(&rb.d, "policy[pipewright]");
    assert_non_null(c);
    assert_non_null(strstr(c->old, "glue:*"));
    assert_non_null(strstr(c->new, "glue:StartJobRun"));
    c = res_diff_find(&rb.d, "tags[owner]");
    assert_non_null(c);
    assert_null(c->new);
    c = res_diff_find(&rb.d, "managed_policy[arn:aws:iam::aws:policy/AdministratorAccess]");
    assert_non_null(c);
    assert_string_equal(c->old, "attached");
    assert_null(c->new);
    read_back_release(&rb);
}

static void propagation_refusals_are_recognised(void **state)
{
    (void)state;
    struct pw_error e = {0};
    snprintf(e.code, sizeof e.code, "ValidationException");
    snprintf(e.message, sizeof e.message, "The execution role you provide must allow AWS EventBridge "
             "Scheduler to assume the role.");
    assert_true(role_propagating(&e));
    snprintf(e.code, sizeof e.code, "InvalidInputException");
    snprintf(e.message, sizeof e.message, "Service is unable to assume provided role. Please verify "
             "role's TrustPolicy");
    assert_true(role_propagating(&e));
    snprintf(e.message, sizeof e.message, "Schedule expression is invalid");
    assert_false(role_propagating(&e));
    snprintf(e.code, sizeof e.code, "AccessDeniedException");
    snprintf(e.message, sizeof e.message, "not authorized to assume the role");
    assert_false(role_propagating(&e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(templates_embedded_are_json),
        cmocka_unit_test(rows_repeat_and_empty_lists_drop),
        cmocka_unit_test(render_errors_name_the_problem),
        cmocka_unit_test(crawler_role_reads_exactly_its_targets),
        cmocka_unit_test(named_role_is_no_instance),
        cmocka_unit_test(job_role_runs_the_pipeline_and_nothing_more),
        cmocka_unit_test(schedule_role_starts_exactly_its_target),
        cmocka_unit_test(role_fresh_is_in_sync),
        cmocka_unit_test(role_changes_are_named),
        cmocka_unit_test(propagation_refusals_are_recognised),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
