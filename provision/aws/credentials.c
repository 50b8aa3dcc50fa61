/* credentials.c — the credential chain: the order, the environment and profile sources, and
 * assumed roles. The order and the rules for source_profile chains are botocore's
 * (credentials.py: create_credential_resolver, AssumeRoleProvider), so a profile that works
 * with the AWS CLI resolves to the same identity here, and one it refuses is refused too. */
#include "provision/aws/credentials.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "provision/aws/client.h"
#include "provision/aws/credsrc.h"
#include "provision/aws/xml.h"

#define MAX_ROLE_CHAIN 16

void aws_credentials_init(struct aws_credentials *c)
{
    memset(c, 0, sizeof *c);
}

static void wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void aws_credentials_release(struct aws_credentials *c)
{
    if (!c)
        return;
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof *c);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

int creds_set(struct aws_credentials *out, const char *akid, const char *secret, const char *token,
              time_t expiration, const char *source, struct pw_error *err)
{
    aws_credentials_release(out);
    out->access_key_id = xstrdup(akid);
    out->secret_access_key = xstrdup(secret);
    if (token && token[0])
        out->session_token = xstrdup(token);
    if (!out->access_key_id || !out->secret_access_key || (token && token[0] && !out->session_token)) {
        aws_credentials_release(out);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    out->expiration = expiration;
    snprintf(out->source, sizeof out->source, "%s", source);
    return 0;
}

int aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src, struct pw_error *err)
{
    aws_credentials_init(dst);
    if (!src->access_key_id || !src->secret_access_key)
        return pw_fail(err, PW_EXIT_FAILED, "copying credentials: they are empty");
    return creds_set(dst, src->access_key_id, src->secret_access_key, src->session_token, src->expiration,
                     src->source, err);
}

static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        *v = *v * 10 + (**p - '0');
    }
    return 0;
}

int aws_credentials_parse_time(const char *iso, time_t *out)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *p = iso;
    int y, mo, d, h, mi, s, oh = 0, om = 0, sign = 0;
    if (!iso || digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d) ||
        (*p != 'T' && *p != 't' && *p != ' ') || !*p++ || digits(&p, 2, &h) || *p++ != ':' ||
        digits(&p, 2, &mi) || *p++ != ':' || digits(&p, 2, &s))
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p++ == '-' ? -1 : 1;
        if (digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
    }
    if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || s > 60)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
    *out = timegm(&tm) - (time_t)sign * (oh * 3600 + om * 60);
    return 0;
}

int creds_check_expiry(const struct aws_credentials *c, const char *what, struct pw_error *err)
{
    if (!c->expiration || c->expiration > time(NULL))
        return 0;
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&c->expiration, &tm))
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return pw_fail(err, PW_EXIT_AUTH, "%s: the credentials expired at %s", what, when);
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

int creds_from_json(const cJSON *o, const char *token_key, const char *what, const char *source,
                    struct aws_credentials *out, struct pw_error *err)
{
    const char *akid = json_str(o, "AccessKeyId"), *secret = json_str(o, "SecretAccessKey");
    const char *token = json_str(o, token_key), *exp = json_str(o, "Expiration");
    time_t expiration = 0;
    if (!akid)
        return pw_fail(err, PW_EXIT_AUTH, "%s: the answer has no AccessKeyId", what);
    if (!secret)
        return pw_fail(err, PW_EXIT_AUTH, "%s: the answer has no SecretAccessKey", what);
    if (cJSON_GetObjectItemCaseSensitive(o, "Expiration") && (!exp || aws_credentials_parse_time(exp, &expiration) < 0))
        return pw_fail(err, PW_EXIT_AUTH, "%s: Expiration '%s' is not an ISO-8601 time", what, exp ? exp : "");
    return creds_set(out, akid, secret, token, expiration, source, err);
}

static void json_wipe(cJSON *o)
{
    if (o->valuestring)
        OPENSSL_cleanse(o->valuestring, strlen(o->valuestring));
    for (cJSON *c = o->child; c; c = c->next)
        json_wipe(c);
}

void creds_json_free(cJSON *o)
{
    if (!o)
        return;
    json_wipe(o);
    cJSON_Delete(o);
}

static void xml_wipe(struct xml_node *n)
{
    for (; n; n = n->next) {
        if (n->text)
            OPENSSL_cleanse(n->text, strlen(n->text));
        xml_wipe(n->children);
    }
}

/* ---- the chain ------------------------------------------------------------------------ */

struct chain {
    const struct aws_config *cfg;
    struct http_client *http;
    const char *visited[MAX_ROLE_CHAIN];   /* profiles of the current source_profile chain */
    int nvisited;
};

