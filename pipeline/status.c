/* status.c — `pipeline status`: checkpoints, lag and leases per shard. */
#include "pipeline/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

const char *status_shard_state(const struct status_shard *s)
{
    if (s->has_checkpoint && s->cp.finished)
        return "finished";
    if (!s->listed)
        return "expired";
    return s->closed ? "closed" : "open";
}

static int needs_probe(const struct status_shard *s)
{
    return s->listed && !(s->has_checkpoint && s->cp.finished);
}

static void probe_failed(struct status_shard *s, const struct pw_error *e)
{
    if (strcmp(e->code, "TrimmedDataAccessException") == 0) {
        snprintf(s->probe_error, sizeof s->probe_error,
                 "records after the checkpoint are no longer in the stream: run `pipewright "
                 "pipeline backfill`");
        return;
    }
    pw_error_format(e, s->probe_error, sizeof s->probe_error);
}

/* Two parallel rounds: an iterator per shard, then one page of records per shard. */
static int probe(struct aws_client *c, struct pipeline_status *st, struct pw_error *err)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n; i++)
        n += needs_probe(&st->shards[i]);
    if (!n)
        return 0;
    struct json_call *calls = calloc(n, sizeof *calls);
    size_t *which = calloc(n, sizeof *which);
    int rc = -1;
    if (!calls || !which) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (size_t i = 0, k = 0; i < st->n; i++) {
        if (!needs_probe(&st->shards[i]))
            continue;
        which[k] = i;
        calls[k].operation = "GetShardIterator";
        const struct status_shard *s = &st->shards[i];
        if (!(calls[k++].input = shard_iterator_input(st->stream_arn, s->shard,
                                                      s->has_checkpoint ? s->cp.sequence : NULL))) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
    }
    json_calls_run(c, STREAMS_SERVICE, calls, n);
    for (size_t k = 0; k < n; k++) {
        const char *it = calls[k].rc == 0 ? json_str(calls[k].output, "ShardIterator") : NULL;
        cJSON *in = it ? shard_records_input(it, STATUS_PROBE_LIMIT) : NULL;
        if (calls[k].rc < 0)
            probe_failed(&st->shards[which[k]], &calls[k].err);
        cJSON_Delete(calls[k].input);
        cJSON_Delete(calls[k].output);
        calls[k].output = NULL;
        calls[k].input = in;            /* NULL: no second call for this shard */
        calls[k].operation = "GetRecords";
    }
    /* Only shards that got an iterator are read; the others keep their error. */
    size_t m = 0;
    for (size_t k = 0; k < n; k++)
        if (calls[k].input) {
            calls[m] = calls[k];
            which[m++] = which[k];
        }
    json_calls_run(c, STREAMS_SERVICE, calls, m);
    for (size_t k = 0; k < m; k++) {
        struct status_shard *s = &st->shards[which[k]];
        if (calls[k].rc < 0) {
            probe_failed(s, &calls[k].err);
            continue;
        }
        const cJSON *recs = cJSON_GetObjectItemCaseSensitive(calls[k].output, "Records");
        const cJSON *first = cJSON_GetArrayItem(recs, 0);
        s->probed = 1;
        s->records_behind = cJSON_GetArraySize(recs);
        s->behind_at_least = s->records_behind >= STATUS_PROBE_LIMIT;
        s->oldest_unprocessed = json_num(cJSON_GetObjectItemCaseSensitive(first, "dynamodb"),
                                         "ApproximateCreationDateTime");
    }
    n = m;
    rc = 0;
out:
    for (size_t k = 0; calls && k < n; k++)
        cJSON_Delete(calls[k].input);
    json_calls_release(calls, n);
    free(calls);
    free(which);
    return rc;
}

static int add_shard(struct pipeline_status *st, struct status_shard **out)
{
    struct status_shard *p = realloc(st->shards, (st->n + 1) * sizeof *p);
    if (!p)
        return -1;
    st->shards = p;
    *out = memset(&p[st->n++], 0, sizeof *p);
    return 0;
}

