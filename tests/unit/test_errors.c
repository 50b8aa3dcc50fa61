/* Every error shape AWS (or something pretending to be AWS) answers in becomes one
 * struct pw_error with the right code, message, request id and exit class. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "provision/aws/client.h"

static struct pw_error decode(const char *service, const char *op, long status, const char *body,
                              const char *hname, const char *hvalue)
{
    struct kvlist h;
    struct pw_error e;
    kvlist_init(&h);
    if (hname)
        kvlist_add(&h, hname, hvalue);
    aws_error_from_response(aws_service_find(service), op, status, &h, body, strlen(body), &e);
    kvlist_release(&h);
    return e;
}

static void json_type_with_namespace(void **state)
{
    (void)state;
    struct pw_error e = decode("dynamodb", "PutItem", 400,
        "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
        "\"message\":\"Requested resource not found\"}",
        "x-amzn-RequestId", "RID123");
    assert_string_equal(e.code, "ResourceNotFoundException");
    assert_string_equal(e.message, "Requested resource not found");
    assert_string_equal(e.request_id, "RID123");
    assert_int_equal(e.exit, PW_EXIT_FAILED);
    char line[512];
    pw_error_format(&e, line, sizeof line);
    assert_string_equal(line, "dynamodb PutItem: ResourceNotFoundException: Requested resource not found "
                              "(HTTP 400, request id RID123)");
}

static void json_capitalised_message_and_header_type(void **state)
{
    (void)state;
    struct pw_error e = decode("scheduler", "GET /schedules/x", 404, "{\"Message\":\"Schedule x does not exist.\"}",
                               "x-amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/");
    assert_string_equal(e.code, "ResourceNotFoundException");
    assert_string_equal(e.message, "Schedule x does not exist.");
}

static void s3_error_root(void **state)
{
    (void)state;
    struct pw_error e = decode("s3", "GET /b/k", 403,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SignatureDoesNotMatch</Code>"
        "<Message>The request signature we calculated does not match</Message>"
        "<RequestId>S3RID</RequestId></Error>", NULL, NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.request_id, "S3RID");
    assert_int_equal(e.exit, PW_EXIT_AUTH);
}

static void query_error_response(void **state)
{
    (void)state;
    struct pw_error e = decode("sts", "GetCallerIdentity", 403,
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
        "<Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
        "<Message>The security token included in the request is invalid.</Message></Error>"
        "<RequestId>QRID</RequestId></ErrorResponse>", NULL, NULL);
    assert_string_equal(e.code, "InvalidClientTokenId");
    assert_string_equal(e.request_id, "QRID");
    assert_int_equal(e.exit, PW_EXIT_AUTH);
}

static void html_page_from_a_broken_endpoint(void **state)
{
    (void)state;
    struct pw_error e = decode("glue", "GetDatabases", 500,
        "<html><head><title>500 Internal Server Error</title></head><body><hr></body></html>",
        "Content-Type", "text/html");
    assert_string_equal(e.code, "");
    assert_non_null(strstr(e.message, "HTTP 500"));
    assert_non_null(strstr(e.message, "text/html"));
    assert_int_equal(e.exit, PW_EXIT_FAILED);
    assert_int_equal(e.http_status, 500);
}

static void empty_body(void **state)
{
    (void)state;
    struct pw_error e = decode("s3", "HEAD /b/k", 404, "", NULL, NULL);
    assert_string_equal(e.code, "NotFound");
    assert_non_null(strstr(e.message, "empty body"));
    assert_int_equal(e.exit, PW_EXIT_FAILED);
    e = decode("s3", "HEAD /b/k", 403, "", NULL, NULL);
    assert_string_equal(e.code, "Forbidden");
    assert_int_equal(e.exit, PW_EXIT_AUTH);
    e = decode("s3", "HEAD /b", 301, "", "x-amz-bucket-region", "eu-central-1");
    assert_string_equal(e.code, "PermanentRedirect");
    assert_non_null(strstr(e.message, "eu-central-1"));
}

static void smithy_type_cut_at_colon_before_hash(void **state)
{
    (void)state;
    struct pw_error e = decode("scheduler", "GET /x", 400, "{}", "x-amzn-ErrorType",
                               "aws.scheduler#ValidationException:http://internal.amazon.com/x#y");
    assert_string_equal(e.code, "ValidationException");
    e = decode("scheduler", "GET /x", 400, "{}", "x-amzn-ErrorType", "FooError:http://a/validate#bar");
    assert_string_equal(e.code, "FooError");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_type_with_namespace),
        cmocka_unit_test(json_capitalised_message_and_header_type),
        cmocka_unit_test(s3_error_root),
        cmocka_unit_test(query_error_response),
        cmocka_unit_test(html_page_from_a_broken_endpoint),
        cmocka_unit_test(empty_body),
        cmocka_unit_test(smithy_type_cut_at_colon_before_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