static const char *pget(const struct chain *ch, const char *profile, const char *key)
{
    const char *v = aws_config_profile_get(ch->cfg, profile, key);
    return v && v[0] ? v : NULL;
}

static int from_env(const struct aws_config *cfg, struct aws_credentials *out, struct pw_error *err)
{
    const char *akid = aws_config_getenv(cfg, "AWS_ACCESS_KEY_ID");
    const char *secret = aws_config_getenv(cfg, "AWS_SECRET_ACCESS_KEY");
    const char *token = aws_config_getenv(cfg, "AWS_SESSION_TOKEN");
    const char *exp = aws_config_getenv(cfg, "AWS_CREDENTIAL_EXPIRATION");
    time_t expiration = 0;
    if (!akid)
        return 0;
    if (!secret)
        return pw_fail(err, PW_EXIT_AUTH, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    if (!token)
        token = aws_config_getenv(cfg, "AWS_SECURITY_TOKEN");
    if (exp && aws_credentials_parse_time(exp, &expiration) < 0)
        return pw_fail(err, PW_EXIT_AUTH, "AWS_CREDENTIAL_EXPIRATION '%s' is not an ISO-8601 time", exp);
    if (creds_set(out, akid, secret, token, expiration, "environment", err) < 0)
        return -1;
    if (creds_check_expiry(out, "the credentials in the environment", err) < 0) {
        aws_credentials_release(out);
        return -1;
    }
    return 0;
}

static int from_static(const struct chain *ch, enum aws_config_file file, const char *profile,
                       struct aws_credentials *out, struct pw_error *err)
{
    const struct aws_config *cfg = ch->cfg;
    const char *akid = aws_config_profile_get_from(cfg, file, profile, "aws_access_key_id");
    const char *secret = aws_config_profile_get_from(cfg, file, profile, "aws_secret_access_key");
    const char *token = aws_config_profile_get_from(cfg, file, profile, "aws_session_token");
    const char *path = file == AWS_FILE_CREDENTIALS ? cfg->credentials_path : cfg->config_path;
    char source[96];
    if (!akid || !akid[0])
        return 0;
    if (!secret || !secret[0])
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s' in '%s' has aws_access_key_id but no aws_secret_access_key",
                       profile, path);
    if (!token || !token[0])
        token = aws_config_profile_get_from(cfg, file, profile, "aws_security_token");
    snprintf(source, sizeof source, "profile %s (%s file)", profile,
             file == AWS_FILE_CREDENTIALS ? "credentials" : "config");
    return creds_set(out, akid, secret, token, 0, source, err);
}

/* Profiles the AWS CLI can use but pipewright cannot: refused by name rather than passed over,
 * so the chain never falls through to another, unintended identity (a node's instance role). */
static int refuse_unsupported(const struct chain *ch, const char *profile, int env_allowed, struct pw_error *err)
{
    static const char *const sso_keys[] = {"sso_session", "sso_start_url", "sso_account_id", "sso_role_name"};
    if (pget(ch, profile, "web_identity_token_file") ||
        (env_allowed && aws_config_getenv(ch->cfg, "AWS_WEB_IDENTITY_TOKEN_FILE") &&
         aws_config_getenv(ch->cfg, "AWS_ROLE_ARN")))
        return pw_fail(err, PW_EXIT_AUTH,
                       "profile '%s' uses web identity federation (web_identity_token_file or "
                       "AWS_WEB_IDENTITY_TOKEN_FILE), which pipewright does not support; export credentials "
                       "with: eval \"$(aws configure export-credentials --profile %s --format env)\"",
                       profile, profile);
    for (size_t i = 0; i < sizeof sso_keys / sizeof sso_keys[0]; i++)
        if (pget(ch, profile, sso_keys[i]))
            return pw_fail(err, PW_EXIT_AUTH,
                           "profile '%s' uses IAM Identity Center (%s), which pipewright does not support; "
                           "export credentials with: eval \"$(aws configure export-credentials --profile %s "
                           "--format env)\"",
                           profile, sso_keys[i], profile);
    return 0;
}

/* botocore's ProfileProviderBuilder order, after the assume-role provider. */
static int profile_providers(const struct chain *ch, const char *profile, int env_allowed,
                             struct aws_credentials *out, struct pw_error *err)
{
    if (refuse_unsupported(ch, profile, env_allowed, err) < 0 ||
        from_static(ch, AWS_FILE_CREDENTIALS, profile, out, err) < 0)
        return -1;
    if (out->access_key_id)
        return 0;
    const char *process = pget(ch, profile, "credential_process");
    if (process)
        return creds_process(ch->cfg, profile, process, out, err);
    return from_static(ch, AWS_FILE_CONFIG, profile, out, err);
}

