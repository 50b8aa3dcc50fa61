#include "provision/aws/probe.h"

#include <stdio.h>
#include <string.h>

/* The cheapest read each service offers; none of them changes anything. */
struct probe_call {
    const char *service;
    const char *operation;   /* JSON target or Query action; NULL for REST */
    const char *json;        /* JSON body */
    const char *query_name, *query_value; /* one Query parameter */
    const char *method, *path;            /* REST */
};

static const struct probe_call calls[] = {
    {"dynamodb", "ListTables", "{\"Limit\":1}", NULL, NULL, NULL, NULL},
    {"dynamodbstreams", "ListStreams", "{\"Limit\":1}", NULL, NULL, NULL, NULL},
    {"events", "ListRules", "{\"Limit\":1}", NULL, NULL, NULL, NULL},
    {"glue", "GetDatabases", "{\"MaxResults\":1}", NULL, NULL, NULL, NULL},
    {"iam", "ListRoles", NULL, "MaxItems", "1", NULL, NULL},
    {"s3", "ListBuckets", NULL, NULL, NULL, "GET", "/"},
    {"scheduler", "ListScheduleGroups", NULL, NULL, NULL, "GET", "/schedule-groups"},
    {"sns", "ListTopics", NULL, NULL, NULL, NULL, NULL},
    {"sts", "GetCallerIdentity", NULL, NULL, NULL, NULL, NULL},
};
#define NCALLS (sizeof calls / sizeof calls[0])

const char *probe_state_name(enum probe_state s)
{
    switch (s) {
    case PROBE_OK: return "ok";
    case PROBE_DENIED: return "denied";
    case PROBE_REJECTED: return "rejected";
    case PROBE_FAILED: return "failed";
    }
    return "?";
}

static int is_authorization_code(const char *code)
{
    static const char *const denied[] = {"AccessDenied", "AccessDeniedException",
                                         "UnauthorizedOperation", "AuthorizationError"};
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++)
        if (strcmp(code, denied[i]) == 0)
            return 1;
    return 0;
}

static enum probe_state judge(int result, const struct pw_error *err)
{
    if (result == 0)
        return PROBE_OK;
    if (is_authorization_code(err->code))
        return PROBE_DENIED;
    if (err->exit == PW_EXIT_AUTH)
        return PROBE_REJECTED;
    return PROBE_FAILED;
}

/* Builds the probe request of call p into rq; -1 with err when it cannot be built. */
static int build(struct aws_client *c, const struct probe_call *p, struct aws_probe *o,
                 struct aws_request *rq, struct buf *form, struct kvlist *params)
{
    const struct aws_service *svc = o->service;
    aws_request_init(rq, svc, p->operation, p->method ? p->method : "POST", p->path);
    if (aws_config_endpoint(c->cfg, svc, &o->endpoint, &o->err) < 0)
        return -1;
    if (svc->protocol == AWS_PROTO_JSON) {
        rq->body = p->json;
        rq->body_len = strlen(p->json);
        return aws_request_json(rq, p->operation, &o->err);
    }
    if (svc->protocol == AWS_PROTO_QUERY) {
        if (p->query_name)
            kvlist_add(params, p->query_name, p->query_value);
        return aws_request_query(rq, p->operation, params, form, &o->err);
    }
    return 0;
}

size_t aws_probe_all(struct aws_client *c, struct aws_probe *out, size_t max)
{
    struct aws_request rq[NCALLS] = {{0}};
    struct aws_response rs[NCALLS] = {{0}};
    struct pw_error errs[NCALLS];
    struct buf forms[NCALLS];
    struct kvlist params[NCALLS];
    int results[NCALLS];
    size_t slot_of[NCALLS]; /* probe index of each request sent */
    size_t n = 0, nsend = 0;

    for (size_t i = 0; i < NCALLS && n < max; i++, n++) {
        struct aws_probe *o = &out[n];
        memset(o, 0, sizeof *o);
        o->service = aws_service_find(calls[i].service);
        buf_init(&forms[nsend], 0);
        kvlist_init(&params[nsend]);
        if (build(c, &calls[i], o, &rq[nsend], &forms[nsend], &params[nsend]) < 0) {
            o->state = PROBE_FAILED;
            aws_request_release(&rq[nsend]);
            buf_release(&forms[nsend]);
            kvlist_release(&params[nsend]);
            continue;
        }
        aws_response_init(&rs[nsend]);
        slot_of[nsend++] = n;
    }
    aws_send_all(c, rq, rs, results, errs, nsend);
    for (size_t k = 0; k < nsend; k++) {
        struct aws_probe *o = &out[slot_of[k]];
        o->status = rs[k].status;
        o->ms = rs[k].elapsed_ms;
        if (results[k] < 0)
            o->err = errs[k];
        o->state = judge(results[k], &o->err);
        aws_request_release(&rq[k]);
        aws_response_release(&rs[k]);
        buf_release(&forms[k]);
        kvlist_release(&params[k]);
    }
    return n;
}

int aws_whoami(struct aws_client *c, struct aws_identity *id, struct pw_error *err)
{
    struct xml_node *x = NULL;
    memset(id, 0, sizeof *id);
    if (aws_query_call(c, "sts", "GetCallerIdentity", NULL, &x, err) < 0)
        return -1;
    const char *account = xml_text(x, "GetCallerIdentityResult/Account");
    const char *arn = xml_text(x, "GetCallerIdentityResult/Arn");
    const char *user = xml_text(x, "GetCallerIdentityResult/UserId");
    if (!account) {
        xml_free(x);
        return pw_fail(err, PW_EXIT_FAILED, "sts GetCallerIdentity: the answer has no Account");
    }
    snprintf(id->account, sizeof id->account, "%s", account);
    snprintf(id->arn, sizeof id->arn, "%s", arn ? arn : "");
    snprintf(id->user_id, sizeof id->user_id, "%s", user ? user : "");
    xml_free(x);
    return 0;
}
