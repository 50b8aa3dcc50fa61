/* lake_guard.h — a lake wrapped so that its writers hold a lock shared by every runner, and
 * keep their leases alive while they write.
 *
 * The file:// lake excludes other writers with flock, which only works on one machine. When
 * runners on several machines (or the S3 lake, which has no lock of its own) share a lake,
 * the guard adds a lock that lives outside the lake (pipeline/writers_lock.h: an item with a
 * lease in the checkpoint table): `lock` takes the lake's own lock, then the guard's; `unlock`
 * lets both go. Every call that writes, or reads a partition's files, first calls `keep`,
 * which renews what the runner holds (the lock's lease, the shards' leases) when half of a
 * lease is gone: a long batch never loses them midway. */
#ifndef PW_LAKE_GUARD_H
#define PW_LAKE_GUARD_H

#include "pipeline/lake.h"

struct lake_guard {
    /* Takes the lock; waits for it. 0 or -1 with err. */
    int (*acquire)(void *ctx, struct pw_error *err);
    /* Renews what needs renewing; -1 when something held was lost (the write must stop). */
    int (*keep)(void *ctx, struct pw_error *err);
    /* Lets the lock go (best effort; fine when not held). */
    void (*release)(void *ctx);
    void *ctx;
};

/* Wraps inner (owned by the result from then on, also on failure). g is copied; its ctx must
 * outlive the lake. */
int lake_guard_wrap(struct lake *inner, const struct lake_guard *g, struct lake **out,
                    struct pw_error *err);

#endif
