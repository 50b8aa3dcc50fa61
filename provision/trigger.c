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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Joins items (sorted) with ", " into out. */
static int join_sorted(char **items, size_t n, struct buf *out)
{
    qsort(items, n, sizeof *items, cmp_str);
    for (size_t i = 0; i < n; i++)
        if (buf_appendf(out, "%s%s", i ? ", " : "", items[i]) < 0)
            return -1;
    return 0;
}

/* "job:NAME" or "crawler:NAME" [+ " SUCCEEDED"] for each reference, sorted and joined. */
static int refs_text(const struct spec_ref *refs, size_t n, const char *suffix, struct buf *out)
{
    char **items = calloc(n ? n : 1, sizeof *items);
    int rc = items ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct buf one;
        buf_init(&one, 0);
        rc = buf_appendf(&one, "%s:%s%s", refs[i].kind == SPEC_REF_JOB ? "job" : "crawler",
                         ref_name(&refs[i]), suffix);
        items[i] = buf_detach(&one);
        if (!items[i])
            rc = -1;
    }
    if (rc == 0)
        rc = join_sorted(items, n, out);
    for (size_t i = 0; items && i < n; i++)
        free(items[i]);
    free(items);
    return rc;
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
    rc |= refs_text(t->actions, t->n_actions, "", &text) | prop(props, prefix, "actions", buf_cstr(&text));
    if (strcmp(t->type, "CONDITIONAL") == 0) {
        buf_reset(&text);
        rc |= refs_text(t->after, t->n_after, " SUCCEEDED", &text) |
              prop(props, prefix, "when", buf_cstr(&text));
    }
    if (strcmp(t->type, "ON_DEMAND") != 0)
        rc |= prop(props, prefix, "enabled", res_bool(t->enabled));
    buf_release(&text);
    return rc ? -1 : 0;
}

/* The "job:NAME"/"crawler:NAME" items of an Actions or Conditions list; the state of a
 * condition is appended ("job:x SUCCEEDED"). Sorted and joined like the declared ones. */
static int answer_refs(const cJSON *list, int conditions, struct buf *out)
{
    size_t n = (size_t)cJSON_GetArraySize(list), k = 0;
    char **items = calloc(n ? n : 1, sizeof *items);
    const cJSON *e;
    int rc = items ? 0 : -1;
    cJSON_ArrayForEach(e, list) {
        const char *job = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "JobName"));
        const char *crawler = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "CrawlerName"));
        const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, job ? "State" : "CrawlState"));
        struct buf one;
        if (rc < 0 || k == n)
            break;
        buf_init(&one, 0);
        rc = buf_appendf(&one, "%s:%s", job ? "job" : "crawler", job ? job : crawler ? crawler : "?");
        if (rc == 0 && conditions)
            rc = buf_appendf(&one, " %s", state ? state : "?");
        if (!(items[k++] = buf_detach(&one)))
            rc = -1;
    }
    if (rc == 0)
        rc = join_sorted(items, k, out);
    for (size_t i = 0; items && i < k; i++)
        free(items[i]);
    free(items);
    return rc;
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
    cJSON_AddItemToObject(in, "Tags", glue_tags(r));
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

static int named_call(struct aws_client *c, const char *operation, const char *name, struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "Name", name);
    return glue_call(c, operation, in, NULL, err);
}

int trigger_delete(struct aws_client *c, const char *name, struct pw_error *err)
{
    if (named_call(c, "DeleteTrigger", name, err) < 0) {
        if (!glue_missing(err))
            return -1;
        pw_error_clear(err);
    }
    return 0;
}

int trigger_set_enabled(struct aws_client *c, const char *name, int enabled, struct pw_error *err)
{
    return named_call(c, enabled ? "StartTrigger" : "StopTrigger", name, err);
}
