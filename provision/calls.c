/* calls.c — parallel JSON calls for one resource, and polling helpers. */
#include "provision/calls.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

size_t json_calls_run(struct aws_client *c, const char *service, struct json_call *calls,
                      size_t n)
{
    const struct aws_service *svc = aws_service_find(service);
    struct aws_request *rq = calloc(n ? n : 1, sizeof *rq);
    struct aws_response *rs = calloc(n ? n : 1, sizeof *rs);
    struct pw_error *errs = calloc(n ? n : 1, sizeof *errs);
    int *results = calloc(n ? n : 1, sizeof *results);
    char **bodies = calloc(n ? n : 1, sizeof *bodies);
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        calls[i].output = NULL;
        calls[i].rc = -1;
        pw_error_clear(&calls[i].err);
    }
    if (!svc || !rq || !rs || !errs || !results || !bodies) {
        for (size_t i = 0; i < n; i++)
            pw_fail(&calls[i].err, PW_EXIT_FAILED, svc ? "out of memory" : "unknown service");
        failed = n;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const struct json_call *jc = &calls[i];
        aws_response_init(&rs[i]);
        bodies[i] = jc->input ? cJSON_PrintUnformatted(jc->input) : NULL;
        if (jc->path) {
            aws_request_init(&rq[i], svc, jc->operation, jc->method, jc->path);
            rq[i].path_encoded = 1;
            for (size_t q = 0; jc->query && q < jc->query->len; q++)
                kvlist_add(&rq[i].query, jc->query->items[q].name, jc->query->items[q].value);
            rq[i].body = bodies[i];
        } else {
            aws_request_init(&rq[i], svc, jc->operation, "POST", "/");
            aws_request_json(&rq[i], jc->operation, &errs[i]);
            rq[i].body = bodies[i] ? bodies[i] : "{}";
        }
        rq[i].body_len = rq[i].body ? strlen(rq[i].body) : 0;
    }
    aws_send_all(c, rq, rs, results, errs, n);
    for (size_t i = 0; i < n; i++) {
        if (results[i] == 0) {
            calls[i].output = rs[i].body.len ? cJSON_ParseWithLength(rs[i].body.data, rs[i].body.len)
                                             : cJSON_CreateObject();
            if (calls[i].output)
                calls[i].rc = 0;
            else
                pw_fail(&calls[i].err, PW_EXIT_FAILED, "%s %s: the answer is not JSON", service,
                        calls[i].operation);
        } else {
            calls[i].err = errs[i];
        }
        if (calls[i].rc < 0)
            failed++;
        aws_request_release(&rq[i]);
        aws_response_release(&rs[i]);
        cJSON_free(bodies[i]);
    }
out:
    free(rq);
    free(rs);
    free(errs);
    free(results);
    free(bodies);
    return failed;
}

void json_calls_release(struct json_call *calls, size_t n)
{
    for (size_t i = 0; calls && i < n; i++) {
        cJSON_Delete(calls[i].output);
        calls[i].output = NULL;
    }
}

void query_call_init(struct query_call *q, const char *action)
{
    memset(q, 0, sizeof *q);
    q->action = action;
    kvlist_init(&q->params);
}

size_t query_calls_run(struct aws_client *c, const char *service, struct query_call *calls,
                       size_t n)
{
    const struct aws_service *svc = aws_service_find(service);
    size_t cap = n ? n : 1, failed = 0;
    struct aws_request *rq = calloc(cap, sizeof *rq);
    struct aws_response *rs = calloc(cap, sizeof *rs);
    struct pw_error *errs = calloc(cap, sizeof *errs);
    int *results = calloc(cap, sizeof *results);
    struct buf *forms = calloc(cap, sizeof *forms);
    int bad = !svc || !rq || !rs || !errs || !results || !forms;
    for (size_t i = 0; i < n; i++) {
        xml_free(calls[i].output);
        calls[i].output = NULL;
        calls[i].rc = -1;
        pw_error_clear(&calls[i].err);
    }
    for (size_t i = 0; !bad && i < n; i++) {
        aws_request_init(&rq[i], svc, calls[i].action, "POST", "/");
        aws_response_init(&rs[i]);
        buf_init(&forms[i], 0);
        if (aws_request_query(&rq[i], calls[i].action, &calls[i].params, &forms[i], &errs[i]) < 0)
            bad = 1;
    }
    if (bad) {
        for (size_t i = 0; i < n; i++)
            pw_fail(&calls[i].err, PW_EXIT_FAILED, "out of memory");
        failed = n;
    } else {
        aws_send_all(c, rq, rs, results, errs, n);
    }
    for (size_t i = 0; !bad && i < n; i++) {
        struct query_call *q = &calls[i];
        if (results[i] < 0) {
            q->err = errs[i];
        } else if ((q->output = xml_parse(rs[i].body.data ? rs[i].body.data : "", rs[i].body.len,
                                          &q->err)) != NULL) {
            q->rc = 0;
        } else {
            pw_error_prefix(&q->err, "%s %s", service, q->action);
        }
        failed += q->rc < 0;
    }
    for (size_t i = 0; rq && rs && forms && i < n; i++) {
        aws_request_release(&rq[i]);
        aws_response_release(&rs[i]);
        buf_release(&forms[i]);
    }
    free(rq);
    free(rs);
    free(errs);
    free(results);
    free(forms);
    return failed;
}

void query_calls_release(struct query_call *calls, size_t n)
{
    for (size_t i = 0; calls && i < n; i++) {
        kvlist_release(&calls[i].params);
        xml_free(calls[i].output);
        calls[i].output = NULL;
    }
}

void calls_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0)
        ;
}

long calls_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *json_str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

int json_bool(const cJSON *o, const char *name)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, name));
}

double json_num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}
