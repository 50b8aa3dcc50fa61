/* The XML tree: the shapes AWS answers in, namespaces, repeated elements, malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "provision/aws/xml.h"

static struct xml_node *parse(const char *s)
{
    struct pw_error err;
    struct xml_node *x = xml_parse(s, strlen(s), &err);
    if (!x)
        fail_msg("parse failed: %s", err.message);
    return x;
}

static void sts_answer_with_namespace(void **state)
{
    (void)state;
    struct xml_node *x = parse(
        "<?xml version=\"1.0\"?>\n"
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <GetCallerIdentityResult>\n"
        "    <Arn>arn:aws:iam::123456789012:user/alice</Arn>\n"
        "    <UserId>AIDAEXAMPLE</UserId>\n"
        "    <Account>123456789012</Account>\n"
        "  </GetCallerIdentityResult>\n"
        "  <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>\n"
        "</GetCallerIdentityResponse>");
    assert_string_equal(x->name, "GetCallerIdentityResponse");
    assert_string_equal(xml_text(x, "GetCallerIdentityResult/Account"), "123456789012");
    assert_string_equal(xml_text(x, "ResponseMetadata/RequestId"), "rid-1");
    assert_null(xml_text(x, "GetCallerIdentityResult/Missing"));
    assert_string_equal(xml_text(x, "GetCallerIdentityResult"), "");
    xml_free(x);
}

static void repeated_elements_and_entities(void **state)
{
    (void)state;
    struct xml_node *x = parse(
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Name>b</Name>"
        "<Contents><Key>a b+c.json</Key><Size>1</Size></Contents>"
        "<Contents><Key>x&amp;y&lt;z</Key><Size>22</Size></Contents>"
        "<Contents><Key>\xe6\x97\xa5\xe6\x9c\xac.json</Key><Size>3</Size></Contents>"
        "</ListBucketResult>");
    const char *keys[] = {"a b+c.json", "x&y<z", "\xe6\x97\xa5\xe6\x9c\xac.json"};
    int n = 0;
    for (const struct xml_node *c = xml_child(x, "Contents"); c; c = xml_next_named(c), n++)
        assert_string_equal(xml_text(c, "Key"), keys[n]);
    assert_int_equal(n, 3);
    xml_free(x);
}

static void malformed_is_an_error_with_position(void **state)
{
    (void)state;
    struct pw_error err;
    const char *bad = "<Error><Code>X</Cod></Error>";
    assert_null(xml_parse(bad, strlen(bad), &err));
    assert_non_null(strstr(err.message, "malformed XML answer at line 1"));
    assert_null(xml_parse("", 0, &err));
    const char *html = "<html><body><h1>502 Bad Gateway</h1><hr></body></html>";
    assert_null(xml_parse(html, strlen(html), &err)); /* <hr> is never closed */
}

static void depth_is_bounded(void **state)
{
    (void)state;
    char doc[8192] = "";
    for (int i = 0; i < 100; i++)
        strcat(doc, "<a>");
    for (int i = 0; i < 100; i++)
        strcat(doc, "</a>");
    struct pw_error err;
    assert_null(xml_parse(doc, strlen(doc), &err));
    assert_non_null(strstr(err.message, "too deep"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sts_answer_with_namespace),
        cmocka_unit_test(repeated_elements_and_entities),
        cmocka_unit_test(malformed_is_an_error_with_position),
        cmocka_unit_test(depth_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
