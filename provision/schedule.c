/* schedule.c — schedules that start a Glue job or crawler: EventBridge Scheduler schedules
 * (via: scheduler, the default) and Glue scheduled triggers (via: glue-trigger, trigger.c).
 *
 * Scheduler tags only schedule groups, never schedules (its TagResource takes a group ARN).
 * So each schedule lives in a schedule group of its own, of the same name, which carries the
 * tags: ownership, the declared tags and drift of them are the group's. The role the schedule
 * assumes trusts exactly that group (templates/iam/trust-scheduler.json).
 *
 * Scheduler properties: expression, timezone, enabled, flexible_window (off), target (the
 * universal target arn:aws:scheduler:::aws-sdk:glue:startJobRun or :startCrawler),
 * target.input (its normalised JSON input: {"JobName": ...} or {"Name": ...}), target.role,
 * tags[KEY]. Glue trigger properties: trigger.h's, without a prefix, and tags[KEY].
 *
 * Neither kind of schedule is found as an orphan: Scheduler and standalone Glue triggers are
 * not looked up through the Resource Groups Tagging API (docs/spec.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/role.h"
#include "provision/stack.h"
#include "provision/trigger.h"

#define SCHEDULER "scheduler"

static int via_scheduler(const struct resource *r)
{
    const struct spec_schedule *s = r->decl;
    return s->via == SPEC_VIA_SCHEDULER;
}

/* --- Scheduler: the declaration -------------------------------------------------------------- */

/* The universal target that starts the job or crawler, and its input. */
static int target_of(const struct resource *r, char *arn, size_t n, char **input)
{
    const struct spec_schedule *s = r->decl;
    int job = s->target.kind == SPEC_REF_JOB;
    cJSON *in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, job ? "JobName" : "Name",
                            job ? s->target.job->name.v : s->target.crawler->name.v);
    char *text = cJSON_PrintUnformatted(in);
    cJSON_Delete(in);
    *input = text ? res_json_normalise(text) : NULL;
    cJSON_free(text);
    int w = snprintf(arn, n, "arn:%s:scheduler:::aws-sdk:glue:%s", r->stack->partition,
                     job ? "startJobRun" : "startCrawler");
    return *input && w > 0 && (size_t)w < n ? 0 : -1;
}

static int scheduler_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_schedule *s = r->decl;
    char target[256], role[400];
    char *input = NULL;
    int rc = target_of(r, target, sizeof target, &input) | role_arn(r->stack, &s->role, role, sizeof role);
    if (rc == 0)
        rc = kvlist_add(props, "expression", s->expression.v) | kvlist_add(props, "timezone", s->timezone.v) |
             kvlist_add(props, "enabled", res_bool(s->enabled)) | kvlist_add(props, "flexible_window", "off") |
             kvlist_add(props, "target", target) | kvlist_add(props, "target.input", input) |
             kvlist_add(props, "target.role", role) | res_desired_tags(r, props);
    free(input);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "schedule '%s': out of memory or a name too long", r->name) : 0;
}

/* --- Scheduler: the wire ------------------------------------------------------------------ */

/* "/schedules/NAME", "/schedule-groups/NAME" or "/tags/ARN", labels encoded. */
static int path_of(struct buf *path, const char *collection, const char *label)
{
    buf_reset(path);
    return buf_appendc(path, '/') | buf_appends(path, collection) | aws_path_label(path, label);
}

