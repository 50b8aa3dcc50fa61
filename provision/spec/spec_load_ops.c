/* spec_load_ops.c — what runs and reports: SNS topics, schedules and Glue workflows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "provision/spec/spec_int.h"

/* ---- topics ---- */

static const struct rd_choice protocols[] = {
    {"email", SPEC_PROTO_EMAIL, 0},
    {"sqs", SPEC_PROTO_SQS, 0},
    {"lambda", SPEC_PROTO_LAMBDA, 0},
    {"https", SPEC_PROTO_HTTPS, 0},
    {NULL, 0, 0},
};

/* A filter policy is written as YAML and sent as JSON: plain scalars keep their YAML type. */
static cJSON *to_json(const struct ynode *n)
{
    if (n->kind == YNODE_MAP) {
        cJSON *o = cJSON_CreateObject();
        for (size_t i = 0; o && i < n->n_pairs; i++) {
            cJSON *v = to_json(n->pairs[i].value);
            if (!v || !cJSON_AddItemToObject(o, n->pairs[i].key->value, v)) {
                cJSON_Delete(v);
                cJSON_Delete(o);
                return NULL;
            }
        }
        return o;
    }
    if (n->kind == YNODE_SEQ) {
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < n->n_items; i++) {
            cJSON *v = to_json(n->items[i]);
            if (!v || !cJSON_AddItemToArray(a, v)) {
                cJSON_Delete(v);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    int b;
    if (ynode_is_null(n))
        return cJSON_CreateNull();
    if (ynode_bool(n, &b) == 0)
        return cJSON_CreateBool(b);
    if (ynode_is_number(n))
        return cJSON_CreateRaw(n->value);
    return cJSON_CreateString(n->value);
}

static void load_filter_policy(struct rd *r, const struct sect *ss, struct spec_subscription *sub)
{
    const struct ypair *p = rd_get(ss, "filter_policy");
    char desc[256];
    if (!p)
        return;
    rd_field(ss, "filter_policy", desc, sizeof desc);
    if (p->value->kind != YNODE_MAP) {
        char got[64];
        rd_err(r, rd_value_loc(p), "%s must be a mapping, not %s", desc,
               ynode_describe(p->value, got, sizeof got));
        return;
    }
    cJSON *j = to_json(p->value);
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    sub->filter_policy.v = rd_str_or_oom(r, text ? spec_strdup(r->s, text) : NULL);
    sub->filter_policy.loc = p->value->loc;
    free(text);
    cJSON_Delete(j);
}

/* "email:team@example.com", "sqs:arn:...", "lambda:arn:...", or an https:// URL as is. */
static void split_subscription(struct rd *r, const struct ynode *n, const char *desc,
                               struct spec_subscription *sub)
{
    const char *v = sub->endpoint.v;
    if (strncmp(v, "https://", 8) == 0) {
        sub->protocol = SPEC_PROTO_HTTPS;
        return;
    }
    const char *colon = strchr(v, ':');
    for (const struct rd_choice *c = protocols; colon && c->name; c++) {
        if (strlen(c->name) == (size_t)(colon - v) && strncmp(c->name, v, (size_t)(colon - v)) == 0) {
            sub->protocol = (enum spec_protocol)c->value;
            sub->endpoint.v = colon + 1;
            sub->endpoint.loc = ytree_loc_in(r->t, n, (size_t)(colon + 1 - v), (int)strlen(colon + 1));
            if (sub->endpoint.tmpl)
                sub->endpoint.tmpl = sub->endpoint.v;
            return;
        }
    }
    rd_err(r, sub->endpoint.loc, "invalid subscription '%s' in %s: expected email:<address>, "
           "sqs:<queue arn>, lambda:<function arn> or an https:// url", v, desc);
    sub->endpoint.v = "";   /* reported once: the endpoint check skips it */
}

static void load_subscriptions(struct rd *r, const struct sect *ts, struct spec_topic *t)
{
    static const char *const keys[] = {"protocol", "endpoint", "raw_delivery", "filter_policy", NULL};
    const struct ypair *p = rd_get(ts, "subscriptions");
    char desc[256], got[64];
    if (!p)
        return;
    rd_field(ts, "subscriptions", desc, sizeof desc);
    const struct ynode *v = p->value;
    if (v->kind != YNODE_SEQ) {
        rd_err(r, rd_value_loc(p), "%s must be a list, not %s", desc, ynode_describe(v, got, sizeof got));
        return;
    }
    t->subscriptions = spec_alloc_array(r->s, v->n_items, sizeof *t->subscriptions);
    if (!t->subscriptions) {
        r->oom = 1;
        return;
    }
    t->n_subscriptions = v->n_items;
    for (size_t i = 0; i < v->n_items; i++) {
        const struct ynode *item = v->items[i];
        struct spec_subscription *sub = &t->subscriptions[i];
        sub->endpoint.v = sub->filter_policy.v = "";
        if (item->kind != YNODE_MAP) {
            if (rd_str_node(r, item, item->loc, desc, RD_NONEMPTY, &sub->endpoint) == 1)
                split_subscription(r, item, desc, sub);
            continue;
        }
        struct ypair ip = {.key = p->key, .value = (struct ynode *)item};
        struct sect ss;
        char what[300];
        snprintf(what, sizeof what, "subscription %zu of topic '%s'", i + 1, t->id.v);
        if (rd_section(r, &ip, what, keys, &ss) < 0)
            continue;
        ss.loc = item->loc;
        int proto = SPEC_PROTO_EMAIL;
        if (rd_require(r, &ss, "protocol") == 0 && rd_enum(r, &ss, "protocol", protocols, &proto) == 1)
            sub->protocol = (enum spec_protocol)proto;
        if (rd_require(r, &ss, "endpoint") == 0)
            rd_str(r, &ss, "endpoint", RD_NONEMPTY, &sub->endpoint);
        if (rd_bool(r, &ss, "raw_delivery", &sub->raw_delivery) == 1 && sub->raw_delivery &&
            sub->protocol != SPEC_PROTO_SQS && sub->protocol != SPEC_PROTO_HTTPS)
            rd_err(r, rd_value_loc(rd_get(&ss, "raw_delivery")),
                   "'raw_delivery' in %s works with sqs and https only", what);
        load_filter_policy(r, &ss, sub);
    }
}

static void load_encryption(struct rd *r, const struct sect *ts, struct spec_encryption *e)
{
    static const struct rd_choice choices[] = {
        {"sse-kms", SPEC_SSE_KMS, 0},
        {"none", SPEC_SSE_NONE, 0},
        {"false", SPEC_SSE_NONE, 1},
        {NULL, 0, 0},
    };
    static const char *const keys[] = {"type", "kms_key", NULL};
    const struct ypair *p = rd_get(ts, "encryption");
    e->type = SPEC_SSE_NONE;
    e->kms_key.v = "";
    if (!p)
        return;
    char desc[256];
    int v;
    rd_field(ts, "encryption", desc, sizeof desc);
    if (p->value->kind != YNODE_MAP) {
        if (rd_enum_node(r, p->value, rd_value_loc(p), desc, choices, &v) == 1)
            e->type = (enum spec_sse)v;
    } else {
        struct sect es;
        rd_section(r, p, desc, keys, &es);
        if (rd_require(r, &es, "type") == 0 && rd_enum(r, &es, "type", choices, &v) == 1)
            e->type = (enum spec_sse)v;
        if (rd_str(r, &es, "kms_key", RD_NONEMPTY, &e->kms_key) == 1 && e->type != SPEC_SSE_KMS)
            rd_err(r, e->kms_key.loc, "'kms_key' in %s needs 'type: sse-kms'", desc);
    }
    /* SNS has no service-owned key: sse-kms without a key means the AWS managed one. */
    if (e->type == SPEC_SSE_KMS && !spec_str_set(e->kms_key))
        e->kms_key = (struct spec_str){.v = "alias/aws/sns", .loc = p->key->loc};
}

static void load_topic(struct rd *r, const struct ypair *p, struct spec_topic *t)
{
    static const char *const keys[] = {"name", "subscriptions", "encryption", "tags", NULL};
    struct spec *s = r->s;
    char what[160];
    struct sect ts;
    rd_id(r, p->key, "topic", &t->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, t->id.v), t->id.loc, &t->name);
    t->encryption.kms_key.v = "";
    snprintf(what, sizeof what, "topic '%s'", t->id.v);
    if (rd_section(r, p, what, keys, &ts) < 0)
        return;
    rd_str(r, &ts, "name", RD_NONEMPTY, &t->name);
    load_subscriptions(r, &ts, t);
    load_encryption(r, &ts, &t->encryption);
    rd_tags(r, &ts, "tags", &t->tags);
    load_merge_tags(r, &t->tags);
}

void load_topics(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_topics = rd_resources(r, root, "topics", "'topics'", sizeof *r->s->topics, &array, &pairs);
    r->s->topics = array;
    for (size_t i = 0; i < r->s->n_topics; i++)
        load_topic(r, &pairs[i], &r->s->topics[i]);
}

/* ---- schedules ---- */

static void load_schedule(struct rd *r, const struct ypair *p, struct spec_schedule *c)
{
    static const char *const keys[] = {
        "name", "expression", "target", "via", "timezone", "enabled", "role", "tags", NULL,
    };
    static const struct rd_choice vias[] = {
        {"scheduler", SPEC_VIA_SCHEDULER, 0},
        {"glue-trigger", SPEC_VIA_GLUE_TRIGGER, 0},
        {NULL, 0, 0},
    };
    struct spec *s = r->s;
    char what[160];
    struct sect cs;
    rd_id(r, p->key, "schedule", &c->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, c->id.v), c->id.loc, &c->name);
    c->expression.v = c->target.ref.v = c->role.arn.v = c->role.name.v = "";
    c->timezone.v = "UTC";
    c->enabled = 1;
    snprintf(what, sizeof what, "schedule '%s'", c->id.v);
    if (rd_section(r, p, what, keys, &cs) < 0)
        return;
    rd_str(r, &cs, "name", RD_NONEMPTY, &c->name);
    int v;
    char desc[300];
    if (rd_enum(r, &cs, "via", vias, &v) == 1)
        c->via = (enum spec_schedule_via)v;
    if (rd_require(r, &cs, "expression") == 0 &&
        rd_str(r, &cs, "expression", RD_NONEMPTY, &c->expression) == 1)
        check_schedule_expr(r, rd_node(&cs, "expression"), &c->expression,
                            c->via == SPEC_VIA_SCHEDULER, rd_field(&cs, "expression", desc, sizeof desc));
    if (rd_require(r, &cs, "target") == 0 && rd_str(r, &cs, "target", RD_NONEMPTY, &c->target.ref) == 1)
        ref_action(r, rd_node(&cs, "target"), &c->target, rd_field(&cs, "target", desc, sizeof desc));
    if (rd_str(r, &cs, "timezone", RD_NONEMPTY, &c->timezone) == 1 && c->via == SPEC_VIA_GLUE_TRIGGER)
        rd_err(r, c->timezone.loc, "'timezone' in %s needs 'via: scheduler'; glue triggers run "
               "in UTC", what);
    rd_bool(r, &cs, "enabled", &c->enabled);
    if (c->via == SPEC_VIA_GLUE_TRIGGER) {
        if (rd_get(&cs, "role"))
            rd_err(r, rd_value_loc(rd_get(&cs, "role")), "'role' in %s needs 'via: scheduler'; "
                   "glue triggers need no role", what);
    } else {
        load_role(r, &cs, "schedule", &c->id, &c->role);
    }
    rd_tags(r, &cs, "tags", &c->tags);
    load_merge_tags(r, &c->tags);
}