int pipeline_status_collect(struct aws_client *c, const struct spec_pipeline *pl,
                            struct pipeline_status *out, struct pw_error *err)
{
    struct jsonapi api = jsonapi_client(c);
    struct checkpoint_store store = {.api = &api};
    struct shard_list l;
    struct checkpoint *cps = NULL;
    size_t n_cps = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    shard_list_init(&l);
    if (!pl->present || !pl->source)
        return pw_fail(err, PW_EXIT_SPEC, "the spec declares no pipeline");
    snprintf(out->pipeline, sizeof out->pipeline, "%s", pl->name.v);
    snprintf(out->table, sizeof out->table, "%s", pl->source->name.v);
    snprintf(out->checkpoint_table, sizeof out->checkpoint_table, "%s", pl->checkpoints.name.v);
    store.table = out->checkpoint_table;
    store.pipeline = out->pipeline;
    if (streams_latest_arn(&api, out->table, &out->stream_arn, err) < 0 ||
        shards_list(&api, out->stream_arn, 0, &l, err) < 0 || shards_order(&l, err) < 0 ||
        checkpoint_list(&store, &cps, &n_cps, err) < 0)
        goto out;
    out->stream_status = l.stream_status ? strdup(l.stream_status) : NULL;
    out->now_ms = checkpoint_now_ms();
    for (size_t i = 0; i < l.n; i++) {
        struct status_shard *s;
        if (add_shard(out, &s) < 0)
            goto oom;
        snprintf(s->shard, sizeof s->shard, "%s", l.items[i].id);
        snprintf(s->parent, sizeof s->parent, "%s", l.items[i].parent);
        s->listed = 1;
        s->closed = l.items[i].end_seq[0] != '\0';
    }
    for (size_t k = 0; k < n_cps; k++) {
        struct status_shard *s = NULL;
        for (size_t i = 0; i < out->n && !s; i++)
            if (strcmp(out->shards[i].shard, cps[k].shard) == 0)
                s = &out->shards[i];
        if (!s) {                   /* aged out of the stream: its checkpoint is history */
            if (add_shard(out, &s) < 0)
                goto oom;
            snprintf(s->shard, sizeof s->shard, "%s", cps[k].shard);
            snprintf(s->parent, sizeof s->parent, "%s", cps[k].parent);
        }
        s->has_checkpoint = 1;
        s->cp = cps[k];
    }
    if (probe(c, out, err) < 0)
        goto out;
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    free(cps);
    shard_list_release(&l);
    if (rc < 0)
        pipeline_status_release(out);
    return rc;
}

void pipeline_status_release(struct pipeline_status *st)
{
    if (!st)
        return;
    free(st->stream_arn);
    free(st->stream_status);
    free(st->shards);
    memset(st, 0, sizeof *st);
}

/* ---- rendering --------------------------------------------------------------------------- */

