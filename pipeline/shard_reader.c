/* shard_reader.c — one shard of a stream, page by page, from a checkpoint to its end. */
#include "pipeline/shards.h"

#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

void shard_reader_init(struct shard_reader *r, const struct jsonapi *api, const char *stream_arn,
                       const char *shard_id, const char *checkpoint, long limit)
{
    memset(r, 0, sizeof *r);
    r->api = api;
    r->stream_arn = stream_arn;
    snprintf(r->shard_id, sizeof r->shard_id, "%s", shard_id);
    if (checkpoint && seqnum_valid(checkpoint)) {
        snprintf(r->after, sizeof r->after, "%s", checkpoint);
        snprintf(r->checkpoint, sizeof r->checkpoint, "%s", checkpoint);
    }
    r->limit = limit < 1 ? 1000 : limit > 1000 ? 1000 : limit;
}

void shard_reader_release(struct shard_reader *r)
{
    if (!r)
        return;
    free(r->iterator);
    r->iterator = NULL;
}

const char *stream_record_seq(const cJSON *record)
{
    return json_str(cJSON_GetObjectItemCaseSensitive(record, "dynamodb"), "SequenceNumber");
}

static int is_code(const struct pw_error *err, const char *code)
{
    return strcmp(err->code, code) == 0;
}

