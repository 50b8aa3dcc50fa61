/* credentials_http.c — the two sources that answer over plain HTTP from inside the host:
 * the ECS/EKS container agent and EC2 instance metadata (IMDSv2). Both bodies hold secrets:
 * they are wiped once parsed and never quoted in an error.
 *
 * The container source is configured explicitly (an environment variable), so its failures
 * are errors. Instance metadata is only a guess that we might be on EC2: when it does not
 * answer it is "not there", quickly (1 s, botocore's defaults), and the chain says so. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "provision/aws/credsrc.h"
#include "provision/aws/uri.h"

#define CONTAINER_HOST "http://169.254.170.2"
#define CONTAINER_TIMEOUT_MS 2000
#define CONTAINER_ATTEMPTS 3
#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_DEFAULT_V6 "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL "21600"

/* The caller's client, or a short-lived one when the caller has none. */
static struct http_client *client_for(const struct aws_config *cfg, struct http_client *http,
                                      struct http_client **owned, struct pw_error *err)
{
    *owned = NULL;
    if (http)
        return http;
    struct http_options o = {.verbosity = cfg->verbosity, .trace = cfg->trace, .max_body = 1 << 20};
    *owned = http_client_new(&o, err);
    return *owned;
}

static void body_wipe(struct http_response *rs)
{
    if (rs->body.data)
        OPENSSL_cleanse(rs->body.data, rs->body.len);
}

static int parse_credentials(const struct http_response *rs, const char *what, const char *source,
                             struct aws_credentials *out, struct pw_error *err)
{
    cJSON *json = cJSON_ParseWithLength(buf_cstr(&rs->body), rs->body.len);
    int rc;
    if (!cJSON_IsObject(json))
        rc = pw_fail(err, PW_EXIT_AUTH, "%s: the answer is not a JSON object", what);
    else
        rc = creds_from_json(json, "Token", what, source, out, err);
    creds_json_free(json);
    return rc;
}

/* ---- container ------------------------------------------------------------------------ */

/* botocore's ContainerMetadataFetcher: https goes anywhere; plain http only to a loopback
 * address or the ECS (169.254.170.2) and EKS Pod Identity (169.254.170.23, fd00:ec2::23) agents,
 * so a stray variable cannot send the token in clear text across a network. */
static int container_url_allowed(const char *url)
{
    if (strncasecmp(url, "https://", 8) == 0)
        return 1;
    if (strncasecmp(url, "http://", 7) != 0)
        return 0;
    const char *h = url + 7, *end;
    char host[64];
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end)
            return 0;
        h++;
    } else {
        end = h + strcspn(h, ":/?#");
    }
    if ((size_t)(end - h) >= sizeof host)
        return 0;
    memcpy(host, h, (size_t)(end - h));
    host[end - h] = '\0';
    if (strcmp(host, "localhost") == 0 || strcmp(host, "169.254.170.2") == 0 ||
        strcmp(host, "169.254.170.23") == 0 || strcasecmp(host, "fd00:ec2::23") == 0 || strcmp(host, "::1") == 0)
        return 1;
    /* 127.0.0.0/8, written as a dotted quad */
    unsigned a, b, c, d;
    char tail;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 && c < 256 && d < 256;
}

