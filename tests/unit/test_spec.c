/* test_spec.c — the spec model: each example loaded and checked field by field, variables,
 * defaults, the diagnostics' exact rendering, and the rule checkers on their own.
 * Run from the repository root (make unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provision/spec/spec.h"
#include "provision/spec/spec_int.h"

static struct spec *load_file(const char *path, const struct kvlist *vars)
{
    struct diag_list d;
    struct pw_error err = {0};
    struct spec *s = NULL;
    struct buf out;
    diag_list_init(&d);
    buf_init(&out, 0);
    if (spec_load(path, vars, &s, &d, &err) < 0) {
        diag_list_render(&d, &out);
        fprintf(stderr, "%s%s\n", buf_cstr(&out), err.message);
    }
    buf_release(&out);
    diag_list_release(&d);
    assert_non_null(s);
    return s;
}

static struct spec *load_text(const char *text)
{
    struct diag_list d;
    struct pw_error err = {0};
    struct spec *s = NULL;
    struct buf out;
    diag_list_init(&d);
    buf_init(&out, 0);
    if (spec_load_text("inline.yaml", text, strlen(text), NULL, &s, &d, &err) < 0) {
        diag_list_render(&d, &out);
        fprintf(stderr, "%s%s\n", buf_cstr(&out), err.message);
    }
    buf_release(&out);
    diag_list_release(&d);
    assert_non_null(s);
    return s;
}

/* Loads text that must fail; returns the rendered diagnostics (caller frees). */
static char *errors_of(const char *text, const struct kvlist *vars, size_t *count)
{
    struct diag_list d;
    struct pw_error err = {0};
    struct spec *s = NULL;
    struct buf out;
    diag_list_init(&d);
    buf_init(&out, 0);
    assert_int_equal(spec_load_text("bad.yaml", text, strlen(text), vars, &s, &d, &err), -1);
    assert_null(s);
    assert_int_equal(err.exit, PW_EXIT_SPEC);
    diag_list_render(&d, &out);
    *count = d.len;
    diag_list_release(&d);
    return buf_detach(&out);
}

static const char *tag(const struct spec_tags *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].key.v, key) == 0)
            return t->items[i].value.v;
    return NULL;
}

