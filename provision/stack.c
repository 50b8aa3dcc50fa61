/* stack.c — a spec's resource instances in dependency order. */
#include "provision/stack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WAIT_TIMEOUT_DEFAULT_S 300

struct builder {
    struct stack *st;
    size_t cap;
    int oom;
};

static void add(struct builder *b, const struct res_kind *kind, const char *address_id,
                const char *id, const char *name, const void *decl)
{
    struct stack *st = b->st;
    if (b->oom)
        return;
    if (st->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct resource *p = realloc(st->items, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return;
        }
        st->items = p;
        b->cap = cap;
    }
    struct resource *r = &st->items[st->n++];
    memset(r, 0, sizeof *r);
    r->kind = kind;
    snprintf(r->address, sizeof r->address, "%s.%s", kind->name, address_id);
    r->id = id;
    r->name = name;
    r->decl = decl;
    r->stack = st;
}

/* A role the stack generates (a named role's ARN belongs to someone else: never ours). */
static void add_role(struct builder *b, const struct spec_role *role)
{
    if (!role->generated)
        return;
    for (size_t i = 0; i < b->st->n; i++)   /* one role may serve several users */
        if (b->st->items[i].kind == &res_kind_role && strcmp(b->st->items[i].name, role->name.v) == 0)
            return;
    add(b, &res_kind_role, role->name.v, role->name.v, role->name.v, role);
}

static void add_level(struct builder *b, enum res_level level)
{
    const struct spec *s = b->st->spec;
    switch (level) {
    case RES_LEVEL_ROLES:
        for (size_t i = 0; i < s->n_crawlers; i++)
            add_role(b, &s->crawlers[i].role);
        for (size_t i = 0; i < s->n_jobs; i++)
            add_role(b, &s->jobs[i].role);
        for (size_t i = 0; i < s->n_schedules; i++)
            if (s->schedules[i].via == SPEC_VIA_SCHEDULER)
                add_role(b, &s->schedules[i].role);
        break;
    case RES_LEVEL_STORAGE:
        for (size_t i = 0; i < s->n_tables; i++)
            add(b, &res_kind_table, s->tables[i].id.v, s->tables[i].id.v, s->tables[i].name.v,
                &s->tables[i]);
        /* Its own address: a user table may well be called "checkpoints". */
        if (s->pipeline.present) {
            const struct spec_table *t = &s->pipeline.checkpoints;
            add(b, &res_kind_table, "pipeline-checkpoints", t->id.v, t->name.v, t);
        }
        for (size_t i = 0; i < s->n_buckets; i++)
            add(b, &res_kind_bucket, s->buckets[i].id.v, s->buckets[i].id.v, s->buckets[i].name.v,
                &s->buckets[i]);
        for (size_t i = 0; i < s->n_topics; i++)
            add(b, &res_kind_topic, s->topics[i].id.v, s->topics[i].id.v, s->topics[i].name.v,
                &s->topics[i]);
        break;
    case RES_LEVEL_ARTIFACTS:
        for (size_t i = 0; i < s->n_jobs; i++)
            add(b, &res_kind_artifact, s->jobs[i].id.v, s->jobs[i].id.v, s->jobs[i].script_key.v,
                &s->jobs[i]);
        if (spec_str_set(s->database))
            add(b, &res_kind_database, s->database.v, s->database.v, s->database.v, s);
        break;
    case RES_LEVEL_GLUE:
        for (size_t i = 0; i < s->n_crawlers; i++)
            add(b, &res_kind_crawler, s->crawlers[i].id.v, s->crawlers[i].id.v,
                s->crawlers[i].name.v, &s->crawlers[i]);
        for (size_t i = 0; i < s->n_jobs; i++)
            add(b, &res_kind_job, s->jobs[i].id.v, s->jobs[i].id.v, s->jobs[i].name.v, &s->jobs[i]);
        /* The pipeline's output table, in the catalog database (the spec requires one for an
         * output to a bucket; a local lake has no table). */
        if (s->pipeline.present && s->pipeline.output.bucket && spec_str_set(s->database)) {
            const struct spec_output *o = &s->pipeline.output;
            add(b, &res_kind_catalog_table, o->table.v, o->table.v, o->table.v, &s->pipeline);
        }
        break;
    case RES_LEVEL_SCHEDULES:
        for (size_t i = 0; i < s->n_schedules; i++)
            add(b, &res_kind_schedule, s->schedules[i].id.v, s->schedules[i].id.v,
                s->schedules[i].name.v, &s->schedules[i]);
        for (size_t i = 0; i < s->n_workflows; i++)
            add(b, &res_kind_workflow, s->workflows[i].id.v, s->workflows[i].id.v,
                s->workflows[i].name.v, &s->workflows[i]);
        break;
    }
}

static const char *partition_of(const char *region)
{
    if (strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    if (strncmp(region, "us-isob-", 8) == 0)
        return "aws-iso-b";
    if (strncmp(region, "us-iso-", 7) == 0)
        return "aws-iso";
    return "aws";
}

int stack_init(struct stack *st, const struct spec *spec, const char *account,
               struct pw_error *err)
{
    memset(st, 0, sizeof *st);
    st->spec = spec;
    st->name = spec->stack.v;
    st->env = spec->env.v;
    st->region = spec->region.v;
    st->wait_timeout_s = WAIT_TIMEOUT_DEFAULT_S;
    snprintf(st->account, sizeof st->account, "%s", account ? account : "");
    snprintf(st->partition, sizeof st->partition, "%s", partition_of(st->region));
    struct builder b = {.st = st};
    for (int level = 0; level < RES_NLEVELS; level++)
        add_level(&b, (enum res_level)level);
    if (b.oom) {
        stack_release(st);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    return 0;
}

void stack_release(struct stack *st)
{
    if (!st)
        return;
    free(st->items);
    st->items = NULL;
    st->n = 0;
}

const struct resource *stack_find(const struct stack *st, const char *address)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->items[i].address, address) == 0)
            return &st->items[i];
    return NULL;
}

static const struct spec_tags *declared_tags(const struct resource *r)
{
    const struct res_kind *k = r->kind;
    if (k == &res_kind_table)
        return &((const struct spec_table *)r->decl)->tags;
    if (k == &res_kind_bucket)
        return &((const struct spec_bucket *)r->decl)->tags;
    if (k == &res_kind_topic)
        return &((const struct spec_topic *)r->decl)->tags;
    if (k == &res_kind_crawler)
        return &((const struct spec_crawler *)r->decl)->tags;
    if (k == &res_kind_job)
        return &((const struct spec_job *)r->decl)->tags;
    if (k == &res_kind_schedule)
        return &((const struct spec_schedule *)r->decl)->tags;
    if (k == &res_kind_workflow)
        return &((const struct spec_workflow *)r->decl)->tags;
    return &r->stack->spec->tags;
}

int stack_tags(const struct resource *r, struct kvlist *out)
{
    const struct spec_tags *t = declared_tags(r);
    for (size_t i = 0; i < t->n; i++)
        if (kvlist_add(out, t->items[i].key.v, t->items[i].value.v) < 0)
            return -1;
    /* The spec refuses pipewright: keys, so ours cannot collide with a declared one. */
    if (kvlist_add(out, PW_TAG_STACK, r->stack->name) < 0 ||
        kvlist_add(out, PW_TAG_ENV, r->stack->env) < 0)
        return -1;
    return 0;
}
