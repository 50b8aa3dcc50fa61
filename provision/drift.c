/* drift.c — classify a plan's reads as drift, and render them for people, programs and CI. */
#include "provision/drift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/xmlw.h"

const char *drift_status_name(enum drift_status s)
{
    switch (s) {
    case DRIFT_IN_SYNC: return "IN_SYNC";
    case DRIFT_MODIFIED: return "MODIFIED";
    case DRIFT_MISSING: return "MISSING";
    default: return "NOT_CHECKED";
    }
}

/* Splits "table.orders.tags[team]" at the second '.': the address and the property. */
static int split_ignore(const char *pattern, char *address, size_t n, const char **property)
{
    const char *dot = strchr(pattern, '.');
    dot = dot ? strchr(dot + 1, '.') : NULL;
    if (!dot || !dot[1] || (size_t)(dot - pattern) >= n)
        return -1;
    memcpy(address, pattern, (size_t)(dot - pattern));
    address[dot - pattern] = '\0';
    *property = dot + 1;
    return 0;
}

static int check_ignores(const struct stack *st, const char *const *ignores, size_t n,
                         struct pw_error *err)
{
    char address[200];
    const char *prop;
    for (size_t i = 0; i < n; i++) {
        if (split_ignore(ignores[i], address, sizeof address, &prop) < 0)
            return pw_fail(err, PW_EXIT_USAGE, "--ignore takes RESOURCE.PROPERTY, like "
                           "table.orders.billing or bucket.lake.tags[team], not '%s'", ignores[i]);
        if (!stack_find(st, address))
            return pw_fail(err, PW_EXIT_USAGE, "--ignore '%s': the spec has no resource '%s'",
                           ignores[i], address);
    }
    return 0;
}

static size_t apply_ignores(struct plan_item *it, const char *const *ignores, size_t n)
{
    char address[200];
    const char *prop;
    size_t dropped = 0;
    for (size_t i = 0; i < n; i++)
        if (split_ignore(ignores[i], address, sizeof address, &prop) == 0 &&
            strcmp(address, it->res->address) == 0)
            dropped += res_diff_drop(&it->diff, prop);
    return dropped;
}

int drift_check(struct aws_client *c, const struct stack *st, const char *const *ignores,
                size_t n_ignores, struct drift_report *rep, struct pw_error *err)
{
    memset(rep, 0, sizeof *rep);
    if (check_ignores(st, ignores, n_ignores, err) < 0)
        return -1;
    if (plan_make(c, st, NULL, &rep->plan, err) < 0)
        return -1;
    rep->status = calloc(rep->plan.n ? rep->plan.n : 1, sizeof *rep->status);
    if (!rep->status) {
        drift_report_release(rep);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    for (size_t i = 0; i < rep->plan.n; i++) {
        struct plan_item *it = &rep->plan.items[i];
        switch (it->action) {
        case PLAN_ERROR:
        case PLAN_UNSUPPORTED:
            rep->status[i] = DRIFT_NOT_CHECKED;
            break;
        case PLAN_CREATE:
            rep->status[i] = DRIFT_MISSING;
            break;
        default:
            rep->ignored += apply_ignores(it, ignores, n_ignores);
            rep->status[i] = it->diff.len ? DRIFT_MODIFIED : DRIFT_IN_SYNC;
        }
    }
    return 0;
}

void drift_report_release(struct drift_report *rep)
{
    if (!rep)
        return;
    plan_release(&rep->plan);
    free(rep->status);
    rep->status = NULL;
}

size_t drift_count(const struct drift_report *rep, enum drift_status s)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->plan.n; i++)
        n += rep->status[i] == s;
    return n;
}

int drift_exit(const struct drift_report *rep)
{
    if (drift_count(rep, DRIFT_NOT_CHECKED))
        return PW_EXIT_FAILED;
    if (drift_count(rep, DRIFT_MODIFIED) || drift_count(rep, DRIFT_MISSING))
        return PW_EXIT_CHANGES;
    return PW_EXIT_OK;
}

/* Why a resource could not be checked, in one line. */
static void not_checked_reason(const struct plan_item *it, char *out, size_t n)
{
    if (it->action == PLAN_UNSUPPORTED) {
        snprintf(out, n, "not supported yet: pipewright does not read %ss (%s) yet", it->res->kind->name,
                 it->res->kind->noun);
        return;
    }
    pw_error_format(&it->err, out, n);
}

/* --- text --------------------------------------------------------------------------------- */

int drift_render_text(const struct drift_report *rep, struct buf *out)
{
    const struct plan *p = &rep->plan;
    char line[1400];
    int rc = buf_appends(out, "drift of ");
    rc |= plan_render_header(p->stack, out);
    rc |= buf_appends(out, "\n\n");
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        rc |= buf_appendf(out, "%-11s %s (%s)", drift_status_name(rep->status[i]), it->res->address,
                          it->res->name);
        if (rep->status[i] == DRIFT_NOT_CHECKED) {
            not_checked_reason(it, line, sizeof line);
            rc |= buf_appendf(out, ": %s", line);
        } else if (rep->status[i] == DRIFT_MODIFIED && it->actual.presence == RES_FOREIGN) {
            rc |= buf_appendf(out, ": exists without the tag %s=%s (not ours)", PW_TAG_STACK, p->stack->name);
        }
        rc |= buf_appendc(out, '\n');
        if (rep->status[i] != DRIFT_MODIFIED)
            continue;
        for (size_t k = 0; k < it->diff.len; k++) {
            const struct res_change *ch = &it->diff.items[k];
            rc |= buf_appendf(out, "    %s: expected %s, actual %s\n", ch->path, plan_value(ch->new),
                              plan_value(ch->old));
        }
    }
    rc |= buf_appendf(out, "\n%zu in sync, %zu modified, %zu missing, %zu not checked",
                      drift_count(rep, DRIFT_IN_SYNC), drift_count(rep, DRIFT_MODIFIED),
                      drift_count(rep, DRIFT_MISSING), drift_count(rep, DRIFT_NOT_CHECKED));
    if (rep->ignored)
        rc |= buf_appendf(out, " (%zu differences ignored)", rep->ignored);
    rc |= buf_appendc(out, '\n');
    return rc ? -1 : 0;
}

