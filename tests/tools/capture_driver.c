/* capture_driver.c — drives the capture API (pipeline/capture.h) from the end-to-end tests,
 * before `pipeline run` exists to do it: the tests prove exactly-once hand-out, re-delivery
 * after a kill, and two sessions splitting the shards, against moto and a fake Streams server.
 *
 *   capture_driver -f SPEC [--runner ID] [--limit N] [--lease-ms N] [--lease-wait-ms N]
 *                  [--describe-limit N] [--empty-pages N] [--follow]
 *
 * Reads commands on stdin, one per line, and answers each with one JSON line on stdout:
 *   next    {"batch": {"shard", "first", "last", "n", "serial", "records": [...]}}
 *           or {"idle": true, "outstanding": N}
 *   commit  commits the oldest batch not committed yet: {"committed": {"shard", "last"}}
 *   drain   next + commit until idle: one line per batch, then the idle line
 *   shards  {"shards": [{"shard", "parent", "state", "holder", "from", "to", "handed",
 *           "committed"}]}
 *   quit    (or end of input) lets the leases go and exits 0
 * A failure answers {"error": "message", "exit": N} and the driver goes on reading. A test that
 * wants a crash kills the process (SIGKILL): nothing is released then.
 *
 * This is a test tool: it reads the environment for the AWS settings as the binary's main does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/capture.h"
#include "provision/aws/probe.h"

extern char **environ;

struct held {
    struct capture_batch *items;
    size_t head, n, cap;
};

static void emit(cJSON *o)
{
    char *text = cJSON_PrintUnformatted(o);
    fputs(text ? text : "{\"error\": \"out of memory\", \"exit\": 1}", stdout);
    fputc('\n', stdout);
    fflush(stdout);
    cJSON_free(text);
    cJSON_Delete(o);
}

static void emit_error(const struct pw_error *err)
{
    char line[2048];
    pw_error_format(err, line, sizeof line);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", line);
    cJSON_AddNumberToObject(o, "exit", err->exit ? (double)err->exit : 1);
    emit(o);
}

static void emit_batch(const struct capture_batch *b)
{
    cJSON *o = cJSON_CreateObject(), *j = cJSON_AddObjectToObject(o, "batch");
    cJSON_AddStringToObject(j, "shard", b->shard);
    cJSON_AddStringToObject(j, "first", b->first_seq);
    cJSON_AddStringToObject(j, "last", b->last_seq);
    cJSON_AddNumberToObject(j, "n", (double)b->n);
    cJSON_AddNumberToObject(j, "serial", (double)b->serial);
    cJSON_AddItemToObject(j, "records", cJSON_Duplicate(b->records, 1));
    emit(o);
}

static void emit_idle(const struct capture *cap)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "idle", 1);
    cJSON_AddNumberToObject(o, "outstanding", (double)capture_outstanding(cap));
    emit(o);
}

/* 1 with a batch kept in h, 0 idle, -1 error (already reported). */
static int next(struct capture *cap, struct held *h, int quiet)
{
    struct capture_batch b;
    struct pw_error err;
    int r = capture_next_batch(cap, &b, &err);
    if (r < 0) {
        emit_error(&err);
        return -1;
    }
    if (r == 0) {
        emit_idle(cap);
        return 0;
    }
    if (h->head + h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 8;
        h->items = realloc(h->items, h->cap * sizeof *h->items);
        if (!h->items)
            abort();
    }
    h->items[h->head + h->n++] = b;
    if (!quiet)
        emit_batch(&b);
    return 1;
}

static int commit(struct capture *cap, struct held *h, int quiet)
{
    struct pw_error err;
    if (!h->n) {
        pw_fail(&err, PW_EXIT_USAGE, "no batch to commit");
        emit_error(&err);
        return -1;
    }
    struct capture_batch *b = &h->items[h->head];
    if (capture_commit(cap, b, &err) < 0) {
        emit_error(&err);
        return -1;
    }
    if (!quiet) {
        cJSON *o = cJSON_CreateObject(), *j = cJSON_AddObjectToObject(o, "committed");
        cJSON_AddStringToObject(j, "shard", b->shard);
        cJSON_AddStringToObject(j, "last", b->last_seq);
        emit(o);
    }
    capture_batch_release(b);
    h->head++;
    h->n--;
    return 0;
}

