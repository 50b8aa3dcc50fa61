/* plan.c — read every resource in parallel, diff, decide, render. */
#include "provision/plan.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/aws/workers.h"
#include "provision/orphans.h"

#define PLAN_THREADS_DEFAULT 8

static void decide(struct plan_item *it, int adopt)
{
    if (it->actual.presence == RES_MISSING) {
        it->action = PLAN_CREATE;
        return;
    }
    enum res_change_mode worst = res_diff_worst(&it->diff);
    if (it->actual.presence == RES_FOREIGN && !adopt) {
        it->action = PLAN_FOREIGN;
        return;
    }
    if (worst == RES_UNSUPPORTED || (worst == RES_REPLACE && it->actual.presence == RES_FOREIGN)) {
        for (size_t i = 0; i < it->diff.len; i++)
            if (it->diff.items[i].mode != RES_IN_PLACE) {
                pw_fail(&it->err, PW_EXIT_FAILED, "%s: %s%s", it->diff.items[i].path,
                        it->diff.items[i].why ? it->diff.items[i].why : "cannot change",
                        it->diff.items[i].mode == RES_REPLACE ? "; a resource adopted from outside "
                                                                "the stack is never replaced"
                                                              : "");
                break;
            }
        it->action = PLAN_BLOCKED;
        return;
    }
    if (it->actual.presence == RES_FOREIGN) {
        it->action = PLAN_ADOPT;
        return;
    }
    it->action = !it->diff.len ? PLAN_NOOP : worst == RES_REPLACE ? PLAN_REPLACE : PLAN_UPDATE;
}

struct read_task {
    struct plan_item *it;
    int adopt;
};

/* A resource the spec no longer declares is deleted by up, unless that would lose data. */
static int read_orphan(struct aws_client *c, struct plan_item *it, struct pw_error *err)
{
    const struct res_kind *k = it->res->kind;
    int holds = 0;
    if (k->read(c, it->res, &it->actual, err) < 0)
        return -1;
    if (it->actual.presence != RES_OWNED) {   /* gone since the lookup, or retagged */
        it->action = PLAN_NOOP;
        return 0;
    }
    if (k->holds_data && k->holds_data(c, it->res, &it->actual, &holds, err) < 0)
        return -1;
    const char *dp = kvlist_get(&it->actual.props, "deletion_protection");
    if (holds || (dp && strcmp(dp, "true") == 0)) {
        pw_fail(&it->err, PW_EXIT_FAILED, "the spec no longer declares it, but it %s: up never "
                "deletes data; empty it, or run down --delete-data with a spec that declares it",
                holds ? "holds data" : "has deletion protection on");
        it->action = PLAN_BLOCKED;
        return 0;
    }
    it->action = PLAN_DELETE;
    return 0;
}

static int read_one(struct aws_client *c, void *arg, struct pw_error *err)
{
    struct read_task *t = arg;
    struct plan_item *it = t->it;
    const struct res_kind *k = it->res->kind;
    if (!it->res->decl)
        return read_orphan(c, it, err);
    if (k->desired(it->res, &it->desired, err) < 0 || k->read(c, it->res, &it->actual, err) < 0 ||
        res_diff_compute(k, &it->desired, &it->actual.props, &it->diff, err) < 0)
        return -1;
    decide(it, t->adopt);
    return 0;
}

