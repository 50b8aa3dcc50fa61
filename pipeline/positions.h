/* positions.h — where each shard of the source table's stream ends, recorded before a backfill
 * and written as the checkpoints after it, so that `pipeline run` continues from there without
 * a gap or a double (docs/checkpoints.md, "Backfill").
 *
 * DynamoDB Streams has no "latest sequence number" call, so an open shard is read from its
 * oldest record to its end (GetRecords, applying nothing), remembering the last sequence
 * number; a closed shard ends at its EndingSequenceNumber. Every record read exists before
 * the scan starts, so the scan reflects it: the checkpoint may point at it. A record written
 * after the position but before the scan is both in the scan and replayed by `run`; replays
 * converge (docs/transform.md §6), so that is harmless. Stopping early is therefore always
 * safe (more is replayed), which bounds the read of a busy shard: it stops at the first record
 * written after the read began. */
#ifndef PW_POSITIONS_H
#define PW_POSITIONS_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/checkpoint.h"
#include "pipeline/shards.h"
#include "provision/aws/client.h"
#include "provision/spec/spec.h"

enum position_outcome {
    POSITION_PENDING,       /* not written yet */
    POSITION_SET,           /* the checkpoint now points at seq */
    POSITION_KEPT,          /* the checkpoint was already at or past seq: left as it was */
    POSITION_FINISHED,      /* a closed shard, marked finished at its end */
    POSITION_WAS_FINISHED,  /* the shard was finished before: nothing to do */
    POSITION_EMPTY,         /* an open shard without records: `run` reads it from its start */
};

struct position {
    char shard[SHARD_ID_MAX];
    char parent[SHARD_ID_MAX];
    char seq[SEQNUM_MAX];           /* the shard's last record before the backfill; "" none */
    char previous[SEQNUM_MAX];      /* the checkpoint before the backfill; "" none */
    int closed;
    size_t records_read;            /* records read to find the end (open shards) */
    enum position_outcome outcome;
};

struct positions {
    char *stream_arn;
    struct position *items;
    size_t n;
};

/* The stream's shards and each one's end, read in parallel (threads, one client each). Fails
 * before reading anything when a runner holds a lease on a shard of the pipeline: a backfill
 * and a run at the same time would each move the other's checkpoints. */
int positions_read(struct aws_client *c, const struct spec_pipeline *pl, struct positions *out,
                   struct pw_error *err);

/* Writes the positions as checkpoints through checkpoint.c (acquire, commit or finish,
 * release: conditional writes; a checkpoint never moves back). Each position's outcome says
 * what was done. */
int positions_commit(struct aws_client *c, const struct spec_pipeline *pl, struct positions *p,
                     struct pw_error *err);

void positions_release(struct positions *p);

const char *position_outcome_name(enum position_outcome o);

/* The decision for one shard, given the checkpoint as acquired (found 0: none): 0 commit seq,
 * 1 finish (with seq, or NULL when the checkpoint is already there), 2 leave it (release).
 * Sets the position's outcome. Exposed for tests. */
int position_decide(struct position *p, const struct checkpoint *cp, int found,
                    const char **commit_seq);

#endif
