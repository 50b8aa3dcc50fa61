/* capture.c — a capture session: leases shards one at a time, parents first, reads them with a
 * shard_reader, hands out batches and commits them (see capture.h for the contract and
 * docs/checkpoints.md for the lease protocol). */
#include "pipeline/capture.h"

#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

#define EMPTY_PAGES_DEFAULT 3
#define EMPTY_PAGES_CLOSED 100      /* a closed shard ends without NextShardIterator; this only
                                       bounds a service that never says so */
#define REFRESH_MS_DEFAULT 60000L
#define LEASE_MARGIN_MS 1000L       /* past another runner's expiry before we try to take it */

enum cs_state {
    CS_WAITING,                     /* not taken yet (its parent may not be done) */
    CS_HELD,                        /* leased by another runner, as last seen */
    CS_ACTIVE,                      /* ours, being read */
    CS_CAUGHT_UP,                   /* ours, open, read to where the stream is now (once) */
    CS_ENDED,                       /* ours, closed, every record handed out */
    CS_FINISHED,                    /* closed and committed to its end (by anyone) */
    CS_SKIPPED,                     /* leased by a live runner: not ours in this session */
};

static const char *const state_names[] = {
    "waiting", "held", "active", "caught-up", "ended", "finished", "skipped",
};

struct cshard {
    struct shard info;
    enum cs_state state;
    int leased;
    int64_t lease_expires;          /* ours when leased, else the holder's as last seen */
    char holder[CHECKPOINT_OWNER_MAX];
    int listed;                     /* in the stream's latest listing */
    struct shard_reader reader;
    int reader_ready;
    long empty_in_a_row;
    char from_seq[SEQNUM_MAX];
    char committed[SEQNUM_MAX];
    char handed[SEQNUM_MAX];
    unsigned long *queue;           /* serials of outstanding batches, oldest first */
    size_t q_head, q_len, q_cap;
    size_t records_handed, records_committed;
};

struct capture {
    struct jsonapi own_api;         /* the transport, copied at open */
    const struct jsonapi *api;
    const struct spec_pipeline *pl;
    struct capture_options o;
    char runner[CHECKPOINT_OWNER_MAX];
    struct checkpoint_store store;
    char *stream_arn;
    struct cshard *shards;
    size_t n;
    struct checkpoint *cps;         /* the pipeline's checkpoints as last listed */
    size_t n_cps;
    long listed_at;                 /* monotonic ms */
    int relist;                     /* a shard finished since the last listing */
    size_t cursor;                  /* follow: where the next round-robin poll starts */
    unsigned long serial;
    size_t outstanding;
};

/* ---- shards ------------------------------------------------------------------------------ */

static void cshard_release(struct cshard *sh)
{
    if (sh->reader_ready)
        shard_reader_release(&sh->reader);
    free(sh->queue);
    memset(sh, 0, sizeof *sh);
}

static struct cshard *find(struct capture *cap, const char *id)
{
    for (size_t i = 0; i < cap->n; i++)
        if (strcmp(cap->shards[i].info.id, id) == 0)
            return &cap->shards[i];
    return NULL;
}

static int parent_finished(void *ctx, const char *id)
{
    struct capture *cap = ctx;
    const struct cshard *sh = find(cap, id);
    if (sh && sh->state == CS_FINISHED)
        return 1;
    for (size_t i = 0; i < cap->n_cps; i++)
        if (strcmp(cap->cps[i].shard, id) == 0)
            return cap->cps[i].finished;
    return 0;
}

/* Whether shard sh may be read: its parent is done (finished, or aged out of the stream: a
 * shard the stream no longer lists is not in cap->shards unless this session still holds it). */
static int ready(struct capture *cap, const struct cshard *sh)
{
    const char *parent = sh->info.parent;
    if (!parent[0] || !find(cap, parent))
        return 1;
    return parent_finished(cap, parent);
}

/* Lists the stream's shards and the pipeline's checkpoints again, keeping the state of every
 * shard already known. New shards come in parent-first order; shards the stream no longer
 * lists stay only while this session holds them. */
