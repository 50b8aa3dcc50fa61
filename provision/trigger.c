/* trigger.c — Glue triggers: properties, create, delete, start and stop. */
#include "provision/trigger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/aws/buf.h"
#include "provision/glue.h"

static const char *ref_name(const struct spec_ref *r)
{
    return r->kind == SPEC_REF_JOB ? r->job->name.v : r->crawler->name.v;
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->name, ((const struct kv *)b)->name);
}

/* "job:NAME" or "crawler:NAME", with " STATE" for a condition, as one item of a list. */
static int ref_item(struct kvlist *items, int job, const char *name, const char *state)
{
    char text[600];
    int w = snprintf(text, sizeof text, "%s:%s%s%s", job ? "job" : "crawler", name, state ? " " : "",
                     state ? state : "");
    return w < 0 || (size_t)w >= sizeof text ? -1 : kvlist_add(items, text, "");
}

/* The items sorted and joined with ", " (order carries no meaning in Actions or Conditions),
 * into out; the list is released. */
static int join_sorted(struct kvlist *items, int rc, struct buf *out)
{
    if (items->len > 1)   /* qsort of no items would be given a NULL array */
        qsort(items->items, items->len, sizeof *items->items, cmp_item);
    for (size_t i = 0; rc == 0 && i < items->len; i++)
        rc = buf_appendf(out, "%s%s", i ? ", " : "", items->items[i].name);
    kvlist_release(items);
    return rc;
}

static int refs_text(const struct spec_ref *refs, size_t n, const char *state, struct buf *out)
{
    struct kvlist items;
    int rc = 0;
    kvlist_init(&items);
    for (size_t i = 0; i < n; i++)
        rc |= ref_item(&items, refs[i].kind == SPEC_REF_JOB, ref_name(&refs[i]), state);
    return join_sorted(&items, rc, out);
}

static int prop(struct kvlist *props, const char *prefix, const char *name, const char *value)
{
    char path[600];
    int w = snprintf(path, sizeof path, "%s%s", prefix, name);
    return w < 0 || (size_t)w >= sizeof path ? -1 : kvlist_add(props, path, value);
}

int trigger_desired(const struct trigger_def *t, const char *prefix, struct kvlist *props)
{
    struct buf text;
    buf_init(&text, 0);
    int rc = prop(props, prefix, "type", t->type);
    if (strcmp(t->type, "SCHEDULED") == 0)
        rc |= prop(props, prefix, "schedule", t->schedule);
    rc |= refs_text(t->actions, t->n_actions, NULL, &text) | prop(props, prefix, "actions", buf_cstr(&text));
    if (strcmp(t->type, "CONDITIONAL") == 0) {
        buf_reset(&text);
        rc |= refs_text(t->after, t->n_after, "SUCCEEDED", &text) |
              prop(props, prefix, "when", buf_cstr(&text));
    }
    if (strcmp(t->type, "ON_DEMAND") != 0)
        rc |= prop(props, prefix, "enabled", res_bool(t->enabled));
    buf_release(&text);
    return rc ? -1 : 0;
}

/* The items of an Actions or Conditions list as the declared ones are written. */
static int answer_refs(const cJSON *list, int conditions, struct buf *out)
{
    struct kvlist items;
    const cJSON *e;
    int rc = 0;
    kvlist_init(&items);
    cJSON_ArrayForEach(e, list) {
        const char *job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "JobName"));
        const char *crawler = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "CrawlerName"));
        const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, job ? "State" : "CrawlState"));
        rc |= ref_item(&items, job != NULL, job ? job : crawler ? crawler : "?",
                       conditions ? (state ? state : "?") : NULL);
    }
    return join_sorted(&items, rc, out);
}

