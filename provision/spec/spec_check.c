/* spec_check.c — checks that need the whole model: AWS names (after substitution), names
 * used twice, attribute types that disagree, and the pipeline's cross-resource rules. */
#include <stdio.h>
#include <string.h>

#include "provision/spec/spec_int.h"

typedef const char *(*name_rule)(const char *);

static int same_loc(struct spec_loc a, struct spec_loc b)
{
    return a.line == b.line && a.col == b.col;
}

/* owner is the resource's id: a name at the id's position is a default the spec never wrote. */
static void check_name(struct rd *r, const struct spec_str *name, const struct spec_str *owner,
                       const char *kind, name_rule rule, const char *what)
{
    const char *why = rule(vars_check_text(r, name));
    if (!why)
        return;
    rd_err(r, name->loc, "invalid %s name '%s' in %s: %s%s%s", kind, name->v, what, why,
           name->tmpl && strstr(why, "characters long") ? " (counting the 12-digit account id)" : "",
           owner && same_loc(name->loc, owner->loc) ? "; this is the default name, set 'name'" : "");
}

/* Two resources of one kind with one AWS name would be one resource. */
static void check_unique(struct rd *r, const struct spec_str *names[], const char *const ids[],
                         size_t n, const char *kind)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i]->v, names[j]->v) == 0) {
                rd_err(r, names[i]->loc, "%s name '%s' of '%s' is already used by '%s'", kind,
                       names[i]->v, ids[i], ids[j]);
                break;
            }
}

/* Collects the names of one resource array for check_unique (arrays differ in element type). */
#define UNIQUE(r, arr, count, kind)                                                 \
    do {                                                                            \
        const struct spec_str **names_ = spec_alloc_array((r)->s, (count), sizeof *names_); \
        const char **ids_ = spec_alloc_array((r)->s, (count), sizeof *ids_);        \
        if (!names_ || !ids_) {                                                     \
            (r)->oom = 1;                                                           \
            break;                                                                  \
        }                                                                           \
        for (size_t i_ = 0; i_ < (count); i_++) {                                   \
            names_[i_] = &(arr)[i_].name;                                           \
            ids_[i_] = (arr)[i_].id.v;                                              \
        }                                                                           \
        check_unique((r), names_, (const char *const *)ids_, (count), (kind));      \
    } while (0)

/* ---- tables ---- */

static void check_attr_types(struct rd *r, const struct spec_table *t)
{
    const struct spec_attr *a[2 + 2 * 20];
    const char *where[2 + 2 * 20];
    size_t n = 0;
    a[n] = &t->key.hash;
    where[n++] = "the table's key";
    if (spec_str_set(t->key.range.name)) {
        a[n] = &t->key.range;
        where[n++] = "the table's key";
    }
    for (size_t i = 0; i < t->n_gsis && i < 20; i++) {
        const char *w = rd_str_or_oom(r, spec_printf(r->s, "index '%s'", t->gsis[i].id.v));
        a[n] = &t->gsis[i].key.hash;
        where[n++] = w;
        if (spec_str_set(t->gsis[i].key.range.name)) {
            a[n] = &t->gsis[i].key.range;
            where[n++] = w;
        }
    }
    for (size_t i = 1; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (!spec_str_set(a[i]->name) || strcmp(a[i]->name.v, a[j]->name.v) != 0)
                continue;
            if (a[i]->type != a[j]->type)
                rd_err(r, a[i]->name.loc, "attribute '%s' is %s here but %s in %s; dynamodb "
                       "gives an attribute one type", a[i]->name.v, spec_attr_type_aws(a[i]->type),
                       spec_attr_type_aws(a[j]->type), where[j]);
            break;
        }
    }
}