static int relist(struct capture *cap, struct pw_error *err)
{
    struct shard_list l;
    struct checkpoint *cps = NULL;
    size_t n_cps = 0, n = 0;
    struct cshard *next = NULL;
    int rc = -1;
    shard_list_init(&l);
    if (shards_list(cap->api, cap->stream_arn, cap->o.describe_limit, &l, err) < 0 ||
        shards_order(&l, err) < 0 || checkpoint_list(&cap->store, &cps, &n_cps, err) < 0)
        goto out;
    if (!(next = calloc(l.n + cap->n + 1, sizeof *next))) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        struct cshard *old = find(cap, l.items[i].id);
        if (old) {
            next[n] = *old;
            memset(old, 0, sizeof *old);        /* moved: its reader and queue live on */
        }
        next[n].info = l.items[i];
        next[n].listed = 1;
        n++;
    }
    /* A finished shard stays finished (only reset deletes it): no lease to try for it. */
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n_cps && next[i].state == CS_WAITING; k++)
            if (cps[k].finished && strcmp(cps[k].shard, next[i].info.id) == 0)
                next[i].state = CS_FINISHED;
    for (size_t i = 0; i < cap->n; i++) {
        struct cshard *old = &cap->shards[i];
        if (!old->info.id[0])
            continue;                           /* moved above */
        if (old->leased || old->q_len) {
            next[n] = *old;
            next[n].listed = 0;
            memset(old, 0, sizeof *old);
            n++;
        } else {
            cshard_release(old);
        }
    }
    free(cap->shards);
    cap->shards = next;
    cap->n = n;
    next = NULL;
    free(cap->cps);
    cap->cps = cps;
    cap->n_cps = n_cps;
    cps = NULL;
    cap->listed_at = calls_now_ms();
    cap->relist = 0;
    cap->cursor = 0;
    rc = 0;
out:
    free(next);
    free(cps);
    shard_list_release(&l);
    return rc;
}

/* ---- leases ------------------------------------------------------------------------------ */

static long lease_ms(const struct capture *cap)
{
    return cap->o.lease_ms > 0 ? cap->o.lease_ms : CHECKPOINT_LEASE_MS_DEFAULT;
}

static int renew_if_due(struct capture *cap, struct cshard *sh, struct pw_error *err)
{
    int64_t now = checkpoint_now_ms();
    if (!sh->leased || now < sh->lease_expires - lease_ms(cap) / 2)
        return 0;
    if (checkpoint_renew(&cap->store, sh->info.id, err) < 0)
        return -1;
    sh->lease_expires = now + lease_ms(cap);    /* the time before the call: never late */
    return 0;
}

int capture_renew(struct capture *cap, struct pw_error *err)
{
    for (size_t i = 0; i < cap->n; i++)
        if (renew_if_due(cap, &cap->shards[i], err) < 0)
            return -1;
    return 0;
}

/* Marks a closed shard whose every record is committed as finished; its lease goes with it. */
static int finish(struct capture *cap, struct cshard *sh, struct pw_error *err)
{
    if (checkpoint_commit(&cap->store, sh->info.id, NULL, 1, err) < 0)
        return -1;
    sh->state = CS_FINISHED;
    sh->leased = 0;
    cap->relist = 1;                /* its children may not have been listed yet */
    return 0;
}

/* Once: a shard read to where the stream is now, with nothing left to commit, is let go at
 * once, so another runner need not wait for this session to end. Best effort: a lease that
 * ran out meanwhile is simply no longer ours. */
static void let_go_if_done(struct capture *cap, struct cshard *sh)
{
    struct pw_error ignored;
    if (sh->state != CS_CAUGHT_UP || sh->q_len || !sh->leased)
        return;
    checkpoint_release(&cap->store, sh->info.id, &ignored);
    sh->leased = 0;
}

