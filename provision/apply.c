/* apply.c — carry out a plan, level by level, each level in parallel. */
#include "provision/apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/aws/workers.h"
#include "provision/calls.h"

#define APPLY_THREADS_DEFAULT 8

void apply_result_init(struct apply_result *res)
{
    memset(res, 0, sizeof *res);
}

void apply_result_release(struct apply_result *res)
{
    if (!res)
        return;
    free(res->outcome);
    free(res->errs);
    apply_result_init(res);
}

static int acts(enum plan_action a)
{
    return a == PLAN_CREATE || a == PLAN_UPDATE || a == PLAN_REPLACE || a == PLAN_ADOPT ||
           a == PLAN_DELETE;
}

/* Appends an address to a comma-separated list. */
static void list_add(char *list, size_t n, const char *address)
{
    size_t len = strlen(list);
    if (len < n)
        snprintf(list + len, n - len, "%s%s", len ? ", " : "", address);
}

static void reason_add(char *msg, size_t n, const char *why, const char *list)
{
    size_t len = strlen(msg);
    if (list[0] && len < n)
        snprintf(msg + len, n - len, "; %s: %s", why, list);
}

int apply_check(const struct plan *p, const struct apply_options *o, struct pw_error *err)
{
    char foreign[300] = "", replace[300] = "", blocked[300] = "", unread[300] = "", why[200];
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        if (it->action == PLAN_FOREIGN)
            list_add(foreign, sizeof foreign, it->res->address);
        else if (it->action == PLAN_REPLACE && !o->allow_replace)
            list_add(replace, sizeof replace, it->res->address);
        else if (it->action == PLAN_BLOCKED)
            list_add(blocked, sizeof blocked, it->res->address);
        else if (it->action == PLAN_ERROR)
            list_add(unread, sizeof unread, it->res->address);
    }
    if (!foreign[0] && !replace[0] && !blocked[0] && !unread[0])
        return 0;
    pw_fail(err, PW_EXIT_FAILED, "nothing was changed");
    snprintf(why, sizeof why, "exists without the tag %s=%s (not ours; --adopt takes it over)",
             PW_TAG_STACK, p->stack->name);
    reason_add(err->message, sizeof err->message, why, foreign);
    reason_add(err->message, sizeof err->message,
               "needs replacement, which deletes its data (--allow-replace)", replace);
    reason_add(err->message, sizeof err->message, "cannot be changed as the spec asks (see plan)",
               blocked);
    reason_add(err->message, sizeof err->message, "could not be read (see plan)", unread);
    return -1;
}

struct apply_task {
    const struct plan_item *it;
    const struct apply_options *o;
};

/* ms < 0: a starting event. */
static void emit(const struct apply_options *o, const struct plan_item *it, const char *what,
                 long ms, const struct pw_error *err)
{
    if (!o->progress)
        return;
    struct apply_event ev = {.item = it, .what = what, .finished = ms >= 0, .ms = ms < 0 ? 0 : ms,
                             .err = err};
    o->progress(o->progress_ctx, &ev);
}

/* Only the in-place part of a diff goes to update (a replacement recreates instead). */
static int run_one(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct apply_task *t = arg;
    const struct plan_item *it = t->it;
    const struct resource *r = it->res;
    const struct res_kind *k = r->kind;
    long start = calls_now_ms();
    int rc = -1;
    const char *doing = "", *done = "";
    switch (it->action) {
    case PLAN_CREATE:
        doing = "creating", done = "created";
        emit(t->o, it, doing, -1, NULL);
        rc = k->create(c, r, &it->desired, err);
        break;
    case PLAN_UPDATE:
    case PLAN_ADOPT:
        doing = it->action == PLAN_ADOPT ? "adopting" : "updating";
        done = it->action == PLAN_ADOPT ? "adopted" : "updated";
        emit(t->o, it, doing, -1, NULL);
        rc = k->update(c, r, &it->actual, &it->desired, &it->diff, err);
        break;
    case PLAN_DELETE:
        doing = "deleting", done = "deleted";
        emit(t->o, it, doing, -1, NULL);
        rc = k->destroy(c, r, &it->actual, err);
        break;
    case PLAN_REPLACE:
        doing = "replacing", done = "replaced";
        emit(t->o, it, doing, -1, NULL);
        rc = (k->prepare_delete ? k->prepare_delete(c, r, &it->actual, err) : 0);
        if (rc == 0)
            rc = k->destroy(c, r, &it->actual, err);
        if (rc == 0)
            rc = k->create(c, r, &it->desired, err);
        break;
    default:
        return 0;
    }
    if (rc < 0) {
        pw_error_prefix(err, "%s: %s %s", r->address, doing, r->name);
        emit(t->o, it, "failed", calls_now_ms() - start, err);
        return -1;
    }
    emit(t->o, it, done, calls_now_ms() - start, NULL);
    return 0;
}

