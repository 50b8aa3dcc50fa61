/* client.c — one signed AWS request, end to end. The same steps serve every service:
 *   endpoint -> credentials -> sign -> send -> (retry) -> decode the answer or the error.
 * Service differences live in the service table and in the two protocol helpers. */
#include "provision/aws/client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "provision/aws/sigv4.h"
#include "provision/aws/uri.h"

#define CREDENTIALS_REFRESH_MARGIN 300 /* s before expiry: never sign with credentials about to lapse */

int aws_client_init(struct aws_client *c, const struct aws_config *cfg, struct pw_error *err)
{
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    aws_credentials_init(&c->creds);
    retry_quota_init(&c->quota);
    c->rand_state = (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16) ^ 0x9e3779b9u;
    struct http_options o = {.verbosity = cfg->verbosity, .trace = cfg->trace,
                             .connect_timeout_ms = cfg->connect_timeout_ms,
                             .read_timeout_ms = cfg->read_timeout_ms};
    c->http = http_client_new(&o, err);
    return c->http ? 0 : -1;
}

void aws_client_release(struct aws_client *c)
{
    if (!c)
        return;
    aws_credentials_release(&c->creds);
    http_client_free(c->http);
    c->http = NULL;
    c->have_creds = 0;
}

int aws_client_use_credentials(struct aws_client *c, const struct aws_credentials *creds,
                               struct pw_error *err)
{
    aws_credentials_release(&c->creds);
    c->have_creds = 0;
    if (aws_credentials_copy(&c->creds, creds, err) < 0)
        return -1;
    c->have_creds = 1;
    c->fixed_creds = 1;
    return 0;
}

int aws_client_credentials(struct aws_client *c, const struct aws_credentials **out,
                           struct pw_error *err)
{
    int stale = c->have_creds && !c->fixed_creds && c->creds.expiration &&
                time(NULL) + CREDENTIALS_REFRESH_MARGIN >= c->creds.expiration;
    if (!c->have_creds || stale) {
        aws_credentials_release(&c->creds);
        c->have_creds = 0;
        if (aws_credentials_resolve(c->cfg, c->http, &c->creds, err) < 0)
            return -1;
        c->have_creds = 1;
    }
    *out = &c->creds;
    return 0;
}

void aws_request_init(struct aws_request *r, const struct aws_service *svc, const char *operation,
                      const char *method, const char *path)
{
    memset(r, 0, sizeof *r);
    r->service = svc;
    r->operation = operation;
    r->method = method;
    r->path = path ? path : "/";
    kvlist_init(&r->query);
    kvlist_init(&r->headers);
}

void aws_request_release(struct aws_request *r)
{
    if (!r)
        return;
    kvlist_release(&r->query);
    kvlist_release(&r->headers);
}

void aws_response_init(struct aws_response *r)
{
    r->status = 0;
    r->elapsed_ms = 0;
    kvlist_init(&r->headers);
    buf_init(&r->body, 0);
}

void aws_response_release(struct aws_response *r)
{
    if (!r)
        return;
    kvlist_release(&r->headers);
    buf_release(&r->body);
}

/* --- errors ---------------------------------------------------------------------------- */

static void copy_field(char *dst, size_t n, const char *src)
{
    if (src)
        snprintf(dst, n, "%s", src);
}

/* "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" and
 * "ValidationException:http://internal.amazon.com/..." both name the code last/first. */
static void set_code(struct pw_error *err, const char *raw)
{
    if (!raw || !raw[0])
        return;
    size_t end = strcspn(raw, ":");   /* Smithy: the part after ':' is not the code */
    const char *code = raw;
    for (size_t i = 0; i < end; i++)
        if (raw[i] == '#')
            code = raw + i + 1;
    size_t len = end - (size_t)(code - raw);
    if (len >= sizeof err->code)
        len = sizeof err->code - 1;
    memcpy(err->code, code, len);
    err->code[len] = '\0';
}

static int decode_json_error(const char *body, size_t len, struct pw_error *err)
{
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return -1;
    }
    const char *keys_code[] = {"__type", "code", "Code"};
    const char *keys_msg[] = {"message", "Message", "errorMessage"};
    for (size_t i = 0; i < 3 && !err->code[0]; i++)
        set_code(err, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, keys_code[i])));
    for (size_t i = 0; i < 3 && !err->message[0]; i++)
        copy_field(err->message, sizeof err->message,
                   cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, keys_msg[i])));
    cJSON_Delete(j);
    return 0;
}