static int group_arn(const struct resource *r, char *out, size_t n)
{
    const struct stack *st = r->stack;
    int w = snprintf(out, n, "arn:%s:scheduler:%s:%s:schedule-group/%s", st->partition, st->region,
                     st->account, r->name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int not_found(const struct pw_error *err)
{
    return strcmp(err->code, "ResourceNotFoundException") == 0;
}

/* One Scheduler call on a path built from collection and label; input consumed. */
static int scheduler_call(struct aws_client *c, const char *operation, const char *method,
                          const char *collection, const char *label, const struct kvlist *query,
                          cJSON *input, cJSON **out, struct pw_error *err)
{
    struct buf path;
    cJSON *answer = NULL;
    buf_init(&path, 0);
    int rc = path_of(&path, collection, label) < 0
                 ? pw_fail(err, PW_EXIT_FAILED, "out of memory")
                 : aws_rest_json_call(c, SCHEDULER, operation, method, buf_cstr(&path), query, input,
                                      &answer, err);
    buf_release(&path);
    cJSON_Delete(input);
    if (out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

static cJSON *tag_list(const struct resource *r)
{
    struct kvlist tags;
    cJSON *list = cJSON_CreateArray();
    kvlist_init(&tags);
    if (stack_tags(r, &tags) < 0) {
        cJSON_Delete(list);
        list = NULL;
    }
    for (size_t i = 0; list && i < tags.len; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "Key", tags.items[i].name);
        cJSON_AddStringToObject(t, "Value", tags.items[i].value);
        cJSON_AddItemToArray(list, t);
    }
    kvlist_release(&tags);
    return list;
}

/* --- Scheduler: reading ------------------------------------------------------------------- */

static int scheduler_actual(const struct resource *r, const cJSON *sched, const cJSON *tags,
                            struct res_actual *a)
{
    const cJSON *t;
    int rc = 0;
    a->presence = RES_FOREIGN;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(tags, "Tags")) {
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Key"));
        if (k)
            rc |= res_actual_tag(r, &a->props, k,
                                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Value")),
                                 &a->presence);
    }
    if (!sched)
        return rc ? -1 : 0;
    const cJSON *target = cJSON_GetObjectItemCaseSensitive(sched, "Target");
    const char *mode = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(sched, "FlexibleTimeWindow"), "Mode"));
    const char *state = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sched, "State"));
    const char *tz = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sched, "ScheduleExpressionTimezone"));
    const char *input = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(target, "Input"));
    const char *fields[][2] = {
        {"expression", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sched, "ScheduleExpression"))},
        {"timezone", tz ? tz : "UTC"},   /* Scheduler's default */
        {"enabled", state ? res_bool(strcmp(state, "ENABLED") == 0) : NULL},
        {"flexible_window", mode ? (strcmp(mode, "OFF") == 0 ? "off" : "flexible") : NULL},
        {"target", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(target, "Arn"))},
        {"target.input", NULL},
        {"target.role", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(target, "RoleArn"))},
    };
    char *norm = input ? res_json_normalise(input) : NULL;
    fields[5][1] = norm ? norm : input;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i][1])
            rc |= kvlist_add(&a->props, fields[i][0], fields[i][1]);
    free(norm);
    return rc ? -1 : 0;
}

enum { RD_GROUP, RD_SCHEDULE, RD_TAGS, RD_N };

static int scheduler_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                          struct pw_error *err)
{
    struct json_call calls[RD_N] = {{0}};
    struct buf paths[RD_N];
    struct kvlist query;
    char arn[400];
    int rc = -1, bad = group_arn(r, arn, sizeof arn);
    kvlist_init(&query);
    for (int i = 0; i < RD_N; i++)
        buf_init(&paths[i], 0);
    bad |= kvlist_add(&query, "groupName", r->name);
    bad |= path_of(&paths[RD_GROUP], "schedule-groups", r->name) |
           path_of(&paths[RD_SCHEDULE], "schedules", r->name) | path_of(&paths[RD_TAGS], "tags", arn);
    if (bad) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    /* All three at once: a missing group answers 404 to each. */
    calls[RD_GROUP] = (struct json_call){.operation = "GetScheduleGroup", .method = "GET",
                                         .path = buf_cstr(&paths[RD_GROUP])};
    calls[RD_SCHEDULE] = (struct json_call){.operation = "GetSchedule", .method = "GET",
                                            .path = buf_cstr(&paths[RD_SCHEDULE]), .query = &query};
    calls[RD_TAGS] = (struct json_call){.operation = "ListTagsForResource", .method = "GET",
                                        .path = buf_cstr(&paths[RD_TAGS])};
    json_calls_run(c, SCHEDULER, calls, RD_N);
    if (calls[RD_GROUP].rc < 0) {
        if (not_found(&calls[RD_GROUP].err)) {
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = calls[RD_GROUP].err;
        }
        goto out;
    }
    const char *state = json_str(calls[RD_GROUP].output, "State");
    if (state && strcmp(state, "DELETING") == 0) {   /* going away: as good as gone */
        a->presence = RES_MISSING;
        rc = 0;
        goto out;
    }
    if (calls[RD_TAGS].rc < 0 || (calls[RD_SCHEDULE].rc < 0 && !not_found(&calls[RD_SCHEDULE].err))) {
        *err = calls[RD_TAGS].rc < 0 ? calls[RD_TAGS].err : calls[RD_SCHEDULE].err;
        goto out;
    }
    const cJSON *sched = calls[RD_SCHEDULE].rc == 0 ? calls[RD_SCHEDULE].output : NULL;
    if (scheduler_actual(r, sched, calls[RD_TAGS].output, a) < 0 || kvlist_add(&a->ids, "group", arn) < 0 ||
        (sched && kvlist_add(&a->ids, "schedule", r->name) < 0)) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    /* Our group without its schedule (deleted out of band): the schedule is missing, and up
     * creates it in the group it finds. A foreign group stays foreign. */
    if (!sched && a->presence == RES_OWNED)
        a->presence = RES_MISSING;
    rc = 0;
out:
    json_calls_release(calls, RD_N);
    for (int i = 0; i < RD_N; i++)
        buf_release(&paths[i]);
    kvlist_release(&query);
    return rc;
}