int apply_run(struct aws_client *c, const struct plan *p, const struct apply_options *o,
              struct apply_result *res, struct pw_error *err)
{
    size_t n = p->n;
    struct apply_task *tasks = calloc(n ? n : 1, sizeof *tasks);
    void **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    size_t *index = calloc(n ? n : 1, sizeof *index);
    struct worker_result *results = calloc(n ? n : 1, sizeof *results);
    int rc = -1, failed_level = 0;
    res->outcome = calloc(n ? n : 1, sizeof *res->outcome);
    res->errs = calloc(n ? n : 1, sizeof *res->errs);
    if (!tasks || !ptrs || !index || !results || !res->outcome || !res->errs) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (apply_check(p, o, err) < 0)
        goto out;
    /* Creations and updates from the bottom level up; then deletions of what the spec no
     * longer declares, from the top level down (what depended on them is gone or changed). */
    for (int pass = 0; pass < 2 * RES_NLEVELS; pass++) {
        int deleting = pass >= RES_NLEVELS;
        int level = deleting ? 2 * RES_NLEVELS - 1 - pass : pass;
        size_t nt = 0;
        for (size_t i = 0; i < n; i++) {
            const struct plan_item *it = &p->items[i];
            if ((int)it->res->kind->level != level || !acts(it->action) ||
                (it->action == PLAN_DELETE) != deleting)
                continue;
            if (failed_level) {
                res->outcome[i] = APPLY_NOT_STARTED;
                res->not_started++;
                continue;
            }
            tasks[nt] = (struct apply_task){.it = it, .o = o};
            ptrs[nt] = &tasks[nt];
            index[nt++] = i;
        }
        if (!nt)
            continue;
        int threads = o->threads > 0 ? o->threads : APPLY_THREADS_DEFAULT;
        if (workers_run(c, threads, run_one, ptrs, nt, results, err) < 0)
            goto out;
        for (size_t k = 0; k < nt; k++) {
            size_t i = index[k];
            if (results[k].rc < 0) {
                res->outcome[i] = APPLY_FAILED;
                res->errs[i] = results[k].err;
                if (!res->failed++)
                    *err = results[k].err;
                failed_level = 1;
            } else {
                res->outcome[i] = APPLY_DONE;
                res->done++;
            }
        }
    }
    rc = res->failed ? -1 : 0;
    if (res->failed > 1)
        pw_error_prefix(err, "%zu resources failed, the first", res->failed);
out:
    free(tasks);
    free(ptrs);
    free(index);
    free(results);
    return rc;
}

/* --- rendering ---------------------------------------------------------------------------- */

const char *apply_outcome_name(enum apply_outcome o)
{
    switch (o) {
    case APPLY_DONE: return "done";
    case APPLY_FAILED: return "failed";
    case APPLY_NOT_STARTED: return "not-started";
    default: return "nothing";
    }
}

static const char *done_word(enum plan_action a)
{
    switch (a) {
    case PLAN_CREATE: return "created";
    case PLAN_UPDATE: return "updated";
    case PLAN_REPLACE: return "replaced";
    case PLAN_ADOPT: return "adopted";
    case PLAN_DELETE: return "deleted";
    default: return "done";
    }
}

int apply_render_text(const struct plan *p, const struct apply_result *res, struct buf *out)
{
    char line[1400];
    int rc = 0;
    size_t unsupported = plan_count(p, PLAN_UNSUPPORTED);
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        enum apply_outcome o = res && res->outcome ? res->outcome[i] : APPLY_NOTHING;
        if (o == APPLY_NOTHING)
            continue;
        rc |= buf_appendf(out, "%c %s (%s): ", plan_action_mark(it->action), it->res->address,
                          it->res->name);
        if (o == APPLY_DONE) {
            rc |= buf_appendf(out, "%s\n", done_word(it->action));
        } else if (o == APPLY_FAILED) {
            pw_error_format(&res->errs[i], line, sizeof line);
            rc |= buf_appendf(out, "FAILED: %s\n", line);
        } else {
            rc |= buf_appends(out, "not started (an earlier level failed)\n");
        }
    }
    if (!plan_has_changes(p))
        rc |= buf_appends(out, "no changes\n");
    else if (res)
        rc |= buf_appendf(out, "up: %zu changed, %zu failed, %zu not started\n", res->done,
                          res->failed, res->not_started);
    if (unsupported) {
        rc |= buf_appendf(out, "not provisioned: %zu declared resources are of kinds not supported yet:",
                          unsupported);
        for (size_t i = 0; i < p->n; i++)
            if (p->items[i].action == PLAN_UNSUPPORTED)
                rc |= buf_appendf(out, " %s", p->items[i].res->address);
        rc |= buf_appendc(out, '\n');
    }
    return rc ? -1 : 0;
}

int apply_render_json(const struct plan *p, const struct apply_result *res,
                      const struct pw_error *refused, struct buf *out)
{
    struct buf planj;
    char line[1400];
    int rc = -1;
    buf_init(&planj, 0);
    cJSON *o = NULL;
    if (plan_render_json(p, &planj) < 0 || !(o = cJSON_Parse(buf_cstr(&planj))))
        goto out;
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, "resources"), *r;
    size_t i = 0;
    cJSON_ArrayForEach(r, arr) {
        enum apply_outcome oc = res && res->outcome ? res->outcome[i] : APPLY_NOTHING;
        cJSON_AddStringToObject(r, "outcome", apply_outcome_name(oc));
        if (oc == APPLY_FAILED) {
            pw_error_format(&res->errs[i], line, sizeof line);
            cJSON_DeleteItemFromObjectCaseSensitive(r, "error");
            cJSON_AddStringToObject(r, "error", line);
        }
        i++;
    }
    int ok = !refused && (!res || (!res->failed && !res->not_started)) &&
             !plan_count(p, PLAN_UNSUPPORTED);
    cJSON_AddBoolToObject(o, "ok", ok);
    if (refused)
        cJSON_AddStringToObject(o, "refused", refused->message);
    char *text = cJSON_Print(o);
    rc = text ? buf_appends(out, text) : -1;
    cJSON_free(text);
out:
    cJSON_Delete(o);
    buf_release(&planj);
    return rc;
}