/* Finds the first <Error> element at any depth: S3 answers <Error> at the root, Query
 * services <ErrorResponse><Error>, EC2-style services <Response><Errors><Error>. */
static const struct xml_node *find_error_element(const struct xml_node *n)
{
    for (; n; n = n->next) {
        if (strcmp(n->name, "Error") == 0)
            return n;
        const struct xml_node *f = find_error_element(n->children);
        if (f)
            return f;
    }
    return NULL;
}

static int decode_xml_error(const char *body, size_t len, struct pw_error *err)
{
    struct pw_error ignored;
    struct xml_node *root = xml_parse(body, len, &ignored);
    if (!root)
        return -1;
    const struct xml_node *e = find_error_element(root);
    if (e) {
        set_code(err, xml_text(e, "Code"));
        copy_field(err->message, sizeof err->message, xml_text(e, "Message"));
        if (!err->request_id[0])
            copy_field(err->request_id, sizeof err->request_id, xml_text(e, "RequestId"));
    }
    if (!err->request_id[0])
        copy_field(err->request_id, sizeof err->request_id, xml_text(root, "RequestId"));
    xml_free(root);
    return e ? 0 : -1;
}

static int looks_like(const char *body, size_t len, char c)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    return i < len && body[i] == c;
}

/* An answer without a body (S3 HEAD, some 5xx): the status is all there is, named as the
 * SDKs name it so callers can branch on a code. */
static void empty_body_error(long status, const struct kvlist *headers, struct pw_error *err)
{
    const char *code = status == 404 ? "NotFound" : status == 403 ? "Forbidden"
                     : status == 301 ? "PermanentRedirect" : status == 400 ? "BadRequest" : "";
    const char *region = kvlist_get_ci(headers, "x-amz-bucket-region");
    snprintf(err->code, sizeof err->code, "%s", code);
    if (status == 301 && region)
        snprintf(err->message, sizeof err->message, "the bucket is in region %s", region);
    else
        snprintf(err->message, sizeof err->message, "HTTP %ld with an empty body", status);
}

void aws_error_from_response(const struct aws_service *svc, const char *operation, long status,
                             const struct kvlist *headers, const char *body, size_t len,
                             struct pw_error *err)
{
    pw_error_clear(err);
    err->http_status = status;
    copy_field(err->service, sizeof err->service, svc ? svc->name : NULL);
    copy_field(err->operation, sizeof err->operation, operation);
    copy_field(err->request_id, sizeof err->request_id, kvlist_get_ci(headers, "x-amzn-RequestId"));
    if (!err->request_id[0])
        copy_field(err->request_id, sizeof err->request_id, kvlist_get_ci(headers, "x-amz-request-id"));
    set_code(err, kvlist_get_ci(headers, "x-amzn-ErrorType"));

    int decoded = -1;
    if (looks_like(body, len, '{'))
        decoded = decode_json_error(body, len, err);
    else if (looks_like(body, len, '<'))
        decoded = decode_xml_error(body, len, err);
    if (decoded < 0 && !err->code[0]) {
        /* Not an AWS answer: a proxy, a load balancer or a broken emulator spoke instead. */
        const char *type = kvlist_get_ci(headers, "Content-Type");
        if (len == 0)
            empty_body_error(status, headers, err);
        else
            snprintf(err->message, sizeof err->message,
                     "the endpoint answered HTTP %ld with a body that is not an AWS error (%s, %zu bytes)",
                     status, type ? type : "no content type", len);
    }
    if (!err->message[0] && !err->code[0])
        snprintf(err->message, sizeof err->message, "HTTP %ld", status);
    err->exit = pw_exit_for_aws(err->code, status);
}

/* --- one attempt ---------------------------------------------------------------------------- */

/* A bucket name that can be a host label: virtual-hosted addressing is possible. */
static int dns_compatible_bucket(const char *b, size_t n, int https)
{
    if (n < 3 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-' || (c == '.' && !https)))
            return 0;
    }
    return b[0] != '-' && b[n - 1] != '-';
}

/* Everything one attempt sends; rebuilt per attempt because the signature carries the time. */
struct prepared {
    struct buf url;
    struct buf host;
    struct buf path;
    struct kvlist headers;
    struct sigv4_output sig;
    struct http_request http;
};

