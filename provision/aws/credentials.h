/* credentials.h — the credential chain, in the AWS CLI's (botocore's) order:
 *   1. environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN,
 *      AWS_CREDENTIAL_EXPIRATION) -- skipped when --profile names the profile, as the CLI does
 *   2. the active profile (--profile / AWS_PROFILE / AWS_DEFAULT_PROFILE / default):
 *        role_arn + source_profile (or credential_source) -> STS AssumeRole,
 *        static keys in the credentials file,
 *        credential_process,
 *        static keys in the config file
 *      (web identity and SSO profiles are recognised and refused as unsupported)
 *   3. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI
 *      (+ AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, else AWS_CONTAINER_AUTHORIZATION_TOKEN)
 *   4. EC2 instance metadata, IMDSv2 (token PUT, then role and credentials GET; IMDSv1 only
 *      when the token PUT is refused with 403/404/405 and AWS_EC2_METADATA_V1_DISABLED is not
 *      true); AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address,
 *      AWS_EC2_METADATA_DISABLED=true skips it
 * Secrets are wiped from memory when released, and never appear in an error or a trace. */
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

/* ISO-8601 as AWS writes it ("2024-01-01T12:00:00Z", fractions and +hh:mm offsets allowed;
 * no zone means UTC) to a time_t. 0, or -1 when it is not such a time. */
int aws_credentials_parse_time(const char *iso, time_t *out);

/* Walks the chain; the first source that is configured wins (a configured source that fails is
 * an error, as in the AWS CLI, not a fall-through). Nothing configured: PW_EXIT_AUTH,
 * "no credentials found (tried ...)". */
int aws_credentials_resolve(const struct aws_config *cfg, struct http_client *http,
                            struct aws_credentials *out, struct pw_error *err);

#endif
