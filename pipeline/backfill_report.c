/* backfill_report.c — what a backfill did, as text or JSON (see backfill.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline/backfill.h"

static int glue(const struct backfill_report *r)
{
    return strcmp(r->engine, "glue") == 0;
}

/* "scan of table 'x' (4 segments, 12 requests, 900 items)" or "export DIR (3 files, ...)". */
static int input_text(struct buf *out, const char *label, const char *what,
                      const struct scan_stats *sc, const struct export_stats *ex)
{
    if (!what[0])
        return 0;
    if (buf_appendf(out, "%-22s %s", label, what) < 0)
        return -1;
    if (sc->segments && buf_appendf(out, " (%zu segments, %zu requests, %zu items)", sc->segments,
                                    sc->requests, sc->items) < 0)
        return -1;
    if (ex->files && buf_appendf(out, " (%zu files, %zu lines, %zu bytes)", ex->files, ex->lines,
                                 ex->bytes) < 0)
        return -1;
    return buf_appendc(out, '\n');
}

int backfill_report_text(const struct backfill_report *r, struct buf *out)
{
    if (buf_appendf(out, "%-22s %s\n", "engine", r->engine) < 0 ||
        input_text(out, "source", r->source, &r->scan, &r->export) < 0 ||
        input_text(out, "dimension", r->dimension, &r->dimension_scan, &r->dimension_export) < 0)
        return -1;
    if (glue(r)) {
        if (buf_appendf(out, "%-22s %s\n%-22s %s\n%-22s %s\n%-22s %.3f s\n", "glue job", r->job_name,
                        "job run", r->job_run_id, "job run state", r->job_state, "duration",
                        (double)r->duration_ms / 1000.0) < 0)
            return -1;
    } else if (pipeline_report_text(&r->run, out) < 0) {
        return -1;
    }
    if (!r->checkpoints_set)
        return buf_appendf(out, "%-22s not set: %s\n", "checkpoints", r->checkpoints_note);
    if (buf_appendf(out, "%-22s set for %zu shard%s of %s\n", "checkpoints", r->positions.n,
                    r->positions.n == 1 ? "" : "s", r->positions.stream_arn) < 0)
        return -1;
    for (size_t i = 0; i < r->positions.n; i++) {
        const struct position *p = &r->positions.items[i];
        if (buf_appendf(out, "  %s  %-12s %s (was %s)\n", p->shard, position_outcome_name(p->outcome),
                        p->seq[0] ? p->seq : "-", p->previous[0] ? p->previous : "none") < 0)
            return -1;
    }
    return 0;
}

static cJSON *input_json(const char *what, const struct scan_stats *sc, const struct export_stats *ex)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "from", what);
    if (ok && sc->segments)
        ok = cJSON_AddNumberToObject(o, "segments", (double)sc->segments) &&
             cJSON_AddNumberToObject(o, "scan_requests", (double)sc->requests) &&
             cJSON_AddNumberToObject(o, "items", (double)sc->items);
    if (ok && ex->files)
        ok = cJSON_AddNumberToObject(o, "files", (double)ex->files) &&
             cJSON_AddNumberToObject(o, "lines", (double)ex->lines) &&
             cJSON_AddNumberToObject(o, "bytes", (double)ex->bytes);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *checkpoints_json(const struct backfill_report *r)
{
    cJSON *o = cJSON_CreateObject(), *shards = o ? cJSON_AddArrayToObject(o, "shards") : NULL;
    int ok = shards && cJSON_AddBoolToObject(o, "set", r->checkpoints_set) &&
             cJSON_AddStringToObject(o, "note", r->checkpoints_note) &&
             cJSON_AddStringToObject(o, "stream_arn", r->positions.stream_arn
                                                          ? r->positions.stream_arn : "");
    for (size_t i = 0; ok && i < r->positions.n; i++) {
        const struct position *p = &r->positions.items[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddItemToArray(shards, s);
        ok = s && cJSON_AddStringToObject(s, "shard_id", p->shard) &&
             cJSON_AddStringToObject(s, "parent_shard_id", p->parent) &&
             cJSON_AddStringToObject(s, "sequence_number", p->seq) &&
             cJSON_AddStringToObject(s, "previous", p->previous) &&
             cJSON_AddStringToObject(s, "outcome", position_outcome_name(p->outcome)) &&
             cJSON_AddBoolToObject(s, "closed", p->closed) &&
             cJSON_AddNumberToObject(s, "records_read", (double)p->records_read);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int backfill_report_json(const struct backfill_report *r, struct buf *out)
{
    struct buf run;
    buf_init(&run, 0);
    cJSON *j = cJSON_CreateObject();
    int ok = j && cJSON_AddStringToObject(j, "engine", r->engine);
    if (ok) {
        cJSON *src = input_json(r->source, &r->scan, &r->export);
        cJSON *dim = r->dimension[0] ? input_json(r->dimension, &r->dimension_scan,
                                                  &r->dimension_export) : cJSON_CreateNull();
        cJSON *cps = checkpoints_json(r);
        ok = src && dim && cps;
        cJSON_AddItemToObject(j, "source", src);
        cJSON_AddItemToObject(j, "dimension", dim);
        cJSON_AddItemToObject(j, "checkpoints", cps);
    }
    if (ok && glue(r)) {
        cJSON *g = cJSON_AddObjectToObject(j, "glue");
        ok = g && cJSON_AddStringToObject(g, "job", r->job_name) &&
             cJSON_AddStringToObject(g, "run_id", r->job_run_id) &&
             cJSON_AddStringToObject(g, "state", r->job_state);
    } else if (ok) {
        /* The run's counters, exactly as `pipeline run --output json` gives them. */
        cJSON *counters = pipeline_report_json(&r->run, &run) == 0
                              ? cJSON_ParseWithLength(run.data, run.len) : NULL;
        ok = counters != NULL;
        cJSON_AddItemToObject(j, "run", counters);
    }
    ok = ok && cJSON_AddNumberToObject(j, "duration_ms", (double)r->duration_ms);
    char *text = ok ? cJSON_PrintUnformatted(j) : NULL;
    int rc = text ? buf_appends(out, text) : -1;
    cJSON_free(text);
    cJSON_Delete(j);
    buf_release(&run);
    return rc;
}
