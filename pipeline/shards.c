/* shards.c — a table's stream and its shards: discovery, paging, parents before children. */
#include "pipeline/shards.h"

#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

/* DescribeStream can never need more pages than this (a stream holds at most a few thousand
 * shards in 24 hours); past it the service is looping. */
#define MAX_PAGES 10000

void shard_list_init(struct shard_list *l)
{
    memset(l, 0, sizeof *l);
}

void shard_list_release(struct shard_list *l)
{
    if (!l)
        return;
    free(l->stream_arn);
    free(l->stream_status);
    free(l->items);
    memset(l, 0, sizeof *l);
}

long shard_list_find(const struct shard_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i].id, id) == 0)
            return (long)i;
    return -1;
}

int streams_latest_arn(const struct jsonapi *api, const char *table, char **arn,
                       struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject(), *out = NULL;
    int rc = -1;
    *arn = NULL;
    if (!in || !cJSON_AddStringToObject(in, "TableName", table)) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (jsonapi_call(api, "dynamodb", "DescribeTable", in, &out, err) < 0) {
        pw_error_prefix(err, strcmp(err->code, "ResourceNotFoundException") == 0
                                 ? "finding the stream of table '%s' (does it exist? `pipewright "
                                   "up` creates it)"
                                 : "finding the stream of table '%s'", table);
        goto out;
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(out, "Table");
    const char *a = json_str(t, "LatestStreamArn");
    const cJSON *spec = cJSON_GetObjectItemCaseSensitive(t, "StreamSpecification");
    if (!a || (spec && !json_bool(spec, "StreamEnabled"))) {
        pw_fail(err, PW_EXIT_FAILED,
                "table '%s' has no stream enabled: declare `stream: new-and-old-images` on it "
                "and run `pipewright up`", table);
        goto out;
    }
    if (!(*arn = strdup(a))) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(in);
    cJSON_Delete(out);
    return rc;
}

static int copy_field(char *dst, size_t n, const char *src, const char *what, const char *shard,
                      struct pw_error *err)
{
    if (!src) {
        dst[0] = '\0';
        return 0;
    }
    if (strlen(src) >= n)
        return pw_fail(err, PW_EXIT_FAILED, "DescribeStream: %s of shard '%s' is too long", what,
                       shard);
    memcpy(dst, src, strlen(src) + 1);
    return 0;
}

static int set_str(char **dst, const char *src, struct pw_error *err)
{
    if (!src || (*dst && strcmp(*dst, src) == 0))
        return 0;
    char *p = strdup(src);
    if (!p)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    free(*dst);
    *dst = p;
    return 0;
}

int shards_add_page(struct shard_list *l, const cJSON *answer, const char **next,
                    struct pw_error *err)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(answer, "StreamDescription");
    const cJSON *shards = cJSON_GetObjectItemCaseSensitive(d, "Shards");
    const cJSON *s;
    *next = NULL;
    if (!cJSON_IsObject(d))
        return pw_fail(err, PW_EXIT_FAILED, "DescribeStream: the answer has no StreamDescription");
    if (set_str(&l->stream_arn, json_str(d, "StreamArn"), err) < 0 ||
        set_str(&l->stream_status, json_str(d, "StreamStatus"), err) < 0)
        return -1;
    cJSON_ArrayForEach(s, shards) {
        const char *id = json_str(s, "ShardId");
        const cJSON *range = cJSON_GetObjectItemCaseSensitive(s, "SequenceNumberRange");
        if (!id || !id[0])
            return pw_fail(err, PW_EXIT_FAILED, "DescribeStream: a shard without a ShardId");
        if (shard_list_find(l, id) >= 0)     /* a page boundary seen twice: keep the first */
            continue;
        if (l->n == l->cap) {
            size_t cap = l->cap ? l->cap * 2 : 16;
            struct shard *p = realloc(l->items, cap * sizeof *p);
            if (!p)
                return pw_fail(err, PW_EXIT_FAILED, "out of memory");
            l->items = p;
            l->cap = cap;
        }
        struct shard *sh = &l->items[l->n];
        memset(sh, 0, sizeof *sh);
        if (copy_field(sh->id, sizeof sh->id, id, "the id", id, err) < 0 ||
            copy_field(sh->parent, sizeof sh->parent, json_str(s, "ParentShardId"), "the parent",
                       id, err) < 0 ||
            copy_field(sh->start_seq, sizeof sh->start_seq,
                       json_str(range, "StartingSequenceNumber"), "the first sequence number", id,
                       err) < 0 ||
            copy_field(sh->end_seq, sizeof sh->end_seq, json_str(range, "EndingSequenceNumber"),
                       "the last sequence number", id, err) < 0)
            return -1;
        if ((sh->start_seq[0] && !seqnum_valid(sh->start_seq)) ||
            (sh->end_seq[0] && !seqnum_valid(sh->end_seq)))
            return pw_fail(err, PW_EXIT_FAILED,
                           "DescribeStream: shard '%s' has a sequence number that is not a "
                           "decimal number", id);
        l->n++;
    }
    *next = json_str(d, "LastEvaluatedShardId");
    if (*next && !(*next)[0])
        *next = NULL;
    return 0;
}