static int has_static(const struct chain *ch, const char *profile)
{
    return aws_config_profile_get(ch->cfg, profile, "aws_access_key_id") ||
           aws_config_profile_get(ch->cfg, profile, "aws_secret_access_key");
}

static int assume_role(struct chain *ch, const char *profile, struct aws_credentials *out, struct pw_error *err);

static int from_credential_source(struct chain *ch, const char *profile, const char *name,
                                  struct aws_credentials *out, struct pw_error *err)
{
    int rc;
    if (strcasecmp(name, "Environment") == 0)
        rc = from_env(ch->cfg, out, err);
    else if (strcasecmp(name, "EcsContainer") == 0)
        rc = creds_container(ch->cfg, ch->http, out, err);
    else if (strcasecmp(name, "Ec2InstanceMetadata") == 0)
        rc = creds_imds(ch->cfg, ch->http, out, err);
    else
        return pw_fail(err, PW_EXIT_AUTH,
                       "profile '%s': credential_source '%s' is not one of Environment, EcsContainer, "
                       "Ec2InstanceMetadata", profile, name);
    if (rc < 0)
        return -1;
    if (!out->access_key_id)
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s': credential_source %s found no credentials", profile, name);
    return 0;
}

/* botocore's _validate_source_profile: a profile may name itself as its source only to use
 * its own static keys; any other return to a profile already in the chain is a loop. */
static int enter_source_profile(struct chain *ch, const char *parent, const char *source, struct pw_error *err)
{
    const struct aws_config *cfg = ch->cfg;
    if (!aws_config_profile_exists(cfg, source))
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s': source_profile '%s' is not defined in '%s' or '%s'",
                       parent, source, cfg->config_path, cfg->credentials_path);
    for (int i = 0; i < ch->nvisited; i++) {
        if (strcmp(ch->visited[i], source) != 0)
            continue;
        if (strcmp(source, parent) == 0 && has_static(ch, source))
            break;
        char path[512] = "";
        size_t off = 0;
        for (int j = 0; j < ch->nvisited && off < sizeof path; j++)
            off += (size_t)snprintf(path + off, sizeof path - off, "%s -> ", ch->visited[j]);
        if (off < sizeof path)
            snprintf(path + off, sizeof path - off, "%s", source);
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s': source_profile '%s' makes a loop (%s)", parent, source, path);
    }
    if (ch->nvisited == MAX_ROLE_CHAIN)
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s': source_profile chain longer than %d profiles", parent,
                       MAX_ROLE_CHAIN);
    ch->visited[ch->nvisited++] = source;
    return 0;
}

static int source_profile_credentials(struct chain *ch, const char *source, struct aws_credentials *out,
                                      struct pw_error *err)
{
    if (has_static(ch, source) || !pget(ch, source, "role_arn")) {
        if (profile_providers(ch, source, 0, out, err) < 0)
            return -1;
        if (!out->access_key_id)
            return pw_fail(err, PW_EXIT_AUTH, "source profile '%s' has no credentials", source);
        return 0;
    }
    return assume_role(ch, source, out, err);
}