void load_schedules(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_schedules = rd_resources(r, root, "schedules", "'schedules'", sizeof *r->s->schedules, &array, &pairs);
    r->s->schedules = array;
    for (size_t i = 0; i < r->s->n_schedules; i++)
        load_schedule(r, &pairs[i], &r->s->schedules[i]);
}

/* ---- workflows ---- */

static void load_steps(struct rd *r, const struct sect *ws, struct spec_workflow *w)
{
    const struct ypair *p = rd_get(ws, "steps");
    char desc[256], got[64];
    if (rd_require(r, ws, "steps") < 0)
        return;
    rd_field(ws, "steps", desc, sizeof desc);
    const struct ynode *v = p->value;
    if (v->kind != YNODE_SEQ || v->n_items == 0) {
        rd_err(r, rd_value_loc(p), "%s must be a list of job.<id> or crawler.<id> (or lists of "
               "them, run in parallel), not %s", desc,
               v->kind == YNODE_SEQ ? "an empty list" : ynode_describe(v, got, sizeof got));
        return;
    }
    w->steps = spec_alloc_array(r->s, v->n_items, sizeof *w->steps);
    if (!w->steps) {
        r->oom = 1;
        return;
    }
    w->n_steps = v->n_items;
    for (size_t i = 0; i < v->n_items; i++) {
        const struct ynode *step = v->items[i];
        size_t n = step->kind == YNODE_SEQ ? step->n_items : 1;
        struct spec_workflow_step *st = &w->steps[i];
        if (step->kind == YNODE_MAP || n == 0) {
            rd_err(r, step->loc, "step %zu in %s must be job.<id>, crawler.<id> or a list of them, "
                   "not %s", i + 1, desc, n ? "a mapping" : "an empty list");
            continue;
        }
        st->actions = spec_alloc_array(r->s, n, sizeof *st->actions);
        if (!st->actions) {
            r->oom = 1;
            return;
        }
        st->n_actions = n;
        for (size_t j = 0; j < n; j++) {
            const struct ynode *a = step->kind == YNODE_SEQ ? step->items[j] : step;
            st->actions[j].ref.v = "";
            if (rd_str_node(r, a, a->loc, desc, RD_NONEMPTY, &st->actions[j].ref) == 1)
                ref_action(r, a, &st->actions[j], desc);
        }
    }
}

