/* config.c — the AWS configuration, resolved once, in the AWS CLI v2's order (its botocore
 * session variables: profile from AWS_PROFILE then AWS_DEFAULT_PROFILE, region from
 * AWS_REGION then AWS_DEFAULT_REGION, retry_mode "standard" and max_attempts 3 by default). */
#include "provision/aws/config.h"

#include <ctype.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "provision/aws/buf.h"
#include "provision/aws/ini.h"

#define PROFILE_NAME_MAX 256

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

void aws_config_trace(const struct aws_config *cfg, int level, const char *fmt, ...)
{
    if (!cfg || !cfg->trace || cfg->verbosity < level)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("pipewright: ", cfg->trace);
    vfprintf(cfg->trace, fmt, ap);
    fputc('\n', cfg->trace);
    va_end(ap);
}

const char *aws_config_getenv(const struct aws_config *cfg, const char *name)
{
    const char *v = kvlist_get(&cfg->env, name);
    return v && v[0] ? v : NULL;
}

/* The config file's section for a profile: [default] or [profile NAME]. When both forms name
 * the same profile, botocore keeps the one that comes last in the file, whole. */
static const struct ini_section *config_profile_section(const struct aws_ini *ini, const char *profile)
{
    const struct ini_section *found = NULL;
    char name[PROFILE_NAME_MAX];
    for (size_t i = 0; ini && i < ini->len; i++) {
        const char *sn = ini->sections[i].name;
        if (strncmp(sn, "profile", 7) == 0) {
            if (ini_section_qualified(sn, "profile", name, sizeof name) == 0 && strcmp(name, profile) == 0)
                found = &ini->sections[i];
        } else if (strcmp(sn, "default") == 0 && strcmp(profile, "default") == 0) {
            found = &ini->sections[i];
        }
    }
    return found;
}

static const struct ini_section *config_services_section(const struct aws_ini *ini, const char *services)
{
    const struct ini_section *found = NULL;
    char name[PROFILE_NAME_MAX];
    for (size_t i = 0; ini && i < ini->len; i++)
        if (ini_section_qualified(ini->sections[i].name, "services", name, sizeof name) == 0 &&
            strcmp(name, services) == 0)
            found = &ini->sections[i];
    return found;
}

int aws_config_profile_exists(const struct aws_config *cfg, const char *profile)
{
    if (!profile)
        profile = cfg->profile;
    return ini_section_find(cfg->credentials_file, profile) != NULL ||
           config_profile_section(cfg->config_file, profile) != NULL;
}

const char *aws_config_profile_get_from(const struct aws_config *cfg, enum aws_config_file file,
                                        const char *profile, const char *key)
{
    if (!profile)
        profile = cfg->profile;
    if (file == AWS_FILE_CREDENTIALS)
        return ini_get(cfg->credentials_file, ini_section_find(cfg->credentials_file, profile), key);
    return ini_get(cfg->config_file, config_profile_section(cfg->config_file, profile), key);
}

const char *aws_config_profile_get(const struct aws_config *cfg, const char *profile, const char *key)
{
    if (!profile)
        profile = cfg->profile;
    const struct ini_section *s = ini_section_find(cfg->credentials_file, profile);
    const struct ini_entry *e = ini_entry_find(cfg->credentials_file, s, key);
    if (e)
        return e->value;
    return aws_config_profile_get_from(cfg, AWS_FILE_CONFIG, profile, key);
}

const char *aws_config_service_get(const struct aws_config *cfg, const char *profile,
                                   const char *service_key, const char *key)
{
    const char *services = aws_config_profile_get(cfg, profile, "services");
    if (!services || !service_key)
        return NULL;
    const struct ini_section *s = config_services_section(cfg->config_file, services);
    return ini_get_nested(cfg->config_file, s, service_key, key);
}

const char *aws_config_setting(const struct aws_config *cfg, const char *env_name, const char *key,
                               char *source, size_t source_size)
{
    const char *v = env_name ? aws_config_getenv(cfg, env_name) : NULL;
    if (v) {
        if (source)
            snprintf(source, source_size, "%s", env_name);
        return v;
    }
    v = key ? aws_config_profile_get(cfg, NULL, key) : NULL;
    if (v && source)
        snprintf(source, source_size, "profile %s", cfg->profile);
    return v;
}

/* os.path.expandvars then expanduser, as botocore treats AWS_CONFIG_FILE and friends:
 * $NAME and ${NAME} from the environment (unknown names stay as written), a leading ~ or ~/
 * from HOME (or the password database when HOME is unset). */
