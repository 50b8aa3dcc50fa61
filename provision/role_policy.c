/* role_policy.c — what a generated role may do, from what its user declares: the variables
 * each template of templates/iam/ is rendered with. Every resource named here is one of the
 * stack's own (a declared bucket and prefix, table, stream, Glue database, table, job or
 * crawler); docs/iam.md lists each grant and why it is needed. */
#include "provision/role.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/iam_policy.h"

int role_arn(const struct stack *st, const struct spec_role *role, char *out, size_t n)
{
    int w = role->generated
                ? snprintf(out, n, "arn:%s:iam::%s:role/%s", st->partition, st->account, role->name.v)
                : snprintf(out, n, "%s", role->arn.v);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The user of a generated role: exactly one of the three is set. */
struct role_user {
    const struct spec_crawler *crawler;
    const struct spec_job *job;
    const struct spec_schedule *schedule;
};

static int find_user(const struct spec *s, const struct spec_role *role, struct role_user *u)
{
    memset(u, 0, sizeof *u);
    for (size_t i = 0; i < s->n_crawlers; i++)
        if (&s->crawlers[i].role == role)
            u->crawler = &s->crawlers[i];
    for (size_t i = 0; i < s->n_jobs; i++)
        if (&s->jobs[i].role == role)
            u->job = &s->jobs[i];
    for (size_t i = 0; i < s->n_schedules; i++)
        if (&s->schedules[i].role == role)
            u->schedule = &s->schedules[i];
    return u->crawler || u->job || u->schedule ? 0 : -1;
}

/* Small formatted additions; each returns -1 when out of memory or too long. */
static int list_addf(struct policy_vars *v, int unique, const char *list, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int list_addf(struct policy_vars *v, int unique, const char *list, const char *fmt, ...)
{
    char value[2048];
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= sizeof value)
        return -1;
    return unique ? policy_set_add(v, list, value) : policy_list_add(v, list, value);
}

static int stack_vars(const struct stack *st, struct policy_vars *v)
{
    return policy_var(v, "partition", st->partition) | policy_var(v, "region", st->region) |
           policy_var(v, "account", st->account);
}

static int declare(struct policy_vars *v, const char *const *lists)
{
    int rc = 0;
    for (size_t i = 0; lists[i]; i++)
        rc |= policy_list(v, lists[i]);
    return rc;
}

/* "s3://bucket/some/prefix" -> bucket, "some/prefix" (spec_check made sure of the shape). */
static void split_s3_url(const char *url, char *bucket, size_t n, const char **prefix)
{
    const char *b = url + 5, *slash = strchr(b, '/');
    size_t len = slash ? (size_t)(slash - b) : strlen(b);
    snprintf(bucket, n, "%.*s", (int)len, b);
    *prefix = slash ? slash + 1 : "";
}

static int crawler_vars(const struct stack *st, const struct spec_crawler *cr, struct policy_vars *v)
{
    static const char *const lists[] = {"s3_objects", "s3_buckets", "listed_bucket", "listed_prefix",
                                        "whole_buckets", "dynamodb_tables", "deleting_database", NULL};
    const char *p = st->partition, *db = st->spec->database.v;
    int rc = declare(v, lists) | policy_var(v, "database", db) |
             policy_var(v, "table_prefix", cr->table_prefix.v);
    for (size_t i = 0; i < cr->n_targets; i++) {
        const struct spec_crawler_target *t = &cr->targets[i];
        char bucket[256];
        const char *prefix = t->path.v;
        if (t->kind == SPEC_TARGET_TABLE) {
            rc |= list_addf(v, 1, "dynamodb_tables", "arn:%s:dynamodb:%s:%s:table/%s", p, st->region,
                            st->account, t->table->name.v);
            continue;
        }
        if (t->kind == SPEC_TARGET_BUCKET)
            snprintf(bucket, sizeof bucket, "%s", t->bucket->name.v);
        else
            split_s3_url(t->path.v, bucket, sizeof bucket, &prefix);
        rc |= list_addf(v, 1, "s3_objects", "arn:%s:s3:::%s/%s*", p, bucket, prefix);
        rc |= list_addf(v, 1, "s3_buckets", "arn:%s:s3:::%s", p, bucket);
        /* Listing a prefix is granted for that prefix only; a whole-bucket target lists
         * without a prefix, which a s3:prefix condition would refuse. */
        if (prefix[0])
            rc |= policy_list_add(v, "listed_bucket", bucket) | policy_list_add(v, "listed_prefix", prefix);
        else
            rc |= list_addf(v, 1, "whole_buckets", "arn:%s:s3:::%s", p, bucket);
    }
    if (cr->on_delete == SPEC_DELETE_FROM_DATABASE)
        rc |= policy_list_add(v, "deleting_database", db);
    return rc;
}

static int has_argument(const struct spec_job *j, const char *key)
{
    for (size_t i = 0; i < j->arguments.n; i++)
        if (strcmp(j->arguments.items[i].key.v, key) == 0)
            return 1;
    return 0;
}

/* The output prefixes of the pipeline the job runs at scale; a prefix "" is the whole bucket. */
static int output_vars(const struct stack *st, const struct spec_output *o, int whole,
                       struct policy_vars *v)
{
    const char *prefixes[3] = {o->prefix.v, o->quarantine_prefix.v,
                               o->mode == SPEC_MODE_CHANGES ? o->changes_prefix.v : NULL};
    const char *b = o->bucket->name.v;
    int rc = 0;
    for (size_t i = 0; i < 3; i++) {
        if (!prefixes[i])
            continue;
        rc |= list_addf(v, 1, "output_objects", "arn:%s:s3:::%s/%s*", st->partition, b, prefixes[i]);
        if (!whole)
            rc |= list_addf(v, 1, "output_prefixes", "%s*", prefixes[i]);
    }
    rc |= policy_list_add(v, whole ? "output_whole_bucket" : "output_prefix_bucket", b);
    return rc;
}

/* A job's generated role reads its script, and runs the spec's pipeline at scale (DESIGN §1):
 * it reads the pipeline's source and join tables and their streams, and writes its output
 * prefixes and Glue table. A job that does anything else names its own role. */
static int job_vars(const struct stack *st, const struct spec_job *j, struct policy_vars *v)
{
    static const char *const lists[] = {"tables", "streams", "output_objects", "output_prefixes",
                                        "output_prefix_bucket", "output_whole_bucket",
                                        "output_database", "output_table", "metrics_resources", NULL};
    const struct spec_pipeline *pl = &st->spec->pipeline;
    const struct spec_table *tables[2] = {pl->present ? pl->source : NULL,
                                          pl->present ? pl->join.table : NULL};
    int rc = declare(v, lists) | policy_var(v, "script_bucket", j->bucket->name.v) |
             policy_var(v, "script_key", j->script_key.v);
    for (size_t i = 0; i < 2; i++) {
        if (!tables[i])
            continue;
        rc |= list_addf(v, 1, "tables", "arn:%s:dynamodb:%s:%s:table/%s", st->partition, st->region,
                        st->account, tables[i]->name.v);
        rc |= list_addf(v, 1, "streams", "arn:%s:dynamodb:%s:%s:table/%s/stream/*", st->partition,
                        st->region, st->account, tables[i]->name.v);
    }
    const struct spec_output *o = &pl->output;
    if (pl->present && o->bucket) {
        int whole = !o->prefix.v[0] || !o->quarantine_prefix.v[0];
        rc |= output_vars(st, o, whole, v);
        if (spec_str_set(st->spec->database) && spec_str_set(o->table))
            rc |= policy_list_add(v, "output_database", st->spec->database.v) |
                  policy_list_add(v, "output_table", o->table.v);
    }
    /* CloudWatch has no resource-level permission for PutMetricData: "*" is the only
     * resource it takes, narrowed by the namespace condition in the template. Granted only
     * when the job asks Glue for metrics. */
    if (has_argument(j, "--enable-metrics"))
        rc |= policy_list_add(v, "metrics_resources", "*");
    return rc;
}

static int schedule_vars(const struct spec_schedule *s, struct policy_vars *v)
{
    static const char *const lists[] = {"job", "crawler", NULL};
    int rc = declare(v, lists) | policy_var(v, "schedule_group", s->name.v);
    if (s->target.kind == SPEC_REF_JOB)
        rc |= policy_list_add(v, "job", s->target.job->name.v);
    else
        rc |= policy_list_add(v, "crawler", s->target.crawler->name.v);
    return rc;
}

int role_documents(const struct resource *r, char **trust, char **policy, struct pw_error *err)
{
    const struct stack *st = r->stack;
    struct role_user u;
    struct policy_vars v;
    const char *trust_template = "trust-glue", *policy_template;
    int rc = -1;
    *trust = *policy = NULL;
    if (find_user(st->spec, r->decl, &u) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "role '%s': no crawler, job or schedule uses it", r->name);
    policy_vars_init(&v);
    int bad = stack_vars(st, &v);
    if (u.crawler) {
        policy_template = "crawler";
        bad |= crawler_vars(st, u.crawler, &v);
    } else if (u.job) {
        policy_template = "job";
        bad |= job_vars(st, u.job, &v);
    } else {
        trust_template = "trust-scheduler";
        policy_template = "schedule";
        bad |= schedule_vars(u.schedule, &v);
    }
    if (bad) {
        pw_fail(err, PW_EXIT_FAILED, "role '%s': out of memory or a name too long", r->name);
        goto out;
    }
    if (!(*trust = policy_render(trust_template, &v, err)) ||
        !(*policy = policy_render(policy_template, &v, err))) {
        pw_error_prefix(err, "role '%s'", r->name);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        free(*trust);
        free(*policy);
        *trust = *policy = NULL;
    }
    policy_vars_release(&v);
    return rc;
}
