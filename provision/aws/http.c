/* http.c — requests through libcurl. One share handle carries the connection pool, DNS
 * cache and TLS sessions, so the serial path and the parallel (multi) path reuse the same
 * connections. Every transfer is set up by one function, so both paths behave the same. */
#include "provision/aws/http.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "provision/aws/curl_lib.h"

#define TRACE_BODY_MAX 65536

struct http_client {
    struct http_options o;
    const struct curl_lib *curl;    /* loaded on first use: curl_lib.h says why */
    CURLSH *share;
    CURL *easy;     /* the serial path's handle, kept for its connection state */
    CURLM *multi;
};

/* One transfer in flight: what the callbacks write into. */
struct transfer {
    CURL *easy;
    struct curl_slist *headers;
    struct http_response *rs;
    int over_cap;
    int secret_body;
    char errbuf[CURL_ERROR_SIZE];
    struct timespec started;
};


void http_response_init(struct http_response *r)
{
    r->status = 0;
    r->elapsed_ms = 0;
    kvlist_init(&r->headers);
    buf_init(&r->body, 0);
}

void http_response_release(struct http_response *r)
{
    if (!r)
        return;
    kvlist_release(&r->headers);
    buf_release(&r->body);
}

void http_response_reset(struct http_response *r)
{
    size_t max = r->body.max;
    http_response_release(r);
    http_response_init(r);
    r->body.max = max;
}

struct http_client *http_client_new(const struct http_options *o, struct pw_error *err)
{
    const struct curl_lib *curl = curl_lib_get(err);
    if (!curl)
        return NULL;
    struct http_client *c = calloc(1, sizeof *c);
    if (!c) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        return NULL;
    }
    c->o = *o;
    c->curl = curl;
    if (!c->o.connect_timeout_ms)
        c->o.connect_timeout_ms = 10000;
    if (!c->o.read_timeout_ms)
        c->o.read_timeout_ms = 60000;
    if (!c->o.max_body)
        c->o.max_body = BUF_MAX_DEFAULT;
    if (c->o.max_parallel <= 0)
        c->o.max_parallel = 16;
    c->share = curl->share_init();
    c->easy = curl->easy_init();
    c->multi = curl->multi_init();
    if (!c->share || !c->easy || !c->multi) {
        http_client_free(c);
        pw_fail(err, PW_EXIT_FAILED, "cannot create an HTTP client");
        return NULL;
    }
    curl->share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl->share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl->share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl->multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)c->o.max_parallel);
    return c;
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    const struct curl_lib *curl = c->curl;
    /* Handles go before the share they use. */
    if (c->easy)
        curl->easy_cleanup(c->easy);
    if (c->multi)
        curl->multi_cleanup(c->multi);
    if (c->share)
        curl->share_cleanup(c->share);
    free(c);
}

static size_t on_body(char *p, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * n;
    if (buf_append(&t->rs->body, p, len) < 0) {
        t->over_cap = 1;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
    struct transfer *t = userdata;
    size_t len = size * n;
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        /* A new status line (after 100 Continue or a redirect): only the last answer counts. */
        kvlist_release(&t->rs->headers);
        return len;
    }
    const char *colon = memchr(p, ':', len);
    if (!colon)
        return len;
    const char *v = colon + 1, *end = p + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    if (kvlist_addn(&t->rs->headers, p, (size_t)(colon - p), v, (size_t)(end - v)) < 0)
        return 0;
    return len;
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)((now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000);
}

/* --- tracing ---------------------------------------------------------------------------- */