static char *expand_path(const struct aws_config *cfg, const char *path)
{
    struct buf b;
    buf_init(&b, 0);
    for (const char *p = path; *p;) {
        const char *name = NULL, *end = NULL;
        if (p[0] == '$' && p[1] == '{' && strchr(p + 2, '}')) {
            name = p + 2;
            end = strchr(p + 2, '}');
        } else if (p[0] == '$' && (isalnum((unsigned char)p[1]) || p[1] == '_')) {
            name = end = p + 1;
            while (isalnum((unsigned char)*end) || *end == '_')
                end++;
        }
        if (name) {
            char var[256];
            size_t n = (size_t)(end - name);
            const char *val = NULL;
            if (n < sizeof var) {
                memcpy(var, name, n);
                var[n] = '\0';
                val = kvlist_get(&cfg->env, var);
            }
            const char *after = *end == '}' ? end + 1 : end;
            if (val ? buf_appends(&b, val) : buf_append(&b, p, (size_t)(after - p)))
                goto oom;
            p = after;
            continue;
        }
        if (buf_appendc(&b, *p++) < 0)
            goto oom;
    }
    const char *s = buf_cstr(&b);
    if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
        const char *home = kvlist_get(&cfg->env, "HOME");
        char pwbuf[4096];
        struct passwd pw, *res = NULL;
        if (!home && getpwuid_r(getuid(), &pw, pwbuf, sizeof pwbuf, &res) == 0 && res)
            home = res->pw_dir;
        if (home) {
            struct buf o;
            buf_init(&o, 0);
            size_t hn = strlen(home);
            while (hn > 1 && home[hn - 1] == '/')
                hn--;
            if (buf_append(&o, home, hn) < 0 || buf_appends(&o, s + 1) < 0) {
                buf_release(&o);
                goto oom;
            }
            buf_release(&b);
            return buf_detach(&o);
        }
    }
    return b.data ? buf_detach(&b) : xstrdup("");
oom:
    buf_release(&b);
    return NULL;
}

/* botocore's validate_region_name: the region becomes a DNS label, so nothing else gets in. */
static int region_valid(const char *r)
{
    size_t n = strlen(r);
    if (n == 0 || n > 63 || !isalnum((unsigned char)r[0]) || !isalnum((unsigned char)r[n - 1]))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)r[i]) && r[i] != '-')
            return 0;
    return 1;
}

static int load_file(struct aws_config *cfg, const char *env, const char *dflt, char **path,
                     struct aws_ini **ini, struct pw_error *err)
{
    const char *p = aws_config_getenv(cfg, env);
    *path = expand_path(cfg, p ? p : dflt);
    if (!*path)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (ini_load(*path, ini, err) < 0)
        return -1;
    aws_config_trace(cfg, 2, "%s file '%s' (%s)%s", strstr(env, "CREDENTIALS") ? "credentials" : "config", *path,
                     p ? env : "default", *ini ? "" : ": absent");
    return 0;
}

static int pick_profile(struct aws_config *cfg, const struct aws_config_options *o, struct pw_error *err)
{
    const char *name = "default", *src = "default";
    if (o->profile && o->profile[0]) {
        name = o->profile;
        src = "--profile";
    } else if (aws_config_getenv(cfg, "AWS_PROFILE")) {
        name = aws_config_getenv(cfg, "AWS_PROFILE");
        src = "AWS_PROFILE";
    } else if (aws_config_getenv(cfg, "AWS_DEFAULT_PROFILE")) {
        name = aws_config_getenv(cfg, "AWS_DEFAULT_PROFILE");
        src = "AWS_DEFAULT_PROFILE";
    }
    cfg->profile = xstrdup(name);
    if (!cfg->profile)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    snprintf(cfg->profile_source, sizeof cfg->profile_source, "%s", src);
    return 0;
}

static int pick_region(struct aws_config *cfg, const struct aws_config_options *o, struct pw_error *err)
{
    const char *r = NULL;
    char src[64] = "";
    if (o->region && o->region[0]) {
        r = o->region;
        snprintf(src, sizeof src, "--region");
    } else if ((r = aws_config_getenv(cfg, "AWS_REGION"))) {
        snprintf(src, sizeof src, "AWS_REGION");
    } else {
        r = aws_config_setting(cfg, "AWS_DEFAULT_REGION", "region", src, sizeof src);
    }
    if (!r || !r[0])
        return 0;
    if (!region_valid(r))
        return pw_fail(err, PW_EXIT_FAILED,
                       "region '%s' from %s is not a region name (letters, digits and '-', like 'eu-west-1')",
                       r, src);
    cfg->region = xstrdup(r);
    if (!cfg->region)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    snprintf(cfg->region_source, sizeof cfg->region_source, "%s", src);
    return 0;
}

