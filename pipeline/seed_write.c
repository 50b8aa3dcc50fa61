/* seed_write.c — the items into the table: BatchWriteItem, 25 items per request, o->parallel
 * requests in flight (one thread and one connection pool each, provision/aws/workers.h).
 *
 * A batch is done when DynamoDB has taken every item of it. An answer with UnprocessedItems
 * (DynamoDB took some items and asks for the rest later) is resent — only those items, as
 * DynamoDB returned them — after a capped exponential backoff with full jitter; so is a request
 * refused whole for throttling or a 5xx, after the client's own retries. A batch that makes no
 * progress for o->retry_ms gives up and counts its items as failed; a request refused for any
 * other reason (a validation error, a missing table, credentials) stops every batch not yet
 * sent, so one bad answer does not become a thousand. Puts are idempotent: an item sent twice
 * (a timeout after DynamoDB wrote it) is still one item. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/rng.h"
#include "pipeline/seed_int.h"
#include "provision/aws/workers.h"
#include "provision/calls.h"

#define BACKOFF_BASE_MS 50
#define BACKOFF_CAP_MS 5000
#define METER_EVERY_MS 100

/* --- progress ----------------------------------------------------------------------------- */

void seed_meter_init(struct seed_meter *m, const struct seed_options *o, const char *phase,
                     size_t total)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->o = o;
    m->phase = phase;
    m->total = total;
    m->start_ms = m->last_ms = calls_now_ms();
}

static void meter_report(struct seed_meter *m, long now)
{
    struct seed_progress p = {m->phase, m->done, m->total, now - m->start_ms};
    m->last_ms = now;
    m->o->progress(m->o->progress_ctx, &p);
}

void seed_meter_add(struct seed_meter *m, size_t n)
{
    pthread_mutex_lock(&m->lock);
    m->done += n;
    long now = calls_now_ms();
    if (m->o->progress && now - m->last_ms >= METER_EVERY_MS)
        meter_report(m, now);
    pthread_mutex_unlock(&m->lock);
}

void seed_meter_finish(struct seed_meter *m)
{
    pthread_mutex_lock(&m->lock);
    if (m->o->progress)
        meter_report(m, calls_now_ms());
    pthread_mutex_unlock(&m->lock);
}

void seed_meter_release(struct seed_meter *m)
{
    pthread_mutex_destroy(&m->lock);
}

void seed_backoff(uint64_t *state, int attempt)
{
    long cap = BACKOFF_CAP_MS;
    if (attempt < 7)
        cap = BACKOFF_BASE_MS << attempt;
    if (cap > BACKOFF_CAP_MS)
        cap = BACKOFF_CAP_MS;
    *state = rng_mix64(*state + 0x9E3779B97F4A7C15ULL);
    calls_sleep_ms((long)(*state % (uint64_t)(cap + 1)));
}

/* --- batches ------------------------------------------------------------------------------ */

struct writer {
    const struct seed_data *d;
    const char *table;
    struct buf prefix;              /* {"RequestItems":{"<table>":[ */
    long retry_ms;
    struct seed_meter meter;        /* its lock guards the counters below too */
    size_t requests, resent, throttled;
    int stop;                       /* a request failed for good: send nothing more */
};

struct batch {
    struct writer *w;
    size_t first, n;
    size_t written, failed;
    uint64_t jitter;
};

static void count(struct writer *w, size_t *counter, size_t n)
{
    pthread_mutex_lock(&w->meter.lock);
    *counter += n;
    pthread_mutex_unlock(&w->meter.lock);
}

static int stopped(struct writer *w)
{
    pthread_mutex_lock(&w->meter.lock);
    int s = w->stop;
    pthread_mutex_unlock(&w->meter.lock);
    return s;
}

/* The first body: the items' texts, each already DynamoDB JSON, in a PutRequest. */
static int first_body(const struct batch *b, struct buf *body)
{
    const struct seed_data *d = b->w->d;
    if (buf_append(body, b->w->prefix.data, b->w->prefix.len) < 0)
        return -1;
    for (size_t i = 0; i < b->n; i++)
        if (buf_appends(body, i ? ",{\"PutRequest\":{\"Item\":" : "{\"PutRequest\":{\"Item\":") < 0 ||
            buf_appends(body, d->items.data + d->offs[b->first + i]) < 0 ||
            buf_appends(body, "}}") < 0)
            return -1;
    return buf_appends(body, "]}}");
}

/* A resend: {"RequestItems": {"<table>": <what came back unprocessed>}}. */
static int resend_body(struct writer *w, cJSON *answer, cJSON *unprocessed, struct buf *body)
{
    cJSON *rq = cJSON_CreateObject(), *items = rq ? cJSON_AddObjectToObject(rq, "RequestItems") : NULL;
    char *text = NULL;
    int rc = -1;
    if (!items)
        goto out;
    cJSON_AddItemToObject(items, w->table,
                          cJSON_DetachItemViaPointer(cJSON_GetObjectItemCaseSensitive(answer, "UnprocessedItems"),
                                                     unprocessed));
    text = cJSON_PrintUnformatted(rq);
    if (!text)
        goto out;
    buf_reset(body);
    rc = buf_appends(body, text);
out:
    cJSON_free(text);
    cJSON_Delete(rq);
    return rc;
}

