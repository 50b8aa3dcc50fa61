/* test_ddb_decode.c — DynamoDB JSON read in place: every type, numbers kept exact, plain JSON
 * rendering, and every kind of malformed input with the message that names it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/ddb_decode.h"

/* Decodes one wrapper given as JSON text; returns the rc, fills v (pointing into *tree). */
static int decode(const char *json, cJSON **tree, struct ddb_val *v, char *why, size_t n)
{
    *tree = cJSON_Parse(json);
    assert_non_null(*tree);
    return ddb_decode(*tree, v, why, n);
}

static char *plain(const char *json)
{
    cJSON *t;
    struct ddb_val v;
    char why[256];
    struct buf b;
    assert_int_equal(decode(json, &t, &v, why, sizeof why), 0);
    buf_init(&b, 0);
    assert_int_equal(ddb_plain_json(&v, &b), 0);
    cJSON_Delete(t);
    return buf_detach(&b);
}

static void scalar_types(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        enum ddb_type type;
        const char *text;
    } cases[] = {
        {"{\"S\":\"héllo, \\\"w\\\"\"}", DDB_S, "héllo, \"w\""},
        {"{\"S\":\"\"}", DDB_S, ""},
        {"{\"N\":\"12.50\"}", DDB_N, "12.50"},
        {"{\"N\":\"-0.000000000000000000000000000000000001\"}", DDB_N,
         "-0.000000000000000000000000000000000001"},
        {"{\"N\":\"99999999999999999999999999999999999999\"}", DDB_N,
         "99999999999999999999999999999999999999"},
        {"{\"B\":\"dGVzdA==\"}", DDB_B, "dGVzdA=="},
        {"{\"BOOL\":true}", DDB_BOOL, "true"},
        {"{\"BOOL\":false}", DDB_BOOL, "false"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *t;
        struct ddb_val v;
        char why[256];
        assert_int_equal(decode(cases[i].json, &t, &v, why, sizeof why), 0);
        assert_int_equal(v.type, cases[i].type);
        assert_string_equal(v.text, cases[i].text);
        assert_int_equal(v.len, strlen(cases[i].text));
        cJSON_Delete(t);
    }
    cJSON *t;
    struct ddb_val v;
    char why[256];
    assert_int_equal(decode("{\"NULL\":true}", &t, &v, why, sizeof why), 0);
    assert_int_equal(v.type, DDB_NULL);
    assert_null(v.text);
    cJSON_Delete(t);
}

static void structured_types(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        enum ddb_type type;
        int children;
    } cases[] = {
        {"{\"M\":{\"a\":{\"S\":\"x\"},\"b\":{\"N\":\"1\"}}}", DDB_M, 2},
        {"{\"M\":{}}", DDB_M, 0},
        {"{\"L\":[{\"S\":\"x\"},{\"M\":{}},{\"NULL\":true}]}", DDB_L, 3},
        {"{\"SS\":[\"a\",\"b\"]}", DDB_SS, 2},
        {"{\"NS\":[\"1\",\"2.5\",\"-3e2\"]}", DDB_NS, 3},
        {"{\"BS\":[\"dGVzdA==\",\"YQ==\"]}", DDB_BS, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *t;
        struct ddb_val v;
        char why[256];
        assert_int_equal(decode(cases[i].json, &t, &v, why, sizeof why), 0);
        assert_int_equal(v.type, cases[i].type);
        assert_non_null(v.body);
        assert_int_equal(cJSON_GetArraySize(v.body), cases[i].children);
        cJSON_Delete(t);
    }
}