static void load_workflow(struct rd *r, const struct ypair *p, struct spec_workflow *w)
{
    static const char *const keys[] = {"name", "schedule", "steps", "tags", NULL};
    struct spec *s = r->s;
    char what[160];
    struct sect ws;
    rd_id(r, p->key, "workflow", &w->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, w->id.v), w->id.loc, &w->name);
    w->schedule.v = "";
    snprintf(what, sizeof what, "workflow '%s'", w->id.v);
    if (rd_section(r, p, what, keys, &ws) < 0)
        return;
    rd_str(r, &ws, "name", RD_NONEMPTY, &w->name);
    char desc[300];
    if (rd_str(r, &ws, "schedule", RD_NONEMPTY, &w->schedule) == 1)
        check_schedule_expr(r, rd_node(&ws, "schedule"), &w->schedule, 0,
                            rd_field(&ws, "schedule", desc, sizeof desc));
    load_steps(r, &ws, w);
    rd_tags(r, &ws, "tags", &w->tags);
    load_merge_tags(r, &w->tags);
}

void load_workflows(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_workflows = rd_resources(r, root, "workflows", "'workflows'", sizeof *r->s->workflows, &array, &pairs);
    r->s->workflows = array;
    for (size_t i = 0; i < r->s->n_workflows; i++)
        load_workflow(r, &pairs[i], &r->s->workflows[i]);
}
