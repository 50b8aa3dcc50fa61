/* spec_model.c — the model's memory, its walk over every string, lookups and enum spellings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/spec/spec_int.h"

static void *track(struct spec *s, void *p)
{
    if (!p)
        return NULL;
    if (s->n_allocs == s->cap_allocs) {
        size_t cap = s->cap_allocs ? s->cap_allocs * 2 : 256;
        void **a = realloc(s->allocs, cap * sizeof *a);
        if (!a) {
            free(p);
            return NULL;
        }
        s->allocs = a;
        s->cap_allocs = cap;
    }
    s->allocs[s->n_allocs++] = p;
    return p;
}

void *spec_alloc(struct spec *s, size_t size)
{
    return track(s, calloc(1, size ? size : 1));
}

void *spec_alloc_array(struct spec *s, size_t n, size_t size)
{
    if (n && size > SIZE_MAX / n)
        return NULL;
    return track(s, calloc(n ? n : 1, size ? size : 1));
}

const char *spec_strndup(struct spec *s, const char *v, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, v, n);
    p[n] = '\0';
    return track(s, p);
}

const char *spec_strdup(struct spec *s, const char *v)
{
    return spec_strndup(s, v, strlen(v));
}

const char *spec_printf(struct spec *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return track(s, p);
}

void spec_free(struct spec *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_allocs; i++)
        free(s->allocs[i]);
    free(s->allocs);
    free(s->path);
    free(s->dir);
    kvlist_release(&s->vars);
    free(s);
}

/* ---- the walk ---- */

typedef void (*str_fn)(struct spec_str *, void *);

static void each_tags(struct spec_tags *t, str_fn fn, void *ctx)
{
    for (size_t i = 0; i < t->n; i++) {
        fn(&t->items[i].key, ctx);
        fn(&t->items[i].value, ctx);
    }
}

static void each_strs(struct spec_str *a, size_t n, str_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i++)
        fn(&a[i], ctx);
}

static void each_key(struct spec_key *k, str_fn fn, void *ctx)
{
    fn(&k->hash.name, ctx);
    fn(&k->range.name, ctx);
}

static void each_role(struct spec_role *r, str_fn fn, void *ctx)
{
    fn(&r->arn, ctx);
    fn(&r->name, ctx);
}

static void each_table(struct spec_table *t, str_fn fn, void *ctx)
{
    fn(&t->id, ctx);
    fn(&t->name, ctx);
    each_key(&t->key, fn, ctx);
    fn(&t->ttl, ctx);
    for (size_t i = 0; i < t->n_gsis; i++) {
        struct spec_gsi *g = &t->gsis[i];
        fn(&g->id, ctx);
        fn(&g->name, ctx);
        each_key(&g->key, fn, ctx);
        each_strs(g->include, g->n_include, fn, ctx);
    }
    each_tags(&t->tags, fn, ctx);
    for (size_t i = 0; i < t->seed.n_columns; i++) {
        fn(&t->seed.columns[i].name, ctx);
        fn(&t->seed.columns[i].format, ctx);
    }
    struct spec_generator *g = &t->seed.generator;
    each_strs(g->products, g->n_products, fn, ctx);
    fn(&g->price_min, ctx);
    fn(&g->price_max, ctx);
    fn(&g->start, ctx);
}

static void each_ref(struct spec_ref *r, str_fn fn, void *ctx)
{
    fn(&r->ref, ctx);
}

static void each_pipeline(struct spec_pipeline *p, str_fn fn, void *ctx)
{
    fn(&p->name, ctx);
    fn(&p->source_ref, ctx);
    fn(&p->explode.attribute, ctx);
    fn(&p->join.table_ref, ctx);
    fn(&p->join.explode.attribute, ctx);
    each_strs(p->join.on, p->join.n_on, fn, ctx);
    each_strs(p->join.columns, p->join.n_columns, fn, ctx);
    for (size_t i = 0; i < p->n_columns; i++) {
        fn(&p->columns[i].name, ctx);
        fn(&p->columns[i].from, ctx);
        fn(&p->columns[i].format, ctx);
    }
    fn(&p->partition.column, ctx);
    fn(&p->partition.as, ctx);
    struct spec_output *o = &p->output;
    fn(&o->bucket_ref, ctx);
    fn(&o->url, ctx);
    fn(&o->prefix, ctx);
    fn(&o->table, ctx);
    fn(&o->changes_prefix, ctx);
    fn(&o->quarantine_prefix, ctx);
    fn(&p->notify_ref, ctx);
    if (p->present)
        each_table(&p->checkpoints, fn, ctx);
}

