/* run.c — `pipeline run` (see run.h): the file source, the lake, and the run around a source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/change.h"
#include "pipeline/ddb_decode.h"
#include "pipeline/input.h"
#include "pipeline/lake.h"
#include "pipeline/notify.h"
#include "pipeline/run.h"
#include "pipeline/run_stream.h"
#include "pipeline/state.h"
#include "pipeline/transform.h"

static int64_t now_us(const struct pipeline_options *o)
{
    if (o->now_us)
        return o->now_us(o->clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

int pipeline_writes_s3(const struct pipeline_options *o)
{
    return !o->to && !spec_str_set(o->spec->pipeline.output.url);
}

/* The lake: --to, the spec's file:// url (relative to the spec's folder, like every path in
 * it), or the spec's bucket with its Glue table. */
int pipeline_open_lake(const struct pipeline_options *o, const struct transform *tf,
                       struct lake **lake, struct pw_error *err)
{
    const struct spec_output *out = &o->spec->pipeline.output;
    if (pipeline_writes_s3(o)) {
        if (!o->client)
            return pw_fail(err, PW_EXIT_USAGE, "the pipeline writes to bucket '%s': that needs AWS "
                           "(or write to a local lake with --to file://DIR)", out->bucket_ref.v);
        struct lake_s3_options so = {
            .bucket = out->bucket->name.v,
            .prefix = out->prefix.v,
            .quarantine_prefix = out->quarantine_prefix.v,
            .changes_prefix = out->changes_prefix.v,
            .database = o->spec->database.v,
            .table = out->table.v,
            .part_as = tf->partitioned ? tf->part_as : NULL,
        };
        return lake_s3_open(o->client, &so, lake, err);
    }
    struct buf url;
    buf_init(&url, 0);
    int rc;
    if (o->to)
        rc = buf_appends(&url, o->to);
    else if (out->url.v[7] == '/' || !o->spec->dir || strcmp(o->spec->dir, ".") == 0)
        rc = buf_appends(&url, out->url.v);
    else
        rc = buf_appendf(&url, "file://%s/%s", o->spec->dir, out->url.v + 7);
    rc = rc < 0 ? pw_fail(err, PW_EXIT_FAILED, "out of memory")
                : lake_file_open(buf_cstr(&url), out->prefix.v, out->quarantine_prefix.v,
                                 out->changes_prefix.v, tf->partitioned, lake, err);
    buf_release(&url);
    return rc;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

int pipeline_apply_line(struct state *st, const char *line, size_t len, long lineno,
                        const char *source, int snapshot, struct pipeline_report *rep,
                        struct pw_error *err)
{
    char why[512];
    cJSON *j = cJSON_ParseWithLength(line, len);
    struct change c;
    int rc;
    if (!j)
        return state_reject(st, "not valid JSON", line, len, source, lineno, rep, err);
    if (change_from_json(j, &c, why, sizeof why) != 0)
        rc = state_reject(st, why, line, len, source, lineno, rep, err);
    else if (snapshot != (c.op == CHANGE_ITEM))
        rc = state_reject(st, snapshot ? "a stream record in a file of export lines"
                                       : "an export line in a file of stream records",
                          line, len, source, lineno, rep, err);
    else {
        c.record = line;
        c.record_len = len;
        c.source = source;
        c.line = lineno;
        rc = state_apply(st, &c, rep, err);
    }
    cJSON_Delete(j);
    return rc;
}

/* Whether the file is an export: its first record is an export line. */
static int is_export(const char *path, int *snapshot, struct pw_error *err)
{
    struct input in;
    const char *line;
    size_t len;
    *snapshot = 0;
    if (input_open(&in, path, err) < 0)
        return -1;
    int got = input_next(&in, &line, &len, err);
    if (got == 1) {
        cJSON *j = cJSON_ParseWithLength(line, len);
        *snapshot = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(j, "Item"));
        cJSON_Delete(j);
    }
    input_close(&in);
    return got < 0 ? -1 : 0;
}

static int feed_file(struct state *st, const char *path, int snapshot, struct pipeline_report *rep,
                     struct pw_error *err)
{
    struct input in;
    const char *line, *source = base_name(path);
    size_t len;
    int got, rc = 0;
    if (input_open(&in, path, err) < 0)
        return -1;
    while (rc == 0 && (got = input_next(&in, &line, &len, err)) > 0) {
        rep->records++;
        if (got == 2)
            rc = state_reject(st, "record longer than 4194304 bytes (its start is kept)", line, len,
                              source, in.line, rep, err);
        else
            rc = pipeline_apply_line(st, line, len, in.line, source, snapshot, rep, err);
        if (rc == 0 && state_batch_full(st))
            rc = state_flush(st, rep, err);
    }
    if (rc == 0 && got < 0)
        rc = -1;
    input_close(&in);
    return rc;
}

/* --parse-only: the floor under the transform. Every record is read, parsed and decoded (its
 * change and its images checked all the way down, as a real run does before transforming),
 * and counted; nothing is transformed, kept or written. Bad records are counted as
 * quarantined but not written anywhere. */
