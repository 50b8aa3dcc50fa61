/* run_stream.h — the stream source of `pipeline run` (internal to pipeline/run*.c): the source
 * table's DynamoDB stream through a capture session, the dimension table read with a Scan, and
 * the writers' lock that lets runners share the lake.
 *
 * The order of a run (run.c):
 *
 *     stream_source_open(o, &src);            the stream, its shards and checkpoints
 *     stream_source_guard(src, &guard);       wraps the lake: writers' lock, lease renewal
 *     stream_source_dimension(src, st);       the dimension table, scanned once
 *     stream_source_feed(src, st);            batches applied, flushed, then committed
 *     state_finish(st);                       (nothing is left uncommitted by feed)
 *     stream_source_report(src, rep);         the checkpoint range of each shard
 *     stream_source_close(src);               the leases let go */
#ifndef PW_RUN_STREAM_H
#define PW_RUN_STREAM_H

#include "pipeline/lake_guard.h"
#include "pipeline/run.h"
#include "pipeline/state.h"

struct stream_source;

int stream_source_open(const struct pipeline_options *o, struct stream_source **out,
                       struct pw_error *err);
/* The guard for the lake: the writers' lock in the checkpoint table, and the shards' leases
 * renewed while a batch is written. Valid until stream_source_close. */
void stream_source_guard(struct stream_source *src, struct lake_guard *g);
/* Scans the dimension table (consistently, every page) into the state. */
int stream_source_dimension(struct stream_source *src, struct state *st,
                            struct pipeline_report *rep, struct pw_error *err);
/* Reads the stream until every shard is caught up (--once), or until *stop (--follow), or
 * until max_records; each batch of changes is flushed to the lake, then its records committed.
 * Returns with everything read committed (0), or -1 with nothing committed that is not in the
 * lake. */
int stream_source_feed(struct stream_source *src, struct state *st, struct pipeline_report *rep,
                       struct pw_error *err);
void stream_source_report(const struct stream_source *src, struct pipeline_report *rep);
void stream_source_close(struct stream_source *src);

#endif
