/* test_schedules.c — the schedule and workflow kinds' pure parts: what a schedule and a
 * workflow declare, and triggers read back as Glue answers them (actions in another order, a
 * state still ACTIVATING) are in sync, while what differs in meaning (a step that fires on
 * any one action, a trigger of another workflow) shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "provision/stack.h"
#include "provision/trigger.h"
#include "tests/unit/stacktest.h"

#define ACCOUNT "123456789012"

static const char spec_text[] =
    "version: 1\n"
    "stack: shop\n"
    "region: eu-west-1\n"
    "vars: {env: dev}\n"
    "buckets:\n"
    "  lake: {}\n"
    "catalog:\n"
    "  database: shop_dev\n"
    "  crawlers:\n"
    "    raw: {targets: [bucket.lake/raw/]}\n"
    "    curated: {targets: [bucket.lake/curated/]}\n"
    "jobs:\n"
    "  a: {script: a.py, bucket: lake}\n"
    "  b: {script: b.py, bucket: lake}\n"
    "schedules:\n"
    "  hourly: {expression: rate(1 hour), target: job.a, timezone: Asia/Kolkata, enabled: false}\n"
    "  native: {expression: 'cron(0 3 * * ? *)', target: crawler.raw, via: glue-trigger}\n"
    "workflows:\n"
    "  chain:\n"
    "    schedule: 'cron(0 * * * ? *)'\n"
    "    steps: [crawler.raw, [job.b, job.a], crawler.curated]\n"
    "    tags: {chain: hourly}\n"
    "  manual: {steps: [job.a]}\n";

STACKTEST_FIXTURE(spec_text, ACCOUNT)

static void desired(void **state, const char *address, struct kvlist *props)
{
    const struct resource *r = res(state, address);
    struct pw_error err = {0};
    kvlist_init(props);
    if (r->kind->desired(r, props, &err) < 0)
        fail_msg("%s: %s", address, err.message);
}

static void expect(const struct kvlist *props, const char *path, const char *value)
{
    const char *got = kvlist_get(props, path);
    if (!value) {
        if (got)
            fail_msg("%s = %s, expected none", path, got);
        return;
    }
    if (!got)
        fail_msg("no %s", path);
    assert_string_equal(got, value);
}

static void workflow_declares_a_trigger_per_step(void **state)
{
    struct kvlist p;
    desired(state, "workflow.chain", &p);
    expect(&p, "trigger[shop-dev-chain-start].type", "SCHEDULED");
    expect(&p, "trigger[shop-dev-chain-start].schedule", "cron(0 * * * ? *)");
    expect(&p, "trigger[shop-dev-chain-start].actions", "crawler:shop-dev-raw");
    expect(&p, "trigger[shop-dev-chain-start].enabled", "true");
    expect(&p, "trigger[shop-dev-chain-start].when", NULL);
    /* A step of two jobs: both start together, and the next step waits for both. */
    expect(&p, "trigger[shop-dev-chain-step-2].type", "CONDITIONAL");
    expect(&p, "trigger[shop-dev-chain-step-2].actions", "job:shop-dev-a, job:shop-dev-b");
    expect(&p, "trigger[shop-dev-chain-step-2].when", "crawler:shop-dev-raw SUCCEEDED");
    expect(&p, "trigger[shop-dev-chain-step-3].when", "job:shop-dev-a SUCCEEDED, job:shop-dev-b SUCCEEDED");
    expect(&p, "trigger[shop-dev-chain-step-3].actions", "crawler:shop-dev-curated");
    expect(&p, "trigger[shop-dev-chain-step-4].type", NULL);
    expect(&p, "tags[chain]", "hourly");
    expect(&p, "tags[pipewright:stack]", "shop");
    kvlist_release(&p);

    /* Without a schedule the workflow starts on demand, and an ON_DEMAND trigger is never
     * "enabled": starting one would run its actions. */
    desired(state, "workflow.manual", &p);
    expect(&p, "trigger[shop-dev-manual-start].type", "ON_DEMAND");
    expect(&p, "trigger[shop-dev-manual-start].enabled", NULL);
    expect(&p, "trigger[shop-dev-manual-start].actions", "job:shop-dev-a");
    kvlist_release(&p);
}

static void schedules_declare_their_target(void **state)
{
    struct kvlist p;
    desired(state, "schedule.hourly", &p);
    expect(&p, "expression", "rate(1 hour)");
    expect(&p, "timezone", "Asia/Kolkata");
    expect(&p, "enabled", "false");
    expect(&p, "flexible_window", "off");
    expect(&p, "target", "arn:aws:scheduler:::aws-sdk:glue:startJobRun");
    expect(&p, "target.input", "{\"JobName\":\"shop-dev-a\"}");
    expect(&p, "target.role", "arn:aws:iam::" ACCOUNT ":role/shop-dev-schedule-hourly");
    kvlist_release(&p);

    desired(state, "schedule.native", &p);
    expect(&p, "type", "SCHEDULED");
    expect(&p, "schedule", "cron(0 3 * * ? *)");
    expect(&p, "actions", "crawler:shop-dev-raw");
    expect(&p, "enabled", "true");
    expect(&p, "target", NULL);
    kvlist_release(&p);
}

/* The workflow's triggers as Glue's GetTriggers answers them: actions of step 2 in the other
 * order, step 3's conditions too, the start trigger still ACTIVATING. */