static void test_whitecube(void **state)
{
    (void)state;
    struct spec *s = load_file("examples/whitecube/pipewright.yaml", NULL);
    assert_int_equal(s->version, 1);
    assert_string_equal(s->stack.v, "whitecube");
    assert_string_equal(s->region.v, "ap-south-1");
    assert_string_equal(s->env.v, "dev");

    assert_int_equal(s->n_tables, 2);
    struct spec_table *uc = spec_table_find(s, "user_campaign");
    struct spec_table *ci = spec_table_find(s, "campaign_info");
    assert_non_null(uc);
    assert_non_null(ci);
    assert_string_equal(uc->name.v, "user_Campaign-dev");
    assert_string_equal(uc->key.hash.name.v, "userID");
    assert_int_equal(uc->key.hash.type, SPEC_ATTR_S);
    assert_string_equal(uc->key.range.name.v, "campaignID");
    assert_int_equal(uc->key.range.type, SPEC_ATTR_S);
    assert_int_equal(uc->billing.mode, SPEC_BILLING_ON_DEMAND);
    assert_int_equal(uc->stream, SPEC_STREAM_NEW_AND_OLD_IMAGES);
    assert_string_equal(spec_stream_aws(uc->stream), "NEW_AND_OLD_IMAGES");
    assert_true(uc->point_in_time_recovery);
    assert_int_equal(uc->seed.generator.kind, SPEC_GEN_CAMPAIGN);
    assert_int_equal(uc->seed.generator.users, 200);
    assert_string_equal(ci->name.v, "campaignInfo-dev");
    assert_string_equal(ci->key.hash.name.v, "campaignID");
    assert_false(spec_str_set(ci->key.range.name));
    assert_int_equal(ci->stream, SPEC_STREAM_NEW_AND_OLD_IMAGES);
    /* Top-level tags reach every resource. */
    assert_string_equal(tag(&uc->tags, "team"), "data");
    assert_string_equal(tag(&ci->tags, "product"), "campaigns");
    /* Locations survive into the model. */
    assert_int_equal(uc->id.loc.line, 25);
    assert_int_equal(uc->id.loc.col, 3);
    assert_int_equal(uc->name.loc.line, 26);
    assert_int_equal(uc->name.loc.col, 11);

    assert_int_equal(s->n_buckets, 2);
    struct spec_bucket *cur = spec_bucket_find(s, "curated"), *art = spec_bucket_find(s, "artifacts");
    assert_string_equal(cur->name.v, "whitecube-curated-dev-${account}");
    assert_true(cur->versioning);
    assert_true(cur->block_public_access);
    assert_int_equal(cur->encryption.type, SPEC_SSE_S3);
    assert_int_equal(cur->n_lifecycle, 2);
    assert_string_equal(cur->lifecycle[0].prefix.v, "user_campaign_tasks_quarantine/");
    assert_int_equal(cur->lifecycle[0].expire_days, 30);
    assert_int_equal(cur->lifecycle[1].noncurrent_expire_days, 7);
    assert_false(art->versioning);

    assert_string_equal(s->database.v, "whitecube_dev");
    assert_int_equal(s->n_crawlers, 1);
    struct spec_crawler *cr = &s->crawlers[0];
    assert_string_equal(cr->name.v, "whitecube-dev-curated");
    assert_int_equal(cr->n_targets, 1);
    assert_int_equal(cr->targets[0].kind, SPEC_TARGET_BUCKET);
    assert_ptr_equal(cr->targets[0].bucket, cur);
    assert_string_equal(cr->targets[0].path.v, "user_campaign_tasks/");
    assert_string_equal(cr->schedule.v, "cron(15 * * * ? *)");
    assert_true(cr->role.generated);
    assert_string_equal(cr->role.name.v, "whitecube-dev-crawler-curated");

    struct spec_job *j = spec_job_find(s, "flatten_join");
    assert_non_null(j);
    assert_string_equal(j->script.v, "templates/glue/flatten_join.py");
    assert_ptr_equal(j->bucket, art);
    assert_string_equal(j->script_key.v, "scripts/flatten_join.py");
    assert_string_equal(j->glue_version.v, "4.0");
    assert_string_equal(j->worker_type.v, "G.1X");
    assert_int_equal(j->workers, 2);
    assert_true(j->bookmarks);
    assert_int_equal(j->timeout, 60);
    assert_int_equal(j->arguments.n, 3);
    assert_string_equal(j->arguments.items[0].key.v, "--source_table");
    assert_string_equal(j->arguments.items[0].value.v, "user_Campaign-dev");
    assert_string_equal(tag(&j->arguments, "--output_path"),
                        "s3://whitecube-curated-dev-${account}/user_campaign_tasks/");

    struct spec_topic *t = spec_topic_find(s, "events");
    assert_int_equal(t->n_subscriptions, 1);
    assert_int_equal(t->subscriptions[0].protocol, SPEC_PROTO_EMAIL);
    assert_string_equal(t->subscriptions[0].endpoint.v, "data-team@example.com");
    assert_int_equal(t->encryption.type, SPEC_SSE_NONE);

    assert_int_equal(s->n_schedules, 1);
    assert_string_equal(s->schedules[0].expression.v, "rate(1 hour)");
    assert_int_equal(s->schedules[0].via, SPEC_VIA_SCHEDULER);
    assert_int_equal(s->schedules[0].target.kind, SPEC_REF_JOB);
    assert_ptr_equal(s->schedules[0].target.job, j);
    assert_string_equal(s->schedules[0].timezone.v, "UTC");

    struct spec_pipeline *p = &s->pipeline;
    assert_true(p->present);
    assert_ptr_equal(p->source, uc);
    assert_string_equal(p->name.v, "user_campaign");
    assert_string_equal(p->explode.attribute.v, "progressDetails");
    assert_int_equal(p->explode.empty, SPEC_EMPTY_DROP);
    assert_ptr_equal(p->join.table, ci);
    assert_string_equal(p->join.explode.attribute.v, "campaignTasks");
    assert_int_equal(p->join.n_on, 2);
    assert_string_equal(p->join.on[0].v, "campaignID");
    assert_string_equal(p->join.on[1].v, "taskID");
    assert_int_equal(p->join.n_columns, 1);
    assert_string_equal(p->join.columns[0].v, "taskDeadline");
    assert_int_equal(p->join.kind, SPEC_JOIN_LEFT);
    static const char *const cols[] = {
        "userID", "campaignID", "userCampaignProgressState", "createdAt", "updatedAt",
        "totalTaskRewardsEarned", "taskID", "userCampaignTaskProgressState", "validatedAt",
        "validationFailureReason", "rewardEarned", "taskDeadline",
    };
    assert_int_equal(p->n_columns, 12);
    for (size_t i = 0; i < 12; i++) {
        assert_string_equal(p->columns[i].name.v, cols[i]);
        assert_string_equal(p->columns[i].from.v, cols[i]);
    }
    assert_int_equal(p->columns[0].type, SPEC_COL_STRING);
    assert_int_equal(p->columns[3].type, SPEC_COL_TIMESTAMP);
    assert_int_equal(p->columns[10].type, SPEC_COL_DECIMAL);
    assert_string_equal(p->partition.column.v, "createdAt");
    assert_int_equal(p->partition.granularity, SPEC_GRAN_DAY);
    assert_string_equal(p->partition.as.v, "createdAt_date");
    assert_ptr_equal(p->output.bucket, cur);
    assert_string_equal(p->output.prefix.v, "user_campaign_tasks/");
    assert_string_equal(p->output.table.v, "user_campaign_tasks");
    assert_int_equal(p->output.format, SPEC_FORMAT_JSONL);
    assert_int_equal(p->output.compression, SPEC_COMPRESS_GZIP);
    assert_int_equal(p->output.mode, SPEC_MODE_CURRENT);
    assert_int_equal(p->output.target_file_size, 128u << 20);
    assert_string_equal(p->output.quarantine_prefix.v, "user_campaign_tasks_quarantine/");
    assert_ptr_equal(p->notify, t);
    assert_string_equal(p->checkpoints.name.v, "whitecube-checkpoints-dev");
    assert_string_equal(p->checkpoints.key.hash.name.v, "pipeline");
    assert_string_equal(p->checkpoints.key.range.name.v, "shard");
    assert_int_equal(p->checkpoints.billing.mode, SPEC_BILLING_ON_DEMAND);

    struct buf out;
    buf_init(&out, 0);
    assert_int_equal(spec_summary(s, &out), 0);
    assert_string_equal(buf_cstr(&out), "whitecube: 2 tables, 2 buckets, 1 database, 1 crawler, "
                                         "1 job, 1 topic, 1 schedule, 1 pipeline");
    buf_release(&out);
    spec_free(s);
}

