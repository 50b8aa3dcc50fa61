/* spec_summary.c — what `validate` prints for a valid spec, as one line or as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "provision/spec/spec.h"

struct count {
    size_t n;
    const char *one, *many;
};

int spec_summary(const struct spec *s, struct buf *out)
{
    const struct count counts[] = {
        {s->n_tables, "table", "tables"},
        {s->n_buckets, "bucket", "buckets"},
        {spec_str_set(s->database) ? 1 : 0, "database", "databases"},
        {s->n_crawlers, "crawler", "crawlers"},
        {s->n_jobs, "job", "jobs"},
        {s->n_topics, "topic", "topics"},
        {s->n_schedules, "schedule", "schedules"},
        {s->n_workflows, "workflow", "workflows"},
        {s->pipeline.present ? 1 : 0, "pipeline", "pipelines"},
    };
    int any = 0;
    if (buf_appendf(out, "%s:", s->stack.v) < 0)
        return -1;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (!counts[i].n)
            continue;
        if (buf_appendf(out, "%s %zu %s", any ? "," : "", counts[i].n,
                        counts[i].n == 1 ? counts[i].one : counts[i].many) < 0)
            return -1;
        any = 1;
    }
    if (!any && buf_appends(out, " nothing declared") < 0)
        return -1;
    return 0;
}

static cJSON *named(const struct spec_str *id, const struct spec_str *name)
{
    cJSON *o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "id", id->v) || !cJSON_AddStringToObject(o, "name", name->v))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

#define LIST(root, key, arr, count)                                     \
    do {                                                                \
        cJSON *a_ = cJSON_AddArrayToObject((root), (key));              \
        for (size_t i_ = 0; a_ && i_ < (count); i_++)                   \
            cJSON_AddItemToArray(a_, named(&(arr)[i_].id, &(arr)[i_].name)); \
        if (!a_)                                                        \
            ok = 0;                                                     \
    } while (0)

int spec_summary_json(const struct spec *s, struct buf *out)
{
    int ok = 1, rc = -1;
    char *text = NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    ok &= cJSON_AddBoolToObject(o, "valid", 1) != NULL;
    ok &= cJSON_AddStringToObject(o, "file", s->path) != NULL;
    ok &= cJSON_AddStringToObject(o, "stack", s->stack.v) != NULL;
    ok &= cJSON_AddStringToObject(o, "region", s->region.v) != NULL;
    ok &= cJSON_AddStringToObject(o, "env", s->env.v) != NULL;
    struct buf line;
    buf_init(&line, 0);
    ok &= spec_summary(s, &line) == 0;
    ok &= cJSON_AddStringToObject(o, "summary", buf_cstr(&line)) != NULL;
    buf_release(&line);
    cJSON *res = cJSON_AddObjectToObject(o, "resources");
    if (!res)
        goto out;
    LIST(res, "tables", s->tables, s->n_tables);
    LIST(res, "buckets", s->buckets, s->n_buckets);
    if (spec_str_set(s->database))
        ok &= cJSON_AddStringToObject(res, "database", s->database.v) != NULL;
    LIST(res, "crawlers", s->crawlers, s->n_crawlers);
    LIST(res, "jobs", s->jobs, s->n_jobs);
    LIST(res, "topics", s->topics, s->n_topics);
    LIST(res, "schedules", s->schedules, s->n_schedules);
    LIST(res, "workflows", s->workflows, s->n_workflows);
    if (s->pipeline.present) {
        const struct spec_pipeline *p = &s->pipeline;
        cJSON *pj = cJSON_AddObjectToObject(res, "pipeline");
        ok &= pj && cJSON_AddStringToObject(pj, "name", p->name.v) &&
              cJSON_AddStringToObject(pj, "source", p->source ? p->source->id.v : "") &&
              cJSON_AddNumberToObject(pj, "columns", (double)p->n_columns) &&
              cJSON_AddStringToObject(pj, "checkpoints", p->checkpoints.name.v);
    }
    ok &= cJSON_AddBoolToObject(o, "account_deferred", spec_deferred(s)) != NULL;
    if (!ok)
        goto out;
    text = cJSON_PrintUnformatted(o);
    if (text && buf_appends(out, text) == 0)
        rc = 0;
out:
    free(text);
    cJSON_Delete(o);
    return rc;
}

int diag_list_render_json(const struct diag_list *d, struct buf *out)
{
    int rc = -1, ok = 1;
    char *text = NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    ok &= cJSON_AddBoolToObject(o, "valid", 0) != NULL;
    ok &= cJSON_AddStringToObject(o, "file", d->path ? d->path : "") != NULL;
    cJSON *errs = cJSON_AddArrayToObject(o, "errors");
    for (size_t i = 0; ok && errs && i < d->len; i++) {
        cJSON *e = cJSON_CreateObject();
        ok &= e && cJSON_AddNumberToObject(e, "line", d->items[i].loc.line) &&
              cJSON_AddNumberToObject(e, "column", d->items[i].loc.col) &&
              cJSON_AddStringToObject(e, "message", d->items[i].msg);
        if (e)
            cJSON_AddItemToArray(errs, e);
    }
    if (!ok || !errs)
        goto out;
    text = cJSON_PrintUnformatted(o);
    if (text && buf_appends(out, text) == 0)
        rc = 0;
out:
    free(text);
    cJSON_Delete(o);
    return rc;
}