void spec_each_str(struct spec *s, str_fn fn, void *ctx)
{
    fn(&s->stack, ctx);
    fn(&s->region, ctx);
    fn(&s->env, ctx);
    each_tags(&s->tags, fn, ctx);
    for (size_t i = 0; i < s->n_tables; i++)
        each_table(&s->tables[i], fn, ctx);
    for (size_t i = 0; i < s->n_buckets; i++) {
        struct spec_bucket *b = &s->buckets[i];
        fn(&b->id, ctx);
        fn(&b->name, ctx);
        fn(&b->encryption.kms_key, ctx);
        for (size_t j = 0; j < b->n_lifecycle; j++) {
            fn(&b->lifecycle[j].id, ctx);
            fn(&b->lifecycle[j].prefix, ctx);
        }
        each_tags(&b->tags, fn, ctx);
    }
    fn(&s->database, ctx);
    fn(&s->database_description, ctx);
    for (size_t i = 0; i < s->n_crawlers; i++) {
        struct spec_crawler *c = &s->crawlers[i];
        fn(&c->id, ctx);
        fn(&c->name, ctx);
        for (size_t j = 0; j < c->n_targets; j++) {
            fn(&c->targets[j].ref, ctx);
            fn(&c->targets[j].path, ctx);
            each_strs(c->targets[j].exclude, c->targets[j].n_exclude, fn, ctx);
        }
        fn(&c->schedule, ctx);
        fn(&c->table_prefix, ctx);
        each_role(&c->role, fn, ctx);
        each_tags(&c->tags, fn, ctx);
    }
    for (size_t i = 0; i < s->n_jobs; i++) {
        struct spec_job *j = &s->jobs[i];
        fn(&j->id, ctx);
        fn(&j->name, ctx);
        fn(&j->script, ctx);
        fn(&j->bucket_ref, ctx);
        fn(&j->script_key, ctx);
        fn(&j->glue_version, ctx);
        fn(&j->worker_type, ctx);
        each_tags(&j->arguments, fn, ctx);
        each_role(&j->role, fn, ctx);
        each_tags(&j->tags, fn, ctx);
    }
    for (size_t i = 0; i < s->n_topics; i++) {
        struct spec_topic *t = &s->topics[i];
        fn(&t->id, ctx);
        fn(&t->name, ctx);
        for (size_t j = 0; j < t->n_subscriptions; j++) {
            fn(&t->subscriptions[j].endpoint, ctx);
            fn(&t->subscriptions[j].filter_policy, ctx);
        }
        fn(&t->encryption.kms_key, ctx);
        each_tags(&t->tags, fn, ctx);
    }
    for (size_t i = 0; i < s->n_schedules; i++) {
        struct spec_schedule *c = &s->schedules[i];
        fn(&c->id, ctx);
        fn(&c->name, ctx);
        fn(&c->expression, ctx);
        each_ref(&c->target, fn, ctx);
        fn(&c->timezone, ctx);
        each_role(&c->role, fn, ctx);
        each_tags(&c->tags, fn, ctx);
    }
    for (size_t i = 0; i < s->n_workflows; i++) {
        struct spec_workflow *w = &s->workflows[i];
        fn(&w->id, ctx);
        fn(&w->name, ctx);
        fn(&w->schedule, ctx);
        for (size_t j = 0; j < w->n_steps; j++)
            for (size_t k = 0; k < w->steps[j].n_actions; k++)
                each_ref(&w->steps[j].actions[k], fn, ctx);
        each_tags(&w->tags, fn, ctx);
    }
    if (s->pipeline.present)
        each_pipeline(&s->pipeline, fn, ctx);
}

/* ---- ${account} ---- */

struct bind_ctx {
    struct spec *s;
    const char *account;
    size_t pending;
    int oom;
};

static void bind_one(struct spec_str *str, void *vctx)
{
    struct bind_ctx *c = vctx;
    if (!str->tmpl)
        return;
    if (!c->account) {
        c->pending++;
        return;
    }
    const char *v = vars_render(c->s, str->tmpl, c->account);
    if (!v) {
        c->oom = 1;
        return;
    }
    str->v = v;
    str->tmpl = NULL;
}

int spec_bind_account(struct spec *s, const char *account, struct pw_error *err)
{
    if (!account || strlen(account) != 12 || strspn(account, "0123456789") != 12)
        return pw_fail(err, PW_EXIT_FAILED, "invalid aws account id '%s': expected 12 digits",
                       account ? account : "");
    struct bind_ctx c = {.s = s, .account = account};
    spec_each_str(s, bind_one, &c);
    if (c.oom)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory binding the account id");
    return 0;
}