static void test_var_override_and_account(void **state)
{
    (void)state;
    struct kvlist vars;
    struct pw_error err = {0};
    kvlist_init(&vars);
    kvlist_add(&vars, "env", "prod");
    struct spec *s = load_file("examples/whitecube/pipewright.yaml", &vars);
    assert_string_equal(s->env.v, "prod");
    assert_string_equal(s->tables[0].name.v, "user_Campaign-prod");
    assert_string_equal(s->tables[1].name.v, "campaignInfo-prod");
    assert_string_equal(s->database.v, "whitecube_prod");
    assert_string_equal(s->pipeline.checkpoints.name.v, "whitecube-checkpoints-prod");
    assert_string_equal(kvlist_get(&s->vars, "env"), "prod");

    assert_true(spec_deferred(s));
    assert_int_equal(spec_bind_account(s, "12345", &err), -1);
    assert_int_equal(spec_bind_account(s, "123456789012", &err), 0);
    assert_false(spec_deferred(s));
    assert_string_equal(s->buckets[0].name.v, "whitecube-curated-prod-123456789012");
    assert_string_equal(s->buckets[1].name.v, "whitecube-artifacts-prod-123456789012");
    assert_string_equal(s->jobs[0].arguments.items[2].value.v,
                        "s3://whitecube-curated-prod-123456789012/user_campaign_tasks/");
    spec_free(s);
    kvlist_release(&vars);
}

static void test_orders(void **state)
{
    (void)state;
    struct spec *s = load_file("examples/orders/pipewright.yaml", NULL);
    struct spec_table *t = spec_table_find(s, "orders");
    assert_string_equal(t->name.v, "OrderTable-dev");
    assert_string_equal(t->key.hash.name.v, "orderid");
    assert_int_equal(t->stream, SPEC_STREAM_NEW_AND_OLD_IMAGES);
    struct spec_generator *g = &t->seed.generator;
    assert_int_equal(g->kind, SPEC_GEN_ORDERS);
    assert_int_equal(g->n_products, 5);
    assert_string_equal(g->products[4].v, "Charger");
    assert_int_equal(g->quantity_min, 1);
    assert_int_equal(g->quantity_max, 5);
    assert_string_equal(g->price_min.v, "10.00");
    assert_string_equal(g->price_max.v, "500.00");
    assert_string_equal(g->start.v, "2024-01-01");
    struct spec_pipeline *p = &s->pipeline;
    assert_null(p->explode.attribute.v[0] ? p : NULL);
    assert_null(p->join.table);
    assert_int_equal(p->output.mode, SPEC_MODE_CHANGES);
    assert_string_equal(p->output.changes_prefix.v, "orders_changes/");
    assert_string_equal(p->partition.as.v, "order_date");
    assert_string_equal(p->output.table.v, "orders");
    assert_int_equal(p->columns[2].type, SPEC_COL_INT);
    assert_string_equal(p->checkpoints.name.v, "orders-dev-checkpoints");
    spec_free(s);
}