/* Looks the orphans up (one paginated query) and makes a resource of each. */
static int find_orphans(struct aws_client *c, const struct stack *st, struct plan *p,
                        struct orphan **found, size_t *nfound, struct pw_error *err)
{
    if (orphans_find(c, st, found, nfound, &p->orphans_err) < 0)
        return 0;   /* the plan says it could not look; not fatal */
    p->orphans_checked = 1;
    p->orphans = calloc(*nfound ? *nfound : 1, sizeof *p->orphans);
    if (!p->orphans) {
        orphans_free(*found, *nfound);
        *found = NULL;
        *nfound = 0;
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    for (size_t i = 0; i < *nfound; i++) {
        struct resource *r = &p->orphans[i];
        r->kind = (*found)[i].kind;
        snprintf(r->address, sizeof r->address, "%s.%s", r->kind->name, (*found)[i].name);
        r->id = r->name = (*found)[i].name;
        r->stack = st;
    }
    p->n_orphans = *nfound;
    return 0;
}

int plan_make(struct aws_client *c, const struct stack *st, const struct plan_options *o,
              struct plan *p, struct pw_error *err)
{
    struct orphan *found = NULL;
    size_t nfound = 0, ntasks = 0, n;
    struct read_task *tasks = NULL;
    void **ptrs = NULL;
    struct worker_result *results = NULL;
    int rc = -1;
    memset(p, 0, sizeof *p);
    p->stack = st;
    if (o && o->find_orphans && find_orphans(c, st, p, &found, &nfound, err) < 0)
        goto out;
    n = st->n + p->n_orphans;
    tasks = calloc(n ? n : 1, sizeof *tasks);
    ptrs = calloc(n ? n : 1, sizeof *ptrs);
    results = calloc(n ? n : 1, sizeof *results);
    p->items = calloc(n ? n : 1, sizeof *p->items);
    if (!tasks || !ptrs || !results || !p->items) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    p->n = n;
    for (size_t i = 0; i < n; i++) {
        struct plan_item *it = &p->items[i];
        it->res = i < st->n ? &st->items[i] : &p->orphans[i - st->n];
        kvlist_init(&it->desired);
        res_actual_init(&it->actual);
        res_diff_init(&it->diff);
        if (!it->res->kind->supported) {
            it->action = PLAN_UNSUPPORTED;
            continue;
        }
        tasks[ntasks] = (struct read_task){.it = it, .adopt = o && o->adopt};
        ptrs[ntasks] = &tasks[ntasks];
        ntasks++;
    }
    int threads = o && o->threads > 0 ? o->threads : PLAN_THREADS_DEFAULT;
    if (ntasks && workers_run(c, threads, read_one, ptrs, ntasks, results, err) < 0)
        goto out;
    for (size_t k = 0; k < ntasks; k++)
        if (results[k].rc < 0) {
            struct plan_item *it = tasks[k].it;
            it->action = PLAN_ERROR;
            it->err = results[k].err;
            res_diff_release(&it->diff);
        }
    /* An orphan that vanished since the lookup is not part of the plan. */
    size_t w = st->n;
    for (size_t i = st->n; i < p->n; i++) {
        if (p->items[i].action == PLAN_NOOP) {
            kvlist_release(&p->items[i].desired);
            res_actual_release(&p->items[i].actual);
            res_diff_release(&p->items[i].diff);
        } else {
            p->items[w++] = p->items[i];
        }
    }
    p->n = w;
    rc = 0;
out:
    /* The orphans' names live on in p->orphans: only the array goes. */
    free(found);
    if (rc < 0)
        plan_release(p);
    free(tasks);
    free(ptrs);
    free(results);
    return rc;
}

void plan_release(struct plan *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->items && i < p->n; i++) {
        kvlist_release(&p->items[i].desired);
        res_actual_release(&p->items[i].actual);
        res_diff_release(&p->items[i].diff);
    }
    free(p->items);
    p->items = NULL;
    p->n = 0;
    for (size_t i = 0; p->orphans && i < p->n_orphans; i++)
        free((char *)p->orphans[i].name);
    free(p->orphans);
    p->orphans = NULL;
    p->n_orphans = 0;
}

size_t plan_count(const struct plan *p, enum plan_action a)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++)
        n += p->items[i].action == a;
    return n;
}

int plan_has_changes(const struct plan *p)
{
    return plan_count(p, PLAN_CREATE) || plan_count(p, PLAN_UPDATE) ||
           plan_count(p, PLAN_REPLACE) || plan_count(p, PLAN_ADOPT) || plan_count(p, PLAN_DELETE);
}

const char *plan_action_name(enum plan_action a)
{
    static const char *const names[PLAN_NACTIONS] = {
        "no-change", "create", "update", "replace", "adopt", "foreign", "blocked",
        "not-supported", "error", "delete",
    };
    return (unsigned)a < PLAN_NACTIONS ? names[a] : "?";
}

char plan_action_mark(enum plan_action a)
{
    static const char marks[PLAN_NACTIONS] = {'=', '+', '~', '!', '~', '?', 'x', '*', 'x', '-'};
    return (unsigned)a < PLAN_NACTIONS ? marks[a] : '?';
}

const char *plan_value(const char *v)
{
    return v ? v : "(none)";
}

int plan_render_header(const struct stack *st, struct buf *out)
{
    return buf_appendf(out, "%s (env %s) in %s, account %s", st->name, st->env, st->region,
                       st->account[0] ? st->account : "unknown");
}

/* --- text --------------------------------------------------------------------------------- */

