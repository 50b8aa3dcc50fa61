/* calls.h — several independent calls of one resource at once (DescribeContinuousBackups,
 * DescribeTimeToLive and ListTagsOfResource after DescribeTable; five S3 GETs of a bucket),
 * over the client's connection pool, each with its own retries; and a bounded poll. */
#ifndef PW_CALLS_H
#define PW_CALLS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/client.h"

struct json_call {
    const char *operation;
    const char *method;         /* REST-JSON (Scheduler): method, encoded path (aws_path_label) */
    const char *path;           /* and query; path NULL: the JSON protocol (POST / + X-Amz-Target) */
    const struct kvlist *query;
    cJSON *input;               /* owned by the caller; NULL means {} (REST-JSON: no body) */
    cJSON *output;              /* filled on success; owned by the call (json_calls_release) */
    int rc;                     /* 0 or -1 */
    struct pw_error err;
};

/* Sends every call in parallel. Returns how many failed; each call's rc/err says which.
 * service speaks JSON or REST-JSON, as the calls say. */
size_t json_calls_run(struct aws_client *c, const char *service, struct json_call *calls,
                      size_t n);
void json_calls_release(struct json_call *calls, size_t n);

struct query_call {
    const char *action;
    struct kvlist params;       /* initialised by query_call_init; released by query_calls_release */
    struct xml_node *output;    /* filled on success */
    int rc;
    struct pw_error err;
};

void query_call_init(struct query_call *q, const char *action);
/* Query protocol (SNS, IAM): every call in parallel; returns how many failed. */
size_t query_calls_run(struct aws_client *c, const char *service, struct query_call *calls,
                       size_t n);
void query_calls_release(struct query_call *calls, size_t n);

/* Sleeps ms milliseconds (a poll step). */
void calls_sleep_ms(long ms);
/* Monotonic milliseconds, for deadlines. */
long calls_now_ms(void);

/* cJSON helpers that tolerate NULL and wrong types: a missing member reads as absent. */
const char *json_str(const cJSON *o, const char *name);
int json_bool(const cJSON *o, const char *name);        /* 1 only for true */
double json_num(const cJSON *o, const char *name);      /* 0 when absent */

#endif
