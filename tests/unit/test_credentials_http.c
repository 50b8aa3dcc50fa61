/* test_credentials_http.c — the sources that answer over HTTP, against a loopback server in a
 * thread: container credentials (FULL_URI, authorization token and token file), IMDSv2 (the
 * token PUT, then role and credentials GETs carrying the token; the IMDSv1 fallback; the fast
 * "not there"), and STS AssumeRole for source_profile chains and credential_source. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "provision/aws/credentials.h"
#include "tests/unit/cfgtest.h"

#define MAX_ROUTES 8
#define MAX_REQS 16
#define MAX_CONNS 16

struct route {
    const char *method;
    const char *path;
    int status;
    const char *body;
};

struct req {
    char method[16];
    char path[512];
    char head[4096];
    char body[4096];
};

struct server {
    int fd, port;
    struct route routes[MAX_ROUTES];
    int nroutes;
    struct req reqs[MAX_REQS];
    int nreqs;
    int conns[MAX_CONNS];
    int nconns, active;
    pthread_mutex_t lock;
    pthread_t thread;
};

struct conn_arg {
    struct server *s;
    int fd;
};

static int read_request(int c, struct req *r)
{
    size_t len = 0;
    memset(r, 0, sizeof *r);
    while (len < sizeof r->head - 1) {
        if (read(c, r->head + len, 1) != 1)
            return -1;
        len++;
        if (len >= 4 && memcmp(r->head + len - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    if (sscanf(r->head, "%15s %511s", r->method, r->path) != 2)
        return -1;
    size_t body = 0;
    for (const char *h = r->head; (h = strchr(h, '\n')); h++)
        if (strncasecmp(h + 1, "content-length:", 15) == 0)
            body = strtoul(h + 16, NULL, 10);
    if (body >= sizeof r->body)
        return -1;
    for (size_t got = 0; got < body;) {
        ssize_t n = read(c, r->body + got, body - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static void *serve_conn(void *arg)
{
    struct conn_arg *a = arg;
    struct server *s = a->s;
    int c = a->fd;
    struct req r;
    free(a);
    while (read_request(c, &r) == 0) {
        int status = 404;
        const char *body = "not found";
        pthread_mutex_lock(&s->lock);
        if (s->nreqs < MAX_REQS)
            s->reqs[s->nreqs++] = r;
        for (int i = 0; i < s->nroutes; i++)
            if (strcmp(s->routes[i].method, r.method) == 0 && strcmp(s->routes[i].path, r.path) == 0) {
                status = s->routes[i].status;
                body = s->routes[i].body;
                break;
            }
        pthread_mutex_unlock(&s->lock);
        char resp[8192];
        int n = snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s",
                         status, strlen(body), body);
        if (write(c, resp, (size_t)n) != n)
            break;
    }
    pthread_mutex_lock(&s->lock);
    s->active--;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        struct conn_arg *a = malloc(sizeof *a);
        pthread_t t;
        a->s = s;
        a->fd = c;
        pthread_mutex_lock(&s->lock);
        if (s->nconns < MAX_CONNS)
            s->conns[s->nconns++] = c;
        s->active++;
        pthread_mutex_unlock(&s->lock);
        pthread_create(&t, NULL, serve_conn, a);
        pthread_detach(t);
    }
}

static void server_start(struct server *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    getsockname(s->fd, (struct sockaddr *)&a, &len);
    s->port = ntohs(a.sin_port);
    pthread_create(&s->thread, NULL, serve, s);
}

static void server_route(struct server *s, const char *method, const char *path, int status, const char *body)
{
    s->routes[s->nroutes++] = (struct route){method, path, status, body};
}

/* Ends every connection, then waits for their threads, so nothing outlives the struct. */
static void server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->thread, NULL);
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->nconns; i++)
        shutdown(s->conns[i], SHUT_RDWR);
    pthread_mutex_unlock(&s->lock);
    for (;;) {
        pthread_mutex_lock(&s->lock);
        int active = s->active;
        pthread_mutex_unlock(&s->lock);
        if (!active)
            break;
        usleep(1000);
    }
    for (int i = 0; i < s->nconns; i++)
        close(s->conns[i]);
    pthread_mutex_destroy(&s->lock);
}

/* Header names are case-insensitive, values are not: compares the name part only loosely. */
static int ci_contains(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return 1;
    return 0;
}

static int has_header(const struct req *r, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\r\n%s\r\n", line);
    const char *colon = strchr(line, ':');
    if (!ci_contains(r->head, want))
        return 0;
    /* the value must match exactly */
    return colon && strstr(r->head, colon) != NULL;
}