static int render_changes(const struct plan_item *it, struct buf *out)
{
    int rc = 0;
    if (it->action == PLAN_CREATE) {
        for (size_t i = 0; i < it->desired.len; i++)
            rc |= buf_appendf(out, "    %s = %s\n", it->desired.items[i].name, it->desired.items[i].value);
        return rc;
    }
    for (size_t i = 0; i < it->diff.len; i++) {
        const struct res_change *c = &it->diff.items[i];
        rc |= buf_appendf(out, "    %s: %s \xe2\x86\x92 %s%s\n", c->path, plan_value(c->old),
                          plan_value(c->new), c->mode == RES_REPLACE ? "  (forces replacement)"
                                              : c->mode == RES_UNSUPPORTED ? "  (cannot change)" : "");
    }
    return rc;
}

static int render_item(const struct plan *p, const struct plan_item *it, struct buf *out)
{
    const struct resource *r = it->res;
    char line[1400];
    int rc = buf_appendf(out, "%c %s (%s): ", plan_action_mark(it->action), r->address, r->name);
    switch (it->action) {
    case PLAN_NOOP:
        rc |= buf_appends(out, "no change\n");
        break;
    case PLAN_CREATE:
        rc |= buf_appendf(out, "create %s\n", r->kind->noun);
        break;
    case PLAN_UPDATE:
        rc |= buf_appendf(out, "update in place\n");
        break;
    case PLAN_REPLACE:
        rc |= buf_appendf(out, "replace (delete and create again: its data is lost; only with "
                               "--allow-replace)\n");
        break;
    case PLAN_ADOPT:
        rc |= buf_appendf(out, "adopt (exists without the tag %s=%s; --adopt takes it over)\n",
                          PW_TAG_STACK, p->stack->name);
        break;
    case PLAN_FOREIGN:
        rc |= buf_appendf(out, "exists without the tag %s=%s: not ours, up leaves it alone "
                               "(--adopt takes it over)\n", PW_TAG_STACK, p->stack->name);
        break;
    case PLAN_BLOCKED:
        rc |= buf_appendf(out, "cannot apply: %s\n", it->err.message);
        break;
    case PLAN_UNSUPPORTED:
        rc |= buf_appendf(out, "not supported yet: pipewright does not provision %ss (%s) yet; "
                               "nothing is read, created or changed\n", r->kind->name, r->kind->noun);
        break;
    case PLAN_ERROR:
        pw_error_format(&it->err, line, sizeof line);
        rc |= buf_appendf(out, "could not be read: %s\n", line);
        break;
    case PLAN_DELETE:
        rc |= buf_appendf(out, "delete %s (tagged as the stack's; the spec no longer declares it)\n",
                          r->kind->noun);
        break;
    }
    if (it->action != PLAN_NOOP && it->action != PLAN_FOREIGN && it->action != PLAN_ERROR &&
        it->action != PLAN_UNSUPPORTED && it->action != PLAN_DELETE)
        rc |= render_changes(it, out);
    return rc;
}

int plan_render_text(const struct plan *p, struct buf *out)
{
    int rc = buf_appends(out, "plan for ");
    rc |= plan_render_header(p->stack, out);
    rc |= buf_appends(out, "\n\n");
    for (size_t i = 0; i < p->n; i++)
        rc |= render_item(p, &p->items[i], out);
    if (!plan_has_changes(p))
        rc |= buf_appendf(out, "\nno changes: the %zu resources pipewright provisions match the spec\n",
                          plan_count(p, PLAN_NOOP));
    else
        rc |= buf_appendf(out, "\nplan: %zu to create, %zu to update, %zu to replace, %zu to adopt, "
                               "%zu to delete, %zu unchanged\n",
                          plan_count(p, PLAN_CREATE), plan_count(p, PLAN_UPDATE),
                          plan_count(p, PLAN_REPLACE), plan_count(p, PLAN_ADOPT),
                          plan_count(p, PLAN_DELETE), plan_count(p, PLAN_NOOP));
    if (plan_count(p, PLAN_FOREIGN))
        rc |= buf_appendf(out, "%zu foreign (exist without our tag; up refuses unless --adopt)\n",
                          plan_count(p, PLAN_FOREIGN));
    if (plan_count(p, PLAN_BLOCKED))
        rc |= buf_appendf(out, "%zu cannot be applied (see above)\n", plan_count(p, PLAN_BLOCKED));
    if (plan_count(p, PLAN_ERROR))
        rc |= buf_appendf(out, "%zu could not be read: the plan is incomplete\n", plan_count(p, PLAN_ERROR));
    if (plan_count(p, PLAN_UNSUPPORTED))
        rc |= buf_appendf(out, "%zu declared resources are of kinds not supported yet: not planned\n",
                          plan_count(p, PLAN_UNSUPPORTED));
    if (p->orphans_err.message[0]) {
        char line[1400];
        pw_error_format(&p->orphans_err, line, sizeof line);
        rc |= buf_appendf(out, "could not look for resources the spec no longer declares: %s\n", line);
    }
    return rc ? -1 : 0;
}

