/* backfill.c — `pipeline backfill` with the local engine, and the checkpoints (see
 * backfill.h). */
#include "pipeline/backfill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/checkpoint.h"
#include "pipeline/input.h"
#include "pipeline/jsonapi.h"
#include "pipeline/lake.h"
#include "pipeline/lake_guard.h"
#include "pipeline/run.h"
#include "pipeline/state.h"
#include "pipeline/transform.h"
#include "pipeline/writers_lock.h"

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

static int64_t elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int64_t wall_us(const struct backfill_options *o)
{
    if (o->now_us)
        return o->now_us(o->clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int has_join(const struct backfill_options *o)
{
    return o->spec->pipeline.join.table != NULL;
}

static struct pipeline_options run_options(const struct backfill_options *o)
{
    return (struct pipeline_options){.spec = o->spec, .client = o->client, .to = o->to,
                                     .grace_s = o->grace_s};
}

int backfill_needs_aws(const struct backfill_options *o)
{
    struct pipeline_options po = run_options(o);
    if (o->engine == BACKFILL_GLUE || !o->from_export || export_is_s3(o->from_export) ||
        (o->dimension_from_export && export_is_s3(o->dimension_from_export)) ||
        pipeline_writes_s3(&po))
        return 1;
    return has_join(o) && !o->dimension_file && !o->dimension_from_export;
}

void backfill_report_release(struct backfill_report *rep)
{
    if (rep)
        positions_release(&rep->positions);
}

int backfill_check_options(const struct backfill_options *o, struct pw_error *err)
{
    const struct spec_pipeline *pl = &o->spec->pipeline;
    if (!pl->present)
        return pw_fail(err, PW_EXIT_SPEC, "the spec declares no pipeline");
    if (!has_join(o) && (o->dimension_file || o->dimension_from_export))
        return pw_fail(err, PW_EXIT_USAGE, "the pipeline joins no dimension table: --%s is not "
                       "used", o->dimension_file ? "dimension-file" : "dimension-from-export");
    if (o->dimension_file && o->dimension_from_export)
        return pw_fail(err, PW_EXIT_USAGE, "give the dimension once: --dimension-file or "
                       "--dimension-from-export");
    if (o->engine == BACKFILL_GLUE) {
        if (o->to)
            return pw_fail(err, PW_EXIT_USAGE, "--engine glue writes the pipeline's own output: "
                           "--to is for the local engine");
        if (o->dimension_file)
            return pw_fail(err, PW_EXIT_USAGE, "--engine glue cannot read a local "
                           "--dimension-file: give --dimension-from-export s3://...");
        const char *local = o->from_export && !export_is_s3(o->from_export) ? o->from_export
                          : o->dimension_from_export && !export_is_s3(o->dimension_from_export)
                                ? o->dimension_from_export : NULL;
        if (local)
            return pw_fail(err, PW_EXIT_USAGE, "--engine glue reads exports in S3, not '%s'", local);
    }
    return 0;
}

/* Whether the checkpoints move: only for the pipeline's own lake, rebuilt from the table as
 * it is now. Otherwise the note says why not. */
static int wants_checkpoints(const struct backfill_options *o, struct backfill_report *rep)
{
    const char *why = NULL;
    if (!o->client)
        why = "offline: no AWS, no checkpoints";
    else if (o->to)
        why = "--to writes another lake than the pipeline's: its checkpoints stay as they are";
    else if (o->from_export)
        why = "the source is an export, which shows the table at its export time, not now: "
              "the checkpoints stay as they are (docs/checkpoints.md, \"Backfill\")";
    if (why)
        snprintf(rep->checkpoints_note, sizeof rep->checkpoints_note, "%s", why);
    return why == NULL;
}

/* ---- feeding the state ---- */

struct feed {
    struct state *st;
    struct pipeline_report *rep;
    struct buf line;                /* a scanned item as an export line */
    cJSON *items;                   /* the dimension, collected */
};

static int feed_line(struct feed *f, const char *text, size_t len, long lineno, const char *source,
                     int too_long, struct pw_error *err)
{
    int rc;
    f->rep->records++;
    if (too_long)
        rc = state_reject(f->st, "record longer than 4194304 bytes (its start is kept)", text, len,
                          source, lineno, f->rep, err);
    else
        rc = pipeline_apply_line(f->st, text, len, lineno, source, 1, f->rep, err);
    if (rc == 0 && state_batch_full(f->st))
        rc = state_flush(f->st, f->rep, err);
    return rc;
}

static int export_source_line(void *ctx, const struct export_line *l, struct pw_error *err)
{
    return feed_line(ctx, l->text, l->len, l->line, l->source, l->too_long, err);
}

/* A scanned item is applied as the export line it would be ({"Item": ...}): the lake stores
 * the same record either way, and both inputs take the same path. */
static int scan_source_item(void *ctx, const cJSON *item, struct pw_error *err)
{
    struct feed *f = ctx;
    char *text = cJSON_PrintUnformatted(item);
    buf_reset(&f->line);
    int rc = text && buf_appends(&f->line, "{\"Item\":") == 0 && buf_appends(&f->line, text) == 0 &&
             buf_appendc(&f->line, '}') == 0 ? 0 : oom(err);
    cJSON_free(text);
    return rc ? rc : feed_line(f, f->line.data, f->line.len, 0, "scan", 0, err);
}

static int collect_item(struct feed *f, cJSON *item, struct pw_error *err)
{
    if (!item)
        return oom(err);
    cJSON_AddItemToArray(f->items, item);
    return 0;
}

static int scan_dimension_item(void *ctx, const cJSON *item, struct pw_error *err)
{
    return collect_item(ctx, cJSON_Duplicate(item, 1), err);
}

static int export_dimension_line(void *ctx, const struct export_line *l, struct pw_error *err)
{
    struct feed *f = ctx;
    cJSON *j = l->too_long ? NULL : cJSON_ParseWithLength(l->text, l->len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return state_reject(f->st, l->too_long ? "dimension item longer than 4194304 bytes"
                                               : "dimension item: not a JSON object",
                            l->text, l->len, l->source, l->line, f->rep, err);
    }
    return collect_item(f, j, err);
}

static int load_dimension(const struct backfill_options *o, struct feed *f,
                          struct backfill_report *rep, struct pw_error *err)
{
    const struct spec_table *t = o->spec->pipeline.join.table;
    int rc;
    if (o->dimension_file) {
        snprintf(rep->dimension, sizeof rep->dimension, "file %s", o->dimension_file);
        return state_load_dimension_file(f->st, o->dimension_file, f->rep, err);
    }
    if (!(f->items = cJSON_CreateArray()))
        return oom(err);
    if (o->dimension_from_export) {
        snprintf(rep->dimension, sizeof rep->dimension, "export %s", o->dimension_from_export);
        rc = export_read(o->client, o->dimension_from_export, export_dimension_line, f,
                         &rep->dimension_export, err);
    } else {
        int segs = o->segments > 0 ? o->segments : SCAN_DEFAULT_SEGMENTS;
        snprintf(rep->dimension, sizeof rep->dimension, "scan of table '%s'", t->name.v);
        rc = scan_table(o->client, t->name.v, segs, o->scan_limit, scan_dimension_item, f,
                        &rep->dimension_scan, err);
    }
    if (rc == 0)
        rc = state_load_dimension_items(f->st, f->items, rep->dimension, f->rep, err);
    cJSON_Delete(f->items);
    f->items = NULL;
    return rc;
}

static int load_source(const struct backfill_options *o, struct feed *f,
                       struct backfill_report *rep, struct pw_error *err)
{
    if (o->from_export) {
        snprintf(rep->source, sizeof rep->source, "export %s", o->from_export);
        return export_read(o->client, o->from_export, export_source_line, f, &rep->export, err);
    }
    const char *table = o->spec->pipeline.source->name.v;
    int segs = o->segments > 0 ? o->segments : SCAN_DEFAULT_SEGMENTS;
    snprintf(rep->source, sizeof rep->source, "scan of table '%s'", table);
    return scan_table(o->client, table, segs, o->scan_limit, scan_source_item, f, &rep->scan, err);
}

/* The spec's lake is shared with `pipeline run`: the backfill writes it under the same writers'
 * lock (docs/checkpoints.md), so a runner's batch and the backfill never interleave. */
struct guard {
    struct jsonapi api;
    char owner[128];
    struct writers_lock lock;   /* borrows api and owner */
};

static int guard_lake(const struct backfill_options *o, struct guard *gd, struct lake **lake,
                      struct pw_error *err)
{
    const struct spec_pipeline *pl = &o->spec->pipeline;
    struct lake_guard g;
    gd->api = jsonapi_client(o->client);
    checkpoint_runner_id(gd->owner, sizeof gd->owner);
    writers_lock_init(&gd->lock, &gd->api, pl->checkpoints.name.v, pl->name.v, gd->owner, 0);
    writers_lock_guard(&gd->lock, &g);
    struct lake *inner = *lake;
    *lake = NULL;
    return lake_guard_wrap(inner, &g, lake, err);
}

/* Old versions past their grace period, removed under the lake's lock (and the writers' lock). */
static int collect(const struct backfill_options *o, struct lake *lake, struct backfill_report *rep,
                   struct pw_error *err)
{
    int64_t grace = (o->grace_s < 0 ? PIPELINE_DEFAULT_GRACE_S : o->grace_s) * 1000000;
    size_t removed = 0;
    if (lake->ops->lock(lake, err) < 0)
        return -1;
    int rc = lake_gc(lake, wall_us(o), grace, &removed, err);
    lake->ops->unlock(lake);
    rep->run.versions_removed = removed;
    return rc;
}

/* The transform here: the lake becomes the snapshot's transform. */
static int run_local(const struct backfill_options *o, struct backfill_report *rep,
                     struct pw_error *err)
{
    struct pipeline_options po = run_options(o);
    struct transform *tf = NULL;
    struct lake *lake = NULL;
    struct guard gd;
    struct feed f = {.rep = &rep->run};
    int rc = -1;
    buf_init(&f.line, 0);
    if (transform_new(&o->spec->pipeline, &tf, err) < 0 || pipeline_open_lake(&po, tf, &lake, err) < 0)
        goto done;
    if (o->client && !o->to && guard_lake(o, &gd, &lake, err) < 0)
        goto done;
    struct state_options so = {
        .tf = tf,
        .lake = lake,
        .snapshot = 1,
        .batch_records = o->batch_records,
        .now_us = o->now_us,
        .clock_ctx = o->clock_ctx,
    };
    if (state_new(&so, &f.st, err) < 0)
        goto done;
    if ((has_join(o) && load_dimension(o, &f, rep, err) < 0) || load_source(o, &f, rep, err) < 0 ||
        state_finish(f.st, &rep->run, err) < 0)
        goto done;
    if (collect(o, lake, rep, err) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0 && lake)
        pw_error_prefix(err, "pipeline backfill (%s)", lake->where);
    state_free(f.st);
    lake_free(lake);
    transform_free(tf);
    buf_release(&f.line);
    return rc;
}

int pipeline_backfill(const struct backfill_options *o, struct backfill_report *rep,
                      struct pw_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    rep->engine = o->engine == BACKFILL_GLUE ? "glue" : "local";
    if (backfill_check_options(o, err) < 0)
        return -1;
    if (backfill_needs_aws(o) && !o->client)
        return pw_fail(err, PW_EXIT_USAGE, "this backfill needs AWS");
    int checkpoints = wants_checkpoints(o, rep);
    /* Before the source is read: every change up to these positions is in what is read. */
    int rc = checkpoints ? positions_read(o->client, &o->spec->pipeline, &rep->positions, err) : 0;
    if (rc == 0)
        rc = o->engine == BACKFILL_GLUE ? backfill_glue_run(o, rep, err) : run_local(o, rep, err);
    if (rc == 0 && checkpoints) {
        rc = positions_commit(o->client, &o->spec->pipeline, &rep->positions, err);
        rep->checkpoints_set = rc == 0;
    }
    rep->duration_ms = elapsed_ms(&t0);
    rep->run.duration_ms = rep->duration_ms;
    return rc;
}