static int resolve(struct cfgtest *t, struct aws_credentials *c)
{
    if (cfgtest_load(t) != 0)
        fail_msg("config: %s", t->err.message);
    int rc = aws_credentials_resolve(&t->cfg, NULL, c, &t->err);
    aws_config_release(&t->cfg);
    return rc;
}

static const char *const CONTAINER_JSON =
    "{\"AccessKeyId\": \"ASIACONTAINER\", \"SecretAccessKey\": \"CSECRET\", \"Token\": \"CTOKEN\","
    " \"Expiration\": \"2999-01-01T00:00:00Z\", \"RoleArn\": \"arn:aws:iam::1:role/task\"}";

static void test_container(void **state)
{
    (void)state;
    struct server s;
    struct cfgtest t;
    struct aws_credentials c;
    server_start(&s);
    server_route(&s, "GET", "/creds?id=1", 200, CONTAINER_JSON);
    server_route(&s, "GET", "/denied", 403, "{\"message\": \"bad token\"}");
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_EC2_METADATA_DISABLED=true");
    cfgtest_env(&t, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:%d/creds?id=1", s.port);
    cfgtest_env(&t, "AWS_CONTAINER_AUTHORIZATION_TOKEN=envtoken");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "ASIACONTAINER");
    assert_string_equal(c.secret_access_key, "CSECRET");
    assert_string_equal(c.session_token, "CTOKEN");
    assert_int_equal(c.expiration, 32472144000);
    assert_string_equal(c.source, "container");
    aws_credentials_release(&c);
    assert_int_equal(s.nreqs, 1);
    assert_true(has_header(&s.reqs[0], "Authorization: envtoken"));
    assert_true(has_header(&s.reqs[0], "Accept: application/json"));

    /* the token file wins over the variable; its trailing newline is not part of the token */
    char tokfile[64];
    cfgtest_file(tokfile, sizeof tokfile, "filetoken\n");
    cfgtest_env(&t, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s", tokfile);
    assert_int_equal(resolve(&t, &c), 0);
    aws_credentials_release(&c);
    assert_true(has_header(&s.reqs[1], "Authorization: filetoken"));
    unlink(tokfile);
    cfgtest_free(&t);

    /* a configured container that refuses is an error, not a fall-through */
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_EC2_METADATA_DISABLED=true");
    cfgtest_env(&t, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://localhost:%d/denied", s.port);
    assert_int_equal(resolve(&t, &c), -1);
    assert_int_equal(t.err.exit, PW_EXIT_AUTH);
    char want[256];
    snprintf(want, sizeof want, "container credentials from 'http://localhost:%d/denied': HTTP 403", s.port);
    assert_string_equal(t.err.message, want);
    cfgtest_free(&t);

    /* plain http only to loopback or the agents' addresses */
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds");
    assert_int_equal(resolve(&t, &c), -1);
    assert_string_equal(t.err.message,
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI 'http://example.com/creds': plain http is only allowed to "
                        "a loopback address or the container agent (169.254.170.2, 169.254.170.23, fd00:ec2::23); use https");
    cfgtest_free(&t);

    /* the environment comes before the container */
    cfgtest_init(&t, NULL, NULL);
    cfgtest_env(&t, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:%d/creds?id=1", s.port);
    cfgtest_env(&t, "AWS_ACCESS_KEY_ID=AKIDENV");
    cfgtest_env(&t, "AWS_SECRET_ACCESS_KEY=S");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.source, "environment");
    aws_credentials_release(&c);
    cfgtest_free(&t);
    server_stop(&s);
}

static const char *const IMDS_JSON =
    "{\"Code\": \"Success\", \"LastUpdated\": \"2024-01-01T00:00:00Z\", \"Type\": \"AWS-HMAC\","
    " \"AccessKeyId\": \"ASIAIMDS\", \"SecretAccessKey\": \"ISECRET\", \"Token\": \"ITOKEN\","
    " \"Expiration\": \"2999-01-01T06:00:00Z\"}";

static void imds_env(struct cfgtest *t, int port)
{
    cfgtest_init(t, NULL, NULL);
    cfgtest_env(t, "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:%d/", port);
}

static void test_imds_v2(void **state)
{
    (void)state;
    struct server s;
    struct cfgtest t;
    struct aws_credentials c;
    server_start(&s);
    server_route(&s, "PUT", "/latest/api/token", 200, "TOKEN123");
    server_route(&s, "GET", "/latest/meta-data/iam/security-credentials/", 200, "web-role\n");
    server_route(&s, "GET", "/latest/meta-data/iam/security-credentials/web-role", 200, IMDS_JSON);
    imds_env(&t, s.port);
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "ASIAIMDS");
    assert_string_equal(c.secret_access_key, "ISECRET");
    assert_string_equal(c.session_token, "ITOKEN");
    assert_int_equal(c.expiration, 32472144000 + 6 * 3600);
    assert_string_equal(c.source, "instance metadata (IMDSv2)");
    aws_credentials_release(&c);
    assert_int_equal(s.nreqs, 3);
    assert_string_equal(s.reqs[0].method, "PUT");
    assert_true(has_header(&s.reqs[0], "X-aws-ec2-metadata-token-ttl-seconds: 21600"));
    for (int i = 1; i < 3; i++) {
        assert_string_equal(s.reqs[i].method, "GET");
        assert_true(has_header(&s.reqs[i], "X-aws-ec2-metadata-token: TOKEN123"));
    }
    assert_string_equal(s.reqs[2].path, "/latest/meta-data/iam/security-credentials/web-role");

    /* disabled: not a single request */
    cfgtest_env(&t, "AWS_EC2_METADATA_DISABLED=True");
    assert_int_equal(resolve(&t, &c), -1);
    assert_int_equal(t.err.exit, PW_EXIT_AUTH);
    assert_int_equal(s.nreqs, 3);
    cfgtest_free(&t);
    server_stop(&s);
}

static void test_imds_v1_fallback_and_no_role(void **state)
{
    (void)state;
    struct server s;
    struct cfgtest t;
    struct aws_credentials c;
    server_start(&s);
    server_route(&s, "PUT", "/latest/api/token", 403, "");
    server_route(&s, "GET", "/latest/meta-data/iam/security-credentials/", 200, "old-role");
    server_route(&s, "GET", "/latest/meta-data/iam/security-credentials/old-role", 200, IMDS_JSON);
    imds_env(&t, s.port);
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.source, "instance metadata (IMDSv1)");
    aws_credentials_release(&c);
    assert_int_equal(s.nreqs, 3);
    assert_false(ci_contains(s.reqs[1].head, "X-aws-ec2-metadata-token:"));

    cfgtest_env(&t, "AWS_EC2_METADATA_V1_DISABLED=true");
    assert_int_equal(resolve(&t, &c), -1);
    assert_string_equal(t.err.message, "no credentials found (tried environment, profile default, container, instance metadata)");
    assert_int_equal(s.nreqs, 4);
    cfgtest_free(&t);
    server_stop(&s);

    /* an instance without a role: the listing is 404, so there is nothing */
    server_start(&s);
    server_route(&s, "PUT", "/latest/api/token", 200, "T");
    imds_env(&t, s.port);
    assert_int_equal(resolve(&t, &c), -1);
    assert_int_equal(t.err.exit, PW_EXIT_AUTH);
    assert_int_equal(s.nreqs, 2);
    cfgtest_free(&t);
    server_stop(&s);
}