static int write_batch(struct aws_client *c, void *task, struct pw_error *err)
{
    struct batch *b = task;
    struct writer *w = b->w;
    struct buf body;
    cJSON *answer = NULL;
    size_t left = b->n;
    long last_progress = calls_now_ms();
    int attempt = 0, rc = -1;
    buf_init(&body, 0);
    if (first_body(b, &body) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (;;) {
        if (stopped(w)) {
            pw_fail(err, PW_EXIT_FAILED, "not sent: another request failed first");
            goto out;
        }
        cJSON_Delete(answer);
        answer = NULL;
        int sent = aws_json_call_text(c, "dynamodb", "BatchWriteItem", body.data, body.len, &answer, err);
        count(w, &w->requests, 1);
        long now = calls_now_ms();
        if (sent < 0) {
            if (retry_classify(err) == RETRY_NO) {
                pthread_mutex_lock(&w->meter.lock);
                w->stop = 1;
                pthread_mutex_unlock(&w->meter.lock);
                goto out;
            }
            count(w, &w->throttled, 1);
            if (now - last_progress >= w->retry_ms) {
                pw_error_prefix(err, "no progress for %.1f s", (double)(now - last_progress) / 1000.0);
                goto out;
            }
            seed_backoff(&b->jitter, ++attempt);
            continue;
        }
        cJSON *unprocessed = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(answer, "UnprocessedItems"), w->table);
        size_t still = cJSON_IsArray(unprocessed) ? (size_t)cJSON_GetArraySize(unprocessed) : 0;
        if (still > left)
            still = left;           /* never count more back than was sent */
        if (still < left) {
            b->written += left - still;
            seed_meter_add(&w->meter, left - still);
            last_progress = now;
        }
        left = still;
        if (!left)
            break;
        if (now - last_progress >= w->retry_ms) {
            pw_fail(err, PW_EXIT_FAILED, "dynamodb BatchWriteItem: %zu items still unprocessed "
                    "after %.1f s without progress", left, (double)(now - last_progress) / 1000.0);
            goto out;
        }
        count(w, &w->resent, left);
        if (resend_body(w, answer, unprocessed, &body) < 0) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        seed_backoff(&b->jitter, ++attempt);
    }
    rc = 0;
out:
    b->failed = left;
    cJSON_Delete(answer);
    buf_release(&body);
    return rc;
}

static int make_prefix(struct writer *w)
{
    cJSON *name = cJSON_CreateString(w->table);
    char *quoted = name ? cJSON_PrintUnformatted(name) : NULL;
    int rc = quoted && buf_appends(&w->prefix, "{\"RequestItems\":{") == 0 &&
                     buf_appends(&w->prefix, quoted) == 0 && buf_appends(&w->prefix, ":[") == 0
                 ? 0 : -1;
    cJSON_free(quoted);
    cJSON_Delete(name);
    return rc;
}

int seed_write(struct aws_client *c, const char *table, const struct seed_data *d,
               const struct seed_options *o, struct seed_report *rep, struct pw_error *err)
{
    struct writer w = {.d = d, .table = table, .retry_ms = o->retry_ms > 0 ? o->retry_ms : SEED_DEFAULT_RETRY_MS};
    size_t nb = (d->n + SEED_BATCH - 1) / SEED_BATCH;
    struct batch *batches = calloc(nb ? nb : 1, sizeof *batches);
    void **tasks = calloc(nb ? nb : 1, sizeof *tasks);
    struct worker_result *results = calloc(nb ? nb : 1, sizeof *results);
    int rc = -1;
    buf_init(&w.prefix, 0);
    seed_meter_init(&w.meter, o, "writing", d->n);
    if (!batches || !tasks || !results || make_prefix(&w) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    uint64_t t0 = (uint64_t)calls_now_ms();
    for (size_t i = 0; i < nb; i++) {
        batches[i] = (struct batch){.w = &w, .first = i * SEED_BATCH,
                                    .n = i + 1 < nb ? SEED_BATCH : d->n - i * SEED_BATCH,
                                    .jitter = rng_mix64(t0 ^ (uint64_t)i)};
        tasks[i] = &batches[i];
    }
    int threads = o->parallel > 0 ? o->parallel : SEED_DEFAULT_PARALLEL;
    if (workers_run(c, threads, write_batch, tasks, nb, results, err) < 0)
        goto out;
    seed_meter_finish(&w.meter);
    rep->requests = w.requests;
    rep->resent = w.resent;
    rep->throttled = w.throttled;
    rep->write_ms = calls_now_ms() - w.meter.start_ms;
    /* The first failure that was not merely "stopped because of another": the cause. */
    const struct pw_error *cause = NULL;
    for (size_t i = 0; i < nb; i++) {
        rep->written += batches[i].written;
        rep->failed += batches[i].failed;
        if (results[i].rc < 0 && (!cause || strstr(cause->message, "another request failed first")))
            cause = &results[i].err;
    }
    if (rep->failed) {
        *err = *cause;
        pw_error_prefix(err, "%zu of %zu items were not written", rep->failed, d->n);
        goto out;
    }
    rc = 0;
out:
    seed_meter_release(&w.meter);
    buf_release(&w.prefix);
    free(batches);
    free(tasks);
    free(results);
    return rc;
}