/* --- Scheduler: changing ------------------------------------------------------------------ */

/* The whole definition: CreateSchedule and UpdateSchedule take the same one. */
static cJSON *definition(const struct resource *r, const struct kvlist *desired)
{
    cJSON *in = cJSON_CreateObject(), *target;
    cJSON_AddStringToObject(in, "GroupName", r->name);
    cJSON_AddStringToObject(in, "ScheduleExpression", kvlist_get(desired, "expression"));
    cJSON_AddStringToObject(in, "ScheduleExpressionTimezone", kvlist_get(desired, "timezone"));
    cJSON_AddStringToObject(in, "State", strcmp(kvlist_get(desired, "enabled"), "true") == 0 ? "ENABLED" : "DISABLED");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(in, "FlexibleTimeWindow"), "Mode", "OFF");
    target = cJSON_AddObjectToObject(in, "Target");
    cJSON_AddStringToObject(target, "Arn", kvlist_get(desired, "target"));
    cJSON_AddStringToObject(target, "RoleArn", kvlist_get(desired, "target.role"));
    cJSON_AddStringToObject(target, "Input", kvlist_get(desired, "target.input"));
    char desc[300];
    snprintf(desc, sizeof desc, "pipewright %s of stack %s (%s)", r->address, r->stack->name, r->stack->env);
    cJSON_AddStringToObject(in, "Description", desc);
    return in;
}

struct put_schedule {
    const struct resource *r;
    const struct kvlist *desired;
    const char *operation;      /* CreateSchedule (POST) or UpdateSchedule (PUT) */
};

static int put_schedule(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct put_schedule *p = arg;
    int create = strcmp(p->operation, "CreateSchedule") == 0;
    return scheduler_call(c, p->operation, create ? "POST" : "PUT", "schedules", p->r->name, NULL,
                          definition(p->r, p->desired), NULL, err);
}

/* A new role takes a while to be assumable everywhere: Scheduler refuses it meanwhile. */
static int put_schedule_retrying(struct aws_client *c, const struct resource *r,
                                 const struct kvlist *desired, const char *operation,
                                 struct pw_error *err)
{
    struct put_schedule p = {r, desired, operation};
    return role_retry(c, put_schedule, &p, role_propagation_timeout_ms(r->stack), err);
}

/* Waits until the group is gone (it is deleted asynchronously, with its schedules). */
static int wait_group_gone(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    long deadline = calls_now_ms() + r->stack->wait_timeout_s * 1000L, delay = 200;
    for (;;) {
        if (scheduler_call(c, "GetScheduleGroup", "GET", "schedule-groups", r->name, NULL, NULL, NULL, err) < 0)
            return not_found(err) ? (pw_error_clear(err), 0) : -1;
        if (calls_now_ms() >= deadline)
            return pw_fail(err, PW_EXIT_FAILED, "schedule group '%s' is still being deleted after %ld s",
                           r->name, r->stack->wait_timeout_s);
        calls_sleep_ms(delay);
        delay = delay * 2 > 2000 ? 2000 : delay * 2;
    }
}