static void check_table(struct rd *r, const struct spec_table *t, const char *what)
{
    check_name(r, &t->name, &t->id, "table", name_check_table, what);
    if (spec_str_set(t->key.range.name) && strcmp(t->key.hash.name.v, t->key.range.name.v) == 0)
        rd_err(r, t->key.range.name.loc, "the range key of %s repeats its hash key '%s'", what,
               t->key.hash.name.v);
    if (t->n_gsis > 20)
        rd_err(r, t->gsis[20].id.loc, "%s has %zu global indexes; dynamodb allows 20", what, t->n_gsis);
    for (size_t i = 0; i < t->n_gsis; i++) {
        const struct spec_gsi *g = &t->gsis[i];
        char gwhat[300];
        snprintf(gwhat, sizeof gwhat, "index '%s' of %s", g->id.v, what);
        check_name(r, &g->name, &g->id, "index", name_check_table, gwhat);
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->gsis[j].name.v, g->name.v) == 0)
                rd_err(r, g->name.loc, "index name '%s' is used twice in %s", g->name.v, what);
        if (g->capacity.mode != t->billing.mode)
            rd_err(r, g->id.loc, "%s is %s but the table is %s; an index follows its table's "
                   "billing mode", gwhat,
                   g->capacity.mode == SPEC_BILLING_ON_DEMAND ? "on-demand" : "provisioned",
                   t->billing.mode == SPEC_BILLING_ON_DEMAND ? "on-demand" : "provisioned");
    }
    check_attr_types(r, t);
}

static void check_tables(struct rd *r)
{
    struct spec *s = r->s;
    char what[160];
    for (size_t i = 0; i < s->n_tables; i++) {
        snprintf(what, sizeof what, "table '%s'", s->tables[i].id.v);
        check_table(r, &s->tables[i], what);
    }
    UNIQUE(r, s->tables, s->n_tables, "table");
    if (!s->pipeline.present)
        return;
    const struct spec_str *cp = &s->pipeline.checkpoints.name;
    check_name(r, cp, NULL, "table", name_check_table, "the pipeline's checkpoints");
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i].name.v, cp->v) == 0)
            rd_err(r, cp->loc, "the checkpoint table's name '%s' is already used by table '%s'",
                   cp->v, s->tables[i].id.v);
}

/* ---- buckets ---- */

static int kms_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (strncmp(k, "alias/", 6) == 0)
        return n > 6;
    if (strncmp(k, "arn:aws", 7) == 0)
        return strstr(k, ":kms:") != NULL;
    if (strncmp(k, "mrk-", 4) == 0)
        return n == 36 && strspn(k + 4, "0123456789abcdef") == 32;
    return n == 36 && strspn(k, "0123456789abcdef-") == 36 && k[8] == '-' && k[13] == '-';
}

static void check_kms(struct rd *r, const struct spec_encryption *e, const char *what)
{
    if (spec_str_set(e->kms_key) && e->kms_key.loc.line && !kms_key_ok(vars_check_text(r, &e->kms_key)))
        rd_err(r, e->kms_key.loc, "invalid kms key '%s' in %s: expected a key id, a key arn or "
               "alias/<name>", e->kms_key.v, what);
}

static void check_buckets(struct rd *r)
{
    struct spec *s = r->s;
    char what[160];
    for (size_t i = 0; i < s->n_buckets; i++) {
        const struct spec_bucket *b = &s->buckets[i];
        snprintf(what, sizeof what, "bucket '%s'", b->id.v);
        check_name(r, &b->name, &b->id, "bucket", name_check_bucket, what);
        check_kms(r, &b->encryption, what);
        for (size_t j = 0; j < b->n_lifecycle; j++)
            if (b->lifecycle[j].noncurrent_expire_days && !b->versioning)
                rd_err(r, b->lifecycle[j].id.loc, "lifecycle rule %zu of %s expires noncurrent "
                       "versions, which needs 'versioning: true'", j + 1, what);
    }
    UNIQUE(r, s->buckets, s->n_buckets, "bucket");
}

/* ---- glue, topics, schedules ---- */

static int email_ok(const char *v)
{
    const char *at = strchr(v, '@');
    return at && at != v && !strchr(at + 1, '@') && strchr(at + 1, '.') && !strpbrk(v, " \t,;<>") &&
           at[1] != '.' && v[strlen(v) - 1] != '.';
}