static int pick_retry(struct aws_config *cfg, struct pw_error *err)
{
    char src[64];
    const char *v = aws_config_setting(cfg, "AWS_MAX_ATTEMPTS", "max_attempts", src, sizeof src);
    cfg->max_attempts = 3;
    if (v) {
        const char *p = v;
        long n = 0;
        while (isspace((unsigned char)*p))
            p++;
        const char *digits = p;
        while (isdigit((unsigned char)*p) && n <= 1000000)
            n = n * 10 + (*p++ - '0');
        while (isspace((unsigned char)*p))
            p++;
        if (p == digits || *p || n < 1 || n > 1000000)
            return pw_fail(err, PW_EXIT_FAILED, "max_attempts '%s' from %s is not a whole number of at least 1",
                           v, src);
        cfg->max_attempts = (int)n;
    }
    snprintf(cfg->retry_mode, sizeof cfg->retry_mode, "standard");
    v = aws_config_setting(cfg, "AWS_RETRY_MODE", "retry_mode", src, sizeof src);
    if (v) {
        if (strcmp(v, "standard") != 0 && strcmp(v, "legacy") != 0 && strcmp(v, "adaptive") != 0)
            return pw_fail(err, PW_EXIT_FAILED,
                           "retry_mode '%s' from %s is not one of standard, adaptive, legacy", v, src);
        snprintf(cfg->retry_mode, sizeof cfg->retry_mode, "%s", v);
    }
    return 0;
}

int aws_config_load(struct aws_config *cfg, const struct aws_config_options *o, char *const *envp,
                    struct pw_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    kvlist_init(&cfg->env);
    cfg->verbosity = o->verbosity;
    cfg->trace = o->trace;
    cfg->connect_timeout_ms = o->connect_timeout_ms;
    cfg->read_timeout_ms = o->read_timeout_ms;
    for (char *const *e = envp; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        if (kvlist_addn(&cfg->env, *e, (size_t)(eq - *e), eq + 1, strlen(eq + 1)) < 0) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto fail;
        }
    }
    if (pick_profile(cfg, o, err) < 0 ||
        load_file(cfg, "AWS_CONFIG_FILE", "~/.aws/config", &cfg->config_path, &cfg->config_file, err) < 0 ||
        load_file(cfg, "AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", &cfg->credentials_path,
                  &cfg->credentials_file, err) < 0)
        goto fail;
    /* botocore only insists on a profile it was told to use; "default" may be absent */
    if (strcmp(cfg->profile_source, "default") != 0 && !aws_config_profile_exists(cfg, NULL)) {
        pw_fail(err, PW_EXIT_FAILED, "profile '%s' (from %s) is not defined in '%s' or '%s'", cfg->profile,
                cfg->profile_source, cfg->config_path, cfg->credentials_path);
        goto fail;
    }
    if (pick_region(cfg, o, err) < 0 || pick_retry(cfg, err) < 0)
        goto fail;
    if (o->endpoint_url && o->endpoint_url[0]) {
        struct aws_endpoint ep;
        cfg->endpoint_url = xstrdup(o->endpoint_url);
        if (!cfg->endpoint_url) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto fail;
        }
        if (aws_endpoint_parse(o->endpoint_url, "--endpoint-url", &ep, err) < 0)
            goto fail;
    }
    aws_config_trace(cfg, 2, "profile '%s' (%s), region %s (%s), max_attempts %d, retry_mode %s", cfg->profile,
                     cfg->profile_source, cfg->region ? cfg->region : "none",
                     cfg->region ? cfg->region_source : "not configured", cfg->max_attempts, cfg->retry_mode);
    return 0;
fail:
    aws_config_release(cfg);
    return -1;
}

void aws_config_release(struct aws_config *cfg)
{
    if (!cfg)
        return;
    kvlist_release(&cfg->env);
    free(cfg->profile);
    free(cfg->region);
    free(cfg->endpoint_url);
    free(cfg->config_path);
    free(cfg->credentials_path);
    ini_free(cfg->config_file);
    ini_free(cfg->credentials_file);
    memset(cfg, 0, sizeof *cfg);
}
