/* state.h — the current-state model: the lake always equals transform(current source
 * contents) joined with the current dimension (docs/transform.md §6).
 *
 * Changes are collected into a batch (per key, the last one wins); state_flush writes every
 * partition the batch touches as a new version and switches to it. After state_flush returns
 * 0, everything applied so far is in the lake, durably: that is the point where a stream
 * reader commits its checkpoint. Applying a change twice, or replaying any suffix of the
 * stream in order, converges to the same lake, so "write, then checkpoint" is exactly once.
 *
 * Memory: the dimension, one batch (each change's record and rendered rows), and the
 * partition being rewritten, which is streamed file by file.
 *
 * Typical use (the offline run, and the stream reader):
 *
 *     state_new(&opts, &st, err);
 *     state_load_dimension_file(st, path, rep, err);      // or _snapshot; with a join only
 *     while (a change c) {
 *         state_apply(st, &c, rep, err);                   // or state_apply_dimension
 *         if (state_batch_full(st))
 *             state_flush(st, rep, err);                   // then commit the checkpoint
 *     }
 *     state_finish(st, rep, err);
 */
#ifndef PW_STATE_H
#define PW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/change.h"
#include "pipeline/lake.h"
#include "pipeline/report.h"
#include "pipeline/transform.h"

struct state_options {
    struct transform *tf;
    struct lake *lake;
    /* The input is a full snapshot (a DynamoDB export): the lake becomes its transform, and
     * partitions it does not touch are removed by state_finish. */
    int snapshot;
    size_t batch_bytes;             /* flush when the batch holds this much (0: 64 MiB, or no
                                       limit when batch_records is set) */
    size_t batch_records;           /* ... or this many changes (0: no limit) */
    /* A whole input known in advance (a file): its changes are spilled, per partition, to
     * files in a new folder made in spill_dir, and state_finish writes each partition once
     * (docs/transform.md §6). NULL: batches (a stream, whose checkpoints need the lake
     * written per batch). */
    const char *spill_dir;
    /* The clock, in microseconds since 1970 (version ids); NULL: the real one. */
    int64_t (*now_us)(void *ctx);
    void *clock_ctx;
};

struct state;

int state_new(const struct state_options *o, struct state **out, struct pw_error *err);
void state_free(struct state *s);

/* One change of the source table. A bad one is quarantined and counted, and leaves the item
 * without rows; only I/O and memory failures return -1. */
int state_apply(struct state *s, const struct change *c, struct pipeline_report *rep,
                struct pw_error *err);

/* A record that is not even a change (not JSON, too long, neither a stream record nor an
 * export line): quarantined with the reason. */
int state_reject(struct state *s, const char *reason, const char *text, size_t len,
                 const char *source, long line, struct pipeline_report *rep, struct pw_error *err);

/* The dimension. From a file (export lines, or a JSON array of items): the file is the whole
 * table; what differs from the dimension the lake was built with re-enriches the rows it
 * affects. From the lake's snapshot: the dimension of the last run. Either is needed before
 * the first change when the pipeline joins. */
int state_load_dimension_file(struct state *s, const char *path, struct pipeline_report *rep,
                              struct pw_error *err);
int state_load_dimension_snapshot(struct state *s, struct pipeline_report *rep,
                                  struct pw_error *err);
/* From items in memory (a JSON array of DynamoDB JSON items, e.g. a Scan of the table): like a
 * file, the whole table, compared with the lake's copy. source names them in the quarantine. */
int state_load_dimension_items(struct state *s, const cJSON *items, const char *source,
                               struct pipeline_report *rep, struct pw_error *err);
/* One change of the dimension table (a stream record of it). */
int state_apply_dimension(struct state *s, const struct change *c, struct pipeline_report *rep,
                          struct pw_error *err);

/* Whether the batch reached its limits. */
int state_batch_full(const struct state *s);

/* Writes and switches every partition the batch touches; then the batch is empty. */
int state_flush(struct state *s, struct pipeline_report *rep, struct pw_error *err);

/* The last flush, the removal of partitions a snapshot did not touch, the dimension snapshot
 * and the transform's fingerprint, in the lake. */
int state_finish(struct state *s, struct pipeline_report *rep, struct pw_error *err);

#endif