/* The group, tagged: created, or (ours, found without its schedule) tagged again. */
static int ensure_group(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    char arn[400];
    cJSON *in = cJSON_CreateObject();
    cJSON_AddItemToObject(in, "Tags", tag_list(r));
    if (scheduler_call(c, "CreateScheduleGroup", "POST", "schedule-groups", r->name, NULL, in, NULL, err) == 0)
        return 0;
    if (strcmp(err->code, "ConflictException") != 0 || group_arn(r, arn, sizeof arn) < 0)
        return -1;
    cJSON *tags = cJSON_CreateObject();
    cJSON_AddItemToObject(tags, "Tags", tag_list(r));
    return scheduler_call(c, "TagResource", "POST", "tags", arn, NULL, tags, NULL, err);
}

static int scheduler_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                            struct pw_error *err)
{
    /* The group first: from then on the schedule is recognisably ours. */
    if (ensure_group(c, r, err) < 0)
        return -1;
    return put_schedule_retrying(c, r, desired, "CreateSchedule", err);
}

static int update_group_tags(struct aws_client *c, const char *arn, const struct res_diff *d,
                             struct pw_error *err)
{
    cJSON *add = cJSON_CreateArray();
    struct kvlist remove;
    char key[400];
    int rc = 0;
    kvlist_init(&remove);
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "Key", key);
            cJSON_AddStringToObject(t, "Value", d->items[i].new);
            cJSON_AddItemToArray(add, t);
        } else {
            rc |= kvlist_add(&remove, "TagKeys", key);
        }
    }
    if (rc == 0 && cJSON_GetArraySize(add)) {
        cJSON *in = cJSON_CreateObject();
        cJSON_AddItemToObject(in, "Tags", add);
        add = NULL;
        rc = scheduler_call(c, "TagResource", "POST", "tags", arn, NULL, in, NULL, err);
    } else if (rc) {
        rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    if (rc == 0 && remove.len)
        rc = scheduler_call(c, "UntagResource", "DELETE", "tags", arn, &remove, NULL, NULL, err);
    cJSON_Delete(add);
    kvlist_release(&remove);
    return rc;
}

static int scheduler_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "group");
    if (!arn)
        return pw_fail(err, PW_EXIT_FAILED, "schedule group '%s': its ARN is unknown", r->name);
    if (res_diff_touches(d, "tags") && update_group_tags(c, arn, d, err) < 0)
        return -1;
    /* Anything else: the whole definition again (Scheduler has no partial update). */
    for (size_t i = 0; i < d->len; i++)
        if (!res_path_under(d->items[i].path, "tags"))
            return put_schedule_retrying(c, r, desired,
                                         kvlist_get(&a->ids, "schedule") ? "UpdateSchedule" : "CreateSchedule",
                                         err);
    return 0;
}

static int scheduler_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                             struct pw_error *err)
{
    struct kvlist query;
    kvlist_init(&query);
    kvlist_add(&query, "groupName", r->name);
    /* The schedule first (at once), then its group (asynchronously), waiting until it is gone
     * so that an up right after a down finds nothing half-deleted. */
    int rc = 0;
    if (kvlist_get(&a->ids, "schedule") &&
        scheduler_call(c, "DeleteSchedule", "DELETE", "schedules", r->name, &query, NULL, NULL, err) < 0 &&
        !not_found(err))
        rc = -1;
    kvlist_release(&query);
    if (rc < 0)
        return -1;
    pw_error_clear(err);
    if (scheduler_call(c, "DeleteScheduleGroup", "DELETE", "schedule-groups", r->name, NULL, NULL, NULL, err) < 0) {
        if (!not_found(err))
            return -1;
        pw_error_clear(err);
        return 0;
    }
    return wait_group_gone(c, r, err);
}

/* --- Glue scheduled triggers --------------------------------------------------------------- */

static void trigger_of(const struct resource *r, struct trigger_def *t)
{
    const struct spec_schedule *s = r->decl;
    *t = (struct trigger_def){.name = r->name, .type = "SCHEDULED", .schedule = s->expression.v,
                              .actions = &s->target, .n_actions = 1, .enabled = s->enabled};
}

