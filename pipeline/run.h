/* run.h — `pipeline run`, the library side: the spec's pipeline applied to a source of changes,
 * into the lake, with a report. Offline today (--from-file, a file:// lake); the stream reader
 * (shards, checkpoints, leases) plugs in as another source of changes for the same state. */
#ifndef PW_RUN_H
#define PW_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/report.h"
#include "provision/aws/error.h"
#include "provision/spec/spec.h"

#define PIPELINE_DEFAULT_GRACE_S 3600

struct pipeline_options {
    const struct spec *spec;
    const char *from_file;          /* stream records or export lines (gzip or not) */
    const char *to;                 /* "file://DIR" instead of the spec's output, or NULL */
    const char *dimension_file;     /* the join table; NULL: the lake's copy from the last run */
    size_t batch_records;           /* 0: by size only */
    size_t batch_bytes;             /* 0: the default (64 MiB) */
    int64_t grace_s;                /* old versions are kept this long; < 0: the default */
    int64_t (*now_us)(void *ctx);   /* the clock; NULL: the real one */
    void *clock_ctx;
};

/* Runs the pipeline once. 0 with rep filled; -1 with err (rep holds what was done). */
int pipeline_run(const struct pipeline_options *o, struct pipeline_report *rep,
                 struct pw_error *err);

/* The lake url a run writes to: o->to, or the spec's file:// url (relative to the spec's
 * folder). Fails for an S3 output, which is not built yet. */
int pipeline_lake_url(const struct pipeline_options *o, struct buf *url, struct pw_error *err);

#endif