static void prepared_init(struct prepared *p)
{
    buf_init(&p->url, 0);
    buf_init(&p->host, 0);
    buf_init(&p->path, 0);
    kvlist_init(&p->headers);
    sigv4_output_init(&p->sig);
    memset(&p->http, 0, sizeof p->http);
}

static void prepared_release(struct prepared *p)
{
    buf_release(&p->url);
    buf_release(&p->host);
    buf_release(&p->path);
    kvlist_release(&p->headers);
    sigv4_output_release(&p->sig);
}

static int prepare(struct aws_client *c, const struct aws_request *rq, struct prepared *p,
                   struct pw_error *err)
{
    const struct aws_service *svc = rq->service;
    struct aws_endpoint ep;
    const struct aws_credentials *creds;
    if (aws_config_endpoint(c->cfg, svc, &ep, err) < 0 || aws_client_credentials(c, &creds, err) < 0)
        return -1;

    if (rq->path[0] != '/')
        return pw_fail(err, PW_EXIT_USAGE, "%s %s: the path '%s' must start with '/'", svc->name,
                       rq->method, rq->path);
    /* S3 on AWS: "/bucket/key" becomes host "bucket.s3.region.amazonaws.com", path "/key". */
    const char *path = rq->path;
    buf_appends(&p->host, ep.host);
    if (svc->protocol == AWS_PROTO_REST_XML && !ep.path_style && path[1]) {
        const char *bucket = path + 1;
        size_t blen = strcspn(bucket, "/");
        if (dns_compatible_bucket(bucket, blen, strcmp(ep.scheme, "https") == 0)) {
            buf_reset(&p->host);
            buf_append(&p->host, bucket, blen);
            buf_appendc(&p->host, '.');
            buf_appends(&p->host, ep.host);
            path = bucket[blen] ? bucket + blen : "/";
        }
    }
    /* An encoded path needs an encoded base path in front of it. */
    if (rq->path_encoded)
        uri_encode(&p->path, ep.base_path, strlen(ep.base_path), 1);
    else
        buf_appends(&p->path, ep.base_path);
    buf_appends(&p->path, path);

    for (size_t i = 0; i < rq->headers.len; i++)
        kvlist_add(&p->headers, rq->headers.items[i].name, rq->headers.items[i].value);
    if (svc->protocol == AWS_PROTO_REST_JSON && rq->body_len && !kvlist_get_ci(&p->headers, "Content-Type"))
        kvlist_add(&p->headers, "Content-Type", "application/json");
    struct sigv4_credentials sc = {creds->access_key_id, creds->secret_access_key, creds->session_token};
    struct sigv4_input in = {
        .method = rq->method,
        .host = buf_cstr(&p->host),
        .path = buf_cstr(&p->path),
        .path_encoded = rq->path_encoded,
        .query = &rq->query,
        .headers = &p->headers,
        .body = rq->body,
        .body_len = rq->body_len,
        .region = ep.signing_region,
        .service = svc->signing_name,
        .s3 = svc->protocol == AWS_PROTO_REST_XML,
        .now = time(NULL),
        .creds = &sc,
    };
    if (sigv4_sign(&in, &p->sig, err) < 0)
        return -1;
    /* The signer's headers replace any the caller gave under the same name, and Host is sent
     * exactly as signed (curl would drop a default port the signer kept). */
    for (size_t i = 0; i < p->sig.add_headers.len; i++)
        kvlist_set(&p->headers, p->sig.add_headers.items[i].name, p->sig.add_headers.items[i].value);
    kvlist_set(&p->headers, "Host", buf_cstr(&p->host));
    if (buf_appendf(&p->url, "%s://%s%s", ep.scheme, buf_cstr(&p->host), buf_cstr(&p->sig.wire_target)) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "request URL too long");
    p->http.method = rq->method;
    p->http.url = buf_cstr(&p->url);
    p->http.headers = &p->headers;
    p->http.body = rq->body;
    p->http.body_len = rq->body_len;
    return 0;
}

/* Fills err from the outcome of one attempt; 0 for a 2xx answer. */
static int judge(const struct aws_request *rq, int sent, const struct http_response *hr,
                 struct pw_error *err)
{
    if (sent < 0) {
        /* Transport failure: name the service and operation, keep curl's words. */
        copy_field(err->service, sizeof err->service, rq->service->name);
        copy_field(err->operation, sizeof err->operation, rq->operation);
        return -1;
    }
    if (hr->status >= 200 && hr->status < 300)
        return 0;
    aws_error_from_response(rq->service, rq->operation, hr->status, &hr->headers,
                            buf_cstr(&hr->body), hr->body.len, err);
    return -1;
}

