/* writers_lock.c — the lake's writers' lock in the checkpoint table (see writers_lock.h). */
#include <stdio.h>
#include <string.h>

#include "pipeline/writers_lock.h"
#include "pipeline/lake_guard.h"
#include "provision/calls.h"

#define BACKOFF_FIRST_MS 50L
#define BACKOFF_MAX_MS 1000L

void writers_lock_init(struct writers_lock *w, const struct jsonapi *api, const char *table,
                       const char *pipeline, const char *owner, long lease_ms)
{
    memset(w, 0, sizeof *w);
    snprintf(w->key, sizeof w->key, "%s#lake", pipeline);
    w->store = (struct checkpoint_store){
        .api = api,
        .table = table,
        .pipeline = w->key,
        .owner = owner,
        .lease_ms = lease_ms > 0 ? lease_ms : CHECKPOINT_LEASE_MS_DEFAULT,
    };
    w->wait_ms = WRITERS_LOCK_WAIT_MS_DEFAULT;
}

static int also_keep(struct writers_lock *w, struct pw_error *err)
{
    return w->also_keep ? w->also_keep(w->ctx, err) : 0;
}

int writers_lock_acquire(struct writers_lock *w, struct pw_error *err)
{
    long start = calls_now_ms(), backoff = BACKOFF_FIRST_MS;
    struct checkpoint cp;
    for (;;) {
        long now = calls_now_ms();
        int r = checkpoint_acquire(&w->store, WRITERS_LOCK_SHARD, NULL, &cp, err);
        if (r < 0) {
            pw_error_prefix(err, "taking the lake's writers' lock");
            return -1;
        }
        if (r == 0) {
            w->held = 1;
            w->renewed_ms = now;
            return 0;
        }
        if (now - start >= w->wait_ms) {
            char until[40];
            checkpoint_format_time(cp.lease_expires_ms, until, sizeof until);
            return pw_fail(err, PW_EXIT_FAILED, "the lake's writers' lock is held by '%s' (lease "
                           "until %s) and was not free after %ld s: is that runner stuck?",
                           cp.owner, until, w->wait_ms / 1000);
        }
        /* Another runner is writing a batch: our shards' leases must outlive the wait. */
        if (also_keep(w, err) < 0)
            return -1;
        calls_sleep_ms(backoff);
        backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
    }
}

int writers_lock_keep(struct writers_lock *w, struct pw_error *err)
{
    long now = calls_now_ms();
    if (w->held && now - w->renewed_ms >= w->store.lease_ms / 2) {
        if (checkpoint_renew(&w->store, WRITERS_LOCK_SHARD, err) < 0) {
            w->held = 0;
            pw_error_prefix(err, "the lake's writers' lock was lost (its lease ran out while "
                            "this runner wrote)");
            return -1;
        }
        w->renewed_ms = now;
    }
    return also_keep(w, err);
}

void writers_lock_release(struct writers_lock *w)
{
    if (!w->held)
        return;
    struct pw_error ignored;
    (void)checkpoint_release(&w->store, WRITERS_LOCK_SHARD, &ignored);
    w->held = 0;
}

static int guard_acquire(void *ctx, struct pw_error *err)
{
    return writers_lock_acquire(ctx, err);
}

static int guard_keep(void *ctx, struct pw_error *err)
{
    return writers_lock_keep(ctx, err);
}

static void guard_release(void *ctx)
{
    writers_lock_release(ctx);
}

void writers_lock_guard(struct writers_lock *w, struct lake_guard *g)
{
    *g = (struct lake_guard){guard_acquire, guard_keep, guard_release, w};
}