static int is_secret_header(const char *name)
{
    static const char *const names[] = {
        "authorization", "x-amz-security-token", "x-aws-ec2-metadata-token",
        "proxy-authorization", "cookie", "set-cookie",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* A field name that holds a secret: SecretAccessKey, SessionToken, Token, Password, ... */
static int is_secret_field(const char *name, size_t n)
{
    static const char *const words[] = {"secret", "token", "password", "credential"};
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t wl = strlen(words[w]);
        for (size_t i = 0; i + wl <= n; i++)
            if (strncasecmp(name + i, words[w], wl) == 0)
                return 1;
    }
    return 0;
}

/* Display filter for traces: copies text, replacing the values of secret-looking JSON string
 * fields ("SessionToken": "...") and XML elements (<SecretAccessKey>...</SecretAccessKey>).
 * It only ever hides more than needed; it is not used to read responses. */
void http_redact(struct buf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* A form field (Query protocol): Password=...&, at the start or after '&'. */
        if ((i == 0 || s[i - 1] == '&') && s[i] != '"' && s[i] != '<') {
            size_t eq = i;
            while (eq < n && s[eq] != '=' && s[eq] != '&' && s[eq] != ' ' && s[eq] != '\n')
                eq++;
            if (eq < n && s[eq] == '=' && is_secret_field(s + i, eq - i)) {
                size_t e = eq + 1;
                while (e < n && s[e] != '&')
                    e++;
                buf_append(out, s + i, eq + 1 - i);
                buf_appends(out, "REDACTED");
                i = e;
                continue;
            }
        }
        if (s[i] == '"') {
            size_t k = i + 1;
            while (k < n && s[k] != '"')
                k += s[k] == '\\' ? 2 : 1;
            if (k >= n)
                break;
            size_t j = k + 1;
            while (j < n && isspace((unsigned char)s[j]))
                j++;
            if (j < n && s[j] == ':' && is_secret_field(s + i + 1, k - i - 1)) {
                j++;
                while (j < n && isspace((unsigned char)s[j]))
                    j++;
                if (j < n && s[j] == '"') {
                    size_t e = j + 1;
                    while (e < n && s[e] != '"')
                        e += s[e] == '\\' ? 2 : 1;
                    buf_append(out, s + i, j - i);
                    buf_appends(out, "\"REDACTED\"");
                    i = e < n ? e + 1 : n;
                    continue;
                }
            }
            buf_append(out, s + i, k + 1 - i);
            i = k + 1;
            continue;
        }
        if (s[i] == '<' && i + 1 < n && s[i + 1] != '/') {
            size_t k = i + 1;
            while (k < n && s[k] != '>' && s[k] != ' ' && s[k] != '/')
                k++;
            if (k < n && s[k] == '>' && is_secret_field(s + i + 1, k - i - 1)) {
                /* Only a leaf's text is a value; an element with children is walked into. */
                size_t e = k + 1;
                while (e < n && s[e] != '<')
                    e++;
                if (e + 1 < n && s[e + 1] == '/') {
                    buf_append(out, s + i, k + 1 - i);
                    buf_appends(out, "REDACTED");
                    i = e;
                    continue;
                }
            }
        }
        buf_appendc(out, s[i]);
        i++;
    }
    if (i < n)
        buf_append(out, s + i, n - i);
}

static void trace_headers(FILE *f, char dir, const struct kvlist *h)
{
    for (size_t i = 0; i < h->len; i++)
        fprintf(f, "%c %s: %s\n", dir, h->items[i].name,
                is_secret_header(h->items[i].name) ? "REDACTED" : h->items[i].value);
}

static void trace_body(FILE *f, const char *body, size_t len)
{
    if (!len)
        return;
    struct buf b;
    buf_init(&b, 0);
    http_redact(&b, body, len < TRACE_BODY_MAX ? len : TRACE_BODY_MAX);
    fprintf(f, "%s%s\n", buf_cstr(&b), len > TRACE_BODY_MAX ? "\n[... body truncated in trace]" : "");
    buf_release(&b);
}

static void trace_request(const struct http_client *c, const struct http_request *rq)
{
    FILE *f = c->o.trace;
    if (!f || c->o.verbosity < 1)
        return;
    fprintf(f, "> %s %s\n", rq->method, rq->url);
    if (c->o.verbosity >= 2 && rq->headers)
        trace_headers(f, '>', rq->headers);
    if (c->o.verbosity >= 3 && !rq->secret_body)
        trace_body(f, rq->body, rq->body_len);
}

static void trace_response(const struct http_client *c, const struct transfer *t)
{
    FILE *f = c->o.trace;
    if (!f || c->o.verbosity < 1)
        return;
    if (t->rs->status)
        fprintf(f, "< HTTP %ld (%ld ms)\n", t->rs->status, elapsed_ms(&t->started));
    trace_headers(f, '<', &t->rs->headers);
    if (c->o.verbosity >= 3 && !t->secret_body)
        trace_body(f, t->rs->body.data, t->rs->body.len);
}

