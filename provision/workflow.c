/* workflow.c — Glue workflows: the workflow and its triggers, one per step. The first step's
 * trigger ("<workflow>-start") is SCHEDULED on the workflow's cron, or ON_DEMAND without one;
 * step N's ("<workflow>-step-N") is CONDITIONAL: it fires when every action of step N-1
 * succeeded. The hourly crawler -> job -> crawler chain is three steps.
 *
 * Properties: tags[KEY] (the workflow's), and trigger[NAME].{type,schedule,actions,when,enabled}
 * for each trigger of ours (trigger.h). The triggers of the workflow are found by listing the
 * account's triggers (GetTriggers) and keeping those whose WorkflowName is ours: moto answers
 * GetWorkflow without its graph, and the listing also finds a declared trigger name that
 * lives outside the workflow. A trigger is ours when it is in the workflow and carries the
 * stack's tag; anything else is never touched (a declared name taken by it is a conflict up
 * refuses, naming it). A trigger that differs is deleted and created again (trigger.h says
 * why). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/stack.h"
#include "provision/trigger.h"

/* Trigger names: Glue names are up to 255 characters, a workflow's as many; the suffix
 * makes it longer, which CreateTrigger refuses with a clear message. */
static int trigger_name(const char *workflow, size_t step, char *out, size_t n)
{
    int w = step == 0 ? snprintf(out, n, "%s-start", workflow) : snprintf(out, n, "%s-step-%zu", workflow, step + 1);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* The trigger of step i; name is the caller's buffer. */
static void step_trigger(const struct resource *r, size_t i, char *name, size_t n, struct trigger_def *t)
{
    const struct spec_workflow *w = r->decl;
    trigger_name(r->name, i, name, n);
    *t = (struct trigger_def){.name = name, .workflow = r->name, .actions = w->steps[i].actions,
                              .n_actions = w->steps[i].n_actions, .enabled = 1};
    if (i > 0) {
        t->type = "CONDITIONAL";
        t->after = w->steps[i - 1].actions;
        t->n_after = w->steps[i - 1].n_actions;
    } else if (spec_str_set(w->schedule)) {
        t->type = "SCHEDULED";
        t->schedule = w->schedule.v;
    } else {
        t->type = "ON_DEMAND";
    }
}

static int workflow_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_workflow *w = r->decl;
    char name[300], prefix[320];
    struct trigger_def t;
    int rc = 0;
    for (size_t i = 0; i < w->n_steps; i++) {
        step_trigger(r, i, name, sizeof name, &t);
        snprintf(prefix, sizeof prefix, "trigger[%s].", name);
        rc |= trigger_desired(&t, prefix, props);
    }
    rc |= res_desired_tags(r, props);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "workflow '%s': out of memory", r->name) : 0;
}

/* --- reading ------------------------------------------------------------------------------ */

static int declared_trigger(const struct resource *r, const char *name)
{
    const struct spec_workflow *w = r->decl;
    char mine[300];
    for (size_t i = 0; w && i < w->n_steps; i++)
        if (trigger_name(r->name, i, mine, sizeof mine) == 0 && strcmp(mine, name) == 0)
            return 1;
    return 0;
}

/* Keeps (a copy of) each trigger of a GetTriggers page that is in the workflow or has a
 * declared name. */
static int keep_triggers(const struct resource *r, const cJSON *page, cJSON *kept)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(page, "Triggers")) {
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Name"));
        const char *in = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "WorkflowName"));
        if (name && ((in && strcmp(in, r->name) == 0) || declared_trigger(r, name)) &&
            !cJSON_AddItemToArray(kept, cJSON_Duplicate(t, 1)))
            return -1;
    }
    return 0;
}

/* Every page of GetTriggers, the kept triggers into kept. */
static int list_triggers(struct aws_client *c, const struct resource *r, cJSON *kept, struct pw_error *err)
{
    char *token = NULL;
    int rc = 0;
    do {
        cJSON *in = cJSON_CreateObject(), *page = NULL;
        if (in && token)
            cJSON_AddStringToObject(in, "NextToken", token);
        free(token);
        token = NULL;
        if (glue_call(c, "GetTriggers", in, &page, err) < 0)
            return -1;
        if (keep_triggers(r, page, kept) < 0)
            rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
        const char *next = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(page, "NextToken"));
        if (rc == 0 && next && next[0] && !(token = strdup(next)))
            rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
        cJSON_Delete(page);
    } while (rc == 0 && token);
    free(token);
    return rc;
}

/* Sorts the kept triggers: a trigger of the workflow that carries the stack's tag is ours (its
 * properties, and ids "trigger[NAME]"); one without it is someone else's, left out, unless it
 * has a declared name; a declared name outside the workflow, or someone else's, is a conflict
 * (ids "conflict[NAME]" = where it is), which up refuses to touch. */