/* --- JSON --------------------------------------------------------------------------------- */

static const char *mode_name(enum res_change_mode m)
{
    return m == RES_REPLACE ? "replace" : m == RES_UNSUPPORTED ? "unsupported" : "in-place";
}

void plan_json_str_or_null(cJSON *o, const char *name, const char *v)
{
    cJSON_AddItemToObject(o, name, v ? cJSON_CreateString(v) : cJSON_CreateNull());
}

cJSON *plan_json_report(const struct plan *p, cJSON **resources)
{
    const struct stack *st = p->stack;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "stack", st->name);
    cJSON_AddStringToObject(o, "env", st->env);
    cJSON_AddStringToObject(o, "region", st->region);
    cJSON_AddStringToObject(o, "account", st->account);
    *resources = cJSON_AddArrayToObject(o, "resources");
    return o;
}

cJSON *plan_json_resource(const struct resource *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "address", r->address);
    cJSON_AddStringToObject(o, "kind", r->kind->name);
    cJSON_AddStringToObject(o, "id", r->id);
    cJSON_AddStringToObject(o, "name", r->name);
    return o;
}

int plan_json_finish(cJSON *report, struct buf *out)
{
    char *text = cJSON_Print(report);
    int rc = text ? buf_appends(out, text) : -1;
    cJSON_free(text);
    cJSON_Delete(report);
    return rc;
}

static cJSON *item_json(const struct plan_item *it)
{
    const struct resource *r = it->res;
    char line[1400];
    cJSON *o = plan_json_resource(r);
    cJSON_AddStringToObject(o, "action", plan_action_name(it->action));
    cJSON_AddBoolToObject(o, "in_spec", r->decl != NULL);
    cJSON *changes = cJSON_AddArrayToObject(o, "changes");
    if (it->action == PLAN_CREATE) {
        for (size_t i = 0; i < it->desired.len; i++) {
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "property", it->desired.items[i].name);
            cJSON_AddNullToObject(c, "old");
            cJSON_AddStringToObject(c, "new", it->desired.items[i].value);
            cJSON_AddStringToObject(c, "mode", "in-place");
            cJSON_AddItemToArray(changes, c);
        }
    } else if (it->action != PLAN_ERROR && it->action != PLAN_UNSUPPORTED && it->action != PLAN_DELETE) {
        for (size_t i = 0; i < it->diff.len; i++) {
            const struct res_change *ch = &it->diff.items[i];
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "property", ch->path);
            plan_json_str_or_null(c, "old", ch->old);
            plan_json_str_or_null(c, "new", ch->new);
            cJSON_AddStringToObject(c, "mode", mode_name(ch->mode));
            if (ch->why)
                cJSON_AddStringToObject(c, "why", ch->why);
            cJSON_AddItemToArray(changes, c);
        }
    }
    if (it->action == PLAN_ERROR || it->action == PLAN_BLOCKED) {
        pw_error_format(&it->err, line, sizeof line);
        cJSON_AddStringToObject(o, "error", line);
    } else if (it->action == PLAN_UNSUPPORTED) {
        cJSON_AddStringToObject(o, "note", "not supported yet: pipewright does not provision this kind yet");
    }
    return o;
}

int plan_render_json(const struct plan *p, struct buf *out)
{
    cJSON *res;
    cJSON *o = plan_json_report(p, &res);
    for (size_t i = 0; i < p->n; i++)
        cJSON_AddItemToArray(res, item_json(&p->items[i]));
    cJSON *sum = cJSON_AddObjectToObject(o, "summary");
    for (int a = 0; a < PLAN_NACTIONS; a++)
        cJSON_AddNumberToObject(sum, plan_action_name((enum plan_action)a),
                                (double)plan_count(p, (enum plan_action)a));
    cJSON_AddBoolToObject(o, "changes", plan_has_changes(p));
    cJSON_AddBoolToObject(o, "complete", !plan_count(p, PLAN_ERROR) && !plan_count(p, PLAN_UNSUPPORTED) &&
                                             !p->orphans_err.message[0]);
    cJSON_AddBoolToObject(o, "orphans_checked", p->orphans_checked);
    return plan_json_finish(o, out);
}