int spec_deferred(const struct spec *s)
{
    struct bind_ctx c = {0};
    spec_each_str((struct spec *)s, bind_one, &c);
    return c.pending > 0;
}

/* ---- lookups ---- */

#define FIND(arr, count)                                            \
    for (size_t i_ = 0; id && i_ < (count); i_++)                   \
        if (strcmp((arr)[i_].id.v, id) == 0)                        \
            return &(arr)[i_];                                      \
    return NULL

struct spec_table *spec_table_find(const struct spec *s, const char *id) { FIND(s->tables, s->n_tables); }
struct spec_bucket *spec_bucket_find(const struct spec *s, const char *id) { FIND(s->buckets, s->n_buckets); }
struct spec_crawler *spec_crawler_find(const struct spec *s, const char *id) { FIND(s->crawlers, s->n_crawlers); }
struct spec_job *spec_job_find(const struct spec *s, const char *id) { FIND(s->jobs, s->n_jobs); }
struct spec_topic *spec_topic_find(const struct spec *s, const char *id) { FIND(s->topics, s->n_topics); }

#undef FIND

/* ---- enum spellings ---- */

const char *spec_attr_type_aws(enum spec_attr_type t)
{
    return t == SPEC_ATTR_N ? "N" : t == SPEC_ATTR_B ? "B" : "S";
}

const char *spec_billing_aws(enum spec_billing_mode m)
{
    return m == SPEC_BILLING_PROVISIONED ? "PROVISIONED" : "PAY_PER_REQUEST";
}

const char *spec_stream_aws(enum spec_stream_view v)
{
    switch (v) {
    case SPEC_STREAM_KEYS_ONLY: return "KEYS_ONLY";
    case SPEC_STREAM_NEW_IMAGE: return "NEW_IMAGE";
    case SPEC_STREAM_OLD_IMAGE: return "OLD_IMAGE";
    case SPEC_STREAM_NEW_AND_OLD_IMAGES: return "NEW_AND_OLD_IMAGES";
    default: return NULL;
    }
}

const char *spec_stream_name(enum spec_stream_view v)
{
    switch (v) {
    case SPEC_STREAM_KEYS_ONLY: return "keys-only";
    case SPEC_STREAM_NEW_IMAGE: return "new-image";
    case SPEC_STREAM_OLD_IMAGE: return "old-image";
    case SPEC_STREAM_NEW_AND_OLD_IMAGES: return "new-and-old-images";
    default: return "false";
    }
}

const char *spec_projection_aws(enum spec_projection p)
{
    return p == SPEC_PROJECTION_KEYS_ONLY ? "KEYS_ONLY" : p == SPEC_PROJECTION_INCLUDE ? "INCLUDE" : "ALL";
}

const char *spec_schema_update_aws(enum spec_schema_update u)
{
    return u == SPEC_UPDATE_LOG ? "LOG" : "UPDATE_IN_DATABASE";
}

const char *spec_schema_delete_aws(enum spec_schema_delete d)
{
    return d == SPEC_DELETE_LOG ? "LOG" : d == SPEC_DELETE_FROM_DATABASE ? "DELETE_FROM_DATABASE"
                                                                         : "DEPRECATE_IN_DATABASE";
}

const char *spec_recrawl_aws(enum spec_recrawl r)
{
    return r == SPEC_RECRAWL_NEW_FOLDERS_ONLY ? "CRAWL_NEW_FOLDERS_ONLY" : "CRAWL_EVERYTHING";
}

const char *spec_protocol_aws(enum spec_protocol p)
{
    switch (p) {
    case SPEC_PROTO_SQS: return "sqs";
    case SPEC_PROTO_LAMBDA: return "lambda";
    case SPEC_PROTO_HTTPS: return "https";
    default: return "email";
    }
}

const char *spec_col_type_name(enum spec_col_type t)
{
    switch (t) {
    case SPEC_COL_INT: return "int";
    case SPEC_COL_DECIMAL: return "decimal";
    case SPEC_COL_BOOL: return "bool";
    case SPEC_COL_TIMESTAMP: return "timestamp";
    default: return "string";
    }
}

const char *spec_granularity_name(enum spec_granularity g)
{
    switch (g) {
    case SPEC_GRAN_YEAR: return "year";
    case SPEC_GRAN_MONTH: return "month";
    case SPEC_GRAN_DAY: return "day";
    case SPEC_GRAN_HOUR: return "hour";
    default: return "value";
    }
}