static void duration(double seconds, char *out, size_t n)
{
    long s = seconds < 0 ? 0 : (long)(seconds + 0.5);
    if (s < 120)
        snprintf(out, n, "%lds", s);
    else if (s < 7200)
        snprintf(out, n, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, n, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
}

static double lag_seconds(const struct pipeline_status *st, const struct status_shard *s)
{
    if (!s->oldest_unprocessed)
        return 0;
    double lag = (double)st->now_ms / 1000.0 - s->oldest_unprocessed;
    return lag < 0 ? 0 : lag;
}

static int lease_live(const struct pipeline_status *st, const struct status_shard *s)
{
    return s->has_checkpoint && s->cp.owner[0] && s->cp.lease_expires_ms > st->now_ms;
}

enum { COL_SHARD, COL_PARENT, COL_STATE, COL_CHECKPOINT, COL_BEHIND, COL_LAG, COL_LEASE, NCOLS };

static void cells(const struct pipeline_status *st, const struct status_shard *s,
                  char cell[NCOLS][320])
{
    char t[40];
    snprintf(cell[COL_SHARD], 320, "%s", s->shard);
    snprintf(cell[COL_PARENT], 320, "%s", s->parent[0] ? s->parent : "-");
    snprintf(cell[COL_STATE], 320, "%s", status_shard_state(s));
    snprintf(cell[COL_CHECKPOINT], 320, "%s",
             s->has_checkpoint && s->cp.sequence[0] ? s->cp.sequence : "-");
    if (s->probed)
        snprintf(cell[COL_BEHIND], 320, "%ld%s", s->records_behind, s->behind_at_least ? "+" : "");
    else
        snprintf(cell[COL_BEHIND], 320, "%s", s->probe_error[0] ? "?" : needs_probe(s) ? "?" : "0");
    if (s->probed) {
        duration(lag_seconds(st, s), t, sizeof t);
        snprintf(cell[COL_LAG], 320, "%s", t);
    } else {
        snprintf(cell[COL_LAG], 320, "%s", needs_probe(s) ? "?" : "-");
    }
    if (s->has_checkpoint && s->cp.owner[0]) {
        checkpoint_format_time(s->cp.lease_expires_ms, t, sizeof t);
        snprintf(cell[COL_LEASE], 320, "%s until %s%s", s->cp.owner, t,
                 lease_live(st, s) ? "" : " (expired)");
    } else {
        snprintf(cell[COL_LEASE], 320, "-");
    }
}

int pipeline_status_render_text(const struct pipeline_status *st, struct buf *out)
{
    static const char *const heads[NCOLS] = {
        "SHARD", "PARENT", "STATE", "CHECKPOINT", "BEHIND", "LAG", "LEASE",
    };
    char cell[NCOLS][320];
    size_t width[NCOLS];
    int rc = 0;
    for (int k = 0; k < NCOLS; k++)
        width[k] = strlen(heads[k]);
    for (size_t i = 0; i < st->n; i++) {
        cells(st, &st->shards[i], cell);
        for (int k = 0; k < NCOLS; k++)
            if (strlen(cell[k]) > width[k])
                width[k] = strlen(cell[k]);
    }
    rc |= buf_appendf(out, "pipeline %s: table %s, stream %s (%s)\ncheckpoints in table %s\n\n",
                      st->pipeline, st->table, st->stream_arn,
                      st->stream_status ? st->stream_status : "?", st->checkpoint_table);
    for (int k = 0; k + 1 < NCOLS; k++)
        rc |= buf_appendf(out, "%-*s  ", (int)width[k], heads[k]);
    rc |= buf_appendf(out, "%s\n", heads[NCOLS - 1]);
    for (size_t i = 0; i < st->n; i++) {
        cells(st, &st->shards[i], cell);
        for (int k = 0; k + 1 < NCOLS; k++)
            rc |= buf_appendf(out, "%-*s  ", (int)width[k], cell[k]);
        rc |= buf_appendf(out, "%s\n", cell[NCOLS - 1]);
    }
    for (size_t i = 0; i < st->n; i++)
        if (st->shards[i].probe_error[0])
            rc |= buf_appendf(out, "%s: %s\n", st->shards[i].shard, st->shards[i].probe_error);
    if (!st->n)
        rc |= buf_appends(out, "(the stream has no shards yet)\n");
    return rc ? -1 : 0;
}

static cJSON *str_or_null(const char *s)
{
    return s && s[0] ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *shard_json(const struct pipeline_status *st, const struct status_shard *s)
{
    cJSON *o = cJSON_CreateObject();
    char t[40];
    cJSON_AddStringToObject(o, "shard_id", s->shard);
    cJSON_AddItemToObject(o, "parent_shard_id", str_or_null(s->parent));
    cJSON_AddStringToObject(o, "state", status_shard_state(s));
    cJSON_AddBoolToObject(o, "listed", s->listed);
    cJSON_AddItemToObject(o, "checkpoint", str_or_null(s->has_checkpoint ? s->cp.sequence : ""));
    cJSON_AddBoolToObject(o, "finished", s->has_checkpoint && s->cp.finished);
    if (s->probed || !needs_probe(s)) {
        cJSON_AddNumberToObject(o, "records_behind", s->probed ? (double)s->records_behind : 0);
        cJSON_AddBoolToObject(o, "records_behind_at_least", s->behind_at_least);
        cJSON_AddNumberToObject(o, "lag_seconds", s->probed ? lag_seconds(st, s) : 0);
    } else {
        cJSON_AddNullToObject(o, "records_behind");
        cJSON_AddBoolToObject(o, "records_behind_at_least", 0);
        cJSON_AddNullToObject(o, "lag_seconds");
    }
    if (s->oldest_unprocessed) {
        checkpoint_format_time((int64_t)(s->oldest_unprocessed * 1000), t, sizeof t);
        cJSON_AddStringToObject(o, "oldest_unprocessed_at", t);
    } else {
        cJSON_AddNullToObject(o, "oldest_unprocessed_at");
    }
    if (s->has_checkpoint && s->cp.owner[0]) {
        cJSON *l = cJSON_AddObjectToObject(o, "lease");
        checkpoint_format_time(s->cp.lease_expires_ms, t, sizeof t);
        cJSON_AddStringToObject(l, "owner", s->cp.owner);
        cJSON_AddStringToObject(l, "expires_at", t);
        cJSON_AddNumberToObject(l, "expires_ms", (double)s->cp.lease_expires_ms);
        cJSON_AddBoolToObject(l, "expired", !lease_live(st, s));
    } else {
        cJSON_AddNullToObject(o, "lease");
    }
    if (s->has_checkpoint && s->cp.updated_ms) {
        checkpoint_format_time(s->cp.updated_ms, t, sizeof t);
        cJSON_AddStringToObject(o, "updated_at", t);
    } else {
        cJSON_AddNullToObject(o, "updated_at");
    }
    cJSON_AddItemToObject(o, "error", str_or_null(s->probe_error));
    return o;
}

int pipeline_status_render_json(const struct pipeline_status *st, struct buf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "pipeline", st->pipeline);
    cJSON_AddStringToObject(o, "source_table", st->table);
    cJSON_AddStringToObject(o, "stream_arn", st->stream_arn);
    cJSON_AddItemToObject(o, "stream_status", str_or_null(st->stream_status));
    cJSON_AddStringToObject(o, "checkpoint_table", st->checkpoint_table);
    cJSON *arr = cJSON_AddArrayToObject(o, "shards");
    for (size_t i = 0; i < st->n; i++)
        cJSON_AddItemToArray(arr, shard_json(st, &st->shards[i]));
    char *text = cJSON_Print(o);
    int rc = text && buf_appends(out, text) == 0 && buf_appendc(out, '\n') == 0 ? 0 : -1;
    cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}