static void test_imds_unreachable_fails_fast(void **state)
{
    (void)state;
    struct cfgtest t;
    struct aws_credentials c;
    /* a port nobody listens on: bound, then closed */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    imds_env(&t, ntohs(a.sin_port));
    cfgtest_env(&t, "AWS_METADATA_SERVICE_NUM_ATTEMPTS=10");   /* capped at 2 */
    time_t start = time(NULL);
    assert_int_equal(resolve(&t, &c), -1);
    assert_true(time(NULL) - start < 3);
    assert_int_equal(t.err.exit, PW_EXIT_AUTH);
    assert_string_equal(t.err.message, "no credentials found (tried environment, profile default, container, instance metadata)");
    cfgtest_free(&t);
}

static const char *const ASSUME_ROLE_XML =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>"
    "<Credentials><AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>RSECRET</SecretAccessKey>"
    "<SessionToken>RTOKEN</SessionToken><Expiration>2999-01-01T01:00:00Z</Expiration></Credentials>"
    "<AssumedRoleUser><AssumedRoleId>AROA:sess</AssumedRoleId><Arn>arn:aws:sts::123456789012:assumed-role/deploy/sess</Arn>"
    "</AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
    "</AssumeRoleResponse>";

static const char *const ROLE_CONFIG =
    "[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = BSECRET\n"
    "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n"
    "role_session_name = sess\nexternal_id = ext-1\nduration_seconds = 1800\n"
    "[profile chained]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = deploy\n"
    "[profile self]\nrole_arn = arn:aws:iam::123456789012:role/self\nsource_profile = self\n"
    "aws_access_key_id = AKIDSELF\naws_secret_access_key = SSECRET\n"
    "[profile task]\nrole_arn = arn:aws:iam::123456789012:role/task\ncredential_source = EcsContainer\n";