/* --- JSON --------------------------------------------------------------------------------- */

int drift_render_json(const struct drift_report *rep, struct buf *out)
{
    const struct plan *p = &rep->plan;
    char line[1400];
    cJSON *arr;
    cJSON *o = plan_json_report(p, &arr);
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        cJSON *r = plan_json_resource(it->res);
        cJSON_AddStringToObject(r, "status", drift_status_name(rep->status[i]));
        cJSON_AddBoolToObject(r, "owned", it->actual.presence == RES_OWNED);
        cJSON *props = cJSON_AddArrayToObject(r, "differences");
        if (rep->status[i] == DRIFT_MODIFIED)
            for (size_t k = 0; k < it->diff.len; k++) {
                cJSON *d = cJSON_CreateObject();
                cJSON_AddStringToObject(d, "property", it->diff.items[k].path);
                plan_json_str_or_null(d, "expected", it->diff.items[k].new);
                plan_json_str_or_null(d, "actual", it->diff.items[k].old);
                cJSON_AddItemToArray(props, d);
            }
        if (rep->status[i] == DRIFT_NOT_CHECKED) {
            not_checked_reason(it, line, sizeof line);
            cJSON_AddStringToObject(r, "reason", line);
        }
        cJSON_AddItemToArray(arr, r);
    }
    cJSON *sum = cJSON_AddObjectToObject(o, "summary");
    for (int s = DRIFT_IN_SYNC; s <= DRIFT_NOT_CHECKED; s++)
        cJSON_AddNumberToObject(sum, drift_status_name((enum drift_status)s),
                                (double)drift_count(rep, (enum drift_status)s));
    cJSON_AddNumberToObject(sum, "ignored", (double)rep->ignored);
    cJSON_AddBoolToObject(o, "in_sync", drift_exit(rep) == PW_EXIT_OK);
    cJSON_AddNumberToObject(o, "exit", drift_exit(rep));
    return plan_json_finish(o, out);
}

/* --- JUnit -------------------------------------------------------------------------------- */

static int attr(struct buf *out, const char *name, const char *value)
{
    int rc = buf_appendf(out, " %s=\"", name);
    rc |= xml_escape(out, value);
    rc |= buf_appendc(out, '"');
    return rc ? -1 : 0;
}

int drift_render_junit(const struct drift_report *rep, struct buf *out)
{
    const struct plan *p = &rep->plan;
    struct buf body, suite;
    char line[1400];
    int rc = 0;
    buf_init(&body, 0);
    buf_init(&suite, 0);
    size_t failures = drift_count(rep, DRIFT_MODIFIED) + drift_count(rep, DRIFT_MISSING);
    size_t errors = drift_count(rep, DRIFT_NOT_CHECKED);
    rc |= buf_appendf(&suite, "pipewright drift %s", p->stack->name);
    rc |= buf_appends(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    rc |= buf_appendf(out, "<testsuites name=\"pipewright drift\" tests=\"%zu\" failures=\"%zu\" "
                           "errors=\"%zu\">\n  <testsuite", p->n, failures, errors);
    rc |= attr(out, "name", buf_cstr(&suite));
    rc |= buf_appendf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n",
                      p->n, failures, errors);
    for (size_t i = 0; i < p->n; i++) {
        const struct plan_item *it = &p->items[i];
        enum drift_status s = rep->status[i];
        buf_reset(&body);
        for (size_t k = 0; s == DRIFT_MODIFIED && k < it->diff.len; k++)
            rc |= buf_appendf(&body, "%s: expected %s, actual %s\n", it->diff.items[k].path,
                              plan_value(it->diff.items[k].new), plan_value(it->diff.items[k].old));
        if (s == DRIFT_MISSING)
            rc |= buf_appendf(&body, "%s '%s' does not exist\n", it->res->kind->noun, it->res->name);
        if (s == DRIFT_NOT_CHECKED) {
            not_checked_reason(it, line, sizeof line);
            rc |= buf_appendf(&body, "%s\n", line);
        }
        rc |= buf_appends(out, "    <testcase");
        rc |= attr(out, "classname", it->res->kind->name);
        rc |= attr(out, "name", it->res->address);
        if (s == DRIFT_IN_SYNC) {
            rc |= buf_appends(out, "/>\n");
            continue;
        }
        const char *tag = s == DRIFT_NOT_CHECKED ? "error" : "failure";
        rc |= buf_appendf(out, "><%s", tag);
        rc |= attr(out, "message", drift_status_name(s));
        rc |= buf_appendc(out, '>');
        rc |= xml_escape(out, buf_cstr(&body));
        rc |= buf_appendf(out, "</%s></testcase>\n", tag);
    }
    rc |= buf_appends(out, "  </testsuite>\n</testsuites>\n");
    buf_release(&body);
    buf_release(&suite);
    return rc ? -1 : 0;
}
