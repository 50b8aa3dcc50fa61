/* The HTTP layer against a loopback server in a thread: connections are reused, the
 * parallel path answers every request with its own response, bodies are capped, and
 * transport failures are classified as retryable or not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "provision/aws/http.h"

struct server {
    int fd;
    int port;
    int connections;          /* accepted so far */
    int stop;
    pthread_mutex_t lock;
    pthread_t thread;
};

/* Reads one request head; returns the path (in path[]) or -1 at EOF. */
static int read_request(int c, char *path, size_t n)
{
    char head[8192];
    size_t len = 0;
    while (len < sizeof head - 1) {
        ssize_t r = read(c, head + len, 1);
        if (r <= 0)
            return -1;
        len++;
        head[len] = '\0';
        if (len >= 4 && memcmp(head + len - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    if (sscanf(head, "%*s %1023s", path) != 1)
        return -1;
    (void)n;
    return 0;
}

/* One connection: answers every request on it with its path as the body, keep-alive.
 * /big answers 4 KiB, /slow waits 2 s first. */
static void *serve_conn(void *arg)
{
    int c = (int)(intptr_t)arg;
    char path[1024];
    while (read_request(c, path, sizeof path) == 0) {
        char body[4096 + 1];
        if (strcmp(path, "/big") == 0) {
            memset(body, 'x', 4096);
            body[4096] = '\0';
        } else {
            snprintf(body, sizeof body, "%s", path);
        }
        if (strcmp(path, "/slow") == 0)
            sleep(2);
        char resp[8192];
        int n = snprintf(resp, sizeof resp,
                         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Echo: %s\r\n"
                         "Content-Length: %zu\r\n\r\n%s", path, strlen(body), body);
        if (write(c, resp, (size_t)n) != n)
            break;
    }
    close(c);
    return NULL;
}

static void *serve(void *arg)
{
    struct server *s = arg;
    for (;;) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_mutex_lock(&s->lock);
        s->connections++;
        pthread_mutex_unlock(&s->lock);
        pthread_t t;
        pthread_create(&t, NULL, serve_conn, (void *)(intptr_t)c);
        pthread_detach(t);
    }
}

static int server_start(void **state)
{
    struct server *s = calloc(1, sizeof *s);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (bind(s->fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(s->fd, 64) < 0)
        return -1;
    getsockname(s->fd, (struct sockaddr *)&a, &alen);
    s->port = ntohs(a.sin_port);
    pthread_mutex_init(&s->lock, NULL);
    pthread_create(&s->thread, NULL, serve, s);
    *state = s;
    return 0;
}

static int server_stop(void **state)
{
    struct server *s = *state;
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->thread, NULL);
    free(s);
    return 0;
}

static int connections(struct server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->connections;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static struct http_client *client(long timeout_ms, size_t max_body)
{
    struct pw_error err;
    struct http_options o = {.timeout_ms = timeout_ms, .max_body = max_body};
    struct http_client *c = http_client_new(&o, &err);
    assert_non_null(c);
    return c;
}

static void serial_requests_reuse_one_connection(void **state)
{
    struct server *s = *state;
    struct http_client *c = client(0, 0);
    int before = connections(s);
    for (int i = 0; i < 5; i++) {
        char url[128], path[32];
        snprintf(path, sizeof path, "/serial/%d", i);
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", s->port, path);
        struct http_request rq = {.method = i % 2 ? "POST" : "GET", .url = url, .body = "x", .body_len = i % 2};
        struct http_response rs;
        struct pw_error err;
        http_response_init(&rs);
        assert_int_equal(http_send(c, &rq, &rs, &err), 0);
        assert_int_equal(rs.status, 200);
        assert_string_equal(buf_cstr(&rs.body), path);
        assert_string_equal(kvlist_get_ci(&rs.headers, "x-echo"), path);
        http_response_release(&rs);
    }
    assert_int_equal(connections(s) - before, 1);
    http_client_free(c);
}

static void parallel_requests_each_get_their_answer(void **state)
{
    struct server *s = *state;
    struct http_client *c = client(0, 0);
    enum { N = 40 };
    struct http_request rq[N];
    struct http_response rs[N];
    struct pw_error errs[N];
    int results[N];
    char urls[N][128];
    int before = connections(s);
    for (int i = 0; i < N; i++) {
        snprintf(urls[i], sizeof urls[i], "http://127.0.0.1:%d/p/%d", s->port, i);
        rq[i] = (struct http_request){.method = "GET", .url = urls[i]};
        http_response_init(&rs[i]);
    }
    http_send_all(c, rq, rs, results, errs, N);
    for (int i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "/p/%d", i);
        assert_int_equal(results[i], 0);
        assert_string_equal(buf_cstr(&rs[i].body), want);
        http_response_release(&rs[i]);
    }
    /* At most max_parallel (16) connections for 40 requests: the pool is reused. */
    assert_true(connections(s) - before <= 16);
    /* And the serial path reuses what the parallel one opened. */
    int mid = connections(s);
    struct http_request one = {.method = "GET", .url = urls[0]};
    struct http_response r1;
    struct pw_error err;
    http_response_init(&r1);
    assert_int_equal(http_send(c, &one, &r1, &err), 0);
    http_response_release(&r1);
    assert_int_equal(connections(s), mid);
    http_client_free(c);
}

static void body_over_the_cap_fails_without_retry(void **state)
{
    struct server *s = *state;
    struct http_client *c = client(0, 1024);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s->port);
    struct http_request rq = {.method = "GET", .url = url};
    struct http_response rs;
    struct pw_error err;
    http_response_init(&rs);
    assert_int_equal(http_send(c, &rq, &rs, &err), -1);
    assert_non_null(strstr(err.message, "larger than 1024 bytes"));
    assert_false(err.retryable);
    http_response_release(&rs);
    http_client_free(c);
}

static void timeout_and_refusal_are_retryable(void **state)
{
    struct server *s = *state;
    struct http_client *c = client(300, 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/slow", s->port);
    struct http_request rq = {.method = "GET", .url = url};
    struct http_response rs;
    struct pw_error err;
    http_response_init(&rs);
    assert_int_equal(http_send(c, &rq, &rs, &err), -1);
    assert_true(err.retryable);
    assert_int_equal(rs.status, 0);
    http_response_release(&rs);

    rq.url = "http://127.0.0.1:1/";
    http_response_init(&rs);
    assert_int_equal(http_send(c, &rq, &rs, &err), -1);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "127.0.0.1"));
    http_response_release(&rs);
    http_client_free(c);
}

static void tls_verification_cannot_be_skipped(void **state)
{
    /* An https URL to a plain-HTTP server never yields an answer: nothing falls back to
     * http. (Certificate verification itself is tested end to end with a TLS server.) */
    struct server *s = *state;
    struct http_client *c = client(2000, 0);
    char url[128];
    snprintf(url, sizeof url, "https://127.0.0.1:%d/tls", s->port);
    struct http_request rq = {.method = "GET", .url = url};
    struct http_response rs;
    struct pw_error err;
    http_response_init(&rs);
    assert_int_equal(http_send(c, &rq, &rs, &err), -1);
    assert_int_equal(rs.status, 0);
    http_response_release(&rs);
    http_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(serial_requests_reuse_one_connection),
        cmocka_unit_test(parallel_requests_each_get_their_answer),
        cmocka_unit_test(body_over_the_cap_fails_without_retry),
        cmocka_unit_test(timeout_and_refusal_are_retryable),
        cmocka_unit_test(tls_verification_cannot_be_skipped),
    };
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
