/* Traces never show a secret: JSON fields and XML elements that hold one are redacted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "provision/aws/http.h"

static char *redact(const char *s)
{
    struct buf b;
    buf_init(&b, 0);
    http_redact(&b, s, strlen(s));
    return buf_detach(&b);
}

static void json_secrets(void **state)
{
    (void)state;
    char *r = redact("{\"AccessKeyId\": \"AKIDEXAMPLE\", \"SecretAccessKey\": \"wJalr/K7MDENG\","
                     " \"Token\":\"FQoGZX\\\"IvYXdz\", \"Expiration\": \"2030-01-01T00:00:00Z\"}");
    assert_null(strstr(r, "wJalr"));
    assert_null(strstr(r, "FQoGZX"));
    assert_non_null(strstr(r, "\"SecretAccessKey\": \"REDACTED\""));
    assert_non_null(strstr(r, "AKIDEXAMPLE"));   /* the key id is not a secret */
    assert_non_null(strstr(r, "2030-01-01T00:00:00Z"));
    free(r);
}

static void xml_secrets(void **state)
{
    (void)state;
    char *r = redact("<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s3cr3t</SecretAccessKey>"
                     "<SessionToken>tok</SessionToken><Expiration>2030</Expiration></Credentials>");
    assert_null(strstr(r, "s3cr3t"));
    assert_null(strstr(r, ">tok<"));
    assert_non_null(strstr(r, "<SecretAccessKey>REDACTED</SecretAccessKey>"));
    assert_non_null(strstr(r, "ASIA1"));
    free(r);
}

static void ordinary_text_unchanged(void **state)
{
    (void)state;
    const char *s = "{\"TableName\": \"orders\", \"Item\": {\"tokenCount\": {\"N\": \"3\"}}} <a>b</a>";
    char *r = redact(s);
    /* "tokenCount" looks like a secret field but holds an object, not a string: kept. */
    assert_string_equal(r, s);
    free(r);
}

static void form_secrets(void **state)
{
    (void)state;
    char *r = redact("Action=CreateLoginProfile&Version=2010-05-08&UserName=bob&Password=hunter2&PasswordResetRequired=true");
    assert_null(strstr(r, "hunter2"));
    assert_non_null(strstr(r, "Password=REDACTED&"));
    assert_non_null(strstr(r, "UserName=bob"));
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_secrets),
        cmocka_unit_test(xml_secrets),
        cmocka_unit_test(ordinary_text_unchanged),
        cmocka_unit_test(form_secrets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