static void shards(const struct capture *cap)
{
    cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "shards");
    for (size_t i = 0; i < capture_shard_count(cap); i++) {
        struct capture_shard_info in;
        capture_shard_info(cap, i, &in);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "shard", in.shard);
        cJSON_AddStringToObject(s, "parent", in.parent);
        cJSON_AddStringToObject(s, "state", in.state);
        cJSON_AddStringToObject(s, "holder", in.holder);
        cJSON_AddStringToObject(s, "from", in.from_seq);
        cJSON_AddStringToObject(s, "to", in.to_seq);
        cJSON_AddNumberToObject(s, "handed", (double)in.records_handed);
        cJSON_AddNumberToObject(s, "committed", (double)in.records_committed);
        cJSON_AddItemToArray(arr, s);
    }
    emit(o);
}

static long num_arg(const char *v)
{
    char *end;
    long n = strtol(v ? v : "", &end, 10);
    if (!v || end == v || *end) {
        fprintf(stderr, "capture_driver: '%s' is not a number\n", v ? v : "");
        exit(64);
    }
    return n;
}

int main(int argc, char **argv)
{
    const char *spec_path = "pipewright.yaml", *runner = NULL;
    struct capture_options o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-f") == 0 && v)
            spec_path = argv[++i];
        else if (strcmp(a, "--runner") == 0 && v)
            runner = argv[++i];
        else if (strcmp(a, "--limit") == 0)
            o.limit = num_arg(argv[++i]);
        else if (strcmp(a, "--lease-ms") == 0)
            o.lease_ms = num_arg(argv[++i]);
        else if (strcmp(a, "--lease-wait-ms") == 0)
            o.lease_wait_ms = num_arg(argv[++i]);
        else if (strcmp(a, "--describe-limit") == 0)
            o.describe_limit = num_arg(argv[++i]);
        else if (strcmp(a, "--empty-pages") == 0)
            o.empty_pages = num_arg(argv[++i]);
        else if (strcmp(a, "--follow") == 0)
            o.follow = 1;
        else {
            fprintf(stderr, "capture_driver: unknown argument '%s'\n", a);
            return 64;
        }
    }

    struct aws_config cfg;
    struct aws_config_options co = {0};
    struct aws_client client;
    struct aws_identity id;
    struct spec *spec = NULL;
    struct diag_list diags;
    struct capture *cap = NULL;
    struct held h = {0};
    struct pw_error err;
    char line[256];
    int rc = 1;
    diag_list_init(&diags);
    if (aws_config_load(&cfg, &co, environ, &err) < 0) {
        emit_error(&err);
        diag_list_release(&diags);
        return 1;
    }
    if (aws_client_init(&client, &cfg, &err) < 0) {
        emit_error(&err);
        aws_config_release(&cfg);
        diag_list_release(&diags);
        return 1;
    }
    if (spec_load(spec_path, NULL, &spec, &diags, &err) < 0 || aws_whoami(&client, &id, &err) < 0 ||
        spec_bind_account(spec, id.account, &err) < 0 ||
        capture_open(&client, &spec->pipeline, runner, &o, &cap, &err) < 0) {
        emit_error(&err);
        goto out;
    }
    cJSON *opened = cJSON_CreateObject(), *j = cJSON_AddObjectToObject(opened, "open");
    cJSON_AddStringToObject(j, "runner", capture_runner(cap));
    cJSON_AddStringToObject(j, "stream", capture_stream_arn(cap));
    emit(opened);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "next") == 0) {
            next(cap, &h, 0);
        } else if (strcmp(line, "commit") == 0) {
            commit(cap, &h, 0);
        } else if (strcmp(line, "drain") == 0) {
            int r;
            while ((r = next(cap, &h, 0)) == 1 && commit(cap, &h, 1) == 0)
                ;
        } else if (strcmp(line, "shards") == 0) {
            shards(cap);
        } else if (strcmp(line, "quit") == 0) {
            break;
        } else {
            pw_fail(&err, PW_EXIT_USAGE, "unknown command '%s'", line);
            emit_error(&err);
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < h.n; i++)
        capture_batch_release(&h.items[h.head + i]);
    free(h.items);
    capture_close(cap);
    spec_free(spec);
    diag_list_release(&diags);
    aws_client_release(&client);
    aws_config_release(&cfg);
    return rc;
}
