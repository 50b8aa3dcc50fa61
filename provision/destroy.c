/* destroy.c — down: check everything first, then delete level by level in reverse. */
#include "provision/destroy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/aws/workers.h"
#include "provision/calls.h"

#define DESTROY_THREADS_DEFAULT 8

const char *destroy_state_name(enum destroy_state s)
{
    static const char *const names[] = {"absent", "foreign", "not-supported", "unread", "pending",
                                        "deleted", "failed", "not-started"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

void destroy_report_release(struct destroy_report *rep)
{
    if (!rep)
        return;
    plan_release(&rep->plan);
    free(rep->state);
    free(rep->holds_data);
    free(rep->protected);
    free(rep->errs);
    memset(rep, 0, sizeof *rep);
}

struct task {
    struct destroy_report *rep;
    size_t i;
    const struct destroy_options *o;
};

static void emit(const struct destroy_options *o, const struct plan_item *it, const char *what,
                 int finished, long ms, const struct pw_error *err)
{
    if (!o->progress)
        return;
    struct apply_event ev = {.item = it, .what = what, .finished = finished, .ms = ms, .err = err};
    o->progress(o->progress_ctx, &ev);
}

static int check_one(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct task *t = arg;
    const struct plan_item *it = &t->rep->plan.items[t->i];
    const struct res_kind *k = it->res->kind;
    return k->holds_data(c, it->res, &it->actual, &t->rep->holds_data[t->i], err);
}

static int delete_one(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct task *t = arg;
    const struct plan_item *it = &t->rep->plan.items[t->i];
    const struct res_kind *k = it->res->kind;
    long start = calls_now_ms();
    emit(t->o, it, "deleting", 0, 0, NULL);
    /* Always emptied with delete_data: objects written since the check must not make the
     * delete fail half-way. */
    if ((t->o->delete_data && k->prepare_delete &&
         k->prepare_delete(c, it->res, &it->actual, err) < 0) ||
        k->destroy(c, it->res, &it->actual, err) < 0) {
        pw_error_prefix(err, "%s: deleting %s", it->res->address, it->res->name);
        emit(t->o, it, "failed", 1, calls_now_ms() - start, err);
        return -1;
    }
    emit(t->o, it, "deleted", 1, calls_now_ms() - start, NULL);
    return 0;
}

static void list_add(char *list, size_t n, const char *address)
{
    size_t len = strlen(list);
    if (len < n)
        snprintf(list + len, n - len, "%s%s", len ? ", " : "", address);
}

/* Sorts every item into a state; checks data and protection of the owned ones. */
static int survey(struct aws_client *c, struct destroy_report *rep, const struct destroy_options *o,
                  struct task *tasks, void **ptrs, struct worker_result *results, struct pw_error *err)
{
    struct plan *p = &rep->plan;
    size_t nt = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        if (it->action == PLAN_UNSUPPORTED) {
            rep->state[i] = DESTROY_UNSUPPORTED;
        } else if (it->action == PLAN_ERROR) {
            rep->state[i] = DESTROY_UNREAD;
            rep->errs[i] = it->err;
        } else if (it->actual.presence == RES_MISSING) {
            rep->state[i] = DESTROY_ABSENT;
        } else if (it->actual.presence == RES_FOREIGN) {
            rep->state[i] = DESTROY_FOREIGN;
        } else {
            rep->state[i] = DESTROY_PENDING;
            const char *dp = kvlist_get(&it->actual.props, "deletion_protection");
            rep->protected[i] = dp && strcmp(dp, "true") == 0;
            if (it->res->kind->holds_data) {
                tasks[nt] = (struct task){.rep = rep, .i = i, .o = o};
                ptrs[nt] = &tasks[nt];
                nt++;
            }
        }
    }
    int threads = o->threads > 0 ? o->threads : DESTROY_THREADS_DEFAULT;
    if (nt && workers_run(c, threads, check_one, ptrs, nt, results, err) < 0)
        return -1;
    for (size_t k = 0; k < nt; k++)
        if (results[k].rc < 0) {
            rep->state[tasks[k].i] = DESTROY_UNREAD;
            rep->errs[tasks[k].i] = results[k].err;
        }
    return 0;
}

/* Nothing is deleted unless everything may be: a half-deleted stack is the worst outcome. */
static int refuse_if_needed(struct destroy_report *rep, const struct destroy_options *o,
                            struct pw_error *err)
{
    struct plan *p = &rep->plan;
    char unread[400] = "", data[400] = "", prot[400] = "";
    for (size_t i = 0; i < p->n; i++) {
        const char *a = p->items[i].res->address;
        if (rep->state[i] == DESTROY_UNREAD)
            list_add(unread, sizeof unread, a);
        if (rep->state[i] == DESTROY_PENDING && rep->holds_data[i] && !o->delete_data)
            list_add(data, sizeof data, a);
        if (rep->state[i] == DESTROY_PENDING && rep->protected[i] && !o->delete_data)
            list_add(prot, sizeof prot, a);
    }
    if (!unread[0] && !data[0] && !prot[0])
        return 0;
    rep->refused = 1;
    pw_fail(err, PW_EXIT_FAILED, "nothing was deleted");
    size_t len;
#define REASON(list, text)                                                                    \
    if (list[0] && (len = strlen(err->message)) < sizeof err->message)                        \
        snprintf(err->message + len, sizeof err->message - len, "; " text ": %s", list);
    REASON(data, "these hold data (objects, versions or items; --delete-data deletes them too)")
    REASON(prot, "these have deletion protection on (--delete-data turns it off)")
    REASON(unread, "these could not be read or checked")
#undef REASON
    return -1;
}

int destroy_run(struct aws_client *c, const struct stack *st, const struct destroy_options *o,
                struct destroy_report *rep, struct pw_error *err)
{
    size_t n;
    struct task *tasks = NULL;
    void **ptrs = NULL;
    struct worker_result *results = NULL;
    size_t *index = NULL;
    int rc = -1, failed_level = 0;
    memset(rep, 0, sizeof *rep);
    if (plan_make(c, st, NULL, &rep->plan, err) < 0)
        return -1;
    n = rep->plan.n ? rep->plan.n : 1;
    rep->state = calloc(n, sizeof *rep->state);
    rep->holds_data = calloc(n, sizeof *rep->holds_data);
    rep->protected = calloc(n, sizeof *rep->protected);
    rep->errs = calloc(n, sizeof *rep->errs);
    tasks = calloc(n, sizeof *tasks);
    ptrs = calloc(n, sizeof *ptrs);
    results = calloc(n, sizeof *results);
    index = calloc(n, sizeof *index);
    if (!rep->state || !rep->holds_data || !rep->protected || !rep->errs || !tasks || !ptrs ||
        !results || !index) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (survey(c, rep, o, tasks, ptrs, results, err) < 0 || refuse_if_needed(rep, o, err) < 0)
        goto out;
    for (int level = RES_NLEVELS - 1; level >= 0; level--) {
        size_t nt = 0;
        for (size_t i = 0; i < rep->plan.n; i++) {
            if ((int)rep->plan.items[i].res->kind->level != level || rep->state[i] != DESTROY_PENDING)
                continue;
            if (failed_level) {
                rep->state[i] = DESTROY_NOT_STARTED;
                continue;
            }
            tasks[nt] = (struct task){.rep = rep, .i = i, .o = o};
            ptrs[nt] = &tasks[nt];
            index[nt++] = i;
        }
        if (!nt)
            continue;
        int threads = o->threads > 0 ? o->threads : DESTROY_THREADS_DEFAULT;
        if (workers_run(c, threads, delete_one, ptrs, nt, results, err) < 0)
            goto out;
        for (size_t k = 0; k < nt; k++) {
            size_t i = index[k];
            if (results[k].rc < 0) {
                rep->state[i] = DESTROY_FAILED;
                rep->errs[i] = results[k].err;
                if (!rep->failed++)
                    *err = results[k].err;
                failed_level = 1;
            } else {
                rep->state[i] = DESTROY_DELETED;
                rep->deleted++;
            }
        }
    }
    rc = rep->failed ? -1 : 0;
out:
    free(tasks);
    free(ptrs);
    free(results);
    free(index);
    return rc;
}

/* --- rendering ---------------------------------------------------------------------------- */

static const char *state_text(enum destroy_state s, int refused)
{
    switch (s) {
    case DESTROY_ABSENT: return "absent: nothing to delete";
    case DESTROY_FOREIGN: return "left alone: exists without the stack's tag (not ours)";
    case DESTROY_UNSUPPORTED: return "not supported yet: pipewright does not provision or delete this kind yet";
    case DESTROY_UNREAD: return "could not be read";
    case DESTROY_PENDING: return refused ? "not deleted (down refused)" : "not deleted";
    case DESTROY_DELETED: return "deleted";
    case DESTROY_FAILED: return "FAILED";
    case DESTROY_NOT_STARTED: return "not deleted: a resource that depends on it could not be deleted";
    }
    return "?";
}

int destroy_render_text(const struct destroy_report *rep, struct buf *out)
{
    const struct plan *p = &rep->plan;
    char line[1400];
    int rc = buf_appends(out, "down ");
    rc |= plan_render_header(p->stack, out);
    rc |= buf_appends(out, "\n\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        rc |= buf_appendf(out, "%s (%s): %s", it->res->address, it->res->name,
                          state_text(rep->state[i], rep->refused));
        if (rep->holds_data[i])
            rc |= buf_appends(out, rep->state[i] == DESTROY_DELETED ? " (with its data)" : " (holds data)");
        if (rep->protected[i] && rep->state[i] != DESTROY_DELETED)
            rc |= buf_appends(out, " (deletion protection on)");
        if (rep->state[i] == DESTROY_UNREAD || rep->state[i] == DESTROY_FAILED) {
            pw_error_format(&rep->errs[i], line, sizeof line);
            rc |= buf_appendf(out, ": %s", line);
        }
        rc |= buf_appendc(out, '\n');
    }
    rc |= buf_appendf(out, "\n%zu deleted, %zu failed\n", rep->deleted, rep->failed);
    return rc ? -1 : 0;
}

int destroy_render_json(const struct destroy_report *rep, struct buf *out)
{
    const struct plan *p = &rep->plan;
    char line[1400];
    cJSON *arr;
    cJSON *o = plan_json_report(p, &arr);
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        cJSON *r = plan_json_resource(it->res);
        cJSON_AddStringToObject(r, "state", destroy_state_name(rep->state[i]));
        cJSON_AddBoolToObject(r, "holds_data", rep->holds_data[i]);
        cJSON_AddBoolToObject(r, "deletion_protection", rep->protected[i]);
        if (rep->state[i] == DESTROY_UNREAD || rep->state[i] == DESTROY_FAILED) {
            pw_error_format(&rep->errs[i], line, sizeof line);
            cJSON_AddStringToObject(r, "error", line);
        }
        cJSON_AddItemToArray(arr, r);
    }
    cJSON_AddBoolToObject(o, "refused", rep->refused);
    cJSON_AddNumberToObject(o, "deleted", (double)rep->deleted);
    cJSON_AddNumberToObject(o, "failed", (double)rep->failed);
    return plan_json_finish(o, out);
}