/* --- one transfer -------------------------------------------------------------------------- */

static int transfer_setup(struct http_client *c, struct transfer *t, CURL *easy,
                          const struct http_request *rq, struct http_response *rs)
{
    const struct curl_lib *curl = c->curl;
    memset(t, 0, sizeof *t);
    t->easy = easy;
    t->rs = rs;
    t->secret_body = rq->secret_body;
    rs->body.max = c->o.max_body;
    clock_gettime(CLOCK_MONOTONIC, &t->started);

    int has_type = 0;
    if (rq->headers)
        for (size_t i = 0; i < rq->headers->len; i++) {
            const struct kv *h = &rq->headers->items[i];
            struct buf line;
            buf_init(&line, 0);
            /* "Name;" is curl's way to send a header with an empty value. */
            if (h->value[0])
                buf_appendf(&line, "%s: %s", h->name, h->value);
            else
                buf_appendf(&line, "%s;", h->name);
            struct curl_slist *n = curl->slist_append(t->headers, buf_cstr(&line));
            buf_release(&line);
            if (!n)
                return -1;
            t->headers = n;
            has_type |= strcasecmp(h->name, "Content-Type") == 0;
        }
    /* curl would add "Expect: 100-continue" and a form Content-Type of its own. */
    const char *suppress[] = {"Expect:", has_type ? NULL : "Content-Type:"};
    for (size_t i = 0; i < 2; i++) {
        struct curl_slist *n = suppress[i] ? curl->slist_append(t->headers, suppress[i]) : t->headers;
        if (!n)
            return -1;
        t->headers = n;
    }

    curl->easy_reset(easy);
    curl->easy_setopt(easy, CURLOPT_SHARE, c->share);
    curl->easy_setopt(easy, CURLOPT_URL, rq->url);
    /* The signer signed this exact path: curl must not squash "/../" or "//" in it. */
    curl->easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl->easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl->easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    curl->easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    curl->easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    curl->easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl->easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_timeout_ms);
    curl->easy_setopt(easy, CURLOPT_TIMEOUT_MS, rq->timeout_ms ? rq->timeout_ms : c->o.timeout_ms);
    /* A stalled peer (less than 1 byte/s) fails after the read timeout, as the AWS CLI's does;
     * curl counts it in whole seconds. */
    curl->easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl->easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, (c->o.read_timeout_ms + 999) / 1000);
    curl->easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    curl->easy_setopt(easy, CURLOPT_USERAGENT, "pipewright/0.1");
    curl->easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, NULL);
    curl->easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    curl->easy_setopt(easy, CURLOPT_WRITEDATA, t);
    curl->easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    curl->easy_setopt(easy, CURLOPT_HEADERDATA, t);
    curl->easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
    curl->easy_setopt(easy, CURLOPT_PRIVATE, t);

    /* A body given is a body sent, whatever the method: it was signed. Only HEAD has none. */
    if (strcmp(rq->method, "HEAD") == 0) {
        curl->easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else if (strcmp(rq->method, "GET") == 0 && !rq->body_len) {
        curl->easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
        curl->easy_setopt(easy, CURLOPT_CUSTOMREQUEST, rq->method);
        if (rq->body_len || strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0) {
            curl->easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
            curl->easy_setopt(easy, CURLOPT_POSTFIELDS, rq->body_len ? rq->body : "");
        }
    }
    trace_request(c, rq);
    return 0;
}

static int transport_retryable(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SSL_CONNECT_ERROR: /* a reset during the handshake, as botocore counts it */
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    default:
        return 0;
    }
}

