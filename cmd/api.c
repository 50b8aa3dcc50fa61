/* api.c — `pipewright api`: one signed request, like curl with the AWS credential chain,
 * endpoints and retries. Three forms:
 *   api <service> <METHOD> <path> [-H ...] [--query k=v] [-d DATA|@file|@-]   any service
 *   api <service> <Operation> [JSON]                                         JSON protocol
 *   api <service> <Action> [Name=value ...]                                  Query protocol */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd/cli.h"
#include "provision/aws/client.h"

#define API_BODY_MAX ((size_t)512 << 20)

static const char usage[] =
    "usage: pipewright api <service> <METHOD> <path> [-H 'Name: value']... [--query k=v]...\n"
    "                      [-d DATA | -d @file | -d @-] [--raw]\n"
    "       pipewright api <service> <Operation> [JSON | -d ...]      dynamodb, dynamodbstreams, glue, events\n"
    "       pipewright api <service> <Action> [Name=value]...         sns, iam, sts\n"
    "\n"
    "Sends one signed request and prints the answer's body (JSON pretty-printed unless --raw).\n"
    "Services: dynamodb dynamodbstreams events glue iam s3 scheduler sns sts.\n"
    "The path is given unencoded (S3: /bucket/key); pipewright encodes it. A '?' is part of\n"
    "the path: give query parameters with --query.\n"
    "\n"
    "examples:\n"
    "  pipewright api dynamodb ListTables\n"
    "  pipewright api dynamodb DescribeTable '{\"TableName\": \"orders\"}'\n"
    "  pipewright api sts GetCallerIdentity\n"
    "  pipewright api s3 PUT '/my-bucket/dt=2024-01-01/a b.json' -d @a.json\n"
    "  pipewright api s3 GET /my-bucket --query list-type=2 --query prefix=dt=\n"
    "  pipewright api scheduler GET /schedules\n"
    "\n"
    "exit: 0 on a 2xx answer; 1 otherwise, 4 for credential or authorization errors, with the\n"
    "decoded error on stderr. -v shows the status and response headers, -vvv a full trace\n"
    "with secrets redacted.\n";

struct api_args {
    const char *service;
    const char *verb;            /* METHOD or Operation/Action */
    const char *path;
    const char *data;            /* -d or the JSON positional */
    struct kvlist headers;
    struct kvlist query;
    struct kvlist params;        /* Query-protocol Name=value positionals */
    char opname[256];            /* "PUT /bucket/key" for errors in the METHOD form */
    int raw;
};