static void test_daily_figures(void **state)
{
    (void)state;
    struct spec *s = load_file("examples/daily-figures/pipewright.yaml", NULL);
    struct spec_table *t = &s->tables[0];
    assert_string_equal(t->key.hash.name.v, "date");
    assert_int_equal(t->stream, SPEC_STREAM_NEW_AND_OLD_IMAGES);    /* spelled the AWS way */
    assert_int_equal(t->seed.n_columns, 4);
    assert_string_equal(t->seed.columns[0].name.v, "date");
    assert_int_equal(t->seed.columns[0].type, SPEC_SEED_DATE);
    assert_int_equal(t->seed.columns[3].type, SPEC_SEED_NUMBER);
    assert_int_equal(t->seed.generator.kind, SPEC_GEN_DAILY_FIGURES);
    assert_string_equal(t->seed.generator.start.v, "2020-03-01");
    assert_int_equal(s->n_schedules, 1);
    assert_string_equal(s->schedules[0].expression.v, "rate(1 day)");
    assert_int_equal(s->schedules[0].target.kind, SPEC_REF_CRAWLER);
    assert_ptr_equal(s->schedules[0].target.crawler, &s->crawlers[0]);
    assert_true(s->schedules[0].role.generated);
    assert_string_equal(s->schedules[0].role.name.v, "daily-figures-dev-schedule-daily");
    assert_int_equal(s->pipeline.partition.granularity, SPEC_GRAN_MONTH);
    assert_string_equal(s->pipeline.partition.as.v, "date_month");
    assert_int_equal(s->pipeline.output.format, SPEC_FORMAT_CSV);
    assert_true(s->pipeline.output.header);
    assert_int_equal(s->pipeline.output.compression, SPEC_COMPRESS_NONE);
    assert_ptr_equal(s->pipeline.notify, &s->topics[0]);
    spec_free(s);
}

static void test_ecommerce(void **state)
{
    (void)state;
    struct spec *s = load_file("examples/ecommerce/pipewright.yaml", NULL);
    struct spec_table *t = &s->tables[0];
    assert_string_equal(t->key.hash.name.v, "InvoiceNo");
    assert_string_equal(t->key.range.name.v, "StockCode");
    assert_true(t->deletion_protection);
    assert_int_equal(t->seed.columns[4].type, SPEC_SEED_DATE);
    assert_string_equal(t->seed.columns[4].format.v, "%m/%d/%Y %H:%M");
    assert_int_equal(s->buckets[0].encryption.type, SPEC_SSE_KMS);
    assert_string_equal(s->buckets[0].encryption.kms_key.v, "alias/ecommerce-lake");
    struct spec_crawler *raw = spec_crawler_find(s, "raw"), *lake = spec_crawler_find(s, "lake");
    assert_int_equal(raw->targets[0].kind, SPEC_TARGET_TABLE);
    assert_ptr_equal(raw->targets[0].table, t);
    assert_int_equal(lake->targets[0].n_exclude, 1);
    assert_string_equal(lake->targets[0].exclude[0].v, "**/_tmp/**");
    assert_int_equal(lake->recrawl, SPEC_RECRAWL_NEW_FOLDERS_ONLY);
    assert_int_equal(lake->on_update, SPEC_UPDATE_LOG);
    assert_int_equal(lake->on_delete, SPEC_DELETE_LOG);
    assert_int_equal(s->n_workflows, 1);
    struct spec_workflow *w = &s->workflows[0];
    assert_string_equal(w->schedule.v, "cron(0 2 * * ? *)");
    assert_int_equal(w->n_steps, 2);
    assert_ptr_equal(w->steps[0].actions[0].crawler, raw);
    assert_ptr_equal(w->steps[1].actions[0].crawler, lake);
    struct spec_column *c = &s->pipeline.columns[4];
    assert_string_equal(c->name.v, "InvoiceDate");
    assert_int_equal(c->type, SPEC_COL_TIMESTAMP);
    assert_string_equal(c->format.v, "%m/%d/%Y %H:%M");
    assert_true(s->pipeline.columns[6].required);
    assert_false(s->pipeline.columns[7].required);
    spec_free(s);
}

static void test_defaults(void **state)
{
    (void)state;
    struct spec *s = load_text(
        "version: 1\nstack: demo\nregion: eu-west-1\n"
        "tables:\n  events:\n    key: {hash: id}\n"
        "buckets:\n  raw_data: {}\n"
        "jobs:\n  etl: {script: etl.py, bucket: bucket.raw_data}\n"
        "topics:\n  alerts:\n    encryption: sse-kms\n");
    assert_string_equal(s->env.v, "dev");
    struct spec_table *t = &s->tables[0];
    assert_string_equal(t->name.v, "demo-dev-events");
    assert_int_equal(t->key.hash.type, SPEC_ATTR_S);
    assert_int_equal(t->billing.mode, SPEC_BILLING_ON_DEMAND);
    assert_int_equal(t->stream, SPEC_STREAM_NONE);
    assert_false(t->point_in_time_recovery);
    assert_false(t->deletion_protection);
    struct spec_bucket *b = &s->buckets[0];
    assert_string_equal(b->name.v, "demo-dev-raw-data-${account}");
    assert_true(b->block_public_access);
    assert_int_equal(b->encryption.type, SPEC_SSE_S3);
    assert_false(spec_str_set(b->encryption.kms_key));
    assert_false(b->versioning);
    struct spec_job *j = &s->jobs[0];
    assert_ptr_equal(j->bucket, b);
    assert_string_equal(j->name.v, "demo-dev-etl");
    assert_int_equal(j->workers, 2);
    assert_int_equal(j->timeout, 2880);
    assert_int_equal(j->max_concurrent_runs, 1);
    assert_false(j->bookmarks);
    assert_string_equal(j->script_key.v, "scripts/etl.py");
    assert_string_equal(s->topics[0].encryption.kms_key.v, "alias/aws/sns");
    assert_false(s->pipeline.present);
    spec_free(s);
}

