/* jsonapi.h — how the capture side reaches DynamoDB and DynamoDB Streams: one JSON call at a
 * time through a function pointer, so that the paging, lease and renewal logic above it runs
 * unchanged against the real client (aws_json_call) or against canned answers in unit tests. */
#ifndef PW_JSONAPI_H
#define PW_JSONAPI_H

#include <cjson/cJSON.h>

#include "provision/aws/client.h"

/* Same contract as aws_json_call: 0 with *output owned by the caller, or -1 with err filled
 * (err->code holds the AWS error code, e.g. "ExpiredIteratorException"). */
typedef int (*jsonapi_fn)(void *ctx, const char *service, const char *operation,
                          const cJSON *input, cJSON **output, struct pw_error *err);

struct jsonapi {
    jsonapi_fn call;
    void *ctx;
};

/* An api that sends every call with aws_json_call on c (which must outlive it). */
struct jsonapi jsonapi_client(struct aws_client *c);

static inline int jsonapi_call(const struct jsonapi *api, const char *service,
                               const char *operation, const cJSON *input, cJSON **output,
                               struct pw_error *err)
{
    return api->call(api->ctx, service, operation, input, output, err);
}

#endif