static void sts_env(struct cfgtest *t, int port, const char *profile)
{
    cfgtest_init(t, ROLE_CONFIG, NULL);
    cfgtest_env(t, "AWS_EC2_METADATA_DISABLED=true");
    cfgtest_env(t, "AWS_REGION=eu-west-1");
    cfgtest_env(t, "AWS_ENDPOINT_URL_STS=http://127.0.0.1:%d", port);
    cfgtest_env(t, "AWS_PROFILE=%s", profile);
}

static void test_assume_role(void **state)
{
    (void)state;
    struct server s;
    struct cfgtest t;
    struct aws_credentials c;
    server_start(&s);
    server_route(&s, "POST", "/", 200, ASSUME_ROLE_XML);
    server_route(&s, "GET", "/task", 200, CONTAINER_JSON);
    sts_env(&t, s.port, "deploy");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "ASIAROLE");
    assert_string_equal(c.secret_access_key, "RSECRET");
    assert_string_equal(c.session_token, "RTOKEN");
    assert_int_equal(c.expiration, 32472144000 + 3600);
    assert_string_equal(c.source, "assume role arn:aws:iam::123456789012:role/deploy (profile deploy)");
    aws_credentials_release(&c);
    assert_int_equal(s.nreqs, 1);
    const struct req *r = &s.reqs[0];
    assert_non_null(strstr(r->body, "Action=AssumeRole"));
    assert_non_null(strstr(r->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdeploy"));
    assert_non_null(strstr(r->body, "RoleSessionName=sess"));
    assert_non_null(strstr(r->body, "ExternalId=ext-1"));
    assert_non_null(strstr(r->body, "DurationSeconds=1800"));
    assert_non_null(strstr(r->head, "Credential=AKIDBASE/"));
    assert_non_null(strstr(r->head, "/eu-west-1/sts/aws4_request"));
    cfgtest_free(&t);

    /* a role whose source is another role: the second call is signed with the first's keys */
    sts_env(&t, s.port, "chained");
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.source, "assume role arn:aws:iam::123456789012:role/admin (profile chained)");
    aws_credentials_release(&c);
    assert_int_equal(s.nreqs, 3);
    assert_non_null(strstr(s.reqs[1].head, "Credential=AKIDBASE/"));
    assert_non_null(strstr(s.reqs[2].head, "Credential=ASIAROLE/"));
    assert_true(has_header(&s.reqs[2], "X-Amz-Security-Token: RTOKEN"));
    assert_non_null(strstr(s.reqs[2].body, "RoleSessionName=pipewright-session-"));
    cfgtest_free(&t);

    /* a profile may be its own source when it holds static keys */
    sts_env(&t, s.port, "self");
    assert_int_equal(resolve(&t, &c), 0);
    aws_credentials_release(&c);
    assert_non_null(strstr(s.reqs[3].head, "Credential=AKIDSELF/"));
    cfgtest_free(&t);

    /* credential_source = EcsContainer */
    sts_env(&t, s.port, "task");
    cfgtest_env(&t, "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:%d/task", s.port);
    assert_int_equal(resolve(&t, &c), 0);
    assert_string_equal(c.access_key_id, "ASIAROLE");
    aws_credentials_release(&c);
    assert_string_equal(s.reqs[4].path, "/task");
    assert_non_null(strstr(s.reqs[5].head, "Credential=ASIACONTAINER/"));
    cfgtest_free(&t);
    server_stop(&s);
}

static void test_assume_role_denied(void **state)
{
    (void)state;
    struct server s;
    struct cfgtest t;
    struct aws_credentials c;
    server_start(&s);
    server_route(&s, "POST", "/", 403,
                 "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                 "<Code>AccessDenied</Code><Message>not authorized to perform sts:AssumeRole</Message></Error>"
                 "<RequestId>r-2</RequestId></ErrorResponse>");
    sts_env(&t, s.port, "deploy");
    assert_int_equal(resolve(&t, &c), -1);
    assert_int_equal(t.err.exit, PW_EXIT_AUTH);
    assert_string_equal(t.err.code, "AccessDenied");
    assert_non_null(strstr(t.err.message, "assuming role 'arn:aws:iam::123456789012:role/deploy' for profile 'deploy': "));
    assert_null(strstr(t.err.message, "BSECRET"));
    cfgtest_free(&t);
    server_stop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_container),
        cmocka_unit_test(test_imds_v2),
        cmocka_unit_test(test_imds_v1_fallback_and_no_role),
        cmocka_unit_test(test_imds_unreachable_fails_fast),
        cmocka_unit_test(test_assume_role),
        cmocka_unit_test(test_assume_role_denied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