static const char answer[] =
    "{\"Triggers\": ["
    " {\"Name\": \"shop-dev-chain-start\", \"WorkflowName\": \"shop-dev-chain\", \"Type\": \"SCHEDULED\","
    "  \"State\": \"ACTIVATING\", \"Schedule\": \"cron(0 * * * ? *)\","
    "  \"Actions\": [{\"CrawlerName\": \"shop-dev-raw\"}]},"
    " {\"Name\": \"shop-dev-chain-step-2\", \"WorkflowName\": \"shop-dev-chain\", \"Type\": \"CONDITIONAL\","
    "  \"State\": \"ACTIVATED\", \"Actions\": [{\"JobName\": \"shop-dev-b\", \"Timeout\": 2880},"
    "  {\"JobName\": \"shop-dev-a\"}], \"Predicate\": {\"Conditions\": [{\"LogicalOperator\": \"EQUALS\","
    "  \"CrawlerName\": \"shop-dev-raw\", \"CrawlState\": \"SUCCEEDED\"}]}},"
    " {\"Name\": \"shop-dev-chain-step-3\", \"WorkflowName\": \"shop-dev-chain\", \"Type\": \"CONDITIONAL\","
    "  \"State\": \"ACTIVATED\", \"Actions\": [{\"CrawlerName\": \"shop-dev-curated\"}],"
    "  \"Predicate\": {\"Logical\": \"AND\", \"Conditions\": ["
    "   {\"LogicalOperator\": \"EQUALS\", \"JobName\": \"shop-dev-b\", \"State\": \"SUCCEEDED\"},"
    "   {\"LogicalOperator\": \"EQUALS\", \"JobName\": \"shop-dev-a\", \"State\": \"SUCCEEDED\"}]}}"
    "]}";

/* The desired trigger properties compared with what the answer's triggers give. */
static void compare(void **state, cJSON *triggers, struct res_diff *d)
{
    struct kvlist all, want, got;
    struct pw_error err = {0};
    const cJSON *t;
    desired(state, "workflow.chain", &all);
    kvlist_init(&want);
    kvlist_init(&got);
    /* Only the triggers: tags are read from GetTags. */
    for (size_t i = 0; i < all.len; i++)
        if (!res_path_under(all.items[i].name, "tags"))
            kvlist_add(&want, all.items[i].name, all.items[i].value);
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(triggers, "Triggers")) {
        char prefix[300];
        snprintf(prefix, sizeof prefix, "trigger[%s].",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Name")));
        assert_int_equal(trigger_actual(t, "shop-dev-chain", prefix, &got), 0);
    }
    res_diff_init(d);
    assert_int_equal(res_diff_compute(res(state, "workflow.chain")->kind, &want, &got, d, &err), 0);
    kvlist_release(&all);
    kvlist_release(&want);
    kvlist_release(&got);
}

static void triggers_as_glue_answers_are_in_sync(void **state)
{
    cJSON *j = cJSON_Parse(answer);
    struct res_diff d;
    compare(state, j, &d);
    for (size_t i = 0; i < d.len; i++)
        fprintf(stderr, "unexpected drift: %s: %s -> %s\n", d.items[i].path, d.items[i].old ? d.items[i].old : "-",
                d.items[i].new ? d.items[i].new : "-");
    assert_int_equal(d.len, 0);
    res_diff_release(&d);
    cJSON_Delete(j);
}

static void triggers_that_mean_something_else_show(void **state)
{
    cJSON *j = cJSON_Parse(answer);
    cJSON *step3 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Triggers"), 2);
    cJSON *start = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Triggers"), 0);
    /* Step 3 fires when either job succeeded; the start trigger was stopped. */
    cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(step3, "Predicate"), "Logical",
                                           cJSON_CreateString("ANY"));
    cJSON_ReplaceItemInObjectCaseSensitive(start, "State", cJSON_CreateString("DEACTIVATED"));
    struct res_diff d;
    compare(state, j, &d);
    assert_int_equal(d.len, 2);
    const struct res_change *c = res_diff_find(&d, "trigger[shop-dev-chain-step-3].when");
    assert_non_null(c);
    assert_string_equal(c->old, "any of: job:shop-dev-a SUCCEEDED, job:shop-dev-b SUCCEEDED");
    c = res_diff_find(&d, "trigger[shop-dev-chain-start].enabled");
    assert_non_null(c);
    assert_string_equal(c->old, "false");
    res_diff_release(&d);
    cJSON_Delete(j);

    /* A trigger that lives in another workflow says so. */
    struct kvlist got;
    kvlist_init(&got);
    j = cJSON_Parse("{\"Name\": \"t\", \"WorkflowName\": \"theirs\", \"Type\": \"ON_DEMAND\", \"Actions\": []}");
    assert_int_equal(trigger_actual(j, NULL, "", &got), 0);
    expect(&got, "workflow", "theirs");
    expect(&got, "enabled", NULL);
    expect(&got, "actions", "");
    kvlist_release(&got);
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(workflow_declares_a_trigger_per_step),
        cmocka_unit_test(schedules_declare_their_target),
        cmocka_unit_test(triggers_as_glue_answers_are_in_sync),
        cmocka_unit_test(triggers_that_mean_something_else_show),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