static void test_yaml_features(void **state)
{
    (void)state;
    /* Anchors, aliases and merge keys; quoting; $${ for a literal ${; provisioned billing. */
    struct spec *s = load_text(
        "version: 1\nstack: demo\nregion: us-east-1\n"
        "vars: {owner: data-team, n: 5}\n"
        "tables:\n"
        "  a: &base\n    key: {hash: 'pk:S', range: \"sk:N\"}\n    billing: {read: 5, write: 2}\n"
        "    tags: {owner: '${owner}', note: 'costs $${money}'}\n"
        "  b:\n    <<: *base\n    name: b-${n}\n");
    assert_string_equal(s->tables[1].name.v, "b-5");
    assert_string_equal(s->tables[1].key.range.name.v, "sk");
    assert_int_equal(s->tables[1].key.range.type, SPEC_ATTR_N);
    assert_int_equal(s->tables[1].billing.mode, SPEC_BILLING_PROVISIONED);
    assert_int_equal(s->tables[1].billing.read, 5);
    assert_int_equal(s->tables[1].billing.write, 2);
    assert_string_equal(tag(&s->tables[0].tags, "owner"), "data-team");
    assert_string_equal(tag(&s->tables[1].tags, "note"), "costs ${money}");
    spec_free(s);
}

static void test_every_key(void **state)
{
    (void)state;
    struct spec *s = load_file("tests/spec/good/every-key.yaml", NULL);
    assert_string_equal(s->env.v, "test");
    struct spec_table *f = spec_table_find(s, "facts"), *d = spec_table_find(s, "dims");
    assert_int_equal(f->key.range.type, SPEC_ATTR_N);
    assert_int_equal(f->billing.mode, SPEC_BILLING_PROVISIONED);
    assert_int_equal(f->stream, SPEC_STREAM_NEW_IMAGE);
    assert_string_equal(f->ttl.v, "expiresAt");
    assert_int_equal(f->n_gsis, 2);
    assert_string_equal(f->gsis[0].name.v, "by-state");
    assert_int_equal(f->gsis[0].projection, SPEC_PROJECTION_INCLUDE);
    assert_int_equal(f->gsis[0].n_include, 2);
    assert_string_equal(f->gsis[0].include[1].v, "amount");
    assert_int_equal(f->gsis[0].capacity.read, 2);
    assert_string_equal(f->gsis[1].name.v, "by_kind");
    assert_int_equal(f->gsis[1].projection, SPEC_PROJECTION_KEYS_ONLY);
    assert_int_equal(f->gsis[1].capacity.read, 5);              /* the table's */
    assert_string_equal(tag(&f->tags, "owner"), "platform");
    assert_string_equal(tag(&f->tags, "tier"), "gold");
    assert_string_equal(tag(&f->tags, "note"), "costs ${money}");
    assert_int_equal(f->seed.columns[3].type, SPEC_SEED_DATE);
    assert_string_equal(f->seed.columns[3].format.v, "%d.%m.%Y");
    assert_int_equal(spec_table_find(s, "users")->seed.generator.tasks, 3);
    assert_int_equal(d->key.hash.type, SPEC_ATTR_B);
    assert_int_equal(spec_table_find(s, "campaigns")->seed.generator.kind, SPEC_GEN_CAMPAIGN_INFO);

    struct spec_bucket *lake = &s->buckets[0], *scripts = &s->buckets[1];
    assert_int_equal(lake->encryption.type, SPEC_SSE_KMS);
    assert_int_equal(lake->n_lifecycle, 2);
    assert_string_equal(lake->lifecycle[0].id.v, "tmp");
    assert_int_equal(lake->lifecycle[0].abort_multipart_days, 1);
    assert_string_equal(lake->lifecycle[1].id.v, "expire-all");
    assert_string_equal(scripts->name.v, "sink-test-scripts-${account}");
    assert_false(scripts->block_public_access);
    assert_false(spec_str_set(scripts->encryption.kms_key));

    struct spec_crawler *c = &s->crawlers[0];
    assert_string_equal(c->name.v, "sink crawler test");
    assert_int_equal(c->n_targets, 3);
    assert_int_equal(c->targets[1].kind, SPEC_TARGET_S3_URL);
    assert_string_equal(c->targets[1].path.v, "s3://someone-elses-bucket/shared/");
    assert_int_equal(c->targets[1].n_exclude, 2);
    assert_ptr_equal(c->targets[2].table, f);
    assert_int_equal(c->on_delete, SPEC_DELETE_FROM_DATABASE);
    assert_false(c->role.generated);
    assert_string_equal(c->role.name.v, "AWSGlueServiceRole-sink");

    struct spec_job *j = &s->jobs[0];
    assert_ptr_equal(j->bucket, scripts);
    assert_string_equal(j->script_key.v, "glue/code/transform.py");
    assert_string_equal(j->glue_version.v, "5.0");
    assert_string_equal(j->worker_type.v, "G.2X");
    assert_int_equal(j->workers, 10);
    assert_int_equal(j->arguments.n, 3);
    assert_string_equal(j->arguments.items[0].key.v, "--conf");
    assert_string_equal(j->arguments.items[1].key.v, "--target");
    assert_string_equal(j->arguments.items[2].key.v, "--empty");
    assert_string_equal(j->arguments.items[2].value.v, "");
    assert_int_equal(j->max_retries, 2);

    struct spec_topic *t = &s->topics[0];
    assert_int_equal(t->n_subscriptions, 5);
    assert_int_equal(t->subscriptions[2].protocol, SPEC_PROTO_LAMBDA);
    assert_string_equal(t->subscriptions[2].endpoint.v,
                        "arn:aws-us-gov:lambda:us-gov-west-1:${account}:function:notify:live");
    assert_int_equal(t->subscriptions[3].protocol, SPEC_PROTO_HTTPS);
    assert_string_equal(t->subscriptions[3].endpoint.v, "https://hooks.example.com/pipewright?x=1");
    assert_true(t->subscriptions[4].raw_delivery);
    assert_string_equal(t->subscriptions[4].filter_policy.v,
                        "{\"status\":[\"failed\"],\"duration\":[{\"numeric\":[\">\",60]}],"
                        "\"retry\":[true]}");
    assert_string_equal(t->encryption.kms_key.v, "alias/sink");

    assert_int_equal(s->n_schedules, 3);
    assert_false(s->schedules[0].enabled);
    assert_string_equal(s->schedules[0].timezone.v, "Europe/Berlin");
    assert_false(s->schedules[0].role.generated);
    assert_int_equal(s->schedules[2].via, SPEC_VIA_GLUE_TRIGGER);
    assert_false(spec_str_set(s->schedules[2].role.name));
    assert_int_equal(s->workflows[0].n_steps, 2);
    assert_int_equal(s->workflows[0].steps[1].n_actions, 2);
    assert_ptr_equal(s->workflows[0].steps[1].actions[0].job, j);

    struct spec_pipeline *p = &s->pipeline;
    assert_string_equal(p->name.v, "facts.v1");
    assert_ptr_equal(p->source, f);
    assert_int_equal(p->explode.empty, SPEC_EMPTY_KEEP);
    assert_int_equal(p->join.kind, SPEC_JOIN_INNER);
    assert_int_equal(p->join.n_columns, 2);
    assert_int_equal(p->columns[2].type, SPEC_COL_INT);
    assert_int_equal(p->columns[3].type, SPEC_COL_BOOL);
    assert_string_equal(p->columns[4].name.v, "sort_key");
    assert_string_equal(p->columns[4].from.v, "sk");
    assert_true(p->columns[4].required);
    assert_int_equal(p->partition.granularity, SPEC_GRAN_HOUR);
    assert_string_equal(p->output.prefix.v, "facts/");
    assert_string_equal(p->output.changes_prefix.v, "log/facts/");
    assert_string_equal(p->output.quarantine_prefix.v, "bad/facts/");
    assert_false(p->output.header);
    assert_int_equal(p->output.target_file_size, 64000000);
    assert_ptr_equal(p->notify, t);
    assert_int_equal(p->checkpoints.billing.mode, SPEC_BILLING_PROVISIONED);
    assert_string_equal(tag(&p->checkpoints.tags, "role"), "checkpoints");
    assert_string_equal(tag(&p->checkpoints.tags, "owner"), "platform");
    spec_free(s);
}

