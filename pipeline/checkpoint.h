/* checkpoint.h — durable stream positions with leases, in the checkpoint table the stack owns
 * (spec: pipeline.checkpoints; hash `pipeline` S, range `shard` S). docs/checkpoints.md gives
 * the protocol as a state diagram; in short:
 *
 *   one item per (pipeline, shard):
 *     sequence        S     the last committed sequence number (absent: nothing committed)
 *     sequence_order  S     the same, zero-padded to 40 digits: text order = numeric order
 *     owner           S     the runner holding the lease ("host:pid:random"), absent when free
 *     lease_expires   N     epoch milliseconds; past it, anyone may take the lease
 *     parent          S     the shard's parent (kept for status once the stream forgets it)
 *     finished        BOOL  the shard is closed and every record of it is committed
 *     updated_at      N     epoch milliseconds of the last write
 *
 * Every write is conditional, so two runners never both hold a shard and a checkpoint never
 * moves back: acquire succeeds when the item is absent, free, expired or already ours (and the
 * shard is not finished); renew, commit, finish and release only while `owner` is us; commit
 * also only to a higher sequence number. Leases use the writers' wall clocks: the lease time
 * must exceed the clock skew between runners by a wide margin (default 60 s). */
#ifndef PW_CHECKPOINT_H
#define PW_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pipeline/jsonapi.h"
#include "pipeline/seqnum.h"
#include "pipeline/shards.h"

#define CHECKPOINT_OWNER_MAX 128
#define CHECKPOINT_LEASE_MS_DEFAULT 60000L

struct checkpoint {
    char shard[SHARD_ID_MAX];
    char parent[SHARD_ID_MAX];      /* "" when unknown or none */
    char sequence[SEQNUM_MAX];      /* "" when nothing was committed */
    char owner[CHECKPOINT_OWNER_MAX];   /* "" when nobody holds the lease */
    int64_t lease_expires_ms;       /* 0 when nobody holds the lease */
    int finished;
    int64_t updated_ms;
};

/* Where a pipeline's checkpoints live and who is writing them. Strings are borrowed. */
struct checkpoint_store {
    const struct jsonapi *api;
    const char *table;              /* the checkpoint table's name */
    const char *pipeline;           /* spec pipeline.name */
    const char *owner;              /* this runner's id (NULL for read-only use: status, reset) */
    long lease_ms;                  /* 0: CHECKPOINT_LEASE_MS_DEFAULT */
};

/* Wall-clock epoch milliseconds (leases are compared across machines). */
int64_t checkpoint_now_ms(void);

/* "2024-01-20T23:59:59Z" for epoch milliseconds (leases, updates). */
void checkpoint_format_time(int64_t ms, char *out, size_t n);

/* "host:pid:8 hex digits", unique per process; out of at least CHECKPOINT_OWNER_MAX bytes. */
void checkpoint_runner_id(char *out, size_t n);

/* Every checkpoint of the pipeline (Query, consistent, all pages); *items is the caller's. */
int checkpoint_list(const struct checkpoint_store *s, struct checkpoint **items, size_t *n,
                    struct pw_error *err);

/* One checkpoint (GetItem, consistent). 0 with *found 0 or 1, -1 on error. */
int checkpoint_get(const struct checkpoint_store *s, const char *shard, struct checkpoint *out,
                   int *found, struct pw_error *err);

/* Takes the lease of a shard (parent may be "" or NULL). 0: the lease is ours and *out is the
 * item as it now is (its sequence is where to resume). 1: not available: *out is the item as
 * it is (held by out->owner until out->lease_expires_ms, or out->finished). -1: error. */
int checkpoint_acquire(const struct checkpoint_store *s, const char *shard, const char *parent,
                       struct checkpoint *out, struct pw_error *err);

/* Extends the lease by lease_ms from now. A lease no longer ours is an error that says who
 * holds it. */
int checkpoint_renew(const struct checkpoint_store *s, const char *shard, struct pw_error *err);

/* Records that everything up to seq is durably processed, and extends the lease. finish: the
 * shard is closed and seq is its last record; it is marked finished and its lease let go
 * (seq may then be NULL when the shard's records were already committed, or it had none).
 * Refused, with a message that names the reason, when the lease is not ours or seq is not
 * above the stored sequence. */
int checkpoint_commit(const struct checkpoint_store *s, const char *shard, const char *seq,
                      int finish, struct pw_error *err);

/* Lets the lease go (best effort at the end of a run; an error when it was not ours). */
int checkpoint_release(const struct checkpoint_store *s, const char *shard, struct pw_error *err);

/* Deletes these checkpoints (BatchWriteItem, 25 at a time, unprocessed items retried). */
int checkpoint_delete(const struct checkpoint_store *s, const struct checkpoint *items, size_t n,
                      struct pw_error *err);

/* ---- the requests, exposed for tests ---------------------------------------------------- */

/* UpdateItem inputs (TableName, Key, UpdateExpression, ConditionExpression,
 * ExpressionAttributeNames/Values holding exactly the placeholders the expressions use). NULL
 * when out of memory or seq is not a valid sequence number. */
cJSON *checkpoint_acquire_input(const struct checkpoint_store *s, const char *shard,
                                const char *parent, int64_t now_ms);
cJSON *checkpoint_renew_input(const struct checkpoint_store *s, const char *shard,
                              int64_t now_ms);
cJSON *checkpoint_commit_input(const struct checkpoint_store *s, const char *shard,
                               const char *seq, int finish, int64_t now_ms);
cJSON *checkpoint_release_input(const struct checkpoint_store *s, const char *shard);

/* Reads an item (DynamoDB JSON attribute map) into *out. Exposed for tests. */
int checkpoint_from_item(const cJSON *item, struct checkpoint *out);

#endif
