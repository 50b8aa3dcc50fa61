/* retry.h — the AWS SDK "standard" retry mode:
 *   - at most max_attempts attempts (AWS_MAX_ATTEMPTS, default 3);
 *   - delay before retry i (1-based) = random [0,1) * 2^(i-1) s, capped at 20 s ("full jitter");
 *     a Retry-After (s) or x-amz-retry-after (ms) answer replaces it, within the same cap;
 *   - a retry quota of 500 tokens: a retry costs 5 (10 after a timeout); a success gives back
 *     what its last retry cost, or 1 when it needed no retry;
 *     when the quota is empty, failures are no longer retried, so an outage is not made worse;
 *   - retried: throttling codes, transient codes, HTTP 500/502/503/504, transport errors.
 *     Never retried: any other 4xx, which cannot succeed by repeating it. */
#ifndef PW_RETRY_H
#define PW_RETRY_H

#include "provision/aws/error.h"

struct retry_quota {
    int tokens;
};

enum retry_class {
    RETRY_NO = 0,
    RETRY_THROTTLE,
    RETRY_TRANSIENT,
    RETRY_TIMEOUT,   /* transport timeout or reset: costs more quota */
};

void retry_quota_init(struct retry_quota *q);

/* Classifies a finished attempt from its error (code, status, transport flag). */
enum retry_class retry_classify(const struct pw_error *err);

/* Takes the quota for a retry of this class; returns the cost taken (> 0), or -1 when the
 * quota is spent and the failure must not be retried. */
int retry_quota_acquire(struct retry_quota *q, enum retry_class cls);
/* A request succeeded; last_cost is what its last retry took (0 when it was not retried). */
void retry_quota_release_success(struct retry_quota *q, int last_cost);

/* Delay in ms before attempt `attempt` (2 for the first retry), from a random value in [0,1)
 * and the server's hint (retry_after_ms < 0: none). */
long retry_delay_ms(int attempt, double random01, long retry_after_ms);

#endif
