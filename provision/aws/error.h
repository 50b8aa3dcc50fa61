/* error.h — the one error model (after aws-c-common's error handling).
 *
 * A function that can fail returns -1 (or NULL) and fills a caller-owned struct pw_error
 * with a complete message; 0 means success and leaves the struct alone. The exit class
 * travels with the error, so cmd/ maps any failure to the documented exit code without
 * knowing where it came from. AWS failures also carry service, operation, HTTP status,
 * error code and request id, parsed from whatever shape the service answered in. */
#ifndef PW_ERROR_H
#define PW_ERROR_H

#include <stddef.h>

/* The exit codes of the command-line contract (DESIGN §4). */
enum pw_exit {
    PW_EXIT_OK = 0,
    PW_EXIT_FAILED = 1,   /* AWS, network, data */
    PW_EXIT_CHANGES = 2,  /* plan --detailed-exitcode found changes, drift found drift */
    PW_EXIT_SPEC = 3,     /* invalid spec */
    PW_EXIT_AUTH = 4,     /* missing or rejected credentials, not authorized */
    PW_EXIT_USAGE = 64,   /* bad command line */
};

struct pw_error {
    enum pw_exit exit;
    long http_status;       /* 0 when no HTTP response was involved */
    char service[32];       /* "dynamodb", "s3", ... or "" */
    char operation[96];     /* "PutItem", "GET /bucket/key", ... or "" */
    char code[128];         /* AWS error code: "ResourceNotFoundException", "SignatureDoesNotMatch" */
    char message[1024];     /* human text, without the fields above */
    char request_id[128];
    int retryable;          /* set by the layer that knows: throttling, 5xx, transport */
};

void pw_error_clear(struct pw_error *e);

/* Fills e with a plain (non-AWS) error and returns -1, so callers can `return pw_fail(...)`. */
int pw_fail(struct pw_error *e, enum pw_exit exit, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message with context ("loading spec: ..."); keeps every other field. */
void pw_error_prefix(struct pw_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One line, lower-case lead, what failed first:
 *   "dynamodb PutItem: ResourceNotFoundException: Requested resource not found (HTTP 400, request id ABC)" */
void pw_error_format(const struct pw_error *e, char *out, size_t n);

/* The exit class for an AWS error code + status: credentials and authorization problems are 4. */
enum pw_exit pw_exit_for_aws(const char *code, long http_status);

#endif