cJSON *shard_iterator_input(const char *stream_arn, const char *shard_id, const char *after)
{
    int has_after = after && after[0];
    cJSON *in = cJSON_CreateObject();
    if (!in || !cJSON_AddStringToObject(in, "StreamArn", stream_arn) ||
        !cJSON_AddStringToObject(in, "ShardId", shard_id) ||
        !cJSON_AddStringToObject(in, "ShardIteratorType",
                                 has_after ? "AFTER_SEQUENCE_NUMBER" : "TRIM_HORIZON") ||
        (has_after && !cJSON_AddStringToObject(in, "SequenceNumber", after))) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

cJSON *shard_records_input(const char *iterator, long limit)
{
    cJSON *in = cJSON_CreateObject();
    if (!in || !cJSON_AddStringToObject(in, "ShardIterator", iterator) ||
        !cJSON_AddNumberToObject(in, "Limit", (double)limit)) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

/* GetShardIterator after seq, or at the oldest record when seq is NULL. */
static int get_iterator(struct shard_reader *r, const char *seq, char **out, struct pw_error *err)
{
    cJSON *in = shard_iterator_input(r->stream_arn, r->shard_id, seq), *ans = NULL;
    int rc = -1;
    *out = NULL;
    if (!in) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (jsonapi_call(r->api, STREAMS_SERVICE, "GetShardIterator", in, &ans, err) < 0)
        goto out;
    const char *it = json_str(ans, "ShardIterator");
    if (!it || !it[0]) {
        pw_fail(err, PW_EXIT_FAILED, "GetShardIterator of shard '%s': the answer has no "
                "ShardIterator", r->shard_id);
        goto out;
    }
    if (!(*out = strdup(it))) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(in);
    cJSON_Delete(ans);
    return rc;
}

static int get_records(const struct jsonapi *api, const char *iterator, long limit, cJSON **ans,
                       struct pw_error *err)
{
    cJSON *in = shard_records_input(iterator, limit);
    *ans = NULL;
    int rc = in ? jsonapi_call(api, STREAMS_SERVICE, "GetRecords", in, ans, err)
                : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_Delete(in);
    return rc;
}

/* The sequence number of the oldest record the shard still holds, for the gap message; ""
 * when it cannot be told (an empty first page, or the look-up failed as well). */
static void oldest_available(struct shard_reader *r, char out[SEQNUM_MAX])
{
    struct pw_error ignored;
    char *it = NULL;
    cJSON *ans = NULL;
    out[0] = '\0';
    if (get_iterator(r, NULL, &it, &ignored) == 0 &&
        get_records(r->api, it, 1, &ans, &ignored) == 0) {
        const cJSON *recs = cJSON_GetObjectItemCaseSensitive(ans, "Records");
        const char *seq = stream_record_seq(cJSON_GetArrayItem(recs, 0));
        if (seq && seqnum_valid(seq))
            snprintf(out, SEQNUM_MAX, "%s", seq);
    }
    free(it);
    cJSON_Delete(ans);
}

/* TrimmedDataAccessException: the records after our position were deleted by the stream's
 * 24-hour retention before anyone read them. Nothing here can bring them back. */
static int gap_error(struct shard_reader *r, struct pw_error *err)
{
    char oldest[SEQNUM_MAX];
    oldest_available(r, oldest);
    char from[128];
    if (r->after[0])
        snprintf(from, sizeof from, "after sequence number %s", r->after);
    else
        snprintf(from, sizeof from, "from the start of the shard");
    return pw_fail(err, PW_EXIT_FAILED,
                   "shard '%s' of stream '%s': the records %s are no longer in the stream "
                   "(the oldest it still holds is %s; a stream keeps 24 hours): the changes "
                   "between them are lost to the lake; run `pipewright pipeline backfill` to "
                   "rebuild it from the table and move the checkpoints past the gap",
                   r->shard_id, r->stream_arn, from, oldest[0] ? oldest : "unknown");
}

/* A fresh iterator at the reader's position: after the last record handed out (or the
 * checkpoint), else the oldest record. */
static int position(struct shard_reader *r, struct pw_error *err)
{
    free(r->iterator);
    r->iterator = NULL;
    int rc = get_iterator(r, r->after, &r->iterator, err);
    if (rc < 0 && is_code(err, "TrimmedDataAccessException"))
        return gap_error(r, err);
    return rc;
}

/* Every record carries a sequence number above the previous one and above where we were: the
 * checkpoints depend on it, so an answer that breaks it is refused, not passed on. */
static int check_order(struct shard_reader *r, const cJSON *records, struct pw_error *err)
{
    const char *prev = r->after[0] ? r->after : NULL;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        const char *seq = stream_record_seq(rec);
        if (!seq || !seqnum_valid(seq))
            return pw_fail(err, PW_EXIT_FAILED, "GetRecords of shard '%s': a record without a "
                           "valid dynamodb.SequenceNumber", r->shard_id);
        if (prev && seqnum_cmp(seq, prev) <= 0)
            return pw_fail(err, PW_EXIT_FAILED, "GetRecords of shard '%s': sequence number %s "
                           "comes after %s", r->shard_id, seq, prev);
        prev = seq;
    }
    return 0;
}

int shard_reader_next(struct shard_reader *r, cJSON **records, struct pw_error *err)
{
    cJSON *ans = NULL;
    int rc = -1;
    *records = NULL;
    if (r->ended) {
        *records = cJSON_CreateArray();
        return *records ? 0 : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    if (!r->iterator && position(r, err) < 0)
        goto fail;
    if (get_records(r->api, r->iterator, r->limit, &ans, err) < 0) {
        /* An iterator lives 15 minutes; one that expired is renewed once from our position. */
        if (!is_code(err, "ExpiredIteratorException"))
            goto check_trimmed;
        r->renewals++;
        if (position(r, err) < 0 || get_records(r->api, r->iterator, r->limit, &ans, err) < 0)
            goto check_trimmed;
    }
    cJSON *recs = cJSON_DetachItemFromObjectCaseSensitive(ans, "Records");
    if (!recs)
        recs = cJSON_CreateArray();
    if (!recs || !cJSON_IsArray(recs)) {
        cJSON_Delete(recs);
        pw_fail(err, PW_EXIT_FAILED, "GetRecords of shard '%s': Records is not a list",
                r->shard_id);
        goto fail;
    }
    if (check_order(r, recs, err) < 0) {
        cJSON_Delete(recs);
        goto fail;
    }
    const cJSON *last = cJSON_GetArrayItem(recs, cJSON_GetArraySize(recs) - 1);
    if (last)
        snprintf(r->after, sizeof r->after, "%s", stream_record_seq(last));
    const char *next = json_str(ans, "NextShardIterator");
    free(r->iterator);
    r->iterator = NULL;
    if (!next || !next[0]) {
        r->ended = 1;               /* a closed shard, read to its last record */
    } else if (!(r->iterator = strdup(next))) {
        cJSON_Delete(recs);
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto fail;
    }
    *records = recs;
    rc = 0;
    goto out;
check_trimmed:
    if (is_code(err, "TrimmedDataAccessException"))
        gap_error(r, err);
fail:
    if (!strstr(err->message, r->shard_id) && !strstr(err->operation, r->shard_id))
        pw_error_prefix(err, "reading shard '%s'", r->shard_id);
out:
    cJSON_Delete(ans);
    return rc;
}
