/* run.h — `pipeline run`, the library side: the spec's pipeline applied to a source of changes,
 * into the lake, with a report. The source is a file (--from-file, run.c) or the source table's
 * DynamoDB stream (shards, checkpoints, leases: run_stream.c). The lake is a local directory
 * (file://) or the spec's bucket and Glue table (needs a client). With a stack and a client,
 * the run ends with one message to the pipeline's notification topic (notify.h). */
#ifndef PW_RUN_H
#define PW_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/report.h"
#include "provision/aws/error.h"
#include "provision/spec/spec.h"

#define PIPELINE_DEFAULT_GRACE_S 3600

struct aws_client;
struct stack;

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
    /* Reading the stream (no from_file): */
    int follow;                     /* keep polling until *stop; otherwise stop once caught up */
    uint64_t max_records;           /* stop after the answer that reaches this many; 0: no limit */
    long lease_ms;                  /* the shards' and the writers' lock's leases; 0: 60 s */
    const char *runner_id;          /* NULL: "host:pid:random" */
    volatile sig_atomic_t *stop;    /* set (by a signal handler): finish the batch, commit, stop */
    /* The stack (names, ARNs): the notification goes to the pipeline's topic when set. */
    const struct stack *stack;
};

/* Runs the pipeline once (or, following the stream, until *stop). 0 with rep filled; -1 with
 * err (rep holds what was done). A failed run's notification carries err. */
int pipeline_run(const struct pipeline_options *o, struct pipeline_report *rep,
                 struct pw_error *err);

/* Shared with the backfill (pipeline/backfill.c), which feeds the same state another way. */
struct transform;
struct lake;
struct state;
/* The lake: o->to, the spec's file:// url (relative to the spec's folder), or the spec's
 * bucket with its Glue table (needs o->client). */
int pipeline_open_lake(const struct pipeline_options *o, const struct transform *tf,
                       struct lake **lake, struct pw_error *err);
/* One line of input (a stream record, or an export line when snapshot): a change for the
 * state, or a rejected record (quarantined). */
int pipeline_apply_line(struct state *st, const char *line, size_t len, long lineno,
                        const char *source, int snapshot, struct pipeline_report *rep,
                        struct pw_error *err);

/* Whether the run writes to S3 (the spec's bucket, no --to): it needs a client. */
int pipeline_writes_s3(const struct pipeline_options *o);

#endif