static int arn_ok(const char *v, const char *service, const char *resource)
{
    char want[32];
    snprintf(want, sizeof want, ":%s:", service);
    if (strncmp(v, "arn:aws", 7) != 0 || !strstr(v, want))
        return 0;
    /* arn:partition:service:region:account:resource */
    const char *p = v;
    for (int i = 0; i < 5; i++) {
        p = strchr(p, ':');
        if (!p)
            return 0;
        p++;
    }
    const char *acct = p - 13;
    if (acct < v || strspn(acct, "0123456789") != 12)
        return 0;
    return resource ? strncmp(p, resource, strlen(resource)) == 0 && p[strlen(resource)] : *p != '\0';
}

static void check_topics(struct rd *r)
{
    struct spec *s = r->s;
    char what[160];
    for (size_t i = 0; i < s->n_topics; i++) {
        const struct spec_topic *t = &s->topics[i];
        snprintf(what, sizeof what, "topic '%s'", t->id.v);
        check_name(r, &t->name, &t->id, "topic", name_check_topic, what);
        check_kms(r, &t->encryption, what);
        for (size_t j = 0; j < t->n_subscriptions; j++) {
            const struct spec_subscription *sub = &t->subscriptions[j];
            const char *v = vars_check_text(r, &sub->endpoint);
            const char *why = NULL;
            switch (sub->protocol) {
            case SPEC_PROTO_EMAIL:
                why = email_ok(v) ? NULL : "expected an e-mail address";
                break;
            case SPEC_PROTO_SQS:
                why = arn_ok(v, "sqs", NULL) ? NULL : "expected a queue arn, arn:aws:sqs:<region>:<account>:<queue>";
                break;
            case SPEC_PROTO_LAMBDA:
                why = arn_ok(v, "lambda", "function:") ? NULL
                      : "expected a function arn, arn:aws:lambda:<region>:<account>:function:<name>";
                break;
            case SPEC_PROTO_HTTPS:
                why = strncmp(v, "https://", 8) == 0 && v[8] && v[8] != '/' ? NULL
                      : "expected an https:// url";
                break;
            }
            if (!sub->endpoint.v[0])
                continue;
            if (why) {
                rd_err(r, sub->endpoint.loc, "invalid %s endpoint '%s' in %s: %s",
                       spec_protocol_aws(sub->protocol), sub->endpoint.v, what, why);
                continue;
            }
            for (size_t k = 0; k < j; k++)
                if (t->subscriptions[k].protocol == sub->protocol &&
                    strcmp(t->subscriptions[k].endpoint.v, sub->endpoint.v) == 0) {
                    rd_err(r, sub->endpoint.loc, "%s subscribes '%s' twice", what, sub->endpoint.v);
                    break;
                }
        }
    }
    UNIQUE(r, s->topics, s->n_topics, "topic");
}

static void check_glue(struct rd *r)
{
    struct spec *s = r->s;
    char what[160];
    if (spec_str_set(s->database)) {
        const char *why = name_check_glue_catalog(vars_check_text(r, &s->database));
        if (why)
            rd_err(r, s->database.loc, "invalid glue database name '%s': %s", s->database.v, why);
    }
    for (size_t i = 0; i < s->n_crawlers; i++) {
        snprintf(what, sizeof what, "crawler '%s'", s->crawlers[i].id.v);
        check_name(r, &s->crawlers[i].name, &s->crawlers[i].id, "crawler", name_check_glue, what);
    }
    UNIQUE(r, s->crawlers, s->n_crawlers, "crawler");
    for (size_t i = 0; i < s->n_jobs; i++) {
        snprintf(what, sizeof what, "job '%s'", s->jobs[i].id.v);
        check_name(r, &s->jobs[i].name, &s->jobs[i].id, "job", name_check_glue, what);
    }
    UNIQUE(r, s->jobs, s->n_jobs, "job");
    for (size_t i = 0; i < s->n_workflows; i++) {
        snprintf(what, sizeof what, "workflow '%s'", s->workflows[i].id.v);
        check_name(r, &s->workflows[i].name, &s->workflows[i].id, "workflow", name_check_glue, what);
    }
    UNIQUE(r, s->workflows, s->n_workflows, "workflow");
    for (size_t i = 0; i < s->n_schedules; i++) {
        const struct spec_schedule *c = &s->schedules[i];
        snprintf(what, sizeof what, "schedule '%s'", c->id.v);
        check_name(r, &c->name, &c->id, "schedule",
                   c->via == SPEC_VIA_SCHEDULER ? name_check_schedule : name_check_glue, what);
    }
    UNIQUE(r, s->schedules, s->n_schedules, "schedule");
}