int shards_list(const struct jsonapi *api, const char *stream_arn, long page_limit,
                struct shard_list *out, struct pw_error *err)
{
    char start[SHARD_ID_MAX] = "";
    cJSON *in = NULL, *page = NULL;
    int rc = -1;
    for (int pages = 0;; pages++) {
        const char *next = NULL;
        if (pages == MAX_PAGES) {
            pw_fail(err, PW_EXIT_FAILED, "DescribeStream of '%s': more than %d pages", stream_arn,
                    MAX_PAGES);
            goto out;
        }
        if (!(in = cJSON_CreateObject()) || !cJSON_AddStringToObject(in, "StreamArn", stream_arn) ||
            (page_limit > 0 && !cJSON_AddNumberToObject(in, "Limit", (double)page_limit)) ||
            (start[0] && !cJSON_AddStringToObject(in, "ExclusiveStartShardId", start))) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        if (jsonapi_call(api, STREAMS_SERVICE, "DescribeStream", in, &page, err) < 0 ||
            shards_add_page(out, page, &next, err) < 0) {
            pw_error_prefix(err, "listing the shards of stream '%s'", stream_arn);
            goto out;
        }
        if (!next)
            break;
        /* A service that answers the same page again would keep us here for ever. */
        if (strcmp(next, start) == 0 || strlen(next) >= sizeof start) {
            pw_fail(err, PW_EXIT_FAILED,
                    "DescribeStream of '%s': LastEvaluatedShardId '%s' does not move forward",
                    stream_arn, next);
            goto out;
        }
        memcpy(start, next, strlen(next) + 1);
        cJSON_Delete(in);
        cJSON_Delete(page);
        in = page = NULL;
    }
    rc = 0;
out:
    cJSON_Delete(in);
    cJSON_Delete(page);
    return rc;
}

/* ---- order ------------------------------------------------------------------------------ */

struct ranked {
    struct shard shard;
    size_t depth;                   /* 0: no parent in the list */
};

static int ranked_cmp(const void *pa, const void *pb)
{
    const struct ranked *a = pa, *b = pb;
    if (a->depth != b->depth)
        return a->depth < b->depth ? -1 : 1;
    const char *sa = a->shard.start_seq, *sb = b->shard.start_seq;
    if (sa[0] && sb[0]) {
        int c = seqnum_cmp(sa, sb);
        if (c)
            return c;
    }
    return strcmp(a->shard.id, b->shard.id);
}

int shards_order(struct shard_list *l, struct pw_error *err)
{
    if (l->n < 2)
        return 0;
    struct ranked *r = calloc(l->n, sizeof *r);
    if (!r)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (size_t i = 0; i < l->n; i++) {
        /* Walk up the parents; a walk longer than the list went round a cycle. */
        size_t depth = 0;
        long p = (long)i;
        while (l->items[p].parent[0] && (p = shard_list_find(l, l->items[p].parent)) >= 0) {
            if (++depth > l->n) {
                pw_fail(err, PW_EXIT_FAILED, "the shards of stream '%s' name each other as "
                        "parents (shard '%s')", l->stream_arn ? l->stream_arn : "?",
                        l->items[i].id);
                free(r);
                return -1;
            }
        }
        r[i].shard = l->items[i];
        r[i].depth = depth;
    }
    qsort(r, l->n, sizeof *r, ranked_cmp);
    for (size_t i = 0; i < l->n; i++)
        l->items[i] = r[i].shard;
    free(r);
    return 0;
}

int shards_ready(const struct shard_list *l, size_t i,
                 int (*finished)(void *ctx, const char *shard_id), void *ctx)
{
    const char *parent = l->items[i].parent;
    if (!parent[0] || shard_list_find(l, parent) < 0)
        return 1;
    return finished(ctx, parent) != 0;
}