static int sort_triggers(struct aws_client *c, const struct resource *r, const cJSON *kept,
                         struct res_actual *a, struct pw_error *err)
{
    size_t n = (size_t)cJSON_GetArraySize(kept), k = 0;
    struct json_call *calls = calloc(n ? n : 1, sizeof *calls);
    char path[320], arn[400], where[400];
    const cJSON *t;
    int rc = calls ? 0 : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_ArrayForEach(t, kept) {
        if (rc < 0)
            break;
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Name"));
        calls[k].operation = "GetTags";
        calls[k].input = cJSON_CreateObject();
        if (glue_arn(r->stack, "trigger", name, arn, sizeof arn) < 0 || !calls[k].input)
            rc = pw_fail(err, PW_EXIT_FAILED, "trigger '%s': out of memory or ARN too long", name);
        else
            cJSON_AddStringToObject(calls[k].input, "ResourceArn", arn);
        k++;
    }
    if (rc == 0)
        json_calls_run(c, "glue", calls, n);
    k = 0;
    cJSON_ArrayForEach(t, kept) {
        if (rc < 0)
            break;
        const struct json_call *tc = &calls[k++];
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Name"));
        const char *in = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "WorkflowName"));
        if (tc->rc < 0) {
            if (glue_missing(&tc->err))
                continue;   /* deleted since the listing */
            *err = tc->err;
            rc = -1;
            break;
        }
        const char *stack = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(tc->output, "Tags"), PW_TAG_STACK));
        int in_ours = in && strcmp(in, r->name) == 0, tagged = stack && strcmp(stack, r->stack->name) == 0;
        int bad = 0;
        if (in_ours && tagged) {
            snprintf(path, sizeof path, "trigger[%s]", name);
            bad |= kvlist_add(&a->ids, path, in);
            snprintf(path, sizeof path, "trigger[%s].", name);
            bad |= trigger_actual(t, r->name, path, &a->props);
        } else if (declared_trigger(r, name)) {
            if (in_ours)
                snprintf(where, sizeof where, "in it without the tag %s=%s", PW_TAG_STACK, r->stack->name);
            else if (in)
                snprintf(where, sizeof where, "in workflow '%s'", in);
            else
                snprintf(where, sizeof where, "outside any workflow");
            snprintf(path, sizeof path, "conflict[%s]", name);
            bad |= kvlist_add(&a->ids, path, where);
        }
        if (bad)
            rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    for (size_t i = 0; calls && i < n; i++)
        cJSON_Delete(calls[i].input);
    json_calls_release(calls, n);
    free(calls);
    return rc;
}

static int workflow_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                         struct pw_error *err)
{
    char arn[400];
    cJSON *tags = NULL;
    if (glue_arn(r->stack, "workflow", r->name, arn, sizeof arn) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "workflow '%s': ARN too long", r->name);
    if (glue_named_call(c, "GetWorkflow", r->name, err) < 0) {
        if (!glue_missing(err))
            return -1;
        pw_error_clear(err);
        a->presence = RES_MISSING;
        return 0;
    }
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "ResourceArn", arn);
    if (glue_call(c, "GetTags", in, &tags, err) < 0)
        return -1;
    cJSON *kept = cJSON_CreateArray();
    int rc = glue_actual_tags(r, cJSON_GetObjectItemCaseSensitive(tags, "Tags"), a) < 0 || kvlist_add(&a->ids, "arn", arn) < 0 || !kept
                 ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
    cJSON_Delete(tags);
    if (rc == 0 && list_triggers(c, r, kept, err) == 0)
        rc = sort_triggers(c, r, kept, a, err);
    else
        rc = -1;
    cJSON_Delete(kept);
    return rc;
}

/* --- changing ----------------------------------------------------------------------------- */

/* Declared triggers that exist outside the workflow are someone else's: up never touches
 * them, and says which. */
static int refuse_conflicts(const struct resource *r, const struct res_actual *a, struct pw_error *err)
{
    char name[300];
    for (size_t i = 0; i < a->ids.len; i++)
        if (res_path_member(a->ids.items[i].name, "conflict", name, sizeof name))
            return pw_fail(err, PW_EXIT_FAILED, "the trigger '%s' that workflow '%s' needs exists %s; "
                           "pipewright never changes it: rename or delete it", name, r->name,
                           a->ids.items[i].value);
    return 0;
}

static int create_triggers(struct aws_client *c, const struct resource *r, const struct res_diff *d,
                           struct pw_error *err)
{
    const struct spec_workflow *w = r->decl;
    char name[300], member[300];
    struct trigger_def t;
    for (size_t i = 0; i < w->n_steps; i++) {
        step_trigger(r, i, name, sizeof name, &t);
        int touched = !d;
        for (size_t k = 0; d && !touched && k < d->len; k++)
            touched = res_path_member(d->items[k].path, "trigger", member, sizeof member) &&
                      strcmp(member, name) == 0;
        if (touched && trigger_create(c, r, &t, err) < 0)
            return -1;
    }
    return 0;
}

/* Before anything is created: a declared trigger name that exists already is someone else's
 * (the workflow does not exist yet), and CreateTrigger must not take it over (moto would
 * silently replace it). */