/* Tries to lease shard sh. 1 when it is now ours and active, 0 when not (held, finished), -1. */
static int take(struct capture *cap, struct cshard *sh, struct pw_error *err)
{
    struct checkpoint cp;
    int64_t before = checkpoint_now_ms();
    int r = checkpoint_acquire(&cap->store, sh->info.id, sh->info.parent, &cp, err);
    if (r < 0)
        return -1;
    if (r == 1) {
        if (cp.finished) {
            sh->state = CS_FINISHED;
            return 0;
        }
        /* Once: a lease still held after it should have run out belongs to a live runner
         * (it renewed it, or another took it over): not ours to wait for again. */
        int again = sh->state == CS_HELD;
        snprintf(sh->holder, sizeof sh->holder, "%s", cp.owner);
        sh->lease_expires = cp.lease_expires_ms;
        long wait = cap->o.lease_wait_ms ? cap->o.lease_wait_ms : lease_ms(cap) + LEASE_MARGIN_MS;
        if (!cap->o.follow && (again || wait < 0 || cp.lease_expires_ms - before > wait))
            sh->state = CS_SKIPPED;
        else
            sh->state = CS_HELD;
        return 0;
    }
    sh->leased = 1;
    sh->lease_expires = before + lease_ms(cap);
    sh->holder[0] = '\0';
    snprintf(sh->from_seq, sizeof sh->from_seq, "%s", cp.sequence);
    snprintf(sh->committed, sizeof sh->committed, "%s", cp.sequence);
    snprintf(sh->handed, sizeof sh->handed, "%s", cp.sequence);
    if (sh->reader_ready)
        shard_reader_release(&sh->reader);
    shard_reader_init(&sh->reader, cap->api, cap->stream_arn, sh->info.id, cp.sequence,
                      cap->o.limit);
    sh->reader_ready = 1;
    sh->empty_in_a_row = 0;
    sh->state = CS_ACTIVE;
    return 1;
}