static int gtrigger_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    struct trigger_def t;
    trigger_of(r, &t);
    if (trigger_desired(&t, "", props) < 0 || res_desired_tags(r, props) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return 0;
}

static int gtrigger_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                         struct pw_error *err)
{
    char arn[400];
    cJSON *in[2] = {cJSON_CreateObject(), cJSON_CreateObject()};
    struct json_call calls[2] = {{.operation = "GetTrigger", .input = in[0]},
                                 {.operation = "GetTags", .input = in[1]}};
    int rc = -1;
    if (glue_arn(r->stack, "trigger", r->name, arn, sizeof arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "trigger '%s': ARN too long", r->name);
        goto out;
    }
    cJSON_AddStringToObject(in[0], "Name", r->name);
    cJSON_AddStringToObject(in[1], "ResourceArn", arn);
    json_calls_run(c, "glue", calls, 2);
    if (calls[0].rc < 0 || calls[1].rc < 0) {
        const struct pw_error *e = calls[0].rc < 0 ? &calls[0].err : &calls[1].err;
        if (glue_missing(e)) {
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = *e;
        }
        goto out;
    }
    if (glue_actual_tags(r, cJSON_GetObjectItemCaseSensitive(calls[1].output, "Tags"), a) < 0 ||
        trigger_actual(cJSON_GetObjectItemCaseSensitive(calls[0].output, "Trigger"), NULL, "", &a->props) < 0 ||
        kvlist_add(&a->ids, "arn", arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    json_calls_release(calls, 2);
    cJSON_Delete(in[0]);
    cJSON_Delete(in[1]);
    return rc;
}

static int gtrigger_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                           struct pw_error *err)
{
    struct trigger_def t;
    (void)desired;
    trigger_of(r, &t);
    return trigger_create(c, r, &t, err);
}

static int gtrigger_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    size_t other = 0;
    for (size_t i = 0; i < d->len; i++)
        other += !res_path_under(d->items[i].path, "tags") && strcmp(d->items[i].path, "enabled") != 0;
    /* Anything but tags and state: a new trigger (trigger.h says why); it is tagged anew. */
    if (other)
        return trigger_delete(c, r->name, err) < 0 ? -1 : gtrigger_create(c, r, desired, err);
    if (res_diff_touches(d, "tags")) {
        if (!arn)
            return pw_fail(err, PW_EXIT_FAILED, "trigger '%s': its ARN is unknown", r->name);
        if (glue_update_tags(c, arn, d, err) < 0)
            return -1;
    }
    if (res_diff_find(d, "enabled"))
        return trigger_set_enabled(c, r->name, ((const struct spec_schedule *)r->decl)->enabled, err);
    return 0;
}

static int gtrigger_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            struct pw_error *err)
{
    (void)a;
    return trigger_delete(c, r->name, err);
}

/* --- the kind: one or the other ---------------------------------------------------------- */

static int schedule_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    return via_scheduler(r) ? scheduler_desired(r, props, err) : gtrigger_desired(r, props, err);
}

static int schedule_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                         struct pw_error *err)
{
    return via_scheduler(r) ? scheduler_read(c, r, a, err) : gtrigger_read(c, r, a, err);
}

static int schedule_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                           struct pw_error *err)
{
    return via_scheduler(r) ? scheduler_create(c, r, desired, err) : gtrigger_create(c, r, desired, err);
}

static int schedule_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    return via_scheduler(r) ? scheduler_update(c, r, a, desired, d, err)
                            : gtrigger_update(c, r, a, desired, d, err);
}

static int schedule_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            struct pw_error *err)
{
    return via_scheduler(r) ? scheduler_destroy(c, r, a, err) : gtrigger_destroy(c, r, a, err);
}

const struct res_kind res_kind_schedule = {
    .name = "schedule",
    .noun = "schedule",
    .level = RES_LEVEL_SCHEDULES,
    .supported = 1,
    .desired = schedule_desired,
    .read = schedule_read,
    .mode = NULL,
    .create = schedule_create,
    .update = schedule_update,
    .destroy = schedule_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = NULL,
    .name_from_arn = NULL,
};
