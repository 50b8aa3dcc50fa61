/* client.h — one signed AWS request, end to end: endpoint resolution, credentials (resolved
 * once, refreshed before they expire), SigV4, HTTP, standard-mode retries, and every error
 * shape turned into one struct pw_error. Protocol helpers on top build JSON (X-Amz-Target)
 * and Query (form + XML) calls, so no service gets request code of its own. */
#ifndef PW_CLIENT_H
#define PW_CLIENT_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/buf.h"
#include "provision/aws/config.h"
#include "provision/aws/credentials.h"
#include "provision/aws/error.h"
#include "provision/aws/http.h"
#include "provision/aws/kv.h"
#include "provision/aws/retry.h"
#include "provision/aws/service.h"
#include "provision/aws/xml.h"

struct aws_client {
    const struct aws_config *cfg;
    struct http_client *http;
    struct aws_credentials creds;
    int have_creds;
    int fixed_creds;             /* set by aws_client_use_credentials: never re-resolved */
    struct retry_quota quota;
    unsigned int rand_state;     /* jitter */
};

int aws_client_init(struct aws_client *c, const struct aws_config *cfg, struct pw_error *err);
void aws_client_release(struct aws_client *c);

/* Uses these credentials instead of the chain (AssumeRole's source profile, tests). Copies them. */
int aws_client_use_credentials(struct aws_client *c, const struct aws_credentials *creds,
                               struct pw_error *err);

/* Resolves the credential chain now (doctor shows the source); later calls reuse the result. */
int aws_client_credentials(struct aws_client *c, const struct aws_credentials **out,
                           struct pw_error *err);

struct aws_request {
    const struct aws_service *service;
    const char *operation;       /* for errors and traces: "PutItem", "PutObject" */
    const char *method;
    const char *path;            /* unencoded; S3: "/bucket/key" (moved to the host when virtual-hosted) */
    int path_encoded;            /* path is already percent-encoded and sent as is: a REST label
                                    that holds '/' (an ARN in "/tags/{ResourceArn}") must reach
                                    the service as %2F, which an unencoded path cannot say */
    struct kvlist query;         /* unencoded */
    struct kvlist headers;
    const void *body;
    size_t body_len;
};

struct aws_response {
    long status;
    long elapsed_ms;             /* of the last attempt */
    struct kvlist headers;
    struct buf body;
};

void aws_request_init(struct aws_request *r, const struct aws_service *svc, const char *operation,
                      const char *method, const char *path);
void aws_request_release(struct aws_request *r);
void aws_response_init(struct aws_response *r);
void aws_response_release(struct aws_response *r);

/* Sends one request with retries. 0 on a 2xx answer. -1 otherwise: err holds the decoded
 * AWS error (or transport error) of the last attempt, and rs the last answer, if any. */
int aws_send(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
             struct pw_error *err);

/* n independent requests in parallel over the connection pool, each with its own retries.
 * results[i] and errs[i] as aws_send's. Returns the number that failed. */
size_t aws_send_all(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
                    int *results, struct pw_error *errs, size_t n);

/* The fixed parts of a protocol's request, shared by the calls below and by `pipewright api`:
 * JSON: POST /, X-Amz-Target: <prefix>.<operation>, Content-Type: application/x-amz-json-1.x.
 * Query: POST /, a form body (Action, Version, then params) built into form, which must
 * outlive the request. */
int aws_request_json(struct aws_request *r, const char *operation, struct pw_error *err);
int aws_request_query(struct aws_request *r, const char *action, const struct kvlist *params,
                      struct buf *form, struct pw_error *err);

/* JSON protocol (DynamoDB, Streams, Glue, EventBridge): POST / with X-Amz-Target.
 * input NULL means {}. On success *output is the parsed answer, owned by the caller. */
int aws_json_call(struct aws_client *c, const char *service, const char *operation,
                  const cJSON *input, cJSON **output, struct pw_error *err);
/* The same with the body already as JSON text (NULL means {}): for bodies assembled from
 * pieces that are JSON already, such as the items of a BatchWriteItem. */
int aws_json_call_text(struct aws_client *c, const char *service, const char *operation,
                       const char *body, size_t len, cJSON **output, struct pw_error *err);

/* REST-JSON protocol (Scheduler): an operation is a method and a path. path is encoded
 * (aws_path_label below encodes one label); query may be NULL; input NULL sends no body.
 * On success *output is the parsed answer ({} for an empty one), owned by the caller. */
int aws_rest_json_call(struct aws_client *c, const char *service, const char *operation,
                       const char *method, const char *path, const struct kvlist *query,
                       const cJSON *input, cJSON **output, struct pw_error *err);

/* Appends '/' and one path label percent-encoded, '/' included ("schedule-group/a" ->
 * "/schedule-group%2Fa"), for a path_encoded request. -1 out of memory. */
int aws_path_label(struct buf *path, const char *label);

/* Query protocol (SNS, IAM, STS): form-encoded Action, Version and params.
 * On success *output is the parsed XML answer, owned by the caller (xml_free). */
int aws_query_call(struct aws_client *c, const char *service, const char *action,
                   const struct kvlist *params, struct xml_node **output, struct pw_error *err);

/* Decodes an error answer of any shape — JSON __type/code + message, XML <Error>,
 * XML <ErrorResponse><Error>, an HTML or empty body — into err. Exposed for tests. */
void aws_error_from_response(const struct aws_service *svc, const char *operation, long status,
                             const struct kvlist *headers, const char *body, size_t len,
                             struct pw_error *err);

#endif
