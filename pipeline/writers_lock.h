/* writers_lock.h — the lake's writers' lock for runners that share a lake from several
 * processes or machines: an item with a lease in the pipeline's checkpoint table.
 *
 * The item is (pipeline = "<name>#lake", shard = "writers"): a pipeline name never holds '#',
 * so the lock never shows up among the shards of `pipeline status`, `reset` or a capture
 * session, and it is written with exactly the checkpoint table's conditional lease writes
 * (checkpoint_acquire / renew / release, see docs/checkpoints.md): taken when free, expired or
 * already ours; renewed and released only by its owner. A runner killed while it holds the
 * lock holds it until its lease runs out, then the next writer takes it.
 *
 * Why a lock at all, when leases already give each shard to one runner: two shards' items can
 * share a partition, and a partition is rewritten by reading its current version, merging the
 * batch and switching to the result. Two runners doing that at once would each switch to a
 * version without the other's rows (a lost update). Under the lock, each batch's
 * read-merge-switch happens alone. Batches are short; runners on disjoint shards still read
 * and transform in parallel and only take turns to write. */
#ifndef PW_WRITERS_LOCK_H
#define PW_WRITERS_LOCK_H

#include <stdint.h>

#include "pipeline/checkpoint.h"

#define WRITERS_LOCK_SHARD "writers"
#define WRITERS_LOCK_WAIT_MS_DEFAULT (15L * 60 * 1000)

struct writers_lock {
    struct checkpoint_store store;
    char key[300];              /* "<pipeline>#lake", the item's hash key */
    int held;
    long renewed_ms;            /* monotonic, when the lease was last set */
    long wait_ms;               /* give up waiting after this long */
    /* Called while the lock is held and on every wait step (the shards' leases); may be NULL. */
    int (*also_keep)(void *ctx, struct pw_error *err);
    void *ctx;
};

/* api, table and owner are borrowed. lease_ms 0: the checkpoints' default. */
void writers_lock_init(struct writers_lock *w, const struct jsonapi *api, const char *table,
                       const char *pipeline, const char *owner, long lease_ms);

/* Takes the lock, waiting (with backoff) while another live runner holds it; fails naming the
 * holder after wait_ms. */
int writers_lock_acquire(struct writers_lock *w, struct pw_error *err);
/* Renews the lease when half of it is gone; -1 when it was lost (taken after it ran out). */
int writers_lock_keep(struct writers_lock *w, struct pw_error *err);
/* Lets it go (best effort). */
void writers_lock_release(struct writers_lock *w);

/* The lock as a lake's guard (pipeline/lake_guard.h): every writer of the spec's lake — the
 * stream runner, a backfill — writes under it. w must outlive the wrapped lake. */
struct lake_guard;
void writers_lock_guard(struct writers_lock *w, struct lake_guard *g);

#endif