static int refuse_taken_names(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    const struct spec_workflow *w = r->decl;
    char name[300];
    cJSON *in = cJSON_CreateObject(), *out = NULL;
    cJSON *names = cJSON_AddArrayToObject(in, "TriggerNames");
    for (size_t i = 0; names && i < w->n_steps; i++)
        if (trigger_name(r->name, i, name, sizeof name) == 0)
            cJSON_AddItemToArray(names, cJSON_CreateString(name));
    if (glue_call(c, "BatchGetTriggers", in, &out, err) < 0)
        return -1;
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(out, "Triggers"), 0);
    const char *taken = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Name"));
    const char *in_wf = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "WorkflowName"));
    int rc = taken ? pw_fail(err, PW_EXIT_FAILED, "the trigger '%s' that workflow '%s' needs exists %s%s%s; "
                             "pipewright never changes it: rename or delete it", taken, r->name,
                             in_wf ? "in workflow '" : "outside any workflow", in_wf ? in_wf : "",
                             in_wf ? "'" : "")
                   : 0;
    cJSON_Delete(out);
    return rc;
}

static int workflow_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                           struct pw_error *err)
{
    char desc[300];
    (void)desired;
    if (refuse_taken_names(c, r, err) < 0)
        return -1;
    cJSON *in = cJSON_CreateObject();
    snprintf(desc, sizeof desc, "pipewright %s of stack %s (%s)", r->address, r->stack->name, r->stack->env);
    cJSON_AddStringToObject(in, "Name", r->name);
    cJSON_AddStringToObject(in, "Description", desc);
    cJSON_AddItemToObject(in, "Tags", glue_tags_object(r));
    /* Tagged as it is created: never a moment when it looks foreign. */
    if (glue_call(c, "CreateWorkflow", in, NULL, err) < 0)
        return -1;
    return create_triggers(c, r, NULL, err);
}

/* The names of our triggers a diff touches (a trigger is replaced whole). */
static int touched_ours(const struct res_actual *a, const struct res_diff *d, const char *name)
{
    char member[300], path[320];
    snprintf(path, sizeof path, "trigger[%s]", name);
    if (!kvlist_get(&a->ids, path))
        return 0;
    for (size_t k = 0; k < d->len; k++)
        if (res_path_member(d->items[k].path, "trigger", member, sizeof member) && strcmp(member, name) == 0)
            return 1;
    return 0;
}

static int workflow_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    char name[300];
    (void)desired;
    if (refuse_conflicts(r, a, err) < 0)
        return -1;
    if (!arn)
        return pw_fail(err, PW_EXIT_FAILED, "workflow '%s': its ARN is unknown", r->name);
    /* Tags first, on the workflow and on each of its triggers, which carry the same. */
    if (res_diff_touches(d, "tags")) {
        if (glue_update_tags(c, arn, d, err) < 0)
            return -1;
        for (size_t i = 0; i < a->ids.len; i++) {
            char tarn[400];
            if (!res_path_member(a->ids.items[i].name, "trigger", name, sizeof name) || touched_ours(a, d, name) ||
                glue_arn(r->stack, "trigger", name, tarn, sizeof tarn) < 0)
                continue;
            if (glue_update_tags(c, tarn, d, err) < 0)
                return -1;
        }
    }
    /* Every trigger of ours that differs (or is no longer declared) goes; the declared ones
     * that differ or are missing are created. */
    for (size_t i = 0; i < a->ids.len; i++)
        if (res_path_member(a->ids.items[i].name, "trigger", name, sizeof name) && touched_ours(a, d, name) &&
            trigger_delete(c, name, err) < 0)
            return -1;
    return create_triggers(c, r, d, err);
}

static int workflow_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            struct pw_error *err)
{
    char name[300];
    for (size_t i = 0; i < a->ids.len; i++)
        if (res_path_member(a->ids.items[i].name, "trigger", name, sizeof name) && trigger_delete(c, name, err) < 0)
            return -1;
    if (glue_named_call(c, "DeleteWorkflow", r->name, err) < 0) {
        if (!glue_missing(err))
            return -1;
        pw_error_clear(err);
    }
    return 0;
}

/* "arn:aws:glue:eu-west-1:123456789012:workflow/NAME" */
static int workflow_name_from_arn(const char *arn, char *name, size_t n)
{
    const char *res = res_arn_resource(arn, "glue");
    if (!res || strncmp(res, "workflow/", 9) != 0 || !res[9] || strlen(res + 9) >= n)
        return 0;
    snprintf(name, n, "%s", res + 9);
    return 1;
}

const struct res_kind res_kind_workflow = {
    .name = "workflow",
    .noun = "Glue workflow",
    .level = RES_LEVEL_SCHEDULES,
    .supported = 1,
    .desired = workflow_desired,
    .read = workflow_read,
    .mode = NULL,
    .create = workflow_create,
    .update = workflow_update,
    .destroy = workflow_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = "glue:workflow",
    .name_from_arn = workflow_name_from_arn,
};