static int parse_file(const char *path, struct pipeline_report *rep, struct pw_error *err)
{
    struct input in;
    const char *line;
    size_t len;
    char why[512];
    int got;
    if (input_open(&in, path, err) < 0)
        return -1;
    while ((got = input_next(&in, &line, &len, err)) > 0) {
        struct change c;
        cJSON *j = got == 1 ? cJSON_ParseWithLength(line, len) : NULL;
        int bad = !j || change_from_json(j, &c, why, sizeof why) != 0 ||
                  ddb_check_item(c.keys, why, sizeof why) < 0 ||
                  (c.new_image && ddb_check_item(c.new_image, why, sizeof why) < 0) ||
                  (c.old_image && ddb_check_item(c.old_image, why, sizeof why) < 0);
        rep->records++;
        if (bad)
            rep->quarantined++;
        else {
            rep->inserted += c.op == CHANGE_INSERT || c.op == CHANGE_ITEM;
            rep->modified += c.op == CHANGE_MODIFY;
            rep->removed += c.op == CHANGE_REMOVE;
        }
        cJSON_Delete(j);
    }
    input_close(&in);
    return got < 0 ? -1 : 0;
}

/* The dimension: --dimension-file, a Scan of the table when reading the stream, or the lake's
 * copy from the last run. */
static int load_dimension(const struct pipeline_options *o, const struct transform *tf,
                          struct stream_source *src, struct state *st, struct pipeline_report *rep,
                          struct pw_error *err)
{
    if (!tf->has_join) {
        if (o->dimension_file)
            return pw_fail(err, PW_EXIT_USAGE, "the pipeline joins no dimension table: "
                           "--dimension-file is not used");
        return 0;
    }
    if (o->dimension_file)
        return state_load_dimension_file(st, o->dimension_file, rep, err);
    if (src)
        return stream_source_dimension(src, st, rep, err);
    return state_load_dimension_snapshot(st, rep, err);
}

/* Old versions whose grace period is over, removed under the writers' lock: another runner's
 * version being written is never taken for an abandoned one. */
static int collect(const struct pipeline_options *o, struct lake *lake,
                   struct pipeline_report *rep, struct pw_error *err)
{
    int64_t grace = (o->grace_s < 0 ? PIPELINE_DEFAULT_GRACE_S : o->grace_s) * 1000000;
    size_t removed = 0;
    if (lake->ops->lock(lake, err) < 0)
        return -1;
    int rc = lake_gc(lake, now_us(o), grace, &removed, err);
    lake->ops->unlock(lake);
    rep->versions_removed = removed;
    return rc;
}

static int run(const struct pipeline_options *o, struct pipeline_report *rep, struct pw_error *err)
{
    struct transform *tf = NULL;
    struct lake *lake = NULL;
    struct state *st = NULL;
    struct stream_source *src = NULL;
    int snapshot = 0, rc = -1;
    const struct spec_pipeline *pl = &o->spec->pipeline;
    if (o->parse_only)
        return o->from_file ? parse_file(o->from_file, rep, err)
                            : pw_fail(err, PW_EXIT_USAGE, "--parse-only reads a file: give --from-file FILE");
    if (transform_new(pl, &tf, err) < 0)
        goto done;
    if (!o->from_file && stream_source_open(o, &src, err) < 0)
        goto done;
    if (pipeline_open_lake(o, tf, &lake, err) < 0 ||
        (o->from_file && is_export(o->from_file, &snapshot, err) < 0))
        goto done;
    if (src) {
        struct lake_guard g;
        stream_source_guard(src, &g);
        struct lake *inner = lake;
        lake = NULL;
        if (lake_guard_wrap(inner, &g, &lake, err) < 0)
            goto done;
    }
    struct state_options so = {
        .tf = tf,
        .lake = lake,
        .snapshot = snapshot,
        .batch_bytes = o->batch_bytes,
        .batch_records = o->batch_records,
        /* A file is known whole: applied partition by partition (state_spill.c), beside the
         * lake when it is local; unless batches were asked for. The stream is read in batches:
         * each one must be in the lake before its checkpoint is committed. */
        .spill_dir = src || o->batch_records || o->batch_bytes ? NULL
                     : lake->local ? lake->local : o->tmp_dir,
        .now_us = o->now_us,
        .clock_ctx = o->clock_ctx,
    };
    if (state_new(&so, &st, err) < 0 || load_dimension(o, tf, src, st, rep, err) < 0)
        goto done;
    if ((src ? stream_source_feed(src, st, rep, err) : feed_file(st, o->from_file, snapshot, rep, err)) < 0 ||
        state_finish(st, rep, err) < 0 || collect(o, lake, rep, err) < 0)
        goto done;
    rc = 0;
done:
    if (rc < 0 && lake)
        pw_error_prefix(err, "pipeline run (%s)", lake->where);
    if (src)
        stream_source_report(src, rep);
    state_free(st);
    lake_free(lake);
    stream_source_close(src);
    transform_free(tf);
    return rc;
}

int pipeline_run(const struct pipeline_options *o, struct pipeline_report *rep,
                 struct pw_error *err)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    int rc = run(o, rep, err);
    rep->duration_ms = elapsed_ms(&t0);
    if (o->client && o->stack) {
        struct pw_error nerr;
        if (notify_publish(o->client, o->stack, &o->spec->pipeline, rep, rc < 0 ? err : NULL,
                           &nerr) < 0 && rc == 0) {
            pw_error_prefix(&nerr, "the run is done and committed, but its notification failed");
            *err = nerr;
            rc = -1;
        }
    }
    return rc;
}