static void test_render_exact(void **state)
{
    (void)state;
    size_t n = 0;
    char *out = errors_of("version: 1\nstack: demo\nregion: us-east-1\n"
                          "tables:\n  t:\n    key: {hash: id:S}\n\tstream: x\n", NULL, &n);
    assert_int_equal(n, 1);
    assert_string_equal(out, "bad.yaml:7:1: error: invalid yaml: tab character; yaml indents with "
                             "spaces only\n"
                             "    7 | \tstream: x\n"
                             "      | ^\n");
    free(out);
    /* A caret after a tab and a multi-byte character stays under its character. */
    out = errors_of("version: 1\nstack: demo\nregion: us-east-1\n"
                    "tags: {caf\xc3\xa9: '\t${nope}'}\n", NULL, &n);
    assert_int_equal(n, 1);
    assert_string_equal(out, "bad.yaml:4:16: error: undefined variable 'nope' in tag 'caf\xc3\xa9' in "
                             "'tags'\n"
                             "    4 | tags: {caf\xc3\xa9: '\t${nope}'}\n"
                             "      |               \t^~~~~~~\n");
    free(out);
}

static void test_all_errors_sorted(void **state)
{
    (void)state;
    size_t n = 0;
    struct kvlist vars;
    kvlist_init(&vars);
    kvlist_add(&vars, "region", "eu-west-1");
    char *out = errors_of("version: 1\nstack: demo\nregion: us-east-1\n"
                          "buckets:\n  b: {name: B}\n"
                          "tables:\n  t: {key: {hash: 'id:Z'}, stream: maybe}\n", &vars, &n);
    assert_int_equal(n, 4);
    const char *first = strstr(out, "bad.yaml: error: --var cannot set 'region'");
    const char *second = strstr(out, "bad.yaml:5:13: error: invalid bucket name 'B'");
    const char *third = strstr(out, "bad.yaml:7:23: error: invalid key type 'Z'");
    const char *fourth = strstr(out, "bad.yaml:7:36: error: 'stream' in table 't'");
    assert_non_null(first);
    assert_non_null(second);
    assert_non_null(third);
    assert_non_null(fourth);
    assert_true(first < second && second < third && third < fourth);
    free(out);
    kvlist_release(&vars);
}

