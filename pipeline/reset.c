/* reset.c — `pipeline reset`: delete the pipeline's checkpoints. */
#include "pipeline/reset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pipeline_reset(struct aws_client *c, const struct spec_pipeline *pl,
                   struct reset_report *out, struct pw_error *err)
{
    struct jsonapi api = jsonapi_client(c);
    struct checkpoint_store store = {
        .api = &api,
        .table = pl->checkpoints.name.v,
        .pipeline = pl->name.v,
    };
    struct checkpoint *items = NULL;
    size_t n = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!pl->present)
        return pw_fail(err, PW_EXIT_SPEC, "the spec declares no pipeline");
    snprintf(out->pipeline, sizeof out->pipeline, "%s", pl->name.v);
    snprintf(out->table, sizeof out->table, "%s", pl->checkpoints.name.v);
    if (checkpoint_list(&store, &items, &n, err) < 0)
        return -1;
    int64_t now = checkpoint_now_ms();
    if (n && !(out->live = calloc(n, sizeof *out->live))) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        if (items[i].owner[0] && items[i].lease_expires_ms > now)
            out->live[out->n_live++] = items[i];
    if (checkpoint_delete(&store, items, n, err) < 0)
        goto out;
    out->deleted = n;
    rc = 0;
out:
    free(items);
    if (rc < 0)
        reset_report_release(out);
    return rc;
}

void reset_report_release(struct reset_report *r)
{
    if (!r)
        return;
    free(r->live);
    memset(r, 0, sizeof *r);
}

int reset_render_text(const struct reset_report *r, struct buf *out)
{
    char t[40];
    int rc = buf_appendf(out, "deleted %zu checkpoint%s of pipeline %s from table %s\n",
                         r->deleted, r->deleted == 1 ? "" : "s", r->pipeline, r->table);
    for (size_t i = 0; i < r->n_live; i++) {
        checkpoint_format_time(r->live[i].lease_expires_ms, t, sizeof t);
        rc |= buf_appendf(out, "shard %s was leased by runner %s until %s: that runner stops "
                          "at its next commit\n", r->live[i].shard, r->live[i].owner, t);
    }
    return rc ? -1 : 0;
}

int reset_render_json(const struct reset_report *r, struct buf *out)
{
    char t[40];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "pipeline", r->pipeline);
    cJSON_AddStringToObject(o, "checkpoint_table", r->table);
    cJSON_AddNumberToObject(o, "deleted", (double)r->deleted);
    cJSON *arr = cJSON_AddArrayToObject(o, "live_leases");
    for (size_t i = 0; i < r->n_live; i++) {
        cJSON *l = cJSON_CreateObject();
        checkpoint_format_time(r->live[i].lease_expires_ms, t, sizeof t);
        cJSON_AddStringToObject(l, "shard", r->live[i].shard);
        cJSON_AddStringToObject(l, "owner", r->live[i].owner);
        cJSON_AddStringToObject(l, "expires_at", t);
        cJSON_AddItemToArray(arr, l);
    }
    char *text = cJSON_Print(o);
    int rc = text && buf_appends(out, text) == 0 && buf_appendc(out, '\n') == 0 ? 0 : -1;
    cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}
