/* positions.c — the stream's ends before a backfill, and the checkpoints after it (see
 * positions.h). */
#include "pipeline/positions.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/aws/workers.h"
#include "provision/calls.h"

#define READ_LIMIT 1000
#define EMPTY_PAGES 3               /* as capture: an open shard is caught up after 3 */
#define READ_THREADS 4

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

const char *position_outcome_name(enum position_outcome o)
{
    static const char *const names[] = {"pending", "set", "kept", "finished", "was-finished",
                                        "empty"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

void positions_release(struct positions *p)
{
    if (!p)
        return;
    free(p->stream_arn);
    free(p->items);
    memset(p, 0, sizeof *p);
}

static struct checkpoint_store store_of(const struct jsonapi *api, const struct spec_pipeline *pl,
                                        const char *owner)
{
    return (struct checkpoint_store){.api = api, .table = pl->checkpoints.name.v,
                                     .pipeline = pl->name.v, .owner = owner};
}

/* ---- reading the ends ---- */

struct end_task {
    struct position *p;
    const char *stream_arn;
    double started_s;               /* epoch seconds when the read began */
};

/* ApproximateCreationDateTime of a record (epoch seconds), 0 when absent. */
static double record_time(const cJSON *rec)
{
    return json_num(cJSON_GetObjectItemCaseSensitive(rec, "dynamodb"), "ApproximateCreationDateTime");
}

/* Reads an open shard from its oldest record until it is caught up (EMPTY_PAGES empty answers
 * in a row), ends, or hands out a record written after the read began. */
static int read_end(struct aws_client *c, void *task, struct pw_error *err)
{
    struct end_task *t = task;
    struct jsonapi api = jsonapi_client(c);
    struct shard_reader r;
    int empty = 0, rc = 0;
    shard_reader_init(&r, &api, t->stream_arn, t->p->shard, NULL, READ_LIMIT);
    while (rc == 0 && !r.ended && empty < EMPTY_PAGES) {
        cJSON *recs = NULL;
        if ((rc = shard_reader_next(&r, &recs, err)) < 0)
            break;
        int n = cJSON_GetArraySize(recs);
        empty = n ? 0 : empty + 1;
        t->p->records_read += (size_t)n;
        if (n && record_time(cJSON_GetArrayItem(recs, n - 1)) >= t->started_s)
            empty = EMPTY_PAGES;    /* newer than the read: the scan will see it anyway */
        cJSON_Delete(recs);
    }
    if (rc == 0)
        snprintf(t->p->seq, sizeof t->p->seq, "%s", r.after);
    shard_reader_release(&r);
    return rc;
}

/* A lease that has not run out: a runner is at work on the pipeline. */
static int check_leases(const struct checkpoint_store *s, struct positions *p,
                        struct pw_error *err)
{
    struct checkpoint *cps = NULL;
    size_t n = 0;
    if (checkpoint_list(s, &cps, &n, err) < 0)
        return -1;
    int64_t now = checkpoint_now_ms();
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const struct checkpoint *cp = &cps[i];
        if (cp->owner[0] && cp->lease_expires_ms > now && !cp->finished) {
            char until[40];
            checkpoint_format_time(cp->lease_expires_ms, until, sizeof until);
            rc = pw_fail(err, PW_EXIT_FAILED, "shard '%s' of pipeline '%s' is leased by runner "
                         "'%s' until %s: stop `pipeline run` before a backfill (or wait for the "
                         "lease to run out)", cp->shard, s->pipeline, cp->owner, until);
        }
        for (size_t k = 0; k < p->n; k++)
            if (strcmp(p->items[k].shard, cp->shard) == 0)
                snprintf(p->items[k].previous, sizeof p->items[k].previous, "%s", cp->sequence);
    }
    free(cps);
    return rc;
}

int positions_read(struct aws_client *c, const struct spec_pipeline *pl, struct positions *out,
                   struct pw_error *err)
{
    struct jsonapi api = jsonapi_client(c);
    struct checkpoint_store store = store_of(&api, pl, NULL);
    struct shard_list l;
    struct end_task *tasks = NULL;
    void **ptrs = NULL;
    struct worker_result *results = NULL;
    size_t nt = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    shard_list_init(&l);
    if (!pl->present || !pl->source) {
        pw_fail(err, PW_EXIT_SPEC, "the spec declares no pipeline");
        goto out;
    }
    if (streams_latest_arn(&api, pl->source->name.v, &out->stream_arn, err) < 0 ||
        shards_list(&api, out->stream_arn, 0, &l, err) < 0 || shards_order(&l, err) < 0)
        goto out;
    out->items = calloc(l.n ? l.n : 1, sizeof *out->items);
    tasks = calloc(l.n ? l.n : 1, sizeof *tasks);
    ptrs = calloc(l.n ? l.n : 1, sizeof *ptrs);
    results = calloc(l.n ? l.n : 1, sizeof *results);
    if (!out->items || !tasks || !ptrs || !results) {
        oom(err);
        goto out;
    }
    out->n = l.n;
    double now_s = (double)checkpoint_now_ms() / 1000.0;
    for (size_t i = 0; i < l.n; i++) {
        struct position *p = &out->items[i];
        snprintf(p->shard, sizeof p->shard, "%s", l.items[i].id);
        snprintf(p->parent, sizeof p->parent, "%s", l.items[i].parent);
        p->closed = l.items[i].end_seq[0] != '\0';
        if (p->closed) {
            snprintf(p->seq, sizeof p->seq, "%s", l.items[i].end_seq);
            continue;
        }
        tasks[nt] = (struct end_task){p, out->stream_arn, now_s};
        ptrs[nt] = &tasks[nt];
        nt++;
    }
    if (check_leases(&store, out, err) < 0 ||
        workers_run(c, READ_THREADS, read_end, ptrs, nt, results, err) < 0)
        goto out;
    for (size_t i = 0; i < nt; i++)
        if (results[i].rc < 0) {
            *err = results[i].err;
            pw_error_prefix(err, "finding the end of the stream of table '%s'", pl->source->name.v);
            goto out;
        }
    rc = 0;
out:
    if (rc < 0)
        positions_release(out);
    shard_list_release(&l);
    free(tasks);
    free(ptrs);
    free(results);
    return rc;
}

/* ---- writing them ---- */

int position_decide(struct position *p, const struct checkpoint *cp, int found,
                    const char **commit_seq)
{
    *commit_seq = p->seq;
    if (found && cp->finished) {
        p->outcome = POSITION_WAS_FINISHED;
        return 2;
    }
    if (!p->seq[0]) {
        p->outcome = POSITION_EMPTY;
        return 2;
    }
    int ahead = found && cp->sequence[0] && seqnum_cmp(cp->sequence, p->seq) >= 0;
    if (p->closed) {
        p->outcome = POSITION_FINISHED;
        if (ahead)
            *commit_seq = NULL;
        return 1;
    }
    if (ahead) {
        p->outcome = POSITION_KEPT;
        return 2;
    }
    p->outcome = POSITION_SET;
    return 0;
}

static int commit_one(const struct checkpoint_store *s, struct position *p, struct pw_error *err)
{
    struct checkpoint cp;
    const char *seq;
    int got = checkpoint_acquire(s, p->shard, p->parent, &cp, err);
    if (got < 0)
        return -1;
    if (got == 1 && !cp.finished) {
        char until[40];
        checkpoint_format_time(cp.lease_expires_ms, until, sizeof until);
        return pw_fail(err, PW_EXIT_FAILED, "shard '%s' was leased by runner '%s' (until %s) "
                       "during the backfill: its checkpoint was not set; stop `pipeline run` and "
                       "run the backfill again", p->shard, cp.owner, until);
    }
    /* Acquired, the item is ours and as it is now (its sequence is current). */
    int what = position_decide(p, &cp, 1, &seq);
    if (got == 1)
        return 0;                   /* finished: acquire is refused and nothing is held */
    if (what == 2)
        return checkpoint_release(s, p->shard, err);
    if (checkpoint_commit(s, p->shard, seq, what == 1, err) < 0)
        return -1;
    return what == 1 ? 0 : checkpoint_release(s, p->shard, err);
}

int positions_commit(struct aws_client *c, const struct spec_pipeline *pl, struct positions *p,
                     struct pw_error *err)
{
    char me[CHECKPOINT_OWNER_MAX];
    struct jsonapi api = jsonapi_client(c);
    checkpoint_runner_id(me, sizeof me);
    struct checkpoint_store store = store_of(&api, pl, me);
    for (size_t i = 0; i < p->n; i++)
        if (commit_one(&store, &p->items[i], err) < 0) {
            pw_error_prefix(err, "setting the checkpoint of shard '%s'", p->items[i].shard);
            return -1;
        }
    return 0;
}
