/* scan.h — a whole table read with a parallel Scan (Segment/TotalSegments).
 *
 * The segments advance in rounds: each round sends the next page of every segment not yet
 * done together, over the client's connection pool (json_calls_run: each request in flight at
 * once, each with its own retries), then hands the pages' items to the caller, one at a time,
 * on the calling thread. So the caller needs no locking, and memory holds at most one page per
 * segment (DynamoDB answers at most 1 MB per page). Reads are strongly consistent: a backfill
 * must see every write that happened before it started. */
#ifndef PW_SCAN_H
#define PW_SCAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/client.h"

#define SCAN_DEFAULT_SEGMENTS 4
#define SCAN_MAX_SEGMENTS 1000      /* DynamoDB allows 1000000; more is no faster from one host */

/* One item of a page (DynamoDB JSON attribute map), borrowed until fn returns. */
typedef int (*scan_item_fn)(void *ctx, const cJSON *item, struct pw_error *err);

struct scan_stats {
    size_t requests;                /* Scan requests answered */
    size_t items;                   /* items handed to fn */
    size_t segments;                /* TotalSegments used */
};

/* Scans the whole table in segments (1..SCAN_MAX_SEGMENTS) and calls fn for every item. limit:
 * the page's Limit (0: DynamoDB's 1 MB pages). A failed request (after its retries) or fn
 * returning -1 stops the scan. stats may be NULL. */
int scan_table(struct aws_client *c, const char *table, int segments, long limit,
               scan_item_fn fn, void *ctx, struct scan_stats *stats, struct pw_error *err);

/* The input of a Scan of one segment; start is the previous page's LastEvaluatedKey (NULL for
 * the first page; duplicated). NULL when out of memory. Exposed for tests. */
cJSON *scan_input(const char *table, int segment, int segments, long limit, const cJSON *start);

#endif