/* ---- the pipeline ---- */

static int has_new_image(enum spec_stream_view v)
{
    return v == SPEC_STREAM_NEW_IMAGE || v == SPEC_STREAM_NEW_AND_OLD_IMAGES;
}

static void check_stream(struct rd *r, const struct spec_table *t, const struct spec_str *ref,
                         const char *role)
{
    if (!t || has_new_image(t->stream))
        return;
    if (t->stream == SPEC_STREAM_NONE)
        rd_err(r, ref->loc, "the pipeline's %s table '%s' has no stream; set 'stream: "
               "new-and-old-images' on it", role, t->id.v);
    else
        rd_err(r, ref->loc, "the pipeline's %s table '%s' streams %s; the pipeline needs the new "
               "images (stream: new-and-old-images)", role, t->id.v, spec_stream_name(t->stream));
}

static void check_pipeline(struct rd *r)
{
    struct spec *s = r->s;
    struct spec_pipeline *p = &s->pipeline;
    if (!p->present)
        return;
    check_stream(r, p->source, &p->source_ref, "source");
    check_stream(r, p->join.table, &p->join.table_ref, "join");
    if (p->join.table && p->join.table == p->source)
        rd_err(r, p->join.table_ref.loc, "the pipeline joins table '%s' with itself",
               p->source->id.v);
    const char *n = p->name.v;
    if (!n[0] || strlen(n) > 255 || strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                               "0123456789_.-") != strlen(n))
        rd_err(r, p->name.loc, "invalid pipeline name '%s': use 1 to 255 letters, digits, '_', "
               "'-' and '.'", n);
    for (size_t i = 0; i < p->n_columns; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(p->columns[i].name.v, p->columns[j].name.v) == 0 && p->columns[i].name.v[0]) {
                rd_err(r, p->columns[i].name.loc, "column '%s' appears twice in the pipeline",
                       p->columns[i].name.v);
                break;
            }
    const struct spec_partition *pt = &p->partition;
    if (spec_str_set(pt->column)) {
        size_t i = 0;
        while (i < p->n_columns && strcmp(p->columns[i].name.v, pt->column.v) != 0)
            i++;
        if (p->n_columns && i == p->n_columns)
            rd_err(r, pt->column.loc, "the partition column '%s' is not one of the pipeline's "
                   "columns", pt->column.v);
        else if (p->n_columns && pt->granularity != SPEC_GRAN_VALUE &&
                 p->columns[i].type != SPEC_COL_TIMESTAMP)
            rd_err(r, pt->column.loc, "partitioning by %s needs column '%s' to be a timestamp "
                   "(type: timestamp), not %s", spec_granularity_name(pt->granularity),
                   pt->column.v, spec_col_type_name(p->columns[i].type));
        for (i = 0; i < p->n_columns; i++)
            if (strcmp(p->columns[i].name.v, pt->as.v) == 0)
                rd_err(r, pt->as.loc, "the partition key '%s' is also a column; name it with "
                       "'as'", pt->as.v);
    }
    const struct spec_output *o = &p->output;
    if (o->bucket) {
        if (!spec_str_set(s->database))
            rd_err(r, o->bucket_ref.loc, "a pipeline writing to bucket '%s' needs "
                   "'catalog.database' for its glue table", o->bucket->id.v);
        const char *why = name_check_glue_catalog(vars_check_text(r, &o->table));
        if (why)
            rd_err(r, o->table.loc, "invalid glue table name '%s' for the pipeline's output: %s%s",
                   o->table.v, why, same_loc(o->table.loc, p->name.loc) ? "; set 'output.table'" : "");
    }
}

void spec_check(struct rd *r)
{
    check_tables(r);
    check_buckets(r);
    check_glue(r);
    check_topics(r);
    check_pipeline(r);
}
