#include "provision/aws/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pw_error_clear(struct pw_error *e)
{
    memset(e, 0, sizeof *e);
}

int pw_fail(struct pw_error *e, enum pw_exit exit, const char *fmt, ...)
{
    pw_error_clear(e);
    e->exit = exit;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

void pw_error_prefix(struct pw_error *e, const char *fmt, ...)
{
    char prefix[512], old[sizeof e->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->message, sizeof old);
    snprintf(e->message, sizeof e->message, "%s: %s", prefix, old);
}

void pw_error_format(const struct pw_error *e, char *out, size_t n)
{
    size_t off = 0;
#define PUT(...)                                                          \
    do {                                                                  \
        if (off < n) {                                                    \
            int w_ = snprintf(out + off, n - off, __VA_ARGS__);           \
            if (w_ > 0)                                                   \
                off += (size_t)w_;                                        \
        }                                                                 \
    } while (0)
    if (n == 0)
        return;
    out[0] = '\0';
    if (e->service[0])
        PUT("%s%s%s: ", e->service, e->operation[0] ? " " : "", e->operation);
    if (e->code[0])
        PUT("%s%s", e->code, e->message[0] ? ": " : "");
    PUT("%s", e->message);
    if (e->http_status && e->request_id[0])
        PUT(" (HTTP %ld, request id %s)", e->http_status, e->request_id);
    else if (e->http_status)
        PUT(" (HTTP %ld)", e->http_status);
#undef PUT
}

enum pw_exit pw_exit_for_aws(const char *code, long http_status)
{
    static const char *const auth_codes[] = {
        "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException",
        "InvalidAccessKeyId", "ExpiredToken", "ExpiredTokenException", "AccessDenied",
        "AccessDeniedException", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
        "IncompleteSignature", "IncompleteSignatureException", "InvalidSignatureException",
        "AuthFailure", "InvalidToken", "TokenRefreshRequired", "RequestExpired",
        "NotAuthorized", "UnauthorizedOperation", "AuthorizationError", "Forbidden",
    };
    if (code)
        for (size_t i = 0; i < sizeof auth_codes / sizeof auth_codes[0]; i++)
            if (strcmp(code, auth_codes[i]) == 0)
                return PW_EXIT_AUTH;
    if ((!code || !code[0]) && (http_status == 401 || http_status == 403))
        return PW_EXIT_AUTH;
    return PW_EXIT_FAILED;
}