/* The server's own wait hint in ms, or -1. */
static long retry_after_hint(const struct http_response *hr)
{
    /* Clamped before any arithmetic: a hostile value must not overflow. */
    const char *ms = kvlist_get_ci(&hr->headers, "x-amz-retry-after");
    if (ms && isdigit((unsigned char)ms[0])) {
        long v = strtol(ms, NULL, 10);
        return v > 20000 ? 20000 : v;
    }
    const char *s = kvlist_get_ci(&hr->headers, "Retry-After");
    if (s && isdigit((unsigned char)s[0])) {
        long v = strtol(s, NULL, 10);
        return v >= 20 ? 20000 : v * 1000;
    }
    return -1;
}

static double next_random(struct aws_client *c)
{
    /* xorshift32: jitter needs spread, not cryptographic quality. */
    unsigned int x = c->rand_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c->rand_state = x;
    return (double)(x >> 8) / (double)(1u << 24);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

/* Decides whether attempt `attempt` may be followed by another; returns the delay or -1.
 * *cost receives the quota the retry took. */
static long plan_retry(struct aws_client *c, int attempt, const struct http_response *hr,
                       struct pw_error *err, int *cost)
{
    enum retry_class cls = retry_classify(err);
    if (cls == RETRY_NO || attempt >= c->cfg->max_attempts)
        return -1;
    if ((*cost = retry_quota_acquire(&c->quota, cls)) < 0) {
        *cost = 0;
        return -1;
    }
    long delay = retry_delay_ms(attempt + 1, next_random(c), retry_after_hint(hr));
    if (c->cfg->trace && c->cfg->verbosity >= 1)
        fprintf(c->cfg->trace, "* attempt %d of %d failed (%s%s%s); retrying in %ld ms\n", attempt,
                c->cfg->max_attempts, err->code[0] ? err->code : "", err->code[0] ? ": " : "",
                err->message, delay);
    return delay;
}

static void note_attempts(struct pw_error *err, int attempts)
{
    if (attempts > 1) {
        size_t n = strlen(err->message);
        snprintf(err->message + n, sizeof err->message - n, " (gave up after %d attempts)", attempts);
    }
}

/* Moves the final answer of a request into the caller's response. */
static void hand_over(struct aws_response *rs, struct http_response *hr)
{
    aws_response_release(rs);
    rs->status = hr->status;
    rs->elapsed_ms = hr->elapsed_ms;
    rs->headers = hr->headers;
    rs->body = hr->body;
}

int aws_send(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
             struct pw_error *err)
{
    int cost = 0;
    for (int attempt = 1;; attempt++) {
        struct prepared p;
        struct http_response hr;
        prepared_init(&p);
        if (prepare(c, rq, &p, err) < 0) {
            prepared_release(&p);
            return -1;
        }
        http_response_init(&hr);
        int sent = http_send(c->http, &p.http, &hr, err);
        prepared_release(&p);
        int ok = judge(rq, sent, &hr, err);
        int last_cost = cost;
        long delay = ok == 0 ? -1 : plan_retry(c, attempt, &hr, err, &cost);
        if (delay < 0) {
            hand_over(rs, &hr);
            if (ok == 0)
                retry_quota_release_success(&c->quota, last_cost);
            else
                note_attempts(err, attempt);
            return ok;
        }
        http_response_release(&hr);
        sleep_ms(delay);
    }
}

size_t aws_send_all(struct aws_client *c, const struct aws_request *rq, struct aws_response *rs,
                    int *results, struct pw_error *errs, size_t n)
{
    /* Rounds: send every pending request at once, then wait for the longest backoff that a
     * retried request asked for and send those again. Requests are independent, so one
     * request's retries never hold back another's success. */
    size_t cap = n ? n : 1, failed = 0, npending = n;
    size_t *pending = malloc(cap * sizeof *pending); /* request indices still to send */
    size_t *slot_of = malloc(cap * sizeof *slot_of); /* request index of each slot in a round */
    struct prepared *ps = calloc(cap, sizeof *ps);
    struct http_request *hq = calloc(cap, sizeof *hq);
    struct http_response *hr = calloc(cap, sizeof *hr);
    struct pw_error *herr = calloc(cap, sizeof *herr);
    int *sent = calloc(cap, sizeof *sent);
    int *cost = calloc(cap, sizeof *cost);   /* per request: quota its last retry took */
    if (!pending || !slot_of || !ps || !hq || !hr || !herr || !sent || !cost) {
        for (size_t i = 0; i < n; i++)
            results[i] = pw_fail(&errs[i], PW_EXIT_FAILED, "out of memory");
        failed = n;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        pending[i] = i;
    for (int attempt = 1; npending; attempt++) {
        size_t nslots = 0;
        for (size_t k = 0; k < npending; k++) {
            size_t i = pending[k];
            prepared_init(&ps[nslots]);
            if (prepare(c, &rq[i], &ps[nslots], &errs[i]) < 0) {
                prepared_release(&ps[nslots]);
                results[i] = -1;
                failed++;
                continue;
            }
            hq[nslots] = ps[nslots].http;
            http_response_init(&hr[nslots]);
            pw_error_clear(&herr[nslots]);
            slot_of[nslots++] = i;
        }
        http_send_all(c->http, hq, hr, sent, herr, nslots);
        long wait = 0;
        npending = 0;
        for (size_t s = 0; s < nslots; s++) {
            size_t i = slot_of[s];
            prepared_release(&ps[s]);
            errs[i] = herr[s];
            int ok = judge(&rq[i], sent[s], &hr[s], &errs[i]);
            int last_cost = cost[i];
            long delay = ok == 0 ? -1 : plan_retry(c, attempt, &hr[s], &errs[i], &cost[i]);
            if (delay < 0) {
                hand_over(&rs[i], &hr[s]);
                results[i] = ok;
                if (ok == 0) {
                    retry_quota_release_success(&c->quota, last_cost);
                } else {
                    note_attempts(&errs[i], attempt);
                    failed++;
                }
                continue;
            }
            http_response_release(&hr[s]);
            pending[npending++] = i;
            if (delay > wait)
                wait = delay;
        }
        if (npending)
            sleep_ms(wait);
    }
out:
    free(pending);
    free(slot_of);
    free(ps);
    free(hq);
    free(hr);
    free(herr);
    free(sent);
    free(cost);
    return failed;
}

/* --- protocols ------------------------------------------------------------------------------ */

int aws_request_json(struct aws_request *r, const char *operation, struct pw_error *err)
{
    const struct aws_service *svc = r->service;
    if (svc->protocol != AWS_PROTO_JSON)
        return pw_fail(err, PW_EXIT_USAGE, "'%s' does not speak the JSON protocol", svc->name);
    char target[192], type[64];
    snprintf(target, sizeof target, "%s.%s", svc->target_prefix, operation);
    snprintf(type, sizeof type, "application/x-amz-json-%s", svc->json_version);
    r->operation = operation;
    r->method = "POST";
    r->path = "/";
    if (kvlist_set(&r->headers, "X-Amz-Target", target) < 0 ||
        kvlist_set(&r->headers, "Content-Type", type) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return 0;
}

static int form_field(struct buf *form, const char *name, const char *value)
{
    if (form->len && buf_appendc(form, '&') < 0)
        return -1;
    if (uri_encode_form(form, name, strlen(name)) < 0 || buf_appendc(form, '=') < 0)
        return -1;
    return uri_encode_form(form, value, strlen(value));
}

int aws_request_query(struct aws_request *r, const char *action, const struct kvlist *params,
                      struct buf *form, struct pw_error *err)
{
    const struct aws_service *svc = r->service;
    if (svc->protocol != AWS_PROTO_QUERY)
        return pw_fail(err, PW_EXIT_USAGE, "'%s' does not speak the Query protocol", svc->name);
    buf_reset(form);
    int rc = form_field(form, "Action", action);
    rc |= form_field(form, "Version", svc->api_version);
    for (size_t i = 0; params && i < params->len; i++)
        rc |= form_field(form, params->items[i].name, params->items[i].value);
    rc |= kvlist_set(&r->headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    if (rc < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    r->operation = action;
    r->method = "POST";
    r->path = "/";
    r->body = form->data;
    r->body_len = form->len;
    return 0;
}

/* Sends rq with body (len bytes; empty_body when body is NULL) and parses the answer ({} for
 * an empty one) into *output. Releases rq. */
static int json_exchange(struct aws_client *c, struct aws_request *rq, const char *body,
                         size_t len, const char *empty_body, cJSON **output, struct pw_error *err)
{
    struct aws_response rs;
    int rc = -1;
    aws_response_init(&rs);
    *output = NULL;
    rq->body = body ? body : empty_body;
    rq->body_len = body ? len : (empty_body ? strlen(empty_body) : 0);
    if (aws_send(c, rq, &rs, err) < 0)
        goto out;
    *output = rs.body.len ? cJSON_ParseWithLength(rs.body.data, rs.body.len) : cJSON_CreateObject();
    if (!*output) {
        pw_fail(err, PW_EXIT_FAILED, "%s %s: the answer is not JSON", rq->service->name, rq->operation);
        goto out;
    }
    rc = 0;
out:
    aws_request_release(rq);
    aws_response_release(&rs);
    return rc;
}

int aws_json_call_text(struct aws_client *c, const char *service, const char *operation,
                       const char *body, size_t len, cJSON **output, struct pw_error *err)
{
    *output = NULL;
    const struct aws_service *svc = aws_service_find(service);
    if (!svc)
        return pw_fail(err, PW_EXIT_USAGE, "unknown service '%s'", service);
    struct aws_request rq;
    aws_request_init(&rq, svc, operation, "POST", "/");
    if (aws_request_json(&rq, operation, err) < 0) {
        aws_request_release(&rq);
        return -1;
    }
    return json_exchange(c, &rq, body, len, "{}", output, err);
}

int aws_json_call(struct aws_client *c, const char *service, const char *operation,
                  const cJSON *input, cJSON **output, struct pw_error *err)
{
    *output = NULL;
    char *body = input ? cJSON_PrintUnformatted(input) : NULL;
    if (input && !body)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    int rc = aws_json_call_text(c, service, operation, body, body ? strlen(body) : 0, output, err);
    cJSON_free(body);
    return rc;
}

int aws_path_label(struct buf *path, const char *label)
{
    if (buf_appendc(path, '/') < 0)
        return -1;
    return uri_encode(path, label, strlen(label), 0);
}

int aws_rest_json_call(struct aws_client *c, const char *service, const char *operation,
                       const char *method, const char *path, const struct kvlist *query,
                       const cJSON *input, cJSON **output, struct pw_error *err)
{
    *output = NULL;
    const struct aws_service *svc = aws_service_find(service);
    if (!svc)
        return pw_fail(err, PW_EXIT_USAGE, "unknown service '%s'", service);
    if (svc->protocol != AWS_PROTO_REST_JSON)
        return pw_fail(err, PW_EXIT_USAGE, "'%s' does not speak the REST-JSON protocol", service);
    struct aws_request rq;
    aws_request_init(&rq, svc, operation, method, path);
    rq.path_encoded = 1;
    for (size_t i = 0; query && i < query->len; i++)
        if (kvlist_add(&rq.query, query->items[i].name, query->items[i].value) < 0) {
            aws_request_release(&rq);
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        }
    char *body = input ? cJSON_PrintUnformatted(input) : NULL;
    if (input && !body) {
        aws_request_release(&rq);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    int rc = json_exchange(c, &rq, body, body ? strlen(body) : 0, NULL, output, err);
    cJSON_free(body);
    return rc;
}

int aws_query_call(struct aws_client *c, const char *service, const char *action,
                   const struct kvlist *params, struct xml_node **output, struct pw_error *err)
{
    *output = NULL;
    const struct aws_service *svc = aws_service_find(service);
    if (!svc)
        return pw_fail(err, PW_EXIT_USAGE, "unknown service '%s'", service);
    struct aws_request rq;
    struct aws_response rs;
    struct buf form;
    int rc = -1;
    aws_request_init(&rq, svc, action, "POST", "/");
    aws_response_init(&rs);
    buf_init(&form, 0);
    *output = NULL;
    if (aws_request_query(&rq, action, params, &form, err) < 0 || aws_send(c, &rq, &rs, err) < 0)
        goto out;
    *output = xml_parse(rs.body.data ? rs.body.data : "", rs.body.len, err);
    if (!*output) {
        pw_error_prefix(err, "%s %s", service, action);
        goto out;
    }
    rc = 0;
out:
    buf_release(&form);
    aws_request_release(&rq);
    aws_response_release(&rs);
    return rc;
}