int trigger_actual(const cJSON *trigger, const char *workflow, const char *prefix, struct kvlist *props)
{
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(trigger, "Type"));
    const char *schedule = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(trigger, "Schedule"));
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(trigger, "State"));
    const char *in = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(trigger, "WorkflowName"));
    struct buf text;
    int rc = 0;
    buf_init(&text, 0);
    type = type ? type : "?";
    rc |= prop(props, prefix, "type", type);
    if (schedule && strcmp(type, "SCHEDULED") == 0)
        rc |= prop(props, prefix, "schedule", schedule);
    rc |= answer_refs(cJSON_GetObjectItemCaseSensitive(trigger, "Actions"), 0, &text) |
          prop(props, prefix, "actions", buf_cstr(&text));
    if (strcmp(type, "CONDITIONAL") == 0) {
        const cJSON *pred = cJSON_GetObjectItemCaseSensitive(trigger, "Predicate");
        const char *logical = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pred, "Logical"));
        const cJSON *conds = cJSON_GetObjectItemCaseSensitive(pred, "Conditions");
        buf_reset(&text);
        /* "any of" is not what a step means: show it, so it is repaired. */
        if (logical && strcmp(logical, "ANY") == 0 && cJSON_GetArraySize(conds) > 1)
            rc |= buf_appends(&text, "any of: ");
        rc |= answer_refs(conds, 1, &text) | prop(props, prefix, "when", buf_cstr(&text));
    }
    if (strcmp(type, "ON_DEMAND") != 0)
        rc |= prop(props, prefix, "enabled",
                   res_bool(state && (strcmp(state, "ACTIVATED") == 0 || strcmp(state, "ACTIVATING") == 0)));
    if (in && in[0] && (!workflow || strcmp(in, workflow) != 0))
        rc |= prop(props, prefix, "workflow", in);
    buf_release(&text);
    return rc ? -1 : 0;
}

static cJSON *ref_object(const struct spec_ref *r, const char *state)
{
    cJSON *o = cJSON_CreateObject();
    int job = r->kind == SPEC_REF_JOB;
    if (state)
        cJSON_AddStringToObject(o, "LogicalOperator", "EQUALS");
    cJSON_AddStringToObject(o, job ? "JobName" : "CrawlerName", ref_name(r));
    if (state)
        cJSON_AddStringToObject(o, job ? "State" : "CrawlState", state);
    return o;
}

int trigger_create(struct aws_client *c, const struct resource *r, const struct trigger_def *t,
                   struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "Name", t->name);
    cJSON_AddStringToObject(in, "Type", t->type);
    if (t->workflow)
        cJSON_AddStringToObject(in, "WorkflowName", t->workflow);
    if (strcmp(t->type, "SCHEDULED") == 0)
        cJSON_AddStringToObject(in, "Schedule", t->schedule);
    cJSON *actions = cJSON_AddArrayToObject(in, "Actions");
    for (size_t i = 0; i < t->n_actions; i++)
        cJSON_AddItemToArray(actions, ref_object(&t->actions[i], NULL));
    if (strcmp(t->type, "CONDITIONAL") == 0) {
        cJSON *pred = cJSON_AddObjectToObject(in, "Predicate");
        cJSON_AddStringToObject(pred, "Logical", "AND");
        cJSON *conds = cJSON_AddArrayToObject(pred, "Conditions");
        for (size_t i = 0; i < t->n_after; i++)
            cJSON_AddItemToArray(conds, ref_object(&t->after[i], "SUCCEEDED"));
    }
    /* ON_DEMAND triggers are never started: starting one runs its actions. */
    if (strcmp(t->type, "ON_DEMAND") != 0)
        cJSON_AddBoolToObject(in, "StartOnCreation", t->enabled);
    cJSON_AddItemToObject(in, "Tags", glue_tags_object(r));
    char desc[300];
    snprintf(desc, sizeof desc, "pipewright %s of stack %s (%s)", r->address, r->stack->name,
             r->stack->env);
    cJSON_AddStringToObject(in, "Description", desc);
    if (glue_call(c, "CreateTrigger", in, NULL, err) < 0) {
        if (strcmp(err->code, "AlreadyExistsException") == 0 || strcmp(err->code, "IdempotentParameterMismatchException") == 0)
            pw_error_prefix(err, "a trigger named '%s' exists outside what pipewright manages; "
                            "rename or delete it", t->name);
        return -1;
    }
    return 0;
}

int trigger_delete(struct aws_client *c, const char *name, struct pw_error *err)
{
    if (glue_named_call(c, "DeleteTrigger", name, err) < 0) {
        if (!glue_missing(err))
            return -1;
        pw_error_clear(err);
    }
    return 0;
}

int trigger_set_enabled(struct aws_client *c, const char *name, int enabled, struct pw_error *err)
{
    return glue_named_call(c, enabled ? "StartTrigger" : "StopTrigger", name, err);
}
