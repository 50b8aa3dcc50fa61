/* backfill.h — `pipeline backfill`: the lake rebuilt from the whole source table, and the
 * checkpoints moved to where the stream stood, so `pipeline run` continues from there.
 *
 * The lake becomes transform(source) exactly (a snapshot: items the source no longer holds
 * lose their rows, partitions left without items go; docs/transform.md §6). The source is a
 * parallel Scan of the table, or a DynamoDB export (a file, a folder, or s3://bucket/prefix);
 * the dimension a Scan of its table, an export, or a file. With the local engine the
 * transform runs here, through the same state as `pipeline run`; with the Glue engine the
 * provisioned Glue job runs it (templates/glue/flatten_join.py) and this waits for it.
 *
 * Checkpoints (docs/checkpoints.md, "Backfill"): the end of every shard is recorded BEFORE
 * the source is read (positions.h), and written as the checkpoints once the lake holds the
 * result. They are not set offline (an export into file://, no AWS at all), nor from an
 * export (it shows the table at its export time, not now; see the docs). */
#ifndef PW_BACKFILL_H
#define PW_BACKFILL_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/export.h"
#include "pipeline/positions.h"
#include "pipeline/report.h"
#include "pipeline/scan.h"
#include "provision/spec/spec.h"

enum backfill_engine { BACKFILL_LOCAL, BACKFILL_GLUE };

struct backfill_options {
    const struct spec *spec;
    struct aws_client *client;      /* NULL offline */
    enum backfill_engine engine;
    int segments;                   /* Scan TotalSegments; 0: SCAN_DEFAULT_SEGMENTS */
    long scan_limit;                /* Scan Limit per page; 0: DynamoDB's 1 MB pages */
    const char *from_export;        /* the source from an export instead of a Scan */
    const char *dimension_from_export;
    const char *dimension_file;     /* the join table from a file (export lines or an array) */
    const char *to;                 /* "file://DIR" instead of the spec's output */
    size_t batch_records;           /* 0: batches of 64 MiB */
    int64_t grace_s;                /* < 0: PIPELINE_DEFAULT_GRACE_S */
    /* glue */
    const char *job;                /* the spec's job id; NULL: the one job that runs the
                                       pipeline's script (flatten_join.py) */
    long wait_timeout_s;            /* 0: the job's own timeout */
    long poll_ms;                   /* first GetJobRun interval; 0: 2 s (doubles to 30 s) */
    /* a progress line ("glue job run jr_...: RUNNING after 40 s"), for stderr */
    void (*progress)(void *ctx, const char *line);
    void *progress_ctx;
    int64_t (*now_us)(void *ctx);   /* the clock for version ids; NULL: the real one */
    void *clock_ctx;
};

struct backfill_report {
    const char *engine;             /* "local" or "glue" */
    char source[1200];              /* "scan of table 'X' (4 segments)", "export s3://..." */
    char dimension[1200];           /* likewise, or "" without a join */
    struct pipeline_report run;     /* local: what the state did */
    struct scan_stats scan, dimension_scan;
    struct export_stats export, dimension_export;
    int checkpoints_set;            /* 1: positions were written */
    char checkpoints_note[300];     /* why not, when not */
    struct positions positions;
    char job_name[256], job_run_id[256], job_state[32];
    int64_t duration_ms;
};

/* 0 with rep filled; -1 with err (rep holds what was done). Release rep either way. */
int pipeline_backfill(const struct backfill_options *o, struct backfill_report *rep,
                      struct pw_error *err);
void backfill_report_release(struct backfill_report *rep);

/* Option combinations that cannot work (a usage error in err), checked before anything is
 * read or any connection made. pipeline_backfill checks them too. */
int backfill_check_options(const struct backfill_options *o, struct pw_error *err);

/* Whether the backfill needs AWS: anything but an export from disk into a file:// lake with
 * the dimension from a file (or no join). */
int backfill_needs_aws(const struct backfill_options *o);

int backfill_report_text(const struct backfill_report *r, struct buf *out);
int backfill_report_json(const struct backfill_report *r, struct buf *out);

/* ---- the Glue engine (backfill_glue.c) ---- */

/* The job that runs the pipeline: o->job, or the one job whose script is flatten_join.py. */
const struct spec_job *backfill_glue_job(const struct spec *s, const char *id,
                                         struct pw_error *err);
/* StartJobRun's Arguments: the pipeline's (job_pipeline_arguments) and the backfill's own
 * (--source_path, --dimension_path for exports in S3, --backfill true). NULL: out of memory. */
cJSON *backfill_glue_arguments(const struct spec *s, const struct backfill_options *o);
/* Starts the job run and waits until it ends: 0 when it SUCCEEDED; -1 with the run's
 * ErrorMessage when it failed, stopped or timed out, or when wait_timeout_s passed. */
int backfill_glue_run(const struct backfill_options *o, struct backfill_report *rep,
                      struct pw_error *err);
/* A job run state: 0 still going, 1 succeeded, -1 ended otherwise. Exposed for tests. */
int backfill_glue_state(const char *state);

#endif
