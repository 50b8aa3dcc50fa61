/* sigv4.c — AWS Signature Version 4, byte for byte as botocore's SigV4Auth and S3SigV4Auth
 * (botocore/auth.py) compute it, so that the fixtures generated with botocore prove it.
 *
 * The chain, top to bottom in sigv4_sign:
 *   date -> payload hash -> headers to sign -> canonical request (+ wire target)
 *   -> string to sign -> signing key -> signature -> headers to add.
 *
 * Where botocore's behaviour is surprising it is matched on purpose and said so below;
 * changing any of it breaks the equality the tests hold us to. */
#include "provision/aws/sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "provision/aws/uri.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

/* botocore's SIGNED_HEADERS_BLACKLIST: hop-by-hop and tracing headers that proxies and HTTP
 * libraries add, drop or rewrite in flight; signing them would break the signature there.
 * They are still sent, just not signed. */
static const char *const sigv4_unsigned_headers[] = {
    "baggage", "connection", "expect", "keep-alive", "proxy-authenticate",
    "proxy-authorization", "te", "traceparent", "tracestate", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

void sigv4_output_init(struct sigv4_output *out)
{
    kvlist_init(&out->add_headers);
    buf_init(&out->wire_target, 0);
    buf_init(&out->canonical_request, 0);
    buf_init(&out->string_to_sign, 0);
    out->amz_date[0] = '\0';
    out->payload_hash[0] = '\0';
    out->signature[0] = '\0';
}

void sigv4_output_release(struct sigv4_output *out)
{
    if (!out)
        return;
    kvlist_release(&out->add_headers);
    buf_release(&out->wire_target);
    buf_release(&out->canonical_request);
    buf_release(&out->string_to_sign);
}

/* A retry signs again into the same output: start from empty, never append to the last try. */
static void sigv4_output_reset(struct sigv4_output *out)
{
    kvlist_release(&out->add_headers);
    buf_reset(&out->wire_target);
    buf_reset(&out->canonical_request);
    buf_reset(&out->string_to_sign);
    out->amz_date[0] = '\0';
    out->payload_hash[0] = '\0';
    out->signature[0] = '\0';
}

static void sigv4_hex(const unsigned char *md, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    hex[2 * n] = '\0';
}

static int sigv4_sha256(const void *data, size_t len, char hex[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    if (EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
        return -1;
    sigv4_hex(md, mdlen, hex);
    return 0;
}

void sigv4_sha256_hex(const void *data, size_t len, char hex[65])
{
    /* Only a broken libcrypto fails here; an empty hash then fails any signature check loudly. */
    if (sigv4_sha256(data, len, hex) < 0)
        hex[0] = '\0';
}

static int sigv4_hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int outlen = 0;

    if (klen > (size_t)2147483647 ||
        !HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &outlen))
        return -1;
    return outlen == 32 ? 0 : -1;
}

int sigv4_signing_key(const char *secret, const char *date8, const char *region,
                      const char *service, unsigned char key[32])
{
    /* Every intermediate key is as good as the secret for its day, region and service:
     * all of them, and "AWS4" + secret, are wiped before returning. */
    size_t slen = strlen(secret);
    char *k_secret = malloc(slen + 4);
    unsigned char k_date[32], k_region[32], k_service[32];
    int rc = -1;

    if (!k_secret)
        goto done;
    memcpy(k_secret, "AWS4", 4);
    memcpy(k_secret + 4, secret, slen);
    if (sigv4_hmac(k_secret, slen + 4, date8, k_date) < 0 ||
        sigv4_hmac(k_date, sizeof k_date, region, k_region) < 0 ||
        sigv4_hmac(k_region, sizeof k_region, service, k_service) < 0 ||
        sigv4_hmac(k_service, sizeof k_service, "aws4_request", key) < 0)
        goto done;
    rc = 0;

done:
    if (k_secret) {
        OPENSSL_cleanse(k_secret, slen + 4);
        free(k_secret);
    }
    OPENSSL_cleanse(k_date, sizeof k_date);
    OPENSSL_cleanse(k_region, sizeof k_region);
    OPENSSL_cleanse(k_service, sizeof k_service);
    if (rc < 0)
        OPENSSL_cleanse(key, 32);
    return rc;
}

static int sigv4_set(const char *s)
{
    return s && s[0];
}

static int sigv4_hexdigit(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

/* Only what uri_encode(keep_slash) can produce: unreserved characters, '/' and %XX. */
static int sigv4_encoded_path(const char *p)
{
    for (; *p; p++) {
        char c = *p;
        if (c == '%') {
            if (!sigv4_hexdigit(p[1]) || !sigv4_hexdigit(p[2]))
                return 0;
            p += 2;
        } else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~' || c == '/')) {
            return 0;
        }
    }
    return 1;
}

/* Headers the signer owns and will not take from the caller, because botocore would sign
 * something other than what we mean: a `host` header replaces the URL's host in botocore,
 * and a `date` header makes it sign Date instead of X-Amz-Date. */
static int sigv4_check_input(const struct sigv4_input *in, struct pw_error *err)
{
    static const char *const refused[] = {"host", "date"};

    if (!sigv4_set(in->method) || !sigv4_set(in->host) || !sigv4_set(in->region) ||
        !sigv4_set(in->service))
        return pw_fail(err, PW_EXIT_FAILED,
                       "signing request: method, host, region and service are required");
    if (!in->creds || !sigv4_set(in->creds->access_key_id) ||
        !sigv4_set(in->creds->secret_access_key))
        return pw_fail(err, PW_EXIT_AUTH, "signing %s %s: no access key id or secret access key",
                       in->method, in->host);
    if (in->path && in->path[0] && in->path[0] != '/')
        return pw_fail(err, PW_EXIT_FAILED, "signing %s %s: path \"%s\" does not start with '/'",
                       in->method, in->host, in->path);
    if (in->path_encoded && in->path && !sigv4_encoded_path(in->path))
        return pw_fail(err, PW_EXIT_FAILED, "signing %s %s: path \"%s\" is not percent-encoded",
                       in->method, in->host, in->path);
    if (!in->body && in->body_len)
        return pw_fail(err, PW_EXIT_FAILED, "signing %s %s: body length %zu without a body",
                       in->method, in->host, in->body_len);
    if (in->payload_hash && (!in->payload_hash[0] || strlen(in->payload_hash) > 64))
        return pw_fail(err, PW_EXIT_FAILED, "signing %s %s: payload hash \"%s\" is not 1 to 64 characters",
                       in->method, in->host, in->payload_hash);
    for (size_t i = 0; in->headers && i < in->headers->len; i++)
        for (size_t j = 0; j < sizeof refused / sizeof refused[0]; j++)
            if (strcasecmp(in->headers->items[i].name, refused[j]) == 0)
                return pw_fail(err, PW_EXIT_FAILED,
                               "signing %s %s: header \"%s\" must not be passed, the signer sets it",
                               in->method, in->host, in->headers->items[i].name);
    return 0;
}

static int sigv4_format_date(time_t now, char amz_date[17], struct pw_error *err)
{
    struct tm tm;

    if (!gmtime_r(&now, &tm) || strftime(amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return pw_fail(err, PW_EXIT_FAILED, "signing request: time %lld is out of range",
                       (long long)now);
    return 0;
}

/* The caller's override, else (not S3) a caller's X-Amz-Content-SHA256 header — botocore's
 * canonical_request takes that header's value as the payload hash when present — else the
 * SHA-256 of the body. S3 always hashes the body itself, as S3SigV4Auth replaces the header. */
static int sigv4_payload_hash(const struct sigv4_input *in, char hash[65], struct pw_error *err)
{
    const char *given = in->payload_hash;

    if (!given && !in->s3 && in->headers)
        given = kvlist_get_ci(in->headers, "x-amz-content-sha256");
    if (given) {
        size_t n = strlen(given);
        if (n > 64)
            return pw_fail(err, PW_EXIT_FAILED, "signing request: payload hash \"%s\" is too long", given);
        memcpy(hash, given, n + 1);
        return 0;
    }
    if (sigv4_sha256(in->body, in->body_len, hash) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "signing request: sha-256 of the body failed");
    return 0;
}

/* Python's str.split() whitespace within ASCII. Header values are ASCII (http.client would
 * send anything else as Latin-1, which botocore itself then mis-signs). */
static int sigv4_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

/* Adds one header to sign: name lower-cased, value as botocore's ' '.join(value.split()). */
static int sigv4_header_add(struct kvlist *hdrs, struct buf *tmp, const char *name, const char *value)
{
    const unsigned char *v = (const unsigned char *)value;

    buf_reset(tmp);
    for (size_t i = 0; v[i];) {
        while (v[i] && sigv4_space(v[i]))
            i++;
        size_t start = i;
        while (v[i] && !sigv4_space(v[i]))
            i++;
        if (i > start && ((tmp->len && buf_appendc(tmp, ' ') < 0) ||
                          buf_append(tmp, value + start, i - start) < 0))
            return -1;
    }
    if (kvlist_addn(hdrs, name, strlen(name), buf_cstr(tmp), tmp->len) < 0)
        return -1;
    for (char *p = hdrs->items[hdrs->len - 1].name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return 0;
}

/* Which of the caller's headers are signed. The signer's own headers replace any stale copy
 * (a retry may pass the last attempt's Authorization and X-Amz-Date back in): botocore deletes
 * Authorization and X-Amz-Date always, X-Amz-Security-Token only when it has a token to put in
 * its place, and X-Amz-Content-SHA256 when it sets one itself (S3, or a given payload hash). */
static int sigv4_caller_header_signed(const struct sigv4_input *in, const char *name, int has_token)
{
    for (size_t i = 0; i < sizeof sigv4_unsigned_headers / sizeof sigv4_unsigned_headers[0]; i++)
        if (strcasecmp(name, sigv4_unsigned_headers[i]) == 0)
            return 0;
    if (strcasecmp(name, "authorization") == 0 || strcasecmp(name, "x-amz-date") == 0)
        return 0;
    if (has_token && strcasecmp(name, "x-amz-security-token") == 0)
        return 0;
    if ((in->s3 || in->payload_hash) && strcasecmp(name, "x-amz-content-sha256") == 0)
        return 0;
    return 1;
}

/* Collects the headers to sign, then sorts them by name. The sort is stable (insertion), so
 * repeated names keep the caller's order when their values are joined with ','. */
static int sigv4_collect_headers(const struct sigv4_input *in, const struct sigv4_output *out,
                                 struct kvlist *hdrs, struct pw_error *err)
{
    int has_token = sigv4_set(in->creds->session_token);
    struct buf tmp;
    int rc = -1;

    buf_init(&tmp, 0);
    for (size_t i = 0; in->headers && i < in->headers->len; i++) {
        const struct kv *h = &in->headers->items[i];
        if (sigv4_caller_header_signed(in, h->name, has_token) &&
            sigv4_header_add(hdrs, &tmp, h->name, h->value) < 0)
            goto done;
    }
    if (sigv4_header_add(hdrs, &tmp, "host", in->host) < 0 ||
        sigv4_header_add(hdrs, &tmp, "x-amz-date", out->amz_date) < 0 ||
        (has_token && sigv4_header_add(hdrs, &tmp, "x-amz-security-token", in->creds->session_token) < 0) ||
        ((in->s3 || in->payload_hash) &&
         sigv4_header_add(hdrs, &tmp, "x-amz-content-sha256", out->payload_hash) < 0))
        goto done;

    for (size_t i = 1; i < hdrs->len; i++) {
        struct kv h = hdrs->items[i];
        size_t j = i;
        for (; j > 0 && strcmp(hdrs->items[j - 1].name, h.name) > 0; j--)
            hdrs->items[j] = hdrs->items[j - 1];
        hdrs->items[j] = h;
    }
    rc = 0;

done:
    buf_release(&tmp);
    if (rc < 0)
        pw_fail(err, PW_EXIT_FAILED, "signing request: out of memory collecting headers");
    return rc;
}

/* botocore's remove_dot_segments: drops empty and "." segments (so "//" collapses, which
 * RFC 3986 does not do), ".." pops one, and a trailing '/' is kept only when a segment is
 * left. path starts with '/'. */
static int sigv4_remove_dot_segments(struct buf *out, const char *path)
{
    size_t n = strlen(path);
    const char *p = path, *end = path + n;

    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        size_t len = (size_t)(seg_end - p);
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            while (out->len && out->data[out->len - 1] != '/')
                out->len--;
            if (out->len)
                out->len--;
            if (out->data)
                out->data[out->len] = '\0';
        } else if (len && !(len == 1 && p[0] == '.')) {
            if (buf_appendc(out, '/') < 0 || buf_append(out, p, len) < 0)
                return -1;
        }
        p = slash ? slash + 1 : end;
    }
    if (out->len == 0 || path[n - 1] == '/')
        return buf_appendc(out, '/');
    return 0;
}

/* The path, encoded once for the wire (starting wire_target), and the canonical URI. S3 signs
 * the wire path as is: a key may hold "//" or "..", and S3 compares it literally. Every other
 * service signs quote(remove_dot_segments(wire path), safe='/~'), i.e. the wire path encoded a
 * second time ('%' becomes "%25"). */
static int sigv4_add_path(const struct sigv4_input *in, struct sigv4_output *out)
{
    const char *path = sigv4_set(in->path) ? in->path : "/";
    struct buf norm;
    int rc = -1;

    buf_init(&norm, 0);
    if (in->path_encoded ? buf_appends(&out->wire_target, path) < 0
                         : uri_encode(&out->wire_target, path, strlen(path), 1) < 0)
        goto done;
    if (in->s3) {
        if (buf_append(&out->canonical_request, buf_cstr(&out->wire_target), out->wire_target.len) < 0)
            goto done;
    } else {
        if (sigv4_remove_dot_segments(&norm, buf_cstr(&out->wire_target)) < 0 ||
            uri_encode(&out->canonical_request, norm.data, norm.len, 1) < 0)
            goto done;
    }
    rc = 0;

done:
    buf_release(&norm);
    return rc;
}

static int sigv4_query_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Canonical query: names and values encoded, sorted by name then value (encoded, so a plain
 * byte compare is Python's sort), repeats and empty values kept ("a=&a=b"). The same string
 * goes on the wire after '?', so what is signed is exactly what is sent. */
static int sigv4_add_query(const struct sigv4_input *in, struct sigv4_output *out)
{
    struct kvlist enc;
    struct buf name, value, query;
    int rc = -1;

    kvlist_init(&enc);
    buf_init(&name, 0);
    buf_init(&value, 0);
    buf_init(&query, 0);
    for (size_t i = 0; in->query && i < in->query->len; i++) {
        const struct kv *q = &in->query->items[i];
        buf_reset(&name);
        buf_reset(&value);
        if (uri_encode(&name, q->name, strlen(q->name), 0) < 0 ||
            uri_encode(&value, q->value, strlen(q->value), 0) < 0 ||
            kvlist_addn(&enc, buf_cstr(&name), name.len, buf_cstr(&value), value.len) < 0)
            goto done;
    }
    if (enc.len)
        qsort(enc.items, enc.len, sizeof *enc.items, sigv4_query_cmp);
    for (size_t i = 0; i < enc.len; i++)
        if ((i && buf_appendc(&query, '&') < 0) || buf_appends(&query, enc.items[i].name) < 0 ||
            buf_appendc(&query, '=') < 0 || buf_appends(&query, enc.items[i].value) < 0)
            goto done;
    if (buf_append(&out->canonical_request, buf_cstr(&query), query.len) < 0 ||
        (query.len && (buf_appendc(&out->wire_target, '?') < 0 ||
                       buf_append(&out->wire_target, query.data, query.len) < 0)))
        goto done;
    rc = 0;

done:
    kvlist_release(&enc);
    buf_release(&name);
    buf_release(&value);
    buf_release(&query);
    return rc;
}

/* "name:v1,v2\n" per distinct name (hdrs sorted), and the names joined by ';'. */
static int sigv4_add_headers(const struct kvlist *hdrs, struct buf *cr, struct buf *signed_names)
{
    for (size_t i = 0; i < hdrs->len; i++) {
        const struct kv *h = &hdrs->items[i];
        int first = i == 0 || strcmp(h->name, hdrs->items[i - 1].name) != 0;
        int last = i + 1 == hdrs->len || strcmp(h->name, hdrs->items[i + 1].name) != 0;
        if (first && ((signed_names->len && buf_appendc(signed_names, ';') < 0) ||
                      buf_appends(signed_names, h->name) < 0 || buf_appends(cr, h->name) < 0 ||
                      buf_appendc(cr, ':') < 0))
            return -1;
        if ((!first && buf_appendc(cr, ',') < 0) || buf_appends(cr, h->value) < 0 ||
            (last && buf_appendc(cr, '\n') < 0))
            return -1;
    }
    return 0;
}

/* METHOD \n URI \n QUERY \n HEADERS \n \n SIGNED-NAMES \n PAYLOAD-HASH; the wire target is
 * written along the way. */
static int sigv4_canonical_request(const struct sigv4_input *in, const struct kvlist *hdrs,
                                   struct sigv4_output *out, struct buf *signed_names,
                                   struct pw_error *err)
{
    struct buf *cr = &out->canonical_request;

    for (const char *m = in->method; *m; m++)
        if (buf_appendc(cr, (*m >= 'a' && *m <= 'z') ? (char)(*m - 'a' + 'A') : *m) < 0)
            goto oom;
    if (buf_appendc(cr, '\n') < 0 || sigv4_add_path(in, out) < 0 || buf_appendc(cr, '\n') < 0 ||
        sigv4_add_query(in, out) < 0 || buf_appendc(cr, '\n') < 0 ||
        sigv4_add_headers(hdrs, cr, signed_names) < 0 || buf_appendc(cr, '\n') < 0 ||
        buf_append(cr, buf_cstr(signed_names), signed_names->len) < 0 || buf_appendc(cr, '\n') < 0 ||
        buf_appends(cr, out->payload_hash) < 0)
        goto oom;
    return 0;

oom:
    return pw_fail(err, PW_EXIT_FAILED, "signing %s %s: out of memory building the canonical request",
                   in->method, in->host);
}

int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out, struct pw_error *err)
{
    struct kvlist hdrs;       /* headers to sign: lower-case names, trimmed values, sorted */
    struct buf signed_names;  /* "host;x-amz-date" */
    struct buf scope;         /* "20240101/eu-west-1/s3/aws4_request" */
    struct buf auth;
    char date8[9];
    char cr_hash[65];
    unsigned char key[32];
    unsigned char sig[32];
    int rc = -1;

    kvlist_init(&hdrs);
    buf_init(&signed_names, 0);
    buf_init(&scope, 0);
    buf_init(&auth, 0);
    sigv4_output_reset(out);

    if (sigv4_check_input(in, err) < 0 || sigv4_format_date(in->now, out->amz_date, err) < 0 ||
        sigv4_payload_hash(in, out->payload_hash, err) < 0 ||
        sigv4_collect_headers(in, out, &hdrs, err) < 0 ||
        sigv4_canonical_request(in, &hdrs, out, &signed_names, err) < 0)
        goto done;

    memcpy(date8, out->amz_date, 8);
    date8[8] = '\0';
    if (buf_appendf(&scope, "%s/%s/%s/aws4_request", date8, in->region, in->service) < 0 ||
        sigv4_sha256(out->canonical_request.data, out->canonical_request.len, cr_hash) < 0 ||
        buf_appendf(&out->string_to_sign, SIGV4_ALGORITHM "\n%s\n%s\n%s", out->amz_date,
                    buf_cstr(&scope), cr_hash) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "signing %s %s: building the string to sign failed",
                in->method, in->host);
        goto done;
    }

    if (sigv4_signing_key(in->creds->secret_access_key, date8, in->region, in->service, key) < 0 ||
        sigv4_hmac(key, sizeof key, buf_cstr(&out->string_to_sign), sig) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "signing %s %s: hmac-sha256 failed", in->method, in->host);
        goto done;
    }
    sigv4_hex(sig, sizeof sig, out->signature);

    /* Names spelled as botocore adds them; the order is irrelevant on the wire. */
    if (buf_appendf(&auth, SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                    in->creds->access_key_id, buf_cstr(&scope), buf_cstr(&signed_names),
                    out->signature) < 0 ||
        kvlist_add(&out->add_headers, "X-Amz-Date", out->amz_date) < 0 ||
        (sigv4_set(in->creds->session_token) &&
         kvlist_add(&out->add_headers, "X-Amz-Security-Token", in->creds->session_token) < 0) ||
        ((in->s3 || in->payload_hash) &&
         kvlist_add(&out->add_headers, "X-Amz-Content-SHA256", out->payload_hash) < 0) ||
        kvlist_add(&out->add_headers, "Authorization", buf_cstr(&auth)) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "signing %s %s: out of memory adding headers", in->method, in->host);
        goto done;
    }
    rc = 0;

done:
    OPENSSL_cleanse(key, sizeof key);
    if (rc < 0)
        sigv4_output_reset(out);   /* never half a signature for a caller to send */
    kvlist_release(&hdrs);
    buf_release(&signed_names);
    buf_release(&scope);
    buf_release(&auth);
    return rc;
}
