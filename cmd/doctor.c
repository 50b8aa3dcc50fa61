/* doctor.c — `pipewright doctor`: where the configuration came from, who we are, and
 * whether each service answers. Secrets are never shown; the key id is masked. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "provision/aws/client.h"
#include "provision/aws/probe.h"

static const char usage[] =
    "usage: pipewright doctor [--output text|json]\n"
    "\n"
    "Shows the region and where it came from, the credential source (never the secret), the\n"
    "account from STS GetCallerIdentity, and each service's endpoint and whether it answers.\n"
    "exit: 0 when every service answers, 4 for missing credentials or credentials STS rejects,\n"
    "1 otherwise.\n";

struct report {
    const struct aws_config *cfg;
    const struct aws_credentials *creds;  /* NULL when none could be resolved */
    struct pw_error creds_err;
    struct aws_identity id;
    int have_id;
    struct pw_error id_err;
    struct aws_probe probes[AWS_PROBE_MAX];
    size_t nprobes;
};

static void mask_key(const char *key, char *out, size_t n)
{
    size_t len = key ? strlen(key) : 0;
    if (len < 12)
        snprintf(out, n, "****");
    else
        snprintf(out, n, "%.4s****%s", key, key + len - 4);
}

/* 4 when there are no credentials or STS refuses them; 1 when any service does not answer
 * normally (one service refusing a signature that STS accepted is that service's problem,
 * not the credentials'); 0 otherwise. */
static int exit_code(const struct report *r)
{
    if (!r->creds || (!r->have_id && r->id_err.exit == PW_EXIT_AUTH))
        return PW_EXIT_AUTH;
    int failed = !r->have_id;
    for (size_t i = 0; i < r->nprobes; i++)
        failed |= r->probes[i].state == PROBE_FAILED || r->probes[i].state == PROBE_REJECTED;
    return failed ? PW_EXIT_FAILED : PW_EXIT_OK;
}

static void print_text(const struct report *r)
{
    const struct aws_config *cfg = r->cfg;
    char line[1400], key[32];
    printf("region       %s (%s)\n", cfg->region ? cfg->region : "none",
           cfg->region ? cfg->region_source : "set --region, AWS_REGION or the profile's region");
    printf("profile      %s (%s)\n", cfg->profile, cfg->profile_source);
    if (r->creds) {
        mask_key(r->creds->access_key_id, key, sizeof key);
        printf("credentials  %s, key %s%s\n", r->creds->source, key,
               r->creds->session_token ? ", with session token" : "");
    } else {
        pw_error_format(&r->creds_err, line, sizeof line);
        printf("credentials  none: %s\n", line);
    }
    if (r->have_id) {
        printf("account      %s (%s)\n", r->id.account, r->id.arn);
    } else if (r->creds) {
        pw_error_format(&r->id_err, line, sizeof line);
        printf("account      unknown: %s\n", line);
    }
    printf("\n%-16s %-8s %-7s %-48s %s\n", "SERVICE", "STATE", "MS", "ENDPOINT", "SOURCE");
    for (size_t i = 0; i < r->nprobes; i++) {
        const struct aws_probe *p = &r->probes[i];
        printf("%-16s %-8s %-7ld %-48s %s\n", p->service->name, probe_state_name(p->state), p->ms,
               p->endpoint.url[0] ? p->endpoint.url : "-", p->endpoint.source[0] ? p->endpoint.source : "-");
        if (p->state != PROBE_OK) {
            pw_error_format(&p->err, line, sizeof line);
            printf("  %s\n", line);
        }
    }
}

static void print_json(const struct report *r)
{
    const struct aws_config *cfg = r->cfg;
    char line[1400], key[32];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "region", cfg->region ? cJSON_CreateString(cfg->region) : cJSON_CreateNull());
    cJSON_AddStringToObject(o, "region_source", cfg->region ? cfg->region_source : "");
    cJSON_AddStringToObject(o, "profile", cfg->profile);
    cJSON *c = cJSON_AddObjectToObject(o, "credentials");
    if (r->creds) {
        mask_key(r->creds->access_key_id, key, sizeof key);
        cJSON_AddStringToObject(c, "source", r->creds->source);
        cJSON_AddStringToObject(c, "access_key_id", key);
        cJSON_AddBoolToObject(c, "session_token", r->creds->session_token != NULL);
    } else {
        pw_error_format(&r->creds_err, line, sizeof line);
        cJSON_AddNullToObject(c, "source");
        cJSON_AddStringToObject(c, "error", line);
    }
    cJSON_AddItemToObject(o, "account", r->have_id ? cJSON_CreateString(r->id.account) : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "arn", r->have_id ? cJSON_CreateString(r->id.arn) : cJSON_CreateNull());
    cJSON *svcs = cJSON_AddArrayToObject(o, "services");
    for (size_t i = 0; i < r->nprobes; i++) {
        const struct aws_probe *p = &r->probes[i];
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", p->service->name);
        cJSON_AddStringToObject(s, "endpoint", p->endpoint.url);
        cJSON_AddStringToObject(s, "endpoint_source", p->endpoint.source);
        cJSON_AddBoolToObject(s, "ok", p->state == PROBE_OK || p->state == PROBE_DENIED);
        cJSON_AddStringToObject(s, "state", probe_state_name(p->state));
        cJSON_AddNumberToObject(s, "status", (double)p->status);
        cJSON_AddNumberToObject(s, "ms", (double)p->ms);
        if (p->state == PROBE_OK) {
            cJSON_AddNullToObject(s, "error");
        } else {
            pw_error_format(&p->err, line, sizeof line);
            cJSON_AddStringToObject(s, "error", line);
        }
        cJSON_AddItemToArray(svcs, s);
    }
    cJSON_AddNumberToObject(o, "exit", exit_code(r));
    char *text = cJSON_Print(o);
    puts(text ? text : "{}");
    cJSON_free(text);
    cJSON_Delete(o);
}

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
    int early = cli_parse_flags(cli, argc, argv, usage, NULL);
    if (early >= 0)
        return early;
    struct pw_error err;
    struct aws_client client;
    struct report r = {0};
    if (cli_load_aws(cli, &err) < 0 || aws_client_init(&client, &cli->aws, &err) < 0)
        return cli_report(&err);
    r.cfg = &cli->aws;
    if (aws_client_credentials(&client, &r.creds, &r.creds_err) < 0) {
        r.creds = NULL;
    } else {
        r.have_id = aws_whoami(&client, &r.id, &r.id_err) == 0;
        r.nprobes = aws_probe_all(&client, r.probes, AWS_PROBE_MAX);
    }
    if (cli->output == CLI_OUTPUT_JSON)
        print_json(&r);
    else
        print_text(&r);
    int rc = exit_code(&r);
    aws_client_release(&client);
    return rc;
}