static void numbers_stay_exact_in_plain_json(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"N\":\"12345678901234567890.123456789012345678\"}", "12345678901234567890.123456789012345678"},
        {"{\"N\":\"0.1\"}", "0.1"},
        {"{\"N\":\"20\"}", "20"},
        {"{\"N\":\"12.50\"}", "12.50"},
        {"{\"N\":\"1E+2\"}", "1E+2"},
        {"{\"N\":\"+5\"}", "5"},
        {"{\"N\":\"007.50\"}", "7.50"},
        {"{\"N\":\"-007\"}", "-7"},
        {"{\"N\":\".5\"}", "0.5"},
        {"{\"N\":\"-.5e-3\"}", "-0.5e-3"},
        {"{\"N\":\"5.\"}", "5"},
        {"{\"N\":\"000\"}", "0"},
        {"{\"NS\":[\"1.10\",\"+2\"]}", "[1.10,2]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = plain(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

static void plain_json_of_everything(void **state)
{
    (void)state;
    char *got = plain("{\"M\":{\"s\":{\"S\":\"a\\nb\"},\"n\":{\"N\":\"1.0\"},\"b\":{\"B\":\"YQ==\"},"
                      "\"t\":{\"BOOL\":true},\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"N\":\"2\"},"
                      "{\"M\":{\"k\":{\"SS\":[\"x\",\"y\"]}}}]},\"bs\":{\"BS\":[\"YQ==\"]}}}");
    assert_string_equal(got, "{\"s\":\"a\\nb\",\"n\":1.0,\"b\":\"YQ==\",\"t\":true,\"z\":null,"
                             "\"l\":[2,{\"k\":[\"x\",\"y\"]}],\"bs\":[\"YQ==\"]}");
    free(got);
}

static void number_grammar(void **state)
{
    (void)state;
    static const char *const good[] = {"0", "-1", "+1", "1.5", ".5", "5.", "1e10", "1E-10",
                                       "-1.5e+3", "00012"};
    static const char *const bad[] = {"", ".", "-", "+", "1e", "1e+", "abc", "1.2.3", " 1", "1 ",
                                      "0x10", "NaN", "Infinity", "--1", "1..2", "e5"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(ddb_number_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ddb_number_valid(bad[i], strlen(bad[i])));
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(ddb_number_json("1e", 2, &b), -1);
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

static void malformed_values(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"\"x\"", "not a DynamoDB JSON value"},
        {"{}", "not a DynamoDB JSON value"},
        {"{\"S\":\"a\",\"N\":\"1\"}", "not a DynamoDB JSON value"},
        {"{\"X\":\"a\"}", "unknown DynamoDB type 'X'"},
        {"{\"s\":\"a\"}", "unknown DynamoDB type 's'"},
        {"{\"S\":5}", "S value is not a string"},
        {"{\"N\":5}", "N value is not a string"},
        {"{\"N\":\"abc\"}", "'abc' is not a number"},
        {"{\"N\":\"\"}", "'' is not a number"},
        {"{\"B\":\"not base64!\"}", "B value is not base64"},
        {"{\"B\":\"YQ\"}", "B value is not base64"},
        {"{\"BOOL\":\"true\"}", "BOOL value is not true or false"},
        {"{\"NULL\":false}", "NULL value is not true"},
        {"{\"M\":[]}", "M value is not an object"},
        {"{\"L\":{}}", "L value is not an array"},
        {"{\"SS\":\"a\"}", "SS value is not an array"},
        {"{\"SS\":[\"a\",1]}", "SS element 1 is not a string"},
        {"{\"NS\":[\"1\",\"x\"]}", "NS element 'x' is not a number"},
        {"{\"BS\":[\"YQ==\",\"?\"]}", "BS element 1 is not base64"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *t;
        struct ddb_val v;
        char why[256] = "";
        assert_int_equal(decode(cases[i][0], &t, &v, why, sizeof why), -1);
        if (!strstr(why, cases[i][1]))
            fail_msg("%s: got '%s', want '%s'", cases[i][0], why, cases[i][1]);
        assert_int_equal(v.type, DDB_MISSING);
        cJSON_Delete(t);
    }
}

static void item_check_names_the_path(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"{\"a\":{\"S\":\"x\"},\"progressDetails\":{\"L\":[{\"M\":{\"r\":{\"N\":\"1\"}}},"
         "{\"M\":{\"rewardEarned\":{\"N\":\"abc\"}}}]}}",
         "'progressDetails[1].rewardEarned': 'abc' is not a number"},
        {"{\"m\":{\"M\":{\"in\":{\"Q\":1}}}}", "'m.in': unknown DynamoDB type 'Q'"},
        {"{\"x\":{\"S\":\"a\"},\"y\":5}", "'y': not a DynamoDB JSON value"},
        {"[]", "an item must be an object of attributes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *t = cJSON_Parse(cases[i][0]);
        char why[256] = "";
        assert_non_null(t);
        assert_int_equal(ddb_check_item(t, why, sizeof why), -1);
        if (!strstr(why, cases[i][1]))
            fail_msg("got '%s', want '%s'", why, cases[i][1]);
        cJSON_Delete(t);
    }
    cJSON *ok = cJSON_Parse("{\"a\":{\"L\":[{\"M\":{\"b\":{\"NS\":[\"1\"]}}}]},\"c\":{\"NULL\":true}}");
    char why[256];
    assert_int_equal(ddb_check_item(ok, why, sizeof why), 0);
    cJSON_Delete(ok);
}

static void nesting_is_capped_at_32(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    for (int depth = 31; depth <= 33; depth++) {
        buf_reset(&b);
        buf_appends(&b, "{\"a\":");
        for (int i = 0; i < depth; i++)
            buf_appends(&b, "{\"L\":[");
        buf_appends(&b, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++)
            buf_appends(&b, "]}");
        buf_appends(&b, "}");
        cJSON *t = cJSON_Parse(b.data);
        char why[512] = "";
        assert_non_null(t);
        int rc = ddb_check_item(t, why, sizeof why);
        assert_int_equal(rc, depth <= 32 ? 0 : -1);
        if (rc)
            assert_non_null(strstr(why, "nested deeper than 32 levels"));
        cJSON_Delete(t);
    }
    buf_release(&b);
}

static void get_and_path(void **state)
{
    (void)state;
    cJSON *t = cJSON_Parse("{\"a.b\":{\"S\":\"literal\"},\"a\":{\"M\":{\"b\":{\"S\":\"nested\"},"
                           "\"c\":{\"M\":{\"d\":{\"N\":\"4\"}}}}},\"l\":{\"L\":[]}}");
    assert_non_null(t);
    struct ddb_val v = ddb_path(t, "a.b");
    assert_int_equal(v.type, DDB_S);
    assert_string_equal(v.text, "literal");
    v = ddb_path(t, "a.c.d");
    assert_int_equal(v.type, DDB_N);
    assert_string_equal(v.text, "4");
    assert_int_equal(ddb_path(t, "a.c.x").type, DDB_MISSING);
    assert_int_equal(ddb_path(t, "l.x").type, DDB_MISSING);     /* a list is not a map */
    assert_int_equal(ddb_path(t, "a.b.c").type, DDB_MISSING);   /* a string is not a map */
    assert_int_equal(ddb_get(t, "nope").type, DDB_MISSING);
    assert_int_equal(ddb_get(t, "a").type, DDB_M);
    cJSON_Delete(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scalar_types),
        cmocka_unit_test(structured_types),
        cmocka_unit_test(numbers_stay_exact_in_plain_json),
        cmocka_unit_test(plain_json_of_everything),
        cmocka_unit_test(number_grammar),
        cmocka_unit_test(malformed_values),
        cmocka_unit_test(item_check_names_the_path),
        cmocka_unit_test(nesting_is_capped_at_32),
        cmocka_unit_test(get_and_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
