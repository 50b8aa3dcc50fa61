/* credentials.h — the credential chain, in the AWS CLI's order:
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. the active profile (--profile / AWS_PROFILE / default):
 *        role_arn + source_profile (or credential_source) -> STS AssumeRole,
 *        static keys in the credentials file, then the config file,
 *        credential_process
 *   3. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *      (+ AWS_CONTAINER_AUTHORIZATION_TOKEN / _TOKEN_FILE)
 *   4. EC2 instance metadata, IMDSv2 (token PUT, then role and credentials GET);
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address, AWS_EC2_METADATA_DISABLED=true skips it
 * Secrets are wiped from memory when released. */
#ifndef PW_CREDENTIALS_H
#define PW_CREDENTIALS_H

#include <time.h>

#include "provision/aws/config.h"
#include "provision/aws/error.h"

struct http_client;

struct aws_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;       /* NULL when none */
    time_t expiration;         /* 0: does not expire */
    char source[96];           /* where they came from, for doctor: "environment", "profile dev (credentials file)",
                                  "credential_process (profile dev)", "assume role arn:... (profile dev)",
                                  "container", "instance metadata (IMDSv2)" */
};

void aws_credentials_init(struct aws_credentials *c);
void aws_credentials_release(struct aws_credentials *c);   /* wipes, then frees; accepts NULL */
int aws_credentials_copy(struct aws_credentials *dst, const struct aws_credentials *src, struct pw_error *err);

/* Walks the chain; the first source that is configured wins (a configured source that fails is
 * an error, as in the AWS CLI, not a fall-through). Nothing configured: PW_EXIT_AUTH,
 * "no credentials found (tried ...)". */
int aws_credentials_resolve(const struct aws_config *cfg, struct http_client *http,
                            struct aws_credentials *out, struct pw_error *err);

#endif
