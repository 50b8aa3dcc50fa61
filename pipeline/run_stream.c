/* run_stream.c — `pipeline run` reading the source table's stream (see run_stream.h).
 *
 * Exactly once: a batch of changes is applied to the state, the state is flushed (every
 * partition it touches written as a new version and switched), and only then are the
 * batch's records committed to the checkpoints. A runner killed between the flush and the
 * commit hands the same records out again next time; replaying them converges to the same
 * lake (docs/transform.md §6), so nothing is doubled, and nothing is committed that is not in
 * the lake, so nothing is lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/capture.h"
#include "pipeline/change.h"
#include "pipeline/run_stream.h"
#include "pipeline/writers_lock.h"
#include "provision/calls.h"

#define IDLE_FIRST_MS 200L          /* --follow: the first sleep after an empty poll */
#define IDLE_MAX_MS 5000L           /* ... doubling up to this */
#define IDLE_SLICE_MS 100L          /* a stop request is seen within this */

struct stream_source {
    const struct pipeline_options *o;
    struct jsonapi api;
    struct capture *cap;
    struct writers_lock lock;
    /* Batches applied to the state and not yet committed (their records already freed: the
     * state keeps what it needs), in hand-out order. */
    struct capture_batch *pending;
    size_t n_pending, cap_pending;
};

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

static int keep_shards(void *ctx, struct pw_error *err)
{
    struct stream_source *src = ctx;
    return capture_renew(src->cap, err);
}

int stream_source_open(const struct pipeline_options *o, struct stream_source **out,
                       struct pw_error *err)
{
    const struct spec_pipeline *pl = &o->spec->pipeline;
    *out = NULL;
    if (!o->client)
        return pw_fail(err, PW_EXIT_USAGE, "reading the stream of table '%s' needs AWS (or give "
                       "--from-file FILE)", pl->source ? pl->source->name.v : "?");
    struct stream_source *src = calloc(1, sizeof *src);
    if (!src)
        return oom(err);
    src->o = o;
    src->api = jsonapi_client(o->client);
    struct capture_options co = {
        .lease_ms = o->lease_ms,
        .follow = o->follow,
        .limit = o->max_records && o->max_records < 1000 ? (long)o->max_records : 0,
    };
    if (capture_open_api(&src->api, pl, o->runner_id, &co, &src->cap, err) < 0) {
        free(src);
        return -1;
    }
    writers_lock_init(&src->lock, &src->api, pl->checkpoints.name.v, pl->name.v,
                      capture_runner(src->cap), o->lease_ms);
    src->lock.also_keep = keep_shards;
    src->lock.ctx = src;
    *out = src;
    return 0;
}

void stream_source_guard(struct stream_source *src, struct lake_guard *g)
{
    writers_lock_guard(&src->lock, g);
}

/* ---- the dimension ---- */

/* Every item of the table (Scan, consistent, every page), as one JSON array. */
static int scan_all(const struct jsonapi *api, const char *table, cJSON **items,
                    struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *all = cJSON_CreateArray(), *page = NULL;
    int rc = in && all && cJSON_AddStringToObject(in, "TableName", table) &&
             cJSON_AddBoolToObject(in, "ConsistentRead", 1) ? 0 : oom(err);
    while (rc == 0) {
        if ((rc = jsonapi_call(api, "dynamodb", "Scan", in, &page, err)) < 0)
            break;
        cJSON *list = cJSON_GetObjectItemCaseSensitive(page, "Items");
        while (cJSON_GetArraySize(list) > 0)
            cJSON_AddItemToArray(all, cJSON_DetachItemFromArray(list, 0));
        cJSON *last = cJSON_DetachItemFromObjectCaseSensitive(page, "LastEvaluatedKey");
        cJSON_Delete(page);
        page = NULL;
        cJSON_DeleteItemFromObjectCaseSensitive(in, "ExclusiveStartKey");
        if (!last)
            break;
        cJSON_AddItemToObject(in, "ExclusiveStartKey", last);
    }
    cJSON_Delete(in);
    if (rc < 0) {
        pw_error_prefix(err, "reading the dimension table '%s'", table);
        cJSON_Delete(all);
        return -1;
    }
    *items = all;
    return 0;
}

int stream_source_dimension(struct stream_source *src, struct state *st,
                            struct pipeline_report *rep, struct pw_error *err)
{
    const struct spec_table *t = src->o->spec->pipeline.join.table;
    cJSON *items = NULL;
    if (scan_all(&src->api, t->name.v, &items, err) < 0)
        return -1;
    int rc = state_load_dimension_items(st, items, t->name.v, rep, err);
    cJSON_Delete(items);
    return rc;
}

/* ---- the stream ---- */

static int stopped(const struct stream_source *src)
{
    return src->o->stop && *src->o->stop;
}

/* One GetRecords answer into the state. A record that is not a change is quarantined with
 * its shard as the source; a bad change is quarantined by the state. */
