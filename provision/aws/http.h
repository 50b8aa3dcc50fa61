/* http.h — HTTP through libcurl: one client holds a shared connection and DNS/TLS-session
 * pool, so every request after the first to a host reuses its connection. A serial path
 * (http_send) and a parallel one (http_send_all, curl multi) share the same pool.
 *
 * TLS peer and host verification are always on for https; there is no switch to turn them off.
 * Bodies are size-capped: a response larger than max_body fails instead of exhausting memory. */
#ifndef PW_HTTP_H
#define PW_HTTP_H

#include <stddef.h>
#include <stdio.h>

#include "provision/aws/buf.h"
#include "provision/aws/error.h"
#include "provision/aws/kv.h"

struct http_options {
    long connect_timeout_ms;   /* 0: 10 s */
    long timeout_ms;           /* whole request; 0: none (large transfers take what they take) */
    long read_timeout_ms;      /* fail when no byte arrives for this long; 0: 60 s */
    size_t max_body;           /* 0: BUF_MAX_DEFAULT */
    int max_parallel;          /* http_send_all concurrency; 0: 16 */
    int verbosity;             /* 1: request and status lines, response headers; 2: + request
                                  headers; 3: + bodies (secrets redacted) */
    FILE *trace;               /* NULL: no trace */
};

struct http_request {
    const char *method;
    const char *url;                 /* fully encoded */
    const struct kvlist *headers;    /* sent as given; may be NULL */
    const void *body;
    size_t body_len;
    long timeout_ms;                 /* whole request; 0: the client's default */
    int secret_body;                 /* bodies of request and answer are never traced (IMDS tokens) */
};

struct http_response {
    long status;                     /* 0 when no response arrived */
    long elapsed_ms;                 /* from the start of the transfer to its end */
    struct kvlist headers;           /* names as received */
    struct buf body;
};

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);
void http_response_reset(struct http_response *r);   /* ready for a retry */

struct http_client;

struct http_client *http_client_new(const struct http_options *o, struct pw_error *err);
void http_client_free(struct http_client *c);         /* accepts NULL */

/* 0 when an HTTP response arrived, whatever its status. -1 on a transport failure (refused,
 * reset, timeout, TLS, body over the cap), with err->retryable set when a retry may succeed. */
int http_send(struct http_client *c, const struct http_request *rq, struct http_response *rs,
              struct pw_error *err);

/* n independent requests at once over the pool. results[i] and errs[i] as http_send's. */
void http_send_all(struct http_client *c, const struct http_request *rq, struct http_response *rs,
                   int *results, struct pw_error *errs, size_t n);

/* Writes a trace line with secrets redacted: Authorization, X-Amz-Security-Token and
 * secret-looking JSON/XML fields become "REDACTED". Exposed for tests. */
void http_redact(struct buf *out, const char *text, size_t len);

#endif
