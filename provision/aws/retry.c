/* retry.c — the SDK "standard" retry mode (see retry.h for the rules). */
#include "provision/aws/retry.h"

#include <string.h>

#define QUOTA_INITIAL 500
#define QUOTA_RETRY_COST 5
#define QUOTA_TIMEOUT_COST 10
#define BACKOFF_MAX_MS 20000L

void retry_quota_init(struct retry_quota *q)
{
    q->tokens = QUOTA_INITIAL;
}

static int in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return 1;
    return 0;
}

enum retry_class retry_classify(const struct pw_error *err)
{
    /* The SDKs' lists, plus the names moto and S3 use for the same conditions. */
    static const char *const throttling[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    static const char *const transient[] = {
        "RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServiceError", "ServiceUnavailable",
        "ServiceUnavailableException", "IDPCommunicationError",
    };
    if (err->http_status == 0)
        return err->retryable ? RETRY_TIMEOUT : RETRY_NO;
    if (err->code[0] && in_list(err->code, throttling, sizeof throttling / sizeof throttling[0]))
        return RETRY_THROTTLE;
    if (err->code[0] && in_list(err->code, transient, sizeof transient / sizeof transient[0]))
        return RETRY_TRANSIENT;
    if (err->http_status == 429)
        return RETRY_THROTTLE;
    if (err->http_status == 500 || err->http_status == 502 || err->http_status == 503 ||
        err->http_status == 504)
        return RETRY_TRANSIENT;
    return RETRY_NO;
}

int retry_quota_acquire(struct retry_quota *q, enum retry_class cls)
{
    int cost = cls == RETRY_TIMEOUT ? QUOTA_TIMEOUT_COST : QUOTA_RETRY_COST;
    if (q->tokens < cost)
        return -1;
    q->tokens -= cost;
    return cost;
}

void retry_quota_release_success(struct retry_quota *q, int last_cost)
{
    q->tokens += last_cost > 0 ? last_cost : 1;
    if (q->tokens > QUOTA_INITIAL)
        q->tokens = QUOTA_INITIAL;
}

long retry_delay_ms(int attempt, double random01, long retry_after_ms)
{
    if (retry_after_ms >= 0)
        return retry_after_ms < BACKOFF_MAX_MS ? retry_after_ms : BACKOFF_MAX_MS;
    long ceiling = BACKOFF_MAX_MS;
    if (attempt - 2 < 15)
        ceiling = 1000L << (attempt - 2);
    if (ceiling > BACKOFF_MAX_MS)
        ceiling = BACKOFF_MAX_MS;
    return (long)(random01 * (double)ceiling);
}
