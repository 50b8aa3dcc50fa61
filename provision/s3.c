/* s3.c — S3 calls on a bucket or an object, with Content-MD5 on every body. */
#include "provision/s3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

int s3_content_md5(const void *data, size_t len, char *out, size_t n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (n < 25 || !EVP_Digest(data, len, md, &mdlen, EVP_md5(), NULL) || mdlen != 16)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, md, (int)mdlen);   /* 24 characters and a NUL */
    return 0;
}

void s3_call_init(struct s3_call *c, const char *operation, const char *method, const char *bucket,
                  const char *subresource)
{
    memset(c, 0, sizeof *c);
    c->operation = operation;
    c->method = method;
    c->bucket = bucket;
    c->subresource = subresource;
    kvlist_init(&c->query);
    kvlist_init(&c->headers);
    kvlist_init(&c->resp_headers);
}

void s3_call_release(struct s3_call *c)
{
    if (!c)
        return;
    kvlist_release(&c->query);
    kvlist_release(&c->headers);
    kvlist_release(&c->resp_headers);
    xml_free(c->xml);
    c->xml = NULL;
}

static int build(struct s3_call *c, const struct aws_service *svc, struct aws_request *rq,
                 char *path, size_t pathn, struct pw_error *err)
{
    char md5[32];
    int w = snprintf(path, pathn, "/%s%s%s", c->bucket, c->key ? "/" : "", c->key ? c->key : "");
    aws_request_init(rq, svc, c->operation, c->method, path);
    if (w < 0 || (size_t)w >= pathn)
        return pw_fail(err, PW_EXIT_FAILED, "s3 %s: the object key is too long", c->operation);
    if (c->subresource && kvlist_add(&rq->query, c->subresource, "") < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (size_t i = 0; i < c->query.len; i++)
        if (kvlist_add(&rq->query, c->query.items[i].name, c->query.items[i].value) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (size_t i = 0; i < c->headers.len; i++)
        if (kvlist_add(&rq->headers, c->headers.items[i].name, c->headers.items[i].value) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (c->body) {
        if (s3_content_md5(c->body, c->body_len, md5, sizeof md5) < 0 ||
            kvlist_add(&rq->headers, "Content-MD5", md5) < 0 ||
            kvlist_add(&rq->headers, "Content-Type",
                       c->content_type ? c->content_type : "application/xml") < 0)
            return pw_fail(err, PW_EXIT_FAILED, "cannot compute Content-MD5");
        rq->body = c->body;
        rq->body_len = c->body_len;
    }
    return 0;
}

size_t s3_run(struct aws_client *client, struct s3_call *calls, size_t n)
{
    const struct aws_service *svc = aws_service_find("s3");
    size_t cap = n ? n : 1, failed = 0;
    struct aws_request *rq = calloc(cap, sizeof *rq);
    struct aws_response *rs = calloc(cap, sizeof *rs);
    struct pw_error *errs = calloc(cap, sizeof *errs);
    int *results = calloc(cap, sizeof *results);
    /* A bucket name (63) and a key (1024 bytes at most). */
    char (*paths)[1200] = calloc(cap, sizeof *paths);
    if (!rq || !rs || !errs || !results || !paths) {
        for (size_t i = 0; i < n; i++)
            calls[i].rc = pw_fail(&calls[i].err, PW_EXIT_FAILED, "out of memory");
        failed = n;
        goto out;
    }
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        xml_free(calls[i].xml);
        calls[i].xml = NULL;
        calls[i].rc = 0;
        pw_error_clear(&calls[i].err);
        kvlist_release(&calls[i].resp_headers);
        aws_response_init(&rs[i]);
        if (build(&calls[i], svc, &rq[i], paths[i], sizeof paths[i], &errs[i]) < 0)
            bad = 1;
    }
    /* Never send half a batch: a caller reading five settings needs all five. */
    if (bad)
        for (size_t i = 0; i < n; i++)
            results[i] = pw_fail(&errs[i], PW_EXIT_FAILED, "out of memory");
    else
        aws_send_all(client, rq, rs, results, errs, n);
    for (size_t i = 0; i < n; i++) {
        struct s3_call *c = &calls[i];
        c->status = rs[i].status;
        c->resp_headers = rs[i].headers;   /* handed over: the response no longer owns them */
        kvlist_init(&rs[i].headers);
        if (results[i] < 0) {
            c->rc = -1;
            c->err = errs[i];
            snprintf(c->err.operation, sizeof c->err.operation, "%s", c->operation);
            failed++;
        } else if (rs[i].body.len) {
            c->xml = xml_parse(rs[i].body.data, rs[i].body.len, &c->err);
            if (!c->xml) {
                pw_error_prefix(&c->err, "s3 %s '%s'", c->operation, c->bucket);
                c->rc = -1;
                failed++;
            }
        }
        aws_request_release(&rq[i]);
        aws_response_release(&rs[i]);
    }
out:
    free(rq);
    free(rs);
    free(errs);
    free(results);
    free(paths);
    return failed;
}

int s3_run1(struct aws_client *client, struct s3_call *call, struct pw_error *err)
{
    if (s3_run(client, call, 1)) {
        *err = call->err;
        return -1;
    }
    return 0;
}

int s3_get_object(struct aws_client *client, const char *bucket, const char *key, struct buf *out,
                  struct pw_error *err)
{
    struct aws_request rq;
    struct aws_response rs;
    size_t n = strlen(bucket) + strlen(key) + 3;
    char *path = malloc(n);
    if (!path)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    snprintf(path, n, "/%s/%s", bucket, key);
    aws_request_init(&rq, aws_service_find("s3"), "GetObject", "GET", path);
    aws_response_init(&rs);
    rs.body.max = out->max;         /* a data file may be larger than an API answer */
    int rc = aws_send(client, &rq, &rs, err);
    if (rc < 0 && (strcmp(err->code, "NoSuchKey") == 0 || err->http_status == 404))
        rc = 1;
    if (rc == 0 && rs.body.len && buf_append(out, rs.body.data, rs.body.len) < 0)
        rc = pw_fail(err, PW_EXIT_FAILED, "s3 GetObject '%s': larger than %zu bytes or out of memory",
                     key, out->max);
    aws_request_release(&rq);
    aws_response_release(&rs);
    free(path);
    return rc;
}

int s3_list(struct aws_client *client, const char *bucket, const char *prefix, int delimited,
            s3_list_fn fn, void *ctx, struct pw_error *err)
{
    char *token = NULL;
    int rc = 0;
    do {
        struct s3_call call;
        s3_call_init(&call, "ListObjectsV2", "GET", bucket, NULL);
        if (kvlist_add(&call.query, "list-type", "2") < 0 ||
            kvlist_add(&call.query, "prefix", prefix) < 0 ||
            (delimited && kvlist_add(&call.query, "delimiter", "/") < 0) ||
            (token && kvlist_add(&call.query, "continuation-token", token) < 0))
            rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
        if (rc == 0)
            rc = s3_run1(client, &call, err);
        free(token);
        token = NULL;
        if (rc == 0) {
            const char *elem = delimited ? "CommonPrefixes" : "Contents";
            for (const struct xml_node *x = xml_child(call.xml, elem); x && rc == 0;
                 x = xml_next_named(x)) {
                const char *name = xml_text(x, delimited ? "Prefix" : "Key");
                if (name)
                    rc = fn(ctx, name, err);
            }
            const char *more = xml_text(call.xml, "IsTruncated");
            const char *next = xml_text(call.xml, "NextContinuationToken");
            if (rc == 0 && more && strcmp(more, "true") == 0 && next &&
                !(token = strdup(next)))
                rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
        }
        s3_call_release(&call);
    } while (rc == 0 && token);
    free(token);
    return rc;
}