static int container_token(const struct aws_config *cfg, struct buf *token, struct pw_error *err)
{
    const char *file = aws_config_getenv(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *value = aws_config_getenv(cfg, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    if (file) {
        FILE *f = fopen(file, "rb");
        char chunk[1024];
        size_t n;
        if (!f)
            return pw_fail(err, PW_EXIT_AUTH, "reading AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '%s': %s", file,
                           strerror(errno));
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            if (buf_append(token, chunk, n) < 0)
                break;
        int bad = ferror(f) || !feof(f);
        fclose(f);
        OPENSSL_cleanse(chunk, sizeof chunk);
        if (bad)
            return pw_fail(err, PW_EXIT_AUTH, "reading AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE '%s': read error or too large",
                           file);
        /* the agents write it without a newline; an editor or echo adds one */
        while (token->len && (token->data[token->len - 1] == '\n' || token->data[token->len - 1] == '\r'))
            token->data[--token->len] = '\0';
    } else if (value) {
        if (buf_appends(token, value) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    if (token->len && strpbrk(buf_cstr(token), "\r\n"))
        return pw_fail(err, PW_EXIT_AUTH, "the container authorization token (%s) contains a line break",
                       file ? "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" : "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    return 0;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

int creds_container(const struct aws_config *cfg, struct http_client *http, struct aws_credentials *out,
                    struct pw_error *err)
{
    const char *rel = aws_config_getenv(cfg, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = aws_config_getenv(cfg, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    struct http_client *owned = NULL;
    struct http_response rs;
    struct kvlist headers;
    struct buf url, token;
    char what[600];
    int rc = -1;
    if (!rel && !full)
        return 0;
    http_response_init(&rs);
    kvlist_init(&headers);
    buf_init(&url, 0);
    buf_init(&token, 64 << 10);
    if (rel ? buf_appendf(&url, "%s%s%s", CONTAINER_HOST, rel[0] == '/' ? "" : "/", rel) < 0
            : buf_appends(&url, full) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    snprintf(what, sizeof what, "container credentials from '%s'", buf_cstr(&url));
    if (!rel && !container_url_allowed(full)) {
        pw_fail(err, PW_EXIT_AUTH,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI '%s': plain http is only allowed to a loopback address or the "
                "container agent (169.254.170.2, 169.254.170.23, fd00:ec2::23); use https", full);
        goto out;
    }
    if (container_token(cfg, &token, err) < 0)
        goto out;
    if (kvlist_add(&headers, "Accept", "application/json") < 0 ||
        (token.len && kvlist_add(&headers, "Authorization", buf_cstr(&token)) < 0)) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    struct http_client *c = client_for(cfg, http, &owned, err);
    if (!c)
        goto out;
    struct http_request rq = {.method = "GET", .url = buf_cstr(&url), .headers = &headers,
                              .timeout_ms = CONTAINER_TIMEOUT_MS, .secret_body = 1};
    /* botocore tries three times, a second apart; an answer that is not 5xx will not change */
    for (int attempt = 1;; attempt++) {
        http_response_reset(&rs);
        int sent = http_send(c, &rq, &rs, err);
        if (sent == 0 && rs.status < 500)
            break;
        if (attempt == CONTAINER_ATTEMPTS) {
            if (sent == 0)
                pw_fail(err, PW_EXIT_AUTH, "%s: HTTP %ld", what, rs.status);
            else
                pw_error_prefix(err, "%s", what);
            goto out;
        }
        pause_ms(1000);
    }
    if (rs.status != 200) {
        pw_fail(err, PW_EXIT_AUTH, "%s: HTTP %ld", what, rs.status);
        goto out;
    }
    rc = parse_credentials(&rs, what, "container", out, err);
out:
    body_wipe(&rs);
    http_response_release(&rs);
    if (token.data)
        OPENSSL_cleanse(token.data, token.len);
    buf_release(&token);
    for (size_t i = 0; i < headers.len; i++)
        OPENSSL_cleanse(headers.items[i].value, strlen(headers.items[i].value));
    kvlist_release(&headers);
    buf_release(&url);
    http_client_free(owned);
    return rc;
}

/* ---- instance metadata ---------------------------------------------------------------- */

struct imds {
    const struct aws_config *cfg;
    struct http_client *http;
    char base[512];
    long timeout_ms;
    int attempts;
    const char *token;            /* NULL: IMDSv1 */
};

/* One IMDS request with botocore's retry rule: transport failures and non-200 answers are
 * tried again, up to the attempts allowed. 0 with rs->status set, or -1 when nothing answered. */
static int imds_send(struct imds *m, const char *method, const char *path, struct http_response *rs)
{
    struct kvlist headers;
    struct buf url;
    struct pw_error err;
    int rc = -1;
    kvlist_init(&headers);
    buf_init(&url, 0);
    if (buf_appendf(&url, "%s%s", m->base, path) < 0 ||
        (strcmp(method, "PUT") == 0 && kvlist_add(&headers, "X-aws-ec2-metadata-token-ttl-seconds", IMDS_TOKEN_TTL) < 0) ||
        (m->token && strcmp(method, "GET") == 0 && kvlist_add(&headers, "X-aws-ec2-metadata-token", m->token) < 0))
        goto out;
    /* Every IMDS answer on this path is a token or a credential: never traced. */
    struct http_request rq = {.method = method, .url = buf_cstr(&url), .headers = &headers,
                              .timeout_ms = m->timeout_ms, .secret_body = 1};
    for (int attempt = 1; attempt <= m->attempts; attempt++) {
        body_wipe(rs);
        http_response_reset(rs);
        if (http_send(m->http, &rq, rs, &err) == 0) {
            rc = 0;
            if (rs->status == 200)
                break;
        } else {
            aws_config_trace(m->cfg, 2, "instance metadata %s %s: %s", method, path, err.message);
        }
    }
out:
    for (size_t i = 0; i < headers.len; i++)
        OPENSSL_cleanse(headers.items[i].value, strlen(headers.items[i].value));
    kvlist_release(&headers);
    buf_release(&url);
    return rc;
}

static int imds_setting_number(const struct aws_config *cfg, const char *env, const char *key, long dflt, long max)
{
    const char *v = aws_config_setting(cfg, env, key, NULL, 0);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || n < 1)
        return (int)dflt;
    return (int)(n > max ? max : n);
}

int creds_imds(const struct aws_config *cfg, struct http_client *http, struct aws_credentials *out,
               struct pw_error *err)
{
    struct imds m = {.cfg = cfg};
    struct http_client *owned = NULL;
    struct http_response rs;
    struct buf token, path;
    char role[256], source[64];
    int rc = -1;
    const char *disabled = aws_config_getenv(cfg, "AWS_EC2_METADATA_DISABLED");
    if (disabled && strcasecmp(disabled, "true") == 0) {
        aws_config_trace(cfg, 2, "instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
        return 0;
    }
    http_response_init(&rs);
    buf_init(&token, 0);
    buf_init(&path, 0);
    const char *endpoint = aws_config_setting(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint",
                                              NULL, 0);
    const char *mode = aws_config_setting(cfg, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                                          "ec2_metadata_service_endpoint_mode", NULL, 0);
    const char *v1off = aws_config_setting(cfg, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled", NULL, 0);
    snprintf(m.base, sizeof m.base, "%s",
             endpoint ? endpoint : mode && strcasecmp(mode, "IPv6") == 0 ? IMDS_DEFAULT_V6 : IMDS_DEFAULT);
    for (size_t n = strlen(m.base); n && m.base[n - 1] == '/'; n--)
        m.base[n - 1] = '\0';
    m.timeout_ms = 1000L * imds_setting_number(cfg, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout", 1, 60);
    /* at most one retry, whatever is configured: a laptop without IMDS must fail fast */
    m.attempts = imds_setting_number(cfg, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts", 1, 2);
    m.http = client_for(cfg, http, &owned, err);
    if (!m.http)
        goto out;

    rc = 0;   /* from here on, anything but a well-formed answer means "no instance metadata" */
    if (imds_send(&m, "PUT", "/latest/api/token", &rs) < 0) {
        aws_config_trace(cfg, 2, "instance metadata: no answer at %s", m.base);
        goto out;
    }
    if (rs.status == 200 && rs.body.len) {
        if (buf_append(&token, rs.body.data, rs.body.len) < 0) {
            rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        m.token = buf_cstr(&token);
    } else if (!((rs.status == 403 || rs.status == 404 || rs.status == 405) &&
                 !(v1off && strcasecmp(v1off, "true") == 0))) {
        aws_config_trace(cfg, 2, "instance metadata: token request answered HTTP %ld", rs.status);
        goto out;
    }
    if (imds_send(&m, "GET", "/latest/meta-data/iam/security-credentials/", &rs) < 0 || rs.status != 200 ||
        !rs.body.len) {
        aws_config_trace(cfg, 2, "instance metadata: no role attached (HTTP %ld)", rs.status);
        goto out;
    }
    const char *name = buf_cstr(&rs.body);
    while (isspace((unsigned char)*name))
        name++;
    size_t n = strcspn(name, "\r\n");
    while (n && isspace((unsigned char)name[n - 1]))
        n--;
    if (n == 0 || n >= sizeof role)
        goto out;
    memcpy(role, name, n);
    role[n] = '\0';
    if (buf_appends(&path, "/latest/meta-data/iam/security-credentials/") < 0 ||
        uri_encode(&path, role, n, 0) < 0) {
        rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (imds_send(&m, "GET", buf_cstr(&path), &rs) < 0 || rs.status != 200) {
        aws_config_trace(cfg, 2, "instance metadata: credentials of role '%s' answered HTTP %ld", role, rs.status);
        goto out;
    }
    snprintf(source, sizeof source, "instance metadata (IMDS%s)", m.token ? "v2" : "v1");
    struct pw_error perr;
    if (parse_credentials(&rs, "instance metadata", source, out, &perr) < 0)
        aws_config_trace(cfg, 2, "%s", perr.message);   /* botocore, too, takes a bad answer as none */
out:
    body_wipe(&rs);
    http_response_release(&rs);
    if (token.data)
        OPENSSL_cleanse(token.data, token.len);
    buf_release(&token);
    buf_release(&path);
    http_client_free(owned);
    return rc;
}