static void test_examples_embedded(void **state)
{
    (void)state;
    const char *const *names = spec_example_names();
    size_t n = 0;
    for (; names[n]; n++) {
        char path[256];
        snprintf(path, sizeof path, "examples/%s/pipewright.yaml", names[n]);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        struct buf b;
        buf_init(&b, 0);
        char chunk[4096];
        size_t got;
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&b, chunk, got);
        fclose(f);
        /* Fails when an example was edited without re-running provision/spec/embed_examples.py. */
        assert_string_equal(spec_example_text(names[n]), buf_cstr(&b));
        buf_release(&b);
    }
    assert_int_equal(n, 4);
    assert_null(spec_example_text("nope"));
    struct spec *s = load_text(spec_example_text(NULL));
    assert_string_equal(s->stack.v, "myapp");
    spec_free(s);
}

static void expect_cron(const char *expr, int ok, const char *why_part, size_t off)
{
    char why[256] = "";
    size_t o = 0, w = 0;
    int rc = strncmp(expr, "cron(", 5) == 0 ? sched_check_cron(expr, &o, &w, why, sizeof why)
             : strncmp(expr, "rate(", 5) == 0 ? sched_check_rate(expr, &o, &w, why, sizeof why)
                                              : sched_check_at(expr, &o, &w, why, sizeof why);
    if (ok) {
        if (rc != 0)
            fprintf(stderr, "%s: %s\n", expr, why);
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -1);
    if (!strstr(why, why_part))
        fprintf(stderr, "%s: got '%s'\n", expr, why);
    assert_non_null(strstr(why, why_part));
    assert_int_equal(o, off);
}

