/* capture.h — the input side of `pipeline run`: every record of the source table's stream,
 * handed out in batches, each batch committed to the checkpoint table once the caller has
 * made its output durable.
 *
 * The seam with the run loop:
 *
 *     capture_open(client, &spec->pipeline, runner_id, &opts, &cap, &err);
 *     while ((r = capture_next_batch(cap, &batch, &err)) == 1) {
 *         transform batch.records, write the output durably (or keep it for a later flush);
 *         capture_commit(cap, &batch, &err);             // only after the write
 *         capture_batch_release(&batch);
 *     }
 *     // r == 0: nothing more now; with batches still outstanding, flush and commit them,
 *     // then ask again (a closed shard's children wait for its last commit).
 *     capture_close(cap);                                // lets the leases go
 *
 * Guarantees: a batch is handed out again (in a later session) until it is committed, so a
 * runner killed before its commit loses nothing; a committed batch is never handed out again;
 * within a shard, batches come in stream order, and a shard is read only after its parent's
 * last batch was committed; a shard is read by one session at a time (leases). A batch
 * handed out by a runner that then lost its lease cannot be committed (capture_commit fails
 * naming the new holder): its output must be replaceable by the holder's, e.g. named after
 * the batch's shard and sequence range. */
#ifndef PW_CAPTURE_H
#define PW_CAPTURE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "pipeline/checkpoint.h"
#include "pipeline/shards.h"
#include "provision/aws/client.h"
#include "provision/spec/spec.h"

struct capture_options {
    long limit;             /* GetRecords Limit, 1..1000; 0: 1000 */
    long lease_ms;          /* lease time; 0: CHECKPOINT_LEASE_MS_DEFAULT (60 s) */
    int follow;             /* keep polling open shards (the caller sleeps between empty calls);
                               otherwise an open shard is done once caught up */
    long empty_pages;       /* not follow: an open shard is caught up after this many empty
                               GetRecords answers in a row (they can occur mid-shard); 0: 3 */
    long lease_wait_ms;     /* not follow: wait this long at most for another runner's lease to
                               run out (a runner killed mid-batch); 0: one lease time plus 1 s;
                               <0: never wait, skip shards leased by others */
    long refresh_ms;        /* follow: re-list shards and checkpoints this often; 0: 60 s */
    long describe_limit;    /* DescribeStream Limit; 0: the service's default */
};

struct capture_batch {
    char shard[SHARD_ID_MAX];
    char first_seq[SEQNUM_MAX];
    char last_seq[SEQNUM_MAX];
    cJSON *records;         /* the GetRecords "Records" array, unchanged; owned by the batch */
    size_t n;
    unsigned long serial;   /* hand-out order within the session, from 1 */
};

struct capture;

/* Finds the source table's stream and its shards and reads the pipeline's checkpoints. c and
 * pl must outlive the session. runner_id NULL: checkpoint_runner_id(). */
int capture_open(struct aws_client *c, const struct spec_pipeline *pl, const char *runner_id,
                 const struct capture_options *o, struct capture **out, struct pw_error *err);
/* The same over any transport (tests). api must outlive the session. */
int capture_open_api(const struct jsonapi *api, const struct spec_pipeline *pl,
                     const char *runner_id, const struct capture_options *o,
                     struct capture **out, struct pw_error *err);

/* 1: *out holds a batch (release it with capture_batch_release). 0: nothing more for now
 * (see above). -1: error (a lost lease, a gap in the stream, AWS). */
int capture_next_batch(struct capture *cap, struct capture_batch *out, struct pw_error *err);

/* Records the batch as durably processed. Batches of one shard are committed in the order
 * they were handed out. A closed shard's last batch also marks it finished. */
int capture_commit(struct capture *cap, const struct capture_batch *b, struct pw_error *err);

/* Extends every lease this session holds that is past half its time (call it during a long
 * write; capture_next_batch and capture_commit do it themselves). */
int capture_renew(struct capture *cap, struct pw_error *err);

/* Batches handed out and not yet committed. */
size_t capture_outstanding(const struct capture *cap);

/* Lets every lease go (best effort) and frees the session; NULL is fine. */
void capture_close(struct capture *cap);

void capture_batch_release(struct capture_batch *b);

/* What the session did per shard, for the run's report. */
struct capture_shard_info {
    const char *shard;
    const char *parent;             /* "" when none */
    const char *state;              /* waiting, held, active, caught-up, ended, finished, skipped */
    const char *holder;             /* held/skipped: the runner holding the lease */
    const char *from_seq;           /* the checkpoint when this session took the shard ("": none) */
    const char *to_seq;             /* the last sequence number committed by this session */
    size_t records_handed, records_committed;
};
size_t capture_shard_count(const struct capture *cap);
void capture_shard_info(const struct capture *cap, size_t i, struct capture_shard_info *out);
const char *capture_stream_arn(const struct capture *cap);
const char *capture_runner(const struct capture *cap);

#endif
