/* run.h — `pipeline run`, the library side: the spec's pipeline applied to a source of changes,
 * into the lake, with a report. The source is a file today (--from-file); the stream reader
 * (shards, checkpoints, leases) plugs in as another source of changes for the same state. The
 * lake is a local directory (file://) or the spec's bucket and Glue table (needs a client). */
#ifndef PW_RUN_H
#define PW_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/report.h"
#include "provision/aws/error.h"
#include "provision/spec/spec.h"

#define PIPELINE_DEFAULT_GRACE_S 3600

struct aws_client;

struct pipeline_options {
    const struct spec *spec;
    struct aws_client *client;      /* for an S3 output; NULL offline */
    const char *from_file;          /* stream records or export lines (gzip or not) */
    const char *to;                 /* "file://DIR" instead of the spec's output, or NULL */
    const char *dimension_file;     /* the join table; NULL: the lake's copy from the last run */
    size_t batch_records;           /* 0: by size only */
    size_t batch_bytes;             /* 0: the default (64 MiB) */
    const char *tmp_dir;            /* temporary files when the lake has no local folder (S3) */
    int parse_only;                 /* read and decode the records only: the benchmark's floor */
    int64_t grace_s;                /* old versions are kept this long; < 0: the default */
    int64_t (*now_us)(void *ctx);   /* the clock; NULL: the real one */
    void *clock_ctx;
};

/* Runs the pipeline once. 0 with rep filled; -1 with err (rep holds what was done). */
int pipeline_run(const struct pipeline_options *o, struct pipeline_report *rep,
                 struct pw_error *err);

/* Whether the run writes to S3 (the spec's bucket, no --to): it needs a client. */
int pipeline_writes_s3(const struct pipeline_options *o);

#endif