/* Leases the first shard, in parent-first order, that is ready and not ours yet. */
static int take_next(struct capture *cap, struct pw_error *err)
{
    int64_t now = checkpoint_now_ms();
    for (size_t i = 0; i < cap->n; i++) {
        struct cshard *sh = &cap->shards[i];
        int due = sh->state == CS_WAITING ||
                  (sh->state == CS_HELD && now >= sh->lease_expires + LEASE_MARGIN_MS);
        if (!sh->listed || !due || !ready(cap, sh))
            continue;
        int r = take(cap, sh, err);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Once: sleeps until the first lease held by someone else has run out, so that a run after a
 * crash takes over the dead runner's shards. 1 after a wait, 0 when there is none to wait for. */
static int wait_for_lease(struct capture *cap)
{
    int64_t first = 0;
    if (cap->outstanding)           /* the caller should commit first; it will ask again */
        return 0;
    for (size_t i = 0; i < cap->n; i++) {
        const struct cshard *sh = &cap->shards[i];
        if (sh->state == CS_HELD && ready(cap, sh) && (!first || sh->lease_expires < first))
            first = sh->lease_expires;
    }
    if (!first)
        return 0;
    int64_t ms = first + LEASE_MARGIN_MS - checkpoint_now_ms();
    if (ms > 0)
        calls_sleep_ms((long)ms);
    return 1;
}

/* ---- reading ----------------------------------------------------------------------------- */

static int queue_push(struct cshard *sh, unsigned long serial)
{
    if (sh->q_head + sh->q_len == sh->q_cap) {
        if (sh->q_head) {
            memmove(sh->queue, sh->queue + sh->q_head, sh->q_len * sizeof *sh->queue);
            sh->q_head = 0;
        } else {
            size_t cap = sh->q_cap ? sh->q_cap * 2 : 8;
            unsigned long *p = realloc(sh->queue, cap * sizeof *p);
            if (!p)
                return -1;
            sh->queue = p;
            sh->q_cap = cap;
        }
    }
    sh->queue[sh->q_head + sh->q_len++] = serial;
    return 0;
}

static int make_batch(struct capture *cap, struct cshard *sh, cJSON *recs,
                      struct capture_batch *out, struct pw_error *err)
{
    int n = cJSON_GetArraySize(recs);
    memset(out, 0, sizeof *out);
    if (queue_push(sh, cap->serial + 1) < 0) {
        cJSON_Delete(recs);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    out->serial = ++cap->serial;
    snprintf(out->shard, sizeof out->shard, "%s", sh->info.id);
    snprintf(out->first_seq, sizeof out->first_seq, "%s",
             stream_record_seq(cJSON_GetArrayItem(recs, 0)));
    snprintf(out->last_seq, sizeof out->last_seq, "%s",
             stream_record_seq(cJSON_GetArrayItem(recs, n - 1)));
    out->records = recs;
    out->n = (size_t)n;
    snprintf(sh->handed, sizeof sh->handed, "%s", out->last_seq);
    sh->records_handed += out->n;
    cap->outstanding++;
    return 1;
}

/* Reads shard sh once (follow) or until it gives records or is done (once). */
static int poll_shard(struct capture *cap, struct cshard *sh, struct capture_batch *out,
                      struct pw_error *err)
{
    long empty_max = sh->info.end_seq[0] ? EMPTY_PAGES_CLOSED
                   : cap->o.empty_pages > 0 ? cap->o.empty_pages : EMPTY_PAGES_DEFAULT;
    for (;;) {
        cJSON *recs = NULL;
        if (renew_if_due(cap, sh, err) < 0 || shard_reader_next(&sh->reader, &recs, err) < 0)
            return -1;
        if (sh->reader.ended)
            sh->state = CS_ENDED;
        if (cJSON_GetArraySize(recs) > 0) {
            sh->empty_in_a_row = 0;
            return make_batch(cap, sh, recs, out, err);
        }
        cJSON_Delete(recs);
        if (sh->state == CS_ENDED)
            return sh->q_len ? 0 : (finish(cap, sh, err) < 0 ? -1 : 0);
        if (cap->o.follow)
            return 0;
        /* Empty answers can come before the records further on; several in a row mean the
         * shard is read to where the stream is now. */
        if (++sh->empty_in_a_row >= empty_max) {
            sh->state = CS_CAUGHT_UP;
            let_go_if_done(cap, sh);
            return 0;
        }
    }
}

/* One batch from the shards this session holds: once, the first active shard in order (read
 * to its end before the next is taken); follow, round robin from the cursor. */
static int poll_active(struct capture *cap, struct capture_batch *out, struct pw_error *err)
{
    for (size_t k = 0; k < cap->n; k++) {
        size_t i = cap->o.follow ? (cap->cursor + k) % cap->n : k;
        struct cshard *sh = &cap->shards[i];
        if (sh->state != CS_ACTIVE)
            continue;
        int r = poll_shard(cap, sh, out, err);
        if (r != 0) {
            cap->cursor = i + 1;
            return r;
        }
    }
    return 0;
}

int capture_next_batch(struct capture *cap, struct capture_batch *out, struct pw_error *err)
{
    memset(out, 0, sizeof *out);
    long refresh = cap->o.refresh_ms > 0 ? cap->o.refresh_ms : REFRESH_MS_DEFAULT;
    /* Batches of other shards may still be waiting for their commit: keep those leases. */
    if (capture_renew(cap, err) < 0)
        return -1;
    /* Every pass either hands out a batch, takes a shard (finitely many), or ends; once, a
     * wait for a dead runner's lease ends with that shard taken or skipped. */
    for (;;) {
        int r = poll_active(cap, out, err);
        if (r != 0)
            return r;
        if ((r = take_next(cap, err)) < 0)
            return -1;
        if (r > 0)
            continue;
        if (cap->relist || (cap->o.follow && calls_now_ms() - cap->listed_at >= refresh)) {
            /* A finished shard's children, or a parent another runner finished. */
            if (relist(cap, err) < 0 || (r = take_next(cap, err)) < 0)
                return -1;
            if (r > 0)
                continue;
        }
        if (!cap->o.follow && wait_for_lease(cap))
            continue;
        return 0;
    }
}

int capture_commit(struct capture *cap, const struct capture_batch *b, struct pw_error *err)
{
    struct cshard *sh = find(cap, b->shard);
    if (!sh || !sh->q_len || sh->queue[sh->q_head] != b->serial)
        return pw_fail(err, PW_EXIT_FAILED, "committing batch %lu of shard '%s': %s", b->serial,
                       b->shard, !sh || !sh->q_len ? "it is not outstanding"
                       : "batches of a shard are committed in the order they were handed out");
    int last = sh->state == CS_ENDED && sh->q_len == 1;
    int64_t before = checkpoint_now_ms();
    if (renew_if_due(cap, sh, err) < 0 ||
        checkpoint_commit(&cap->store, sh->info.id, b->last_seq, last, err) < 0)
        return -1;
    sh->q_head++;
    sh->q_len--;
    cap->outstanding--;
    snprintf(sh->committed, sizeof sh->committed, "%s", b->last_seq);
    sh->records_committed += b->n;
    if (last) {
        sh->state = CS_FINISHED;
        sh->leased = 0;
        cap->relist = 1;
    } else {
        sh->lease_expires = before + lease_ms(cap);     /* the commit extended it */
        let_go_if_done(cap, sh);
    }
    return 0;
}

size_t capture_outstanding(const struct capture *cap)
{
    return cap->outstanding;
}

void capture_batch_release(struct capture_batch *b)
{
    if (!b)
        return;
    cJSON_Delete(b->records);
    b->records = NULL;
    b->n = 0;
}

/* ---- the session ------------------------------------------------------------------------- */

int capture_open_api(const struct jsonapi *api, const struct spec_pipeline *pl,
                     const char *runner_id, const struct capture_options *o,
                     struct capture **out, struct pw_error *err)
{
    *out = NULL;
    if (!pl->present || !pl->source)
        return pw_fail(err, PW_EXIT_SPEC, "the spec declares no pipeline");
    struct capture *cap = calloc(1, sizeof *cap);
    if (!cap)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cap->own_api = *api;            /* a copy: the caller's may be a temporary */
    cap->api = &cap->own_api;
    cap->pl = pl;
    if (o)
        cap->o = *o;
    if (runner_id && runner_id[0])
        snprintf(cap->runner, sizeof cap->runner, "%s", runner_id);
    else
        checkpoint_runner_id(cap->runner, sizeof cap->runner);
    cap->store = (struct checkpoint_store){
        .api = cap->api,
        .table = pl->checkpoints.name.v,
        .pipeline = pl->name.v,
        .owner = cap->runner,
        .lease_ms = cap->o.lease_ms,
    };
    if (streams_latest_arn(cap->api, pl->source->name.v, &cap->stream_arn, err) < 0 ||
        relist(cap, err) < 0) {
        capture_close(cap);
        return -1;
    }
    *out = cap;
    return 0;
}

int capture_open(struct aws_client *c, const struct spec_pipeline *pl, const char *runner_id,
                 const struct capture_options *o, struct capture **out, struct pw_error *err)
{
    struct jsonapi api = jsonapi_client(c);
    return capture_open_api(&api, pl, runner_id, o, out, err);
}

void capture_close(struct capture *cap)
{
    if (!cap)
        return;
    for (size_t i = 0; i < cap->n; i++) {
        struct cshard *sh = &cap->shards[i];
        struct pw_error ignored;
        /* Uncommitted batches are simply handed out again by whoever takes the shard next. */
        if (sh->leased && sh->state != CS_FINISHED)
            checkpoint_release(&cap->store, sh->info.id, &ignored);
        cshard_release(sh);
    }
    free(cap->shards);
    free(cap->cps);
    free(cap->stream_arn);
    free(cap);
}

size_t capture_shard_count(const struct capture *cap)
{
    return cap->n;
}

void capture_shard_info(const struct capture *cap, size_t i, struct capture_shard_info *out)
{
    const struct cshard *sh = &cap->shards[i];
    out->shard = sh->info.id;
    out->parent = sh->info.parent;
    out->state = state_names[sh->state];
    out->holder = sh->holder;
    out->from_seq = sh->from_seq;
    out->to_seq = strcmp(sh->committed, sh->from_seq) != 0 ? sh->committed : "";
    out->records_handed = sh->records_handed;
    out->records_committed = sh->records_committed;
}

const char *capture_stream_arn(const struct capture *cap)
{
    return cap->stream_arn;
}

const char *capture_runner(const struct capture *cap)
{
    return cap->runner;
}