static int apply_batch(struct state *st, const struct capture_batch *b, struct pipeline_report *rep,
                       struct pw_error *err)
{
    const cJSON *rec;
    int rc = 0;
    cJSON_ArrayForEach(rec, b->records) {
        struct change c;
        char why[512];
        rep->records++;
        int bad = change_from_json(rec, &c, why, sizeof why) != 0;
        if (!bad && c.op != CHANGE_ITEM) {
            c.source = b->shard;
            rc = state_apply(st, &c, rep, err);
        } else {
            char *text = cJSON_PrintUnformatted(rec);
            rc = !text ? oom(err)
                       : state_reject(st, bad ? why : "an export line in a stream", text,
                                      strlen(text), b->shard, 0, rep, err);
            cJSON_free(text);
        }
        if (rc < 0)
            break;
    }
    return rc;
}

static int keep_pending(struct stream_source *src, struct capture_batch *b, struct pw_error *err)
{
    if (src->n_pending == src->cap_pending) {
        size_t cap = src->cap_pending ? src->cap_pending * 2 : 16;
        struct capture_batch *more = realloc(src->pending, cap * sizeof *more);
        if (!more)
            return oom(err);
        src->pending = more;
        src->cap_pending = cap;
    }
    src->pending[src->n_pending++] = *b;
    return 0;
}

/* Write, then commit: the batches applied so far into the lake, then their checkpoints. */
static int flush_commit(struct stream_source *src, struct state *st, struct pipeline_report *rep,
                        struct pw_error *err)
{
    if (!src->n_pending)
        return 0;
    if (state_flush(st, rep, err) < 0)
        return -1;
    size_t i = 0;
    int rc = 0;
    for (; i < src->n_pending && rc == 0; i++)
        rc = capture_commit(src->cap, &src->pending[i], err);
    /* Committed ones are gone; on a refusal the rest stays uncommitted for whoever holds the
     * shard now (it replays them, which converges). */
    src->n_pending = 0;
    return rc;
}

/* --follow with nothing to read: sleeps (backoff doubling up to IDLE_MAX_MS), in slices so
 * that a stop request is seen at once; the leases stay renewed. */
static int idle(struct stream_source *src, long *backoff, struct pw_error *err)
{
    *backoff = *backoff ? (*backoff * 2 > IDLE_MAX_MS ? IDLE_MAX_MS : *backoff * 2) : IDLE_FIRST_MS;
    for (long slept = 0; slept < *backoff && !stopped(src); slept += IDLE_SLICE_MS) {
        calls_sleep_ms(IDLE_SLICE_MS);
        if (capture_renew(src->cap, err) < 0)
            return -1;
    }
    return 0;
}

int stream_source_feed(struct stream_source *src, struct state *st, struct pipeline_report *rep,
                       struct pw_error *err)
{
    const struct pipeline_options *o = src->o;
    long backoff = 0;
    while (!stopped(src) && !(o->max_records && rep->records >= o->max_records)) {
        struct capture_batch b;
        int r = capture_next_batch(src->cap, &b, err);
        if (r < 0)
            return -1;
        if (r == 1) {
            backoff = 0;
            int rc = apply_batch(st, &b, rep, err);
            cJSON_Delete(b.records);        /* the state holds what it needs of them */
            b.records = NULL;
            if (rc < 0 || keep_pending(src, &b, err) < 0)
                return -1;
            if (state_batch_full(st) && flush_commit(src, st, rep, err) < 0)
                return -1;
            continue;
        }
        /* Nothing more now: what was read goes out (a closed shard's children wait for its
         * last commit), then ask again. */
        if (src->n_pending) {
            if (flush_commit(src, st, rep, err) < 0)
                return -1;
            continue;
        }
        if (!o->follow)
            break;
        if (idle(src, &backoff, err) < 0)
            return -1;
    }
    return flush_commit(src, st, rep, err);
}

void stream_source_report(const struct stream_source *src, struct pipeline_report *rep)
{
    rep->n_shards = rep->shards_more = 0;
    for (size_t i = 0; i < capture_shard_count(src->cap); i++) {
        struct capture_shard_info in;
        capture_shard_info(src->cap, i, &in);
        int took = strcmp(in.state, "active") == 0 || strcmp(in.state, "caught-up") == 0 ||
                   strcmp(in.state, "ended") == 0 || in.to_seq[0] || in.records_handed;
        if (!took)
            continue;
        if (rep->n_shards == REPORT_SHARDS_MAX) {
            rep->shards_more++;
            continue;
        }
        struct report_shard *s = &rep->shards[rep->n_shards++];
        snprintf(s->shard, sizeof s->shard, "%s", in.shard);
        snprintf(s->from, sizeof s->from, "%s", in.from_seq);
        snprintf(s->to, sizeof s->to, "%s", in.to_seq);
        s->records = in.records_committed;
    }
}

void stream_source_close(struct stream_source *src)
{
    if (!src)
        return;
    writers_lock_release(&src->lock);
    capture_close(src->cap);
    free(src->pending);
    free(src);
}
