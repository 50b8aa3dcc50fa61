/* config.h — the AWS configuration, read once: the environment snapshot, the shared
 * `config` and `credentials` files, the active profile, region, endpoints and retry
 * settings, each resolved in the same order as the AWS CLI. Nothing else in pipewright
 * reads the environment; everything below cmd/ is handed this struct. */
#ifndef PW_CONFIG_H
#define PW_CONFIG_H

#include <stdio.h>

#include "provision/aws/error.h"
#include "provision/aws/kv.h"
#include "provision/aws/service.h"

struct aws_config_options {    /* what the command line says */
    const char *region;        /* --region */
    const char *profile;       /* --profile */
    const char *endpoint_url;  /* --endpoint-url */
    int verbosity;             /* number of -v */
    FILE *trace;               /* where -v output goes; NULL: nowhere */
    long connect_timeout_ms;   /* --cli-connect-timeout; 0: the default (10 s) */
    long read_timeout_ms;      /* --cli-read-timeout: give up when no byte came for this long;
                                  0: the default (60 s) */
};

struct aws_ini;                /* a parsed INI file: sections of key = value, with nested sub-sections */

struct aws_config {
    struct kvlist env;             /* copy of the environment taken at load */
    char *profile;                 /* the active profile's name */
    char profile_source[32];       /* "--profile", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "default" */
    char *region;                  /* NULL when none is configured */
    char region_source[64];        /* "--region", "AWS_REGION", "AWS_DEFAULT_REGION", "profile dev" */
    char *endpoint_url;            /* --endpoint-url, beats everything */
    int max_attempts;              /* AWS_MAX_ATTEMPTS, profile max_attempts; default 3 */
    char retry_mode[16];           /* AWS_RETRY_MODE, profile retry_mode; default "standard" */
    struct aws_ini *config_file;   /* AWS_CONFIG_FILE or ~/.aws/config; NULL when absent */
    struct aws_ini *credentials_file; /* AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials */
    char *config_path;             /* the paths looked at, expanded; for messages and doctor */
    char *credentials_path;
    int verbosity;
    FILE *trace;
    long connect_timeout_ms;
    long read_timeout_ms;
};

/* envp is the process environment (main's environ); tests pass their own. A missing file is
 * not an error; a file that cannot be parsed is (PW_EXIT_FAILED, with file:line), and so is a
 * profile named by --profile or the environment that neither file defines (as the AWS CLI's
 * "the config profile (NAME) could not be found"), an invalid region name, max_attempts or
 * retry_mode, and a malformed --endpoint-url. On failure cfg is left released. */
int aws_config_load(struct aws_config *cfg, const struct aws_config_options *o,
                    char *const *envp, struct pw_error *err);
void aws_config_release(struct aws_config *cfg);

/* The environment as it was at load; NULL when unset. An empty value counts as unset. */
const char *aws_config_getenv(const struct aws_config *cfg, const char *name);

/* A setting of a profile: `[NAME]` in the credentials file, then `[profile NAME]` (or
 * `[default]`) in the config file -- botocore merges the credentials file over the config
 * file, so a key set in both comes from the credentials file. NULL when absent. profile NULL
 * means the active profile. */
const char *aws_config_profile_get(const struct aws_config *cfg, const char *profile, const char *key);

/* A setting of a profile in one file only: the credentials file's [NAME], or the config
 * file's [profile NAME] / [default]. The credential chain needs the difference: static keys
 * in the credentials file come before credential_process, those in the config file after. */
enum aws_config_file { AWS_FILE_CONFIG, AWS_FILE_CREDENTIALS };
const char *aws_config_profile_get_from(const struct aws_config *cfg, enum aws_config_file file,
                                        const char *profile, const char *key);

/* A setting of a profile's `services` section for one service (`s3 =\n  endpoint_url = ...`):
 * the profile's `services = NAME` names a `[services NAME]` section of the config file. */
const char *aws_config_service_get(const struct aws_config *cfg, const char *profile,
                                   const char *service_key, const char *key);

/* 1 when the profile is defined in either file. */
int aws_config_profile_exists(const struct aws_config *cfg, const char *profile);

/* A setting that the AWS CLI reads from an environment variable, then from the active
 * profile (env_name or key may be NULL). Sets *source to "ENV_NAME" or "profile NAME"
 * when source is not NULL. */
const char *aws_config_setting(const struct aws_config *cfg, const char *env_name, const char *key,
                               char *source, size_t source_size);

/* Writes one line to cfg->trace when cfg->verbosity >= level. Never pass a secret. */
void aws_config_trace(const struct aws_config *cfg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

struct aws_endpoint {
    char url[512];            /* scheme://host[:port][/base] without a trailing slash */
    char scheme[8];           /* "https" or "http" */
    char host[256];           /* host[:port], as sent in the Host header */
    char base_path[256];      /* "" or "/base", prefixed to every request path */
    char signing_region[64];
    int path_style;           /* S3: bucket as the first path segment, not a host label */
    int custom;               /* 1 when configured, 0 for the AWS default */
    char source[64];          /* "--endpoint-url", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL",
                                 "profile dev services", "profile dev", "default" */
};

/* Resolves where a service's requests go, in the AWS CLI's order: --endpoint-url,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's services section, the profile's
 * endpoint_url (all but the first ignored under AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or
 * the profile's ignore_configured_endpoint_urls = true), then the AWS default for the region
 * and partition. Custom endpoints use S3 path-style addressing and are signed for the
 * configured region -- IAM included, as botocore does (its us-east-1 scope belongs to the
 * global endpoint only). Without a region botocore still reaches IAM's and STS's global
 * endpoints (signed us-east-1) and signs a custom S3 endpoint for us-east-1; any other case
 * fails (PW_EXIT_FAILED) saying how to set a region. A malformed URL fails naming its source. */
int aws_config_endpoint(const struct aws_config *cfg, const struct aws_service *svc,
                        struct aws_endpoint *ep, struct pw_error *err);

/* Parses a configured endpoint URL strictly: http or https, a DNS name or an IP literal, an
 * optional port (a default one is dropped), an optional base path; no user info, query or
 * fragment. Fills url, scheme, host and base_path, custom = path_style = 1 and source; leaves
 * signing_region empty. Fails (PW_EXIT_FAILED) with "endpoint URL 'X' from SOURCE: why". */
int aws_endpoint_parse(const char *url, const char *source, struct aws_endpoint *ep,
                       struct pw_error *err);

#endif
