/* status.h — `pipeline status`: where the pipeline stands on each shard of the source table's
 * stream: its checkpoint, how far behind it is, who holds its lease.
 *
 * Lag is measured, not guessed: for every shard not finished, one GetRecords of up to
 * STATUS_PROBE_LIMIT records after the checkpoint (the probes run in parallel). The count of
 * that page is the records behind (exact when the page was not full, otherwise "at least"),
 * and the first record's ApproximateCreationDateTime gives the age of the oldest change not
 * yet processed. Sequence numbers cannot be subtracted: they are not dense. */
#ifndef PW_STATUS_H
#define PW_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/checkpoint.h"
#include "pipeline/shards.h"
#include "provision/aws/buf.h"
#include "provision/aws/client.h"
#include "provision/spec/spec.h"

#define STATUS_PROBE_LIMIT 1000

struct status_shard {
    char shard[SHARD_ID_MAX];
    char parent[SHARD_ID_MAX];
    int listed;                     /* in the stream's listing (else aged out of it) */
    int closed;                     /* listed with an ending sequence number */
    int has_checkpoint;
    struct checkpoint cp;           /* when has_checkpoint */
    int probed;                     /* the lag below was measured */
    long records_behind;
    int behind_at_least;            /* the probe page was full: there may be more */
    double oldest_unprocessed;      /* epoch seconds of the first record not processed; 0: none */
    char probe_error[512];          /* a probe that failed, in words */
};

struct pipeline_status {
    char pipeline[256];
    char table[256];
    char checkpoint_table[256];
    char *stream_arn;
    char *stream_status;
    int64_t now_ms;
    struct status_shard *shards;    /* the stream's shards parent-first, then aged-out ones */
    size_t n;
};

int pipeline_status_collect(struct aws_client *c, const struct spec_pipeline *pl,
                            struct pipeline_status *out, struct pw_error *err);
void pipeline_status_release(struct pipeline_status *st);

/* The state of a shard in one word: open, closed, finished, expired (aged out of the stream). */
const char *status_shard_state(const struct status_shard *s);

int pipeline_status_render_text(const struct pipeline_status *st, struct buf *out);
int pipeline_status_render_json(const struct pipeline_status *st, struct buf *out);

#endif
