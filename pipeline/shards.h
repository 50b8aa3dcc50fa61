/* shards.h — the shards of a table's DynamoDB stream, and reading one of them.
 *
 * Discovery: the table's LatestStreamArn (DescribeTable), then every shard of the stream
 * (DescribeStream, followed page by page through LastEvaluatedShardId). Order: a shard is
 * read only once its parent is done, so that the changes of one item are applied in the order
 * they happened (an item's records move to a child shard when its parent splits). A parent
 * that is no longer listed has aged out of the stream's 24 hours and counts as done.
 *
 * Reading: a shard_reader walks one shard with GetShardIterator + GetRecords. It starts after
 * a checkpoint (AFTER_SEQUENCE_NUMBER) or at the oldest record (TRIM_HORIZON), renews an
 * iterator that expired (they live 15 minutes) from the last sequence number it handed out,
 * and knows a closed shard is done when GetRecords answers without a NextShardIterator. Data
 * that aged out before it was read (TrimmedDataAccessException) is a gap in the lake: the
 * reader stops with an error that names it and the way back (`pipewright pipeline backfill`). */
#ifndef PW_SHARDS_H
#define PW_SHARDS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "pipeline/jsonapi.h"
#include "pipeline/seqnum.h"

#define SHARD_ID_MAX 80             /* AWS: 28..65 characters */
#define STREAMS_SERVICE "dynamodbstreams"

struct shard {
    char id[SHARD_ID_MAX];
    char parent[SHARD_ID_MAX];      /* "" when the shard has none */
    char start_seq[SEQNUM_MAX];     /* "" when the answer had none */
    char end_seq[SEQNUM_MAX];       /* "" while the shard is open (still written to) */
};

struct shard_list {
    char *stream_arn;
    char *stream_status;            /* ENABLING, ENABLED, DISABLING, DISABLED */
    struct shard *items;
    size_t n, cap;
};

void shard_list_init(struct shard_list *l);
void shard_list_release(struct shard_list *l);
/* Index of the shard with this id, or -1. */
long shard_list_find(const struct shard_list *l, const char *id);

/* The LatestStreamArn of a table (DescribeTable). A table without a stream is an error that
 * says to declare one. *arn is the caller's (free). */
int streams_latest_arn(const struct jsonapi *api, const char *table, char **arn,
                       struct pw_error *err);

/* Every shard of the stream, page by page. page_limit is DescribeStream's Limit (1..100; 0
 * leaves it to the service). Appends to out, which keeps the stream's ARN and status. */
int shards_list(const struct jsonapi *api, const char *stream_arn, long page_limit,
                struct shard_list *out, struct pw_error *err);

/* Adds the shards of one DescribeStream answer; *next is its LastEvaluatedShardId (borrowed
 * from answer) or NULL on the last page. Exposed for tests. */
int shards_add_page(struct shard_list *l, const cJSON *answer, const char **next,
                    struct pw_error *err);

/* Sorts the list so that every parent comes before its children (generation by generation,
 * oldest first within one). A cycle of parents is an error. */
int shards_order(struct shard_list *l, struct pw_error *err);

/* Whether shard i may be read now: it has no parent, its parent has aged out of the stream,
 * or finished(ctx, parent id) says the parent was read to its end and committed. */
int shards_ready(const struct shard_list *l, size_t i,
                 int (*finished)(void *ctx, const char *shard_id), void *ctx);

/* ---- reading one shard ------------------------------------------------------------------ */

struct shard_reader {
    const struct jsonapi *api;
    const char *stream_arn;         /* borrowed */
    char shard_id[SHARD_ID_MAX];
    char after[SEQNUM_MAX];         /* the last sequence number handed out (or the checkpoint);
                                       "" = nothing yet: start at TRIM_HORIZON */
    char checkpoint[SEQNUM_MAX];    /* where this reader started, for the gap message */
    char *iterator;                 /* NULL before the first read and after the end */
    long limit;                     /* GetRecords Limit */
    int ended;                      /* closed shard read to its end */
    unsigned long renewals;         /* iterators renewed after ExpiredIteratorException */
};

/* checkpoint: the last committed sequence number, or NULL/"" for none. limit: 1..1000. */
void shard_reader_init(struct shard_reader *r, const struct jsonapi *api, const char *stream_arn,
                       const char *shard_id, const char *checkpoint, long limit);
void shard_reader_release(struct shard_reader *r);

/* One GetRecords. *records is the "Records" array as the service answered it (possibly empty),
 * owned by the caller. 0 ok, -1 error. Once r->ended is set, further calls give empty arrays. */
int shard_reader_next(struct shard_reader *r, cJSON **records, struct pw_error *err);

/* The inputs of GetShardIterator (after a sequence number, or TRIM_HORIZON when after is NULL
 * or "") and GetRecords; NULL when out of memory. Shared with status's parallel probes. */
cJSON *shard_iterator_input(const char *stream_arn, const char *shard_id, const char *after);
cJSON *shard_records_input(const char *iterator, long limit);

/* The sequence number of a stream record (dynamodb.SequenceNumber), or NULL. */
const char *stream_record_seq(const cJSON *record);

#endif