static int is_http_method(const char *s)
{
    static const char *const methods[] = {"GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (strcmp(s, methods[i]) == 0)
            return 1;
    return 0;
}

static int add_pair(struct kvlist *l, const char *arg, char sep, const char *what)
{
    const char *p = strchr(arg, sep);
    if (!p || p == arg) {
        cli_usage_error("api", "%s takes %s, not '%s'", what, sep == ':' ? "'Name: value'" : "k=v", arg);
        return -1;
    }
    const char *v = p + 1;
    while (sep == ':' && (*v == ' ' || *v == '\t'))
        v++;
    kvlist_addn(l, arg, (size_t)(p - arg), v, strlen(v));
    return 0;
}

/* The value of option argv[*i], or NULL (after a usage message) when it is the last word. */
static const char *option_arg(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        cli_usage_error("api", "option '%s' needs a value", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

static int is_json_document(const char *s)
{
    s += strspn(s, " \t\r\n");
    return *s == '{' || *s == '[';
}

/* 0 to go on, 1 after -h, -1 after a usage error (already printed). */
static int parse_args(struct cli *cli, int argc, char **argv, struct api_args *a)
{
    const char *pos[64];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v;
        if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(s, "-H") == 0 || strcmp(s, "--header") == 0) {
            if (!(v = option_arg(argc, argv, &i)) || add_pair(&a->headers, v, ':', "-H") < 0)
                return -1;
        } else if (strcmp(s, "--query") == 0) {
            if (!(v = option_arg(argc, argv, &i)) || add_pair(&a->query, v, '=', "--query") < 0)
                return -1;
        } else if (strcmp(s, "-d") == 0 || strcmp(s, "--data") == 0) {
            if (!(a->data = option_arg(argc, argv, &i)))
                return -1;
        } else if (strcmp(s, "--raw") == 0) {
            a->raw = 1;
        } else if (s[0] == '-' && s[1] != '\0') {
            int r = cli_global_option(cli, argc, argv, &i);
            if (r == 0)
                cli_usage_error("api", "unknown option '%s'", s);
            if (r <= 0)
                return -1;
        } else if (npos < (int)(sizeof pos / sizeof pos[0])) {
            pos[npos++] = s;
        } else {
            cli_usage_error("api", "too many arguments");
            return -1;
        }
    }
    if (npos < 2) {
        cli_usage_error("api", "give a service and a METHOD and path, or an operation");
        return -1;
    }
    a->service = pos[0];
    a->verb = pos[1];
    if (is_http_method(a->verb)) {
        if (npos != 3) {
            cli_usage_error("api", "'%s' takes exactly one path, e.g. /", a->verb);
            return -1;
        }
        a->path = pos[2];
        return 0;
    }
    /* Operation form: Name=value pairs (Query) or one JSON document (JSON protocol). */
    for (int k = 2; k < npos; k++) {
        if (!is_json_document(pos[k]) && strchr(pos[k], '=')) {
            if (add_pair(&a->params, pos[k], '=', "a Query parameter") < 0)
                return -1;
        } else if (!a->data) {
            a->data = pos[k];
        } else {
            cli_usage_error("api", "unexpected argument '%s'", pos[k]);
            return -1;
        }
    }
    return 0;
}

/* Prints the body: JSON pretty-printed unless raw; anything else byte for byte, so a
 * downloaded object saved with '>' equals the object. */
static void print_body(const struct aws_response *rs, int raw)
{
    if (!rs->body.len)
        return;
    /* Pretty only when the whole body is one JSON document: JSON Lines and anything else
     * pass through untouched. */
    const char *end = NULL;
    cJSON *j = NULL;
    if (!raw && is_json_document(rs->body.data)) {
        j = cJSON_ParseWithLengthOpts(rs->body.data, rs->body.len, &end, 0);
        if (j && end[strspn(end, " \t\r\n")] != '\0') {
            cJSON_Delete(j);
            j = NULL;
        }
    }
    char *pretty = j ? cJSON_Print(j) : NULL;
    if (pretty)
        puts(pretty);
    else
        fwrite(rs->body.data, 1, rs->body.len, stdout);
    cJSON_free(pretty);
    cJSON_Delete(j);
}

/* Fills rq from the arguments in one of the three forms. */
static int build_request(struct api_args *a, const struct aws_service *svc,
                         struct aws_request *rq, struct buf *body, struct pw_error *err)
{
    if (a->data && a->data[0] == '@') {
        if (buf_read_file(body, a->data + 1, err) < 0)
            return -1;
    } else if (a->data) {
        buf_appends(body, a->data);
    }
    if (is_http_method(a->verb)) {
        if (strcmp(a->verb, "HEAD") == 0 && a->data)
            return pw_fail(err, PW_EXIT_USAGE, "HEAD takes no body");
        for (size_t i = 0; i < a->headers.len; i++)
            if (strcasecmp(a->headers.items[i].name, "Host") == 0 || strcasecmp(a->headers.items[i].name, "Date") == 0)
                return pw_fail(err, PW_EXIT_USAGE, "the %s header is set by pipewright", a->headers.items[i].name);
        snprintf(a->opname, sizeof a->opname, "%s %s", a->verb, a->path);
        aws_request_init(rq, svc, a->opname, a->verb, a->path);
        for (size_t i = 0; i < a->headers.len; i++)
            kvlist_add(&rq->headers, a->headers.items[i].name, a->headers.items[i].value);
        for (size_t i = 0; i < a->query.len; i++)
            kvlist_add(&rq->query, a->query.items[i].name, a->query.items[i].value);
        rq->body = body->data;
        rq->body_len = body->len;
        return 0;
    }
    aws_request_init(rq, svc, a->verb, "POST", "/");
    if (a->headers.len || a->query.len)
        return pw_fail(err, PW_EXIT_USAGE, "-H and --query go with the METHOD form, not an operation");
    if (svc->protocol == AWS_PROTO_JSON) {
        if (a->params.len)
            return pw_fail(err, PW_EXIT_USAGE, "%s takes one JSON document, not Name=value parameters "
                           "('%s=...')", svc->name, a->params.items[0].name);
        if (aws_request_json(rq, a->verb, err) < 0)
            return -1;
        if (!body->len)
            buf_appends(body, "{}");
        /* Checked here, so a typo is a usage error and never reaches the service. */
        const char *end = NULL;
        cJSON *doc = cJSON_ParseWithLengthOpts(body->data, body->len, &end, 0);
        int trailing = doc && end[strspn(end, " \t\r\n")] != '\0';
        cJSON_Delete(doc);
        if (!doc || trailing)
            return pw_fail(err, PW_EXIT_USAGE, "the %s input is not one JSON document (error near byte %ld)",
                           a->verb, (long)((doc ? end : cJSON_GetErrorPtr()) - body->data));
        rq->body = body->data;
        rq->body_len = body->len;
        return 0;
    }
    if (svc->protocol == AWS_PROTO_QUERY) {
        if (a->data)
            return pw_fail(err, PW_EXIT_USAGE, "%s takes Name=value parameters, not a body", svc->name);
        struct buf form;
        buf_init(&form, 0);
        if (aws_request_query(rq, a->verb, &a->params, &form, err) < 0) {
            buf_release(&form);
            return -1;
        }
        buf_release(body);
        *body = form; /* the request points into it; it lives as long as body */
        rq->body = body->data;
        return 0;
    }
    return pw_fail(err, PW_EXIT_USAGE,
                   "%s has no operation shorthand (%s protocol): give a METHOD and a path, e.g. "
                   "'pipewright api %s GET /%s'",
                   svc->name, aws_protocol_name(svc->protocol), svc->name,
                   svc->protocol == AWS_PROTO_REST_XML ? "" : "schedules");
}

int cmd_api(struct cli *cli, int argc, char **argv)
{
    struct api_args a = {0};
    struct aws_client client;
    struct aws_request rq;
    struct aws_response rs;
    struct buf body;
    struct pw_error err;
    int rc, have_client = 0;
    kvlist_init(&a.headers);
    kvlist_init(&a.query);
    kvlist_init(&a.params);
    buf_init(&body, API_BODY_MAX);
    aws_response_init(&rs);

    aws_request_init(&rq, NULL, NULL, NULL, NULL);
    rc = parse_args(cli, argc, argv, &a);
    if (rc != 0) {
        rc = rc > 0 ? PW_EXIT_OK : PW_EXIT_USAGE;
        goto out;
    }
    const struct aws_service *svc = aws_service_find(a.service);
    if (!svc) {
        rc = cli_usage_error("api", "unknown service '%s'", a.service);
        goto out;
    }
    if (build_request(&a, svc, &rq, &body, &err) < 0) {
        rc = err.exit == PW_EXIT_USAGE ? cli_usage_error("api", "%s", err.message) : cli_report(&err);
        goto out;
    }
    if (cli_load_aws(cli, &err) < 0 || aws_client_init(&client, &cli->aws, &err) < 0) {
        rc = cli_report(&err);
        goto out;
    }
    have_client = 1;
    if (aws_send(&client, &rq, &rs, &err) < 0) {
        rc = cli_report(&err);
        goto out;
    }
    print_body(&rs, a.raw);
    rc = PW_EXIT_OK;
out:
    if (have_client)
        aws_client_release(&client);
    aws_request_release(&rq);
    aws_response_release(&rs);
    buf_release(&body);
    kvlist_release(&a.headers);
    kvlist_release(&a.query);
    kvlist_release(&a.params);
    return rc;
}