static int call_assume_role(struct chain *ch, const char *profile, const char *role_arn,
                            const struct aws_credentials *src, struct aws_credentials *out, struct pw_error *err)
{
    struct aws_client client;
    struct kvlist params;
    struct xml_node *root = NULL;
    char session[64], source[96];
    int rc = -1, have_client = 0;
    const char *name = pget(ch, profile, "role_session_name");
    const char *external_id = pget(ch, profile, "external_id");
    const char *duration = pget(ch, profile, "duration_seconds");
    kvlist_init(&params);
    if (duration) {
        char *end;
        long d = strtol(duration, &end, 10);
        if (end == duration || *end || d < 900 || d > 43200) {
            pw_fail(err, PW_EXIT_AUTH, "profile '%s': duration_seconds '%s' is not a number of seconds from 900 to 43200",
                    profile, duration);
            goto out;
        }
    }
    if (!name) {
        snprintf(session, sizeof session, "pipewright-session-%lld", (long long)time(NULL));
        name = session;
    }
    if (kvlist_add(&params, "RoleArn", role_arn) < 0 || kvlist_add(&params, "RoleSessionName", name) < 0 ||
        (external_id && kvlist_add(&params, "ExternalId", external_id) < 0) ||
        (duration && kvlist_add(&params, "DurationSeconds", duration) < 0)) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    aws_config_trace(ch->cfg, 2, "assuming role %s for profile '%s' with credentials from %s", role_arn, profile,
                     src->source);
    if (aws_client_init(&client, ch->cfg, err) < 0)
        goto out;
    have_client = 1;
    if (aws_client_use_credentials(&client, src, err) < 0)
        goto out;
    if (aws_query_call(&client, "sts", "AssumeRole", &params, &root, err) < 0) {
        pw_error_prefix(err, "assuming role '%s' for profile '%s'", role_arn, profile);
        goto out;
    }
    const char *akid = xml_text(root, "AssumeRoleResult/Credentials/AccessKeyId");
    const char *secret = xml_text(root, "AssumeRoleResult/Credentials/SecretAccessKey");
    const char *token = xml_text(root, "AssumeRoleResult/Credentials/SessionToken");
    const char *exp = xml_text(root, "AssumeRoleResult/Credentials/Expiration");
    time_t expiration = 0;
    if (!akid || !akid[0] || !secret || !secret[0] || !token || !token[0]) {
        pw_fail(err, PW_EXIT_AUTH, "assuming role '%s' for profile '%s': the answer has no credentials", role_arn,
                profile);
        goto out;
    }
    if (exp && aws_credentials_parse_time(exp, &expiration) < 0) {
        pw_fail(err, PW_EXIT_AUTH, "assuming role '%s' for profile '%s': Expiration '%s' is not an ISO-8601 time",
                role_arn, profile, exp);
        goto out;
    }
    snprintf(source, sizeof source, "assume role %s (profile %s)", role_arn, profile);
    rc = creds_set(out, akid, secret, token, expiration, source, err);
out:
    xml_wipe(root);
    xml_free(root);
    if (have_client)
        aws_client_release(&client);
    kvlist_release(&params);
    return rc;
}

static int assume_role(struct chain *ch, const char *profile, struct aws_credentials *out, struct pw_error *err)
{
    const char *role_arn = pget(ch, profile, "role_arn");
    const char *source = pget(ch, profile, "source_profile");
    const char *credential_source = pget(ch, profile, "credential_source");
    struct aws_credentials src;
    int rc = -1;
    aws_credentials_init(&src);
    if (pget(ch, profile, "mfa_serial"))
        return pw_fail(err, PW_EXIT_AUTH,
                       "profile '%s' sets mfa_serial: assuming a role with multi-factor authentication is not "
                       "supported; export credentials with: eval \"$(aws configure export-credentials --profile %s "
                       "--format env)\"",
                       profile, profile);
    if (source && credential_source)
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s' sets both source_profile and credential_source; keep one",
                       profile);
    if (!source && !credential_source)
        return pw_fail(err, PW_EXIT_AUTH, "profile '%s' sets role_arn but neither source_profile nor credential_source",
                       profile);
    if (credential_source) {
        if (from_credential_source(ch, profile, credential_source, &src, err) < 0)
            goto out;
    } else if (enter_source_profile(ch, profile, source, err) < 0 ||
               source_profile_credentials(ch, source, &src, err) < 0) {
        goto out;
    }
    rc = call_assume_role(ch, profile, role_arn, &src, out, err);
out:
    aws_credentials_release(&src);
    return rc;
}

int aws_credentials_resolve(const struct aws_config *cfg, struct http_client *http,
                            struct aws_credentials *out, struct pw_error *err)
{
    struct chain ch = {.cfg = cfg, .http = http};
    /* the AWS CLI ignores environment keys when --profile names a profile explicitly */
    int env_allowed = strcmp(cfg->profile_source, "--profile") != 0;
    const char *profile = cfg->profile;
    aws_credentials_init(out);
    if (env_allowed && from_env(cfg, out, err) < 0)
        return -1;
    if (!out->access_key_id) {
        ch.visited[ch.nvisited++] = profile;
        const char *role = pget(&ch, profile, "role_arn");
        int rc = role && !pget(&ch, profile, "web_identity_token_file") ? assume_role(&ch, profile, out, err)
                                                                         : profile_providers(&ch, profile, env_allowed, out, err);
        if (rc < 0)
            goto fail;
    }
    if (!out->access_key_id && creds_container(cfg, http, out, err) < 0)
        goto fail;
    if (!out->access_key_id && creds_imds(cfg, http, out, err) < 0)
        goto fail;
    if (!out->access_key_id)
        return pw_fail(err, PW_EXIT_AUTH, "no credentials found (tried %sprofile %s, container, instance metadata)",
                       env_allowed ? "environment, " : "", profile);
    aws_config_trace(cfg, 1, "credentials from %s", out->source);
    return 0;
fail:
    aws_credentials_release(out);
    return -1;
}
