/* The standard retry mode: what is retried, backoff bounds, server hints, the quota. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "provision/aws/retry.h"

static struct pw_error aws_err(long status, const char *code)
{
    struct pw_error e;
    pw_error_clear(&e);
    e.http_status = status;
    snprintf(e.code, sizeof e.code, "%s", code);
    return e;
}

static void classification(void **state)
{
    (void)state;
    struct pw_error e = aws_err(400, "ProvisionedThroughputExceededException");
    assert_int_equal(retry_classify(&e), RETRY_THROTTLE);
    e = aws_err(503, "SlowDown");
    assert_int_equal(retry_classify(&e), RETRY_THROTTLE);
    e = aws_err(400, "ThrottlingException");
    assert_int_equal(retry_classify(&e), RETRY_THROTTLE);
    e = aws_err(429, "");
    assert_int_equal(retry_classify(&e), RETRY_THROTTLE);
    e = aws_err(500, "");
    assert_int_equal(retry_classify(&e), RETRY_TRANSIENT);
    e = aws_err(503, "ServiceUnavailable");
    assert_int_equal(retry_classify(&e), RETRY_TRANSIENT);
    e = aws_err(504, "");
    assert_int_equal(retry_classify(&e), RETRY_TRANSIENT);
    /* A 4xx that cannot succeed by repeating it. */
    e = aws_err(400, "ValidationException");
    assert_int_equal(retry_classify(&e), RETRY_NO);
    e = aws_err(403, "SignatureDoesNotMatch");
    assert_int_equal(retry_classify(&e), RETRY_NO);
    e = aws_err(404, "NoSuchKey");
    assert_int_equal(retry_classify(&e), RETRY_NO);
    e = aws_err(501, "NotImplemented");
    assert_int_equal(retry_classify(&e), RETRY_NO);
    /* Transport: retryable only when the HTTP layer said so. */
    e = aws_err(0, "");
    e.retryable = 1;
    assert_int_equal(retry_classify(&e), RETRY_TIMEOUT);
    e.retryable = 0;
    assert_int_equal(retry_classify(&e), RETRY_NO);
}

static void backoff_is_full_jitter_capped(void **state)
{
    (void)state;
    assert_int_equal(retry_delay_ms(2, 0.0, -1), 0);
    assert_int_equal(retry_delay_ms(2, 0.5, -1), 500);    /* first retry: up to 1 s */
    assert_int_equal(retry_delay_ms(3, 0.5, -1), 1000);   /* second: up to 2 s */
    assert_int_equal(retry_delay_ms(6, 0.999, -1), 15984);
    assert_int_equal(retry_delay_ms(7, 0.999, -1), 19980); /* 32 s capped at 20 s */
    assert_int_equal(retry_delay_ms(60, 0.999, -1), 19980);
    for (int a = 2; a < 40; a++)
        assert_true(retry_delay_ms(a, 0.999999, -1) < 20000);
}

static void server_hint_wins_within_cap(void **state)
{
    (void)state;
    assert_int_equal(retry_delay_ms(2, 0.9, 10), 10);
    assert_int_equal(retry_delay_ms(5, 0.9, 0), 0);
    assert_int_equal(retry_delay_ms(2, 0.9, 120000), 20000);
}

static void quota_drains_and_refills(void **state)
{
    (void)state;
    struct retry_quota q;
    retry_quota_init(&q);
    int retries = 0;
    while (retry_quota_acquire(&q, RETRY_TRANSIENT) == 5)
        retries++;
    assert_int_equal(retries, 100); /* 500 tokens / 5 */
    for (int i = 0; i < 5; i++)
        retry_quota_release_success(&q, 0); /* no retry: +1 each */
    assert_int_equal(retry_quota_acquire(&q, RETRY_TRANSIENT), 5);
    assert_int_equal(retry_quota_acquire(&q, RETRY_TRANSIENT), -1);
    /* A success after a retry gives back what that retry cost. */
    retry_quota_release_success(&q, 10);
    assert_int_equal(q.tokens, 10);

    retry_quota_init(&q);
    retries = 0;
    while (retry_quota_acquire(&q, RETRY_TIMEOUT) == 10)
        retries++;
    assert_int_equal(retries, 50); /* timeouts cost 10 */
    for (int i = 0; i < 1000; i++)
        retry_quota_release_success(&q, 5);
    assert_int_equal(q.tokens, 500); /* never above the initial capacity */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classification),
        cmocka_unit_test(backoff_is_full_jitter_capped),
        cmocka_unit_test(server_hint_wins_within_cap),
        cmocka_unit_test(quota_drains_and_refills),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
