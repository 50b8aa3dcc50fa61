/* credsrc.h — the credential sources behind aws_credentials_resolve, one per file, for
 * credentials.c only. Every source returns -1 with err filled when it is configured but
 * fails, and 0 otherwise; out->access_key_id stays NULL when the source has nothing to give
 * (not configured, or, for instance metadata, not reachable), so the chain moves on. */
#ifndef PW_CREDSRC_H
#define PW_CREDSRC_H

#include <cjson/cJSON.h>

#include "provision/aws/credentials.h"
#include "provision/aws/http.h"

/* Copies the strings into out (token may be NULL or empty) and sets the source label. */
int creds_set(struct aws_credentials *out, const char *akid, const char *secret, const char *token,
              time_t expiration, const char *source, struct pw_error *err);

/* Fails (PW_EXIT_AUTH) when c expires at or before now: what already expired is no credential. */
int creds_check_expiry(const struct aws_credentials *c, const char *what, struct pw_error *err);

/* The AccessKeyId / SecretAccessKey / <token_key> / Expiration object that credential_process,
 * the container agent and IMDS all answer with. Missing keys fail, naming the key. */
int creds_from_json(const cJSON *o, const char *token_key, const char *what, const char *source,
                    struct aws_credentials *out, struct pw_error *err);

/* Overwrites every string in the tree, then frees it. Accepts NULL. */
void creds_json_free(cJSON *o);

/* credential_process of a profile: /bin/sh -c COMMAND with the configuration's environment. */
int creds_process(const struct aws_config *cfg, const char *profile, const char *command,
                  struct aws_credentials *out, struct pw_error *err);

int creds_container(const struct aws_config *cfg, struct http_client *http, struct aws_credentials *out,
                    struct pw_error *err);
int creds_imds(const struct aws_config *cfg, struct http_client *http, struct aws_credentials *out,
               struct pw_error *err);

#endif