static void test_schedules(void **state)
{
    (void)state;
    expect_cron("cron(15 * * * ? *)", 1, NULL, 0);
    expect_cron("cron(0 10 * * ? *)", 1, NULL, 0);
    expect_cron("cron(0/15 8-17 ? * MON-FRI *)", 1, NULL, 0);
    expect_cron("cron(0 18 ? * 6L 2024-2030)", 1, NULL, 0);
    expect_cron("cron(30 6 L * ? *)", 1, NULL, 0);
    expect_cron("cron(0 9 15W jan,jul ? *)", 1, NULL, 0);
    expect_cron("cron(0 9 ? * 2#1 *)", 1, NULL, 0);
    expect_cron("cron(0 0 LW * ? *)", 1, NULL, 0);
    expect_cron("cron(5,35 14 * * ? *)", 1, NULL, 0);
    expect_cron("cron(60 * * * ? *)", 0, "minutes must be within 0-59, not 60", 5);
    expect_cron("cron(0 24 * * ? *)", 0, "hours must be within 0-23, not 24", 7);
    expect_cron("cron(0 0 * * * *)", 0, "must be '?'", 13);
    expect_cron("cron(0 0 ? * ? *)", 0, "cannot both be '?'", 13);
    expect_cron("cron(0 0 * * ? 1969)", 0, "year must be within 1970-2199", 15);
    expect_cron("cron(0 0 ? FOO * *)", 0, "invalid month value 'FOO'", 11);
    expect_cron("cron(0/0 * * * ? *)", 0, "at least 1", 7);
    expect_cron("cron(0 0 ? * 2#6 *)", 0, "must be 1-5", 15);
    expect_cron("cron(0 ? * * * *)", 0, "'?' is allowed in day-of-month or day-of-week only", 7);
    expect_cron("cron(* * * * ? *", 0, "must end with ')'", 15);
    expect_cron("rate(1 minute)", 1, NULL, 0);
    expect_cron("rate(5 minutes)", 1, NULL, 0);
    expect_cron("rate(1 day)", 1, NULL, 0);
    expect_cron("rate(12 hours)", 1, NULL, 0);
    expect_cron("rate(0 hours)", 0, "at least 1", 5);
    expect_cron("rate(2 hour)", 0, "plural 'hours'", 7);
    expect_cron("rate(1 days)", 0, "singular 'day'", 7);
    expect_cron("rate(5 weeks)", 0, "unknown rate unit 'weeks'", 7);
    expect_cron("rate(5minutes)", 0, "one space", 6);
    expect_cron("at(2024-01-31T23:59:00)", 1, NULL, 0);
    expect_cron("at(2024-13-31T23:59:00)", 0, "at() takes a time", 3);
}

static void test_names(void **state)
{
    (void)state;
    assert_null(name_check_bucket("whitecube-curated-dev-123456789012"));
    assert_null(name_check_bucket("a.b-c"));
    assert_non_null(name_check_bucket("ab"));
    assert_non_null(name_check_bucket("a..b"));
    assert_non_null(name_check_bucket("-abc"));
    assert_non_null(name_check_bucket("abc-"));
    assert_non_null(name_check_bucket("my_bucket"));
    assert_non_null(name_check_bucket("10.0.0.1"));
    assert_non_null(name_check_bucket("sthree-abc"));
    assert_non_null(name_check_bucket("abc--ol-s3"));
    assert_null(name_check_table("user_Campaign-dev"));
    assert_null(name_check_table("a.b"));
    assert_non_null(name_check_table("ab"));
    assert_non_null(name_check_table("user campaign"));
    assert_null(name_check_glue_catalog("whitecube_dev"));
    assert_non_null(name_check_glue_catalog("Whitecube"));
    assert_null(name_check_glue("whitecube-dev-flatten join"));
    assert_non_null(name_check_glue("two\nlines"));
    assert_null(name_check_topic("whitecube-dev-events"));
    assert_non_null(name_check_topic("events.fifo"));
    assert_null(name_check_role("svc+glue=role,x.y@z_w-1"));
    assert_non_null(name_check_role("role/with/slash"));
    assert_null(name_check_schedule("whitecube-dev-hourly"));
    assert_non_null(name_check_schedule("hourly schedule"));
    assert_null(name_check_region("us-gov-west-1"));
    assert_null(name_check_region("ap-south-1"));
    assert_non_null(name_check_region("us-east"));
    assert_non_null(name_check_region("US-EAST-1"));
    assert_null(name_check_stack("whitecube"));
    assert_non_null(name_check_stack("white-"));
    assert_null(name_check_role_arn("arn:aws:iam::123456789012:role/service-role/GlueRole"));
    assert_null(name_check_role_arn("arn:aws-cn:iam::123456789012:role/x"));
    assert_non_null(name_check_role_arn("arn:aws:iam::123456789012:user/x"));
}

static void test_bad_var(void **state)
{
    (void)state;
    size_t n = 0;
    struct kvlist vars;
    kvlist_init(&vars);
    kvlist_add(&vars, "teem", "x");
    kvlist_add(&vars, "env", "${stack}");
    char *out = errors_of("version: 1\nstack: demo\nregion: us-east-1\nvars:\n  team: data\n", &vars, &n);
    assert_int_equal(n, 2);
    assert_non_null(strstr(out, "bad.yaml:4:1: error: --var 'teem' sets a variable the spec does not "
                                "declare; did you mean 'team'?\n"));
    assert_non_null(strstr(out, "bad.yaml:4:1: error: --var 'env' refers to another variable"));
    free(out);
    kvlist_release(&vars);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whitecube),
        cmocka_unit_test(test_var_override_and_account),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_daily_figures),
        cmocka_unit_test(test_ecommerce),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_yaml_features),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_render_exact),
        cmocka_unit_test(test_all_errors_sorted),
        cmocka_unit_test(test_examples_embedded),
        cmocka_unit_test(test_schedules),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_bad_var),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