/* Turns a finished transfer into the result: 0 with a response, or -1 with err filled. */
static int transfer_finish(struct http_client *c, struct transfer *t, CURLcode rc,
                           const struct http_request *rq, struct pw_error *err)
{
    const struct curl_lib *curl = c->curl;
    curl->easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &t->rs->status);
    t->rs->elapsed_ms = elapsed_ms(&t->started);
    /* The handle may be reused: leave it no pointer into this transfer. */
    curl->easy_setopt(t->easy, CURLOPT_HTTPHEADER, NULL);
    curl->easy_setopt(t->easy, CURLOPT_ERRORBUFFER, NULL);
    curl->slist_free_all(t->headers);
    t->headers = NULL;
    if (rc == CURLE_OK) {
        trace_response(c, t);
        return 0;
    }
    t->rs->status = 0;
    if (t->over_cap)
        pw_fail(err, PW_EXIT_FAILED, "%s %s: response body larger than %zu bytes", rq->method,
                rq->url, t->rs->body.max);
    else
        pw_fail(err, PW_EXIT_FAILED, "%s %s: %s%s", rq->method, rq->url,
                rc == CURLE_OPERATION_TIMEDOUT ? "timed out: " : "",
                t->errbuf[0] ? t->errbuf : curl->easy_strerror(rc));
    err->retryable = !t->over_cap && transport_retryable(rc);
    if (c->o.trace && c->o.verbosity >= 1)
        fprintf(c->o.trace, "< transport error after %ld ms: %s\n", elapsed_ms(&t->started),
                err->message);
    return -1;
}

int http_send(struct http_client *c, const struct http_request *rq, struct http_response *rs,
              struct pw_error *err)
{
    const struct curl_lib *curl = c->curl;
    struct transfer t;
    if (transfer_setup(c, &t, c->easy, rq, rs) < 0) {
        curl->slist_free_all(t.headers);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory preparing %s %s", rq->method, rq->url);
    }
    CURLcode rc = curl->easy_perform(c->easy);
    return transfer_finish(c, &t, rc, rq, err);
}

void http_send_all(struct http_client *c, const struct http_request *rq, struct http_response *rs,
                   int *results, struct pw_error *errs, size_t n)
{
    const struct curl_lib *curl = c->curl;
    struct transfer *ts = calloc(n ? n : 1, sizeof *ts);
    if (!ts) {
        for (size_t i = 0; i < n; i++)
            results[i] = pw_fail(&errs[i], PW_EXIT_FAILED, "out of memory");
        return;
    }
    size_t next = 0, running = 0, done = 0;
    while (done < n) {
        /* Keep up to max_parallel transfers in flight. */
        while (next < n && running < (size_t)c->o.max_parallel) {
            size_t i = next++;
            CURL *easy = curl->easy_init();
            if (!easy || transfer_setup(c, &ts[i], easy, &rq[i], &rs[i]) < 0) {
                if (easy) {
                    curl->slist_free_all(ts[i].headers);
                    curl->easy_cleanup(easy);
                }
                results[i] = pw_fail(&errs[i], PW_EXIT_FAILED, "out of memory");
                ts[i].easy = NULL;
                done++;
                continue;
            }
            if (curl->multi_add_handle(c->multi, easy) != CURLM_OK) {
                results[i] = transfer_finish(c, &ts[i], CURLE_OUT_OF_MEMORY, &rq[i], &errs[i]);
                curl->easy_cleanup(easy);
                ts[i].easy = NULL;
                done++;
                continue;
            }
            running++;
        }
        int still = 0;
        if (curl->multi_perform(c->multi, &still) != CURLM_OK) {
            /* The multi handle is broken: fail what is in flight rather than spin. */
            for (size_t i = 0; i < next; i++)
                if (ts[i].easy) {
                    curl->multi_remove_handle(c->multi, ts[i].easy);
                    results[i] = transfer_finish(c, &ts[i], CURLE_OUT_OF_MEMORY, &rq[i], &errs[i]);
                    curl->easy_cleanup(ts[i].easy);
                    ts[i].easy = NULL;
                    running--;
                    done++;
                }
            continue;
        }
        CURLMsg *m;
        int left;
        while ((m = curl->multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct transfer *t = NULL;
            curl->easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
            size_t i = (size_t)(t - ts);
            CURLcode rc = m->data.result;
            curl->multi_remove_handle(c->multi, m->easy_handle);
            results[i] = transfer_finish(c, t, rc, &rq[i], &errs[i]);
            curl->easy_cleanup(t->easy);
            t->easy = NULL;
            running--;
            done++;
        }
        if (running)
            curl->multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
    free(ts);
}
