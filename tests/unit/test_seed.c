/* test_seed.c — the seeder's pure parts: exact JSON numbers, the DynamoDB JSON encoder,
 * DynamoDB's item rules, the CSV reader, the generator's random numbers against the published
 * algorithms, and seed_prepare on real files (problems at their line and column, generators
 * reproducible). Run from the repository root (make unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/csv_read.h"
#include "pipeline/ddb_check.h"
#include "pipeline/ddb_encode.h"
#include "pipeline/json_exact.h"
#include "pipeline/rng.h"
#include "pipeline/seed.h"
#include "pipeline/seed_int.h"

/* --- exact numbers ------------------------------------------------------------------------ */

static cJSON *parse(const char *text)
{
    struct json_exact_error e;
    size_t end = 0;
    cJSON *v = json_exact_parse(text, strlen(text), &end, NULL, &e);
    if (!v)
        fprintf(stderr, "parse failed at %zu: %s\n", e.offset, e.what);
    assert_non_null(v);
    return v;
}

static void exact_numbers_keep_their_text(void **state)
{
    (void)state;
    const char *text = "{\"a\": 0.1, \"b\": 12345678901234567890.123, \"c\": [1e400, -0, 2.50E-3],"
                       " \"s\": \"12 not a number 3.4\", \"d\": {\"e\": -17}}";
    cJSON *v = parse(text);
    assert_string_equal(json_exact_text(cJSON_GetObjectItem(v, "a")), "0.1");
    assert_string_equal(json_exact_text(cJSON_GetObjectItem(v, "b")), "12345678901234567890.123");
    cJSON *c = cJSON_GetObjectItem(v, "c");
    assert_string_equal(json_exact_text(cJSON_GetArrayItem(c, 0)), "1e400");
    assert_string_equal(json_exact_text(cJSON_GetArrayItem(c, 1)), "-0");
    assert_string_equal(json_exact_text(cJSON_GetArrayItem(c, 2)), "2.50E-3");
    assert_string_equal(json_exact_text(cJSON_GetObjectItem(cJSON_GetObjectItem(v, "d"), "e")), "-17");
    assert_null(json_exact_text(cJSON_GetObjectItem(v, "s")));
    cJSON *copy = cJSON_Duplicate(v, 1);           /* the text travels with a copy */
    assert_string_equal(json_exact_text(cJSON_GetObjectItem(copy, "b")), "12345678901234567890.123");
    cJSON_Delete(copy);
    cJSON_Delete(v);
}

static void exact_strings_with_escapes_hide_no_numbers(void **state)
{
    (void)state;
    cJSON *v = parse("[\"a\\\"1\\\\\", 2, \"\\u0033\", 4.0]");
    assert_string_equal(json_exact_text(cJSON_GetArrayItem(v, 1)), "2");
    assert_string_equal(json_exact_text(cJSON_GetArrayItem(v, 3)), "4.0");
    cJSON_Delete(v);
}

static void exact_errors_have_offsets(void **state)
{
    (void)state;
    struct json_exact_error e;
    size_t end = 0;
    const char *bad = "[1, 2,\n x]";
    assert_null(json_exact_parse(bad, strlen(bad), &end, NULL, &e));
    assert_int_equal(e.offset, 8);
    assert_string_equal(e.what, "unexpected 'x'");
    const char *lead = "[1, 01]";               /* cJSON alone would take it */
    assert_null(json_exact_parse(lead, strlen(lead), &end, NULL, &e));
    assert_int_equal(e.offset, 4);
    assert_string_equal(e.what, "invalid number '01'");
    const char *cut = "{\"a\": ";
    assert_null(json_exact_parse(cut, strlen(cut), &end, NULL, &e));
    assert_string_equal(e.what, "unexpected end of input");
    assert_true(json_number_strict("-0.5e+10", 8));
    assert_false(json_number_strict("1.", 2));
    assert_false(json_number_strict(".5", 2));
    assert_false(json_number_strict("-", 1));
}

static void exact_sequence_and_elements(void **state)
{
    (void)state;
    const char *text = "[{\"a\":1},\n  {\"a\":2}, 3]\n{\"b\": 4}";
    struct json_offsets el = {0};
    struct json_exact_error e;
    size_t end = 0;
    cJSON *v = json_exact_parse(text, strlen(text), &end, &el, &e);
    assert_non_null(v);
    assert_int_equal(el.n, 3);
    assert_int_equal(el.v[0], 1);
    assert_int_equal(el.v[1], 12);
    assert_int_equal(el.v[2], 21);
    assert_int_equal(end, 23);                  /* the second value is left for the next call */
    cJSON_Delete(v);
    v = json_exact_parse(text + end, strlen(text) - end, &end, NULL, &e);
    assert_string_equal(json_exact_text(cJSON_GetObjectItem(v, "b")), "4");
    cJSON_Delete(v);
    json_offsets_release(&el);
}

/* --- the encoder -------------------------------------------------------------------------- */

static void encode_plain_values(void **state)
{
    (void)state;
    cJSON *v = parse("{\"s\": \"x\", \"n\": 12.50, \"t\": true, \"f\": false, \"z\": null,"
                     " \"l\": [1, \"a\", {\"k\": 0.1}], \"m\": {\"in\": [] }, \"e\": \"\"}");
    cJSON *item = ddb_encode_item(v);
    char *text = cJSON_PrintUnformatted(item);
    assert_string_equal(text,
        "{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"12.50\"},\"t\":{\"BOOL\":true},\"f\":{\"BOOL\":false},"
        "\"z\":{\"NULL\":true},\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"a\"},{\"M\":{\"k\":{\"N\":\"0.1\"}}}]},"
        "\"m\":{\"M\":{\"in\":{\"L\":[]}}},\"e\":{\"S\":\"\"}}");
    cJSON_free(text);
    cJSON_Delete(item);
    cJSON_Delete(v);
    /* Built in code, without exact text: the double, exactly. */
    cJSON *n = cJSON_CreateNumber(0.1), *enc = ddb_encode_value(n);
    assert_string_equal(cJSON_GetObjectItem(enc, "N")->valuestring, "0.10000000000000001");
    cJSON_Delete(enc);
    cJSON_Delete(n);
    assert_null(ddb_encode_item(NULL));
}

/* --- DynamoDB's rules --------------------------------------------------------------------- */

static void number_rules(void **state)
{
    (void)state;
    char c[64], d[64];
    const char *why = NULL;
    int digits = 0;
    assert_int_equal(ddb_number_check("1", 1, c, sizeof c, &digits, &why), 0);
    assert_int_equal(ddb_number_check("1.000", 5, d, sizeof d, NULL, &why), 0);
    assert_string_equal(c, d);
    assert_int_equal(ddb_number_check("10E-1", 5, d, sizeof d, NULL, &why), 0);
    assert_string_equal(c, d);
    assert_string_equal(c, "1E1");
    assert_int_equal(ddb_number_check("-0", 2, c, sizeof c, NULL, &why), 0);
    assert_string_equal(c, "0");
    assert_int_equal(ddb_number_check("0.000", 5, d, sizeof d, NULL, &why), 0);
    assert_string_equal(d, "0");
    assert_int_equal(ddb_number_check("-0.0012300", 10, c, sizeof c, &digits, &why), 0);
    assert_string_equal(c, "-123E-2");
    assert_int_equal(digits, 3);
    assert_int_equal(ddb_number_check("12345678901234567890.123", 24, c, sizeof c, &digits, &why), 0);
    assert_int_equal(digits, 23);
    assert_int_equal(ddb_number_check("1e400", 5, c, sizeof c, NULL, &why), -1);
    assert_non_null(strstr(why, "too large"));
    assert_int_equal(ddb_number_check("9.9999999999999999999999999999999999999E+125", 44, c, sizeof c, NULL, &why), 0);
    assert_int_equal(ddb_number_check("1E+126", 6, c, sizeof c, NULL, &why), -1);
    assert_int_equal(ddb_number_check("1E-130", 6, c, sizeof c, NULL, &why), 0);
    assert_int_equal(ddb_number_check("0.9E-130", 8, c, sizeof c, NULL, &why), -1);
    assert_non_null(strstr(why, "too small"));
    assert_int_equal(ddb_number_check("123456789012345678901234567890123456789", 39, c, sizeof c, NULL, &why), -1);
    assert_string_equal(why, "more than 38 significant digits");
    assert_int_equal(ddb_number_check("1000000000000000000000000000000000000000000", 43, c, sizeof c, NULL, &why), 0);
    static const char *const bad[] = {"", "-", ".", "1.2.3", "1e", "abc", "nan", "1,5", " 1", "+1", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ddb_number_check(bad[i], strlen(bad[i]), c, sizeof c, NULL, &why), -1);
}

static cJSON *ddb(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    assert_non_null(v);
    return v;
}

/* The first problem of an item against hash userID:S, range at:N. */
static const char *problem(const char *item_text, char *msg, size_t n)
{
    struct ddb_key_schema ks = {"userID", 'S', "at", 'N'};
    cJSON *item = ddb(item_text);
    int rc = ddb_item_check(item, &ks, NULL, NULL, msg, n);
    cJSON_Delete(item);
    return rc == 0 ? NULL : msg;
}

static void item_rules(void **state)
{
    (void)state;
    char msg[1024];
    struct ddb_key_schema ks = {"userID", 'S', "at", 'N'};
    struct buf k1, k2;
    buf_init(&k1, 0);
    buf_init(&k2, 0);
    size_t size = 0;
    cJSON *a = ddb("{\"userID\":{\"S\":\"u1\"},\"at\":{\"N\":\"5\"},\"x\":{\"NS\":[\"1\",\"2\"]}}");
    cJSON *b = ddb("{\"at\":{\"N\":\"5.00\"},\"userID\":{\"S\":\"u1\"}}");
    assert_int_equal(ddb_item_check(a, &ks, &k1, &size, msg, sizeof msg), 0);
    assert_int_equal(ddb_item_check(b, &ks, &k2, NULL, msg, sizeof msg), 0);
    assert_string_equal(buf_cstr(&k1), buf_cstr(&k2));   /* 5 and 5.00 are one key */
    /* userID 6 + 2, at 2 + 2, x 1 + (2 + 2) */
    assert_int_equal(size, 6 + 2 + 2 + 2 + 1 + 2 + 2);
    cJSON_Delete(a);
    cJSON_Delete(b);
    buf_release(&k1);
    buf_release(&k2);

    assert_string_equal(problem("{\"at\":{\"N\":\"1\"}}", msg, sizeof msg),
                        "missing key attribute 'userID' (the table's hash key, a string (S))");
    assert_string_equal(problem("{\"userID\":{\"N\":\"7\"},\"at\":{\"N\":\"1\"}}", msg, sizeof msg),
                        "key attribute 'userID' is a number (N), but the table's hash key is a string (S)");
    assert_string_equal(problem("{\"userID\":{\"S\":\"\"},\"at\":{\"N\":\"1\"}}", msg, sizeof msg),
                        "attribute 'userID': the hash key is empty; key values must not be empty");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"p\":{\"L\":[{\"M\":{\"r\":{\"N\":\"1e400\"}}}]}}", msg, sizeof msg),
                        "attribute 'p[0].r': '1e400' is too large for DynamoDB (at most 9.9999999999999999999999999999999999999E+125)");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"t\":{\"SS\":[\"a\",\"b\",\"a\"]}}", msg, sizeof msg),
                        "attribute 't': a string set (SS) holds 'a' twice");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"t\":{\"NS\":[\"1\",\"1.0\"]}}", msg, sizeof msg),
                        "attribute 't': a number set (NS) holds '1.0' twice");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"t\":{\"SS\":[]}}", msg, sizeof msg),
                        "attribute 't': a string set (SS) is empty; DynamoDB sets hold at least one value");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"t\":{\"X\":\"1\"}}", msg, sizeof msg),
                        "attribute 't': unknown DynamoDB type 'X' (S, N, B, BOOL, NULL, M, L, SS, NS or BS)");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"t\":{\"N\":5}}", msg, sizeof msg),
                        "attribute 't': N must be a JSON string holding the number, such as {\"N\": \"12.5\"}");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"b\":{\"B\":\"abc\"}}", msg, sizeof msg),
                        "attribute 'b': binary values must be base64, 'abc' is not");
    assert_string_equal(problem("{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"m\":{\"M\":{\"a\":{\"S\":\"1\"},\"a\":{\"S\":\"2\"}}}}", msg, sizeof msg),
                        "attribute 'm.a': appears twice");
    assert_string_equal(problem("{\"userID\":{\"S\":\"\xc3\x28\"},\"at\":{\"N\":\"1\"}}", msg, sizeof msg),
                        "attribute 'userID': the string is not valid UTF-8");
    assert_null(problem("{\"userID\":{\"S\":\"\xe2\x82\xac\"},\"at\":{\"N\":\"1\"},\"n\":{\"NULL\":true},\"e\":{\"S\":\"\"}}", msg, sizeof msg));
}

static void item_depth_and_size(void **state)
{
    (void)state;
    char msg[1024];
    struct buf t;
    buf_init(&t, 0);
    /* 32 levels of lists are allowed, 33 are not. */
    for (int depth = 32; depth <= 33; depth++) {
        buf_reset(&t);
        buf_appends(&t, "{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"deep\":");
        for (int i = 0; i < depth; i++)
            buf_appends(&t, "{\"L\":[");
        buf_appends(&t, "{\"S\":\"x\"}");
        for (int i = 0; i < depth; i++)
            buf_appends(&t, "]}");
        buf_appends(&t, "}");
        const char *p = problem(buf_cstr(&t), msg, sizeof msg);
        if (depth == 32)
            assert_null(p);
        else
            assert_non_null(strstr(p, "nest more than 32 levels"));
    }
    /* Exactly at the limit, and one byte over it: names and values count. */
    for (int extra = 0; extra <= 1; extra++) {
        size_t fill = DDB_ITEM_MAX_BYTES - (6 + 1) - (2 + 2) - 4 + (size_t)extra;
        buf_reset(&t);
        buf_appends(&t, "{\"userID\":{\"S\":\"u\"},\"at\":{\"N\":\"1\"},\"blob\":{\"S\":\"");
        for (size_t i = 0; i < fill; i++)
            buf_appendc(&t, 'x');
        buf_appends(&t, "\"}}");
        const char *p = problem(buf_cstr(&t), msg, sizeof msg);
        if (!extra)
            assert_null(p);
        else
            assert_string_equal(p, "the item is 409601 bytes, over DynamoDB's limit of 400 KB (409600 bytes)");
    }
    buf_release(&t);
}

/* --- CSV ---------------------------------------------------------------------------------- */

static void csv_records(void **state)
{
    (void)state;
    const char *text = "\xEF\xBB\xBF" "a,b,c\r\n"
                       "1,\"x, \"\"quoted\"\"\",\r\n"
                       "\n"
                       "2,\"two\nlines\",12\" PIZZA\n"
                       "3,é,";
    struct csv_reader r;
    struct csv_record rec;
    struct csv_error e;
    csv_reader_init(&r, text, strlen(text));
    csv_record_init(&rec);
    assert_int_equal(csv_next(&r, &rec, &e), 1);
    assert_int_equal(rec.n, 3);
    assert_string_equal(rec.f[2].v, "c");
    assert_int_equal(csv_next(&r, &rec, &e), 1);
    assert_int_equal(rec.line, 2);
    assert_int_equal(rec.n, 3);
    assert_string_equal(rec.f[1].v, "x, \"quoted\"");
    assert_true(rec.f[1].quoted);
    assert_int_equal(rec.f[2].len, 0);
    assert_int_equal(csv_next(&r, &rec, &e), 1);  /* the empty line is no record */
    assert_int_equal(rec.line, 4);
    assert_string_equal(rec.f[1].v, "two\nlines");
    assert_string_equal(rec.f[2].v, "12\" PIZZA");
    assert_int_equal(rec.f[2].line, 5);
    assert_int_equal(rec.f[2].col, 8);
    assert_int_equal(csv_next(&r, &rec, &e), 1);
    assert_int_equal(rec.line, 6);
    assert_int_equal(rec.n, 3);
    assert_string_equal(rec.f[1].v, "é");
    assert_int_equal(rec.f[2].col, 5);            /* é is one column */
    assert_int_equal(csv_next(&r, &rec, &e), 0);
    csv_record_release(&rec);
}

static void csv_errors(void **state)
{
    (void)state;
    struct csv_reader r;
    struct csv_record rec;
    struct csv_error e;
    const char *open = "a,b\n1,\"never\nclosed\n";
    csv_record_init(&rec);
    csv_reader_init(&r, open, strlen(open));
    assert_int_equal(csv_next(&r, &rec, &e), 1);
    assert_int_equal(csv_next(&r, &rec, &e), -1);
    assert_int_equal(e.line, 2);
    assert_int_equal(e.col, 3);
    assert_string_equal(e.what, "quoted field is never closed");
    const char *after = "\"a\"b,c\n";
    csv_reader_init(&r, after, strlen(after));
    assert_int_equal(csv_next(&r, &rec, &e), -1);
    assert_int_equal(e.col, 4);
    assert_string_equal(e.what, "unexpected 'b' after the closing quote of a field");
    csv_record_release(&rec);
}

/* --- random numbers ----------------------------------------------------------------------- */

static void rng_matches_the_published_algorithms(void **state)
{
    (void)state;
    /* splitmix64 from state 1234567: its first output is mix(state + golden gamma). */
    assert_true(rng_mix64(1234567ULL + 0x9E3779B97F4A7C15ULL) == 6457827717110365317ULL);
    /* xoshiro256** from the state {1, 2, 3, 4}. */
    struct rng r = {{1, 2, 3, 4}};
    assert_true(rng_next(&r) == 11520ULL);
    assert_true(rng_next(&r) == 0ULL);
    assert_true(rng_next(&r) == 1509978240ULL);
    assert_true(rng_next(&r) == 1215971899390074240ULL);
    /* rng_init's keying, pinned: a change here changes every generated data set. */
    rng_init(&r, 1, 2, 3);
    assert_true(rng_next(&r) == 12913709461349335022ULL);
    assert_true(rng_next(&r) == 4625599769295073855ULL);
    for (int i = 0; i < 1000; i++) {
        long v = rng_range(&r, -3, 3);
        assert_true(v >= -3 && v <= 3);
    }
}

static void iso_dates(void **state)
{
    (void)state;
    static const char *const good[] = {"2024-01-31", "2024-02-29", "2024-01-31T12:00", "2024-01-31 12:00:59",
                                       "2024-01-31T12:00:00Z", "2024-01-31T12:00:00.123+05:30",
                                       "2024-01-31T12:00:00-0800"};
    static const char *const bad[] = {"2023-02-29", "2024-13-01", "2024-1-31", "31/01/2024",
                                      "2024-01-31T25:00", "2024-01-31T12:00Zx", "2024-01-31T", ""};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(seed_iso8601_valid(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(seed_iso8601_valid(bad[i]));
    assert_int_equal(seed_days_from_date("1970-01-01"), 0);
    assert_int_equal(seed_days_from_date("2024-01-01"), 19723);
}

/* --- seed_prepare on files ---------------------------------------------------------------- */

static const char spec_text[] =
    "version: 1\n"
    "stack: t\n"
    "region: eu-west-1\n"
    "tables:\n"
    "  events:\n"
    "    key: {hash: userID:S, range: at:N}\n"
    "    seed:\n"
    "      columns: {ok: bool, day: date, when: {type: date, format: \"%m/%d/%Y %H:%M\"}, qty: number}\n"
    "  orders:\n"
    "    key: {hash: orderid:S}\n"
    "    seed: {generator: {kind: orders, quantity: {min: 2, max: 3}, price: {min: \"0.99\", max: \"1.01\"}}}\n"
    "  uc:\n"
    "    key: {hash: userID:S, range: campaignID:S}\n"
    "    seed: {generator: {kind: campaign, users: 4, campaigns: 3, tasks: 4}}\n"
    "  ci:\n"
    "    key: {hash: campaignID:S}\n"
    "    seed: {generator: {kind: campaign-info, campaigns: 3, tasks: 4}}\n";

struct fixture {
    struct spec *spec;
    char path[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct diag_list d;
    struct pw_error err = {0};
    diag_list_init(&d);
    if (spec_load_text("t.yaml", spec_text, strlen(spec_text), NULL, &f->spec, &d, &err) < 0) {
        diag_list_release(&d);
        return -1;
    }
    diag_list_release(&d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->path[0])
        unlink(f->path);
    spec_free(f->spec);
    free(f);
    return 0;
}

/* Writes text to a file named like suffix; runs seed_prepare on it. */
static int prepare_text(struct fixture *f, const char *table, const char *suffix, const char *text,
                        enum seed_format fmt, struct seed_data *d, struct pw_error *err)
{
    if (f->path[0])
        unlink(f->path);
    snprintf(f->path, sizeof f->path, "/tmp/pw-seed-XXXXXX%s", suffix);
    int fd = mkstemps(f->path, (int)strlen(suffix));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct seed_options o = {.table = table, .from = f->path, .format = fmt};
    seed_data_init(d);
    return seed_prepare(f->spec, &o, d, err);
}

/* The rendered problems (caller frees with free). */
static char *problems_of(const struct seed_data *d)
{
    struct buf b;
    buf_init(&b, 0);
    diag_list_render(&d->problems, &b);
    return buf_detach(&b);
}

static void prepare_json_lines_and_arrays(void **state)
{
    struct fixture *f = *state;
    struct seed_data d;
    struct pw_error err;
    assert_int_equal(prepare_text(f, "events", ".json",
                                  "[{\"userID\": \"a\", \"at\": 1, \"price\": 12345678901234567890.123},\n"
                                  " {\"userID\": \"a\", \"at\": 2, \"tags\": [{\"k\": -0}]}]\n",
                                  SEED_FORMAT_AUTO, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.format, SEED_FORMAT_JSON);
    assert_string_equal(d.items.data + d.offs[0],
                        "{\"userID\":{\"S\":\"a\"},\"at\":{\"N\":\"1\"},\"price\":{\"N\":\"12345678901234567890.123\"}}");
    assert_string_equal(d.items.data + d.offs[1],
                        "{\"userID\":{\"S\":\"a\"},\"at\":{\"N\":\"2\"},\"tags\":{\"L\":[{\"M\":{\"k\":{\"N\":\"-0\"}}}]}}");
    seed_data_release(&d);

    /* An export's lines are DynamoDB JSON, found without being told. */
    assert_int_equal(prepare_text(f, "events", ".json",
                                  "{\"Item\":{\"userID\":{\"S\":\"a\"},\"at\":{\"N\":\"1\"}}}\n"
                                  "{\"Item\":{\"userID\":{\"S\":\"b\"},\"at\":{\"N\":\"1\"},\"s\":{\"SS\":[\"x\"]}}}\n",
                                  SEED_FORMAT_AUTO, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_int_equal(d.format, SEED_FORMAT_DDB_JSON);
    assert_string_equal(d.items.data + d.offs[1], "{\"userID\":{\"S\":\"b\"},\"at\":{\"N\":\"1\"},\"s\":{\"SS\":[\"x\"]}}");
    seed_data_release(&d);

    /* The AWS CLI's scan output, from standard input or a file of any name. */
    assert_int_equal(prepare_text(f, "events", ".out",
                                  "{\"Items\": [{\"userID\":{\"S\":\"c\"},\"at\":{\"N\":\"3\"}}],"
                                  " \"Count\": 1, \"ScannedCount\": 1, \"ConsumedCapacity\": null}\n",
                                  SEED_FORMAT_AUTO, &d, &err), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.format, SEED_FORMAT_DDB_JSON);
    seed_data_release(&d);
    /* Told it is plain JSON, the same file is one item without a key. */
    assert_int_equal(prepare_text(f, "events", ".out",
                                  "{\"Items\": [{\"userID\":{\"S\":\"c\"},\"at\":{\"N\":\"3\"}}]}\n",
                                  SEED_FORMAT_JSON, &d, &err), -1);
    assert_int_equal(d.n_problems, 1);
    seed_data_release(&d);
}

static void prepare_reports_problems_where_they_are(void **state)
{
    struct fixture *f = *state;
    struct seed_data d;
    struct pw_error err;
    char *text;
    /* Bad JSON at line 7, after six good lines. */
    assert_int_equal(prepare_text(f, "events", ".jsonl",
                                  "{\"userID\":\"a\",\"at\":1}\n{\"userID\":\"a\",\"at\":2}\n"
                                  "{\"userID\":\"a\",\"at\":3}\n{\"userID\":\"a\",\"at\":4}\n"
                                  "{\"userID\":\"a\",\"at\":5}\n{\"userID\":\"a\",\"at\":6}\n"
                                  "{\"userID\":\"a\",\"at\":7,}\n",
                                  SEED_FORMAT_AUTO, &d, &err), -1);
    text = problems_of(&d);
    assert_string_equal(strchr(text, ':'), ":7:22: error: invalid JSON: unexpected '}'\n"
                        "    7 | {\"userID\":\"a\",\"at\":7,}\n"
                        "      |                      ^\n");
    assert_int_equal(err.exit, PW_EXIT_FAILED);
    assert_non_null(strstr(err.message, "1 problem in "));
    assert_non_null(strstr(err.message, ": nothing was written"));
    free(text);
    seed_data_release(&d);

    /* Missing key, a number where the key is a string, a key given twice: every one, in order. */
    assert_int_equal(prepare_text(f, "events", ".json",
                                  "[\n {\"at\": 1},\n {\"userID\": 5, \"at\": 1},\n"
                                  " {\"userID\": \"u\", \"at\": 1.0},\n {\"userID\": \"u\", \"at\": 1}\n]\n",
                                  SEED_FORMAT_AUTO, &d, &err), -1);
    assert_int_equal(d.n_problems, 3);
    text = problems_of(&d);
    assert_non_null(strstr(text, ":2:2: error: record 1: missing key attribute 'userID' (the table's hash key, a string (S))"));
    assert_non_null(strstr(text, ":3:2: error: record 2: key attribute 'userID' is a number (N), but the table's hash key is a string (S)"));
    assert_non_null(strstr(text, ":5:2: error: record 4: the key userID 'u', at '1' is given twice: also record 3 (line 4)"));
    free(text);
    seed_data_release(&d);
}

static void prepare_csv_typed(void **state)
{
    struct fixture *f = *state;
    struct seed_data d;
    struct pw_error err;
    assert_int_equal(prepare_text(f, "events", ".csv",
                                  "userID,at,ok,day,when,qty,note\n"
                                  "u1,1,true,2024-01-31,12/1/2010 8:26,-3,\"a, b\"\n"
                                  "u2,2,,,,,\n",
                                  SEED_FORMAT_AUTO, &d, &err), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.items.data + d.offs[0],
                        "{\"userID\":{\"S\":\"u1\"},\"at\":{\"N\":\"1\"},\"ok\":{\"BOOL\":true},"
                        "\"day\":{\"S\":\"2024-01-31\"},\"when\":{\"S\":\"12/1/2010 8:26\"},"
                        "\"qty\":{\"N\":\"-3\"},\"note\":{\"S\":\"a, b\"}}");
    /* Empty cells are absent attributes, never "" or "nan". */
    assert_string_equal(d.items.data + d.offs[1], "{\"userID\":{\"S\":\"u2\"},\"at\":{\"N\":\"2\"}}");
    seed_data_release(&d);

    assert_int_equal(prepare_text(f, "events", ".csv",
                                  "userID,at,ok,day,when,qty\n"
                                  "u1,1,maybe,2024-02-30,2010-12-01,nan\n"
                                  "u2,2,true,2024-01-01,,1,extra\n"
                                  "u3,x,,,,\n",
                                  SEED_FORMAT_AUTO, &d, &err), -1);
    char *text = problems_of(&d);
    assert_non_null(strstr(text, ":2:6: error: column 'ok': 'maybe' is not a boolean (true, false, 1 or 0)"));
    assert_non_null(strstr(text, ":2:12: error: column 'day': '2024-02-30' is not an ISO 8601 date"));
    assert_non_null(strstr(text, ":2:23: error: column 'when': '2010-12-01' is not a date in the format '%m/%d/%Y %H:%M'"));
    assert_non_null(strstr(text, ":2:34: error: column 'qty': 'nan' is not a number"));
    assert_non_null(strstr(text, ":3:25: error: the row has 7 fields, the header has 6"));
    assert_non_null(strstr(text, ":4:4: error: column 'at': 'x' is not a number"));
    assert_int_equal(d.n_problems, 6);
    free(text);
    seed_data_release(&d);

    assert_int_equal(prepare_text(f, "events", ".csv", "user,at\nu1,1\n", SEED_FORMAT_AUTO, &d, &err), -1);
    text = problems_of(&d);
    assert_non_null(strstr(text, ":1:1: error: the header has no column 'userID', the table's hash key"));
    free(text);
    seed_data_release(&d);
}

/* n generated items of table id with seed s, as one string. */
static char *generate(struct fixture *f, const char *id, long n, uint64_t s)
{
    struct seed_options o = {.table = id, .generate = n, .seed = s};
    struct seed_data d;
    struct pw_error err;
    struct buf all;
    seed_data_init(&d);
    assert_int_equal(seed_prepare(f->spec, &o, &d, &err), 0);
    assert_int_equal(d.n, (size_t)n);
    buf_init(&all, 0);
    for (size_t i = 0; i < d.n; i++) {
        buf_appends(&all, d.items.data + d.offs[i]);
        buf_appendc(&all, '\n');
    }
    seed_data_release(&d);
    return buf_detach(&all);
}

static void generators_are_reproducible(void **state)
{
    struct fixture *f = *state;
    char *a = generate(f, "orders", 50, 7), *b = generate(f, "orders", 50, 7);
    char *c = generate(f, "orders", 50, 8), *prefix = generate(f, "orders", 10, 7);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_memory_equal(a, prefix, strlen(prefix));   /* item i depends on i, not on N */
    /* The spec's options hold: quantity 2-3, price 0.99-1.01 with two decimals. */
    for (const char *p = a; (p = strstr(p, "\"quantity\":{\"N\":\"")); p++)
        assert_true(p[17] == '2' || p[17] == '3');
    for (const char *p = a; (p = strstr(p, "\"price\":{\"N\":\"")); p++)
        assert_true(strncmp(p + 14, "0.99\"", 5) == 0 || strncmp(p + 14, "1.00\"", 5) == 0 ||
                    strncmp(p + 14, "1.01\"", 5) == 0);
    free(a);
    free(b);
    free(c);
    free(prefix);
}

static void campaign_tasks_exist_in_campaign_info(void **state)
{
    struct fixture *f = *state;
    char *facts = generate(f, "uc", 12, 3), *dims = generate(f, "ci", 3, 3);
    int seen = 0;
    for (const char *p = facts; (p = strstr(p, "\"taskID\":{\"S\":\"")); p++) {
        char id[32];
        const char *s = p + 15;
        size_t n = strcspn(s, "\"");
        snprintf(id, sizeof id, "\"taskID\":{\"S\":\"%.*s\"}", (int)n, s);
        assert_non_null(strstr(dims, id));
        seen++;
    }
    assert_true(seen >= 12);
    struct seed_options o = {.table = "uc", .generate = 13, .seed = 3};
    struct seed_data d;
    struct pw_error err;
    seed_data_init(&d);
    assert_int_equal(seed_prepare(f->spec, &o, &d, &err), -1);   /* 4 users x 3 campaigns */
    assert_int_equal(err.exit, PW_EXIT_USAGE);
    assert_non_null(strstr(err.message, "makes at most 12 items"));
    seed_data_release(&d);
    free(facts);
    free(dims);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_numbers_keep_their_text),
        cmocka_unit_test(exact_strings_with_escapes_hide_no_numbers),
        cmocka_unit_test(exact_errors_have_offsets),
        cmocka_unit_test(exact_sequence_and_elements),
        cmocka_unit_test(encode_plain_values),
        cmocka_unit_test(number_rules),
        cmocka_unit_test(item_rules),
        cmocka_unit_test(item_depth_and_size),
        cmocka_unit_test(csv_records),
        cmocka_unit_test(csv_errors),
        cmocka_unit_test(rng_matches_the_published_algorithms),
        cmocka_unit_test(iso_dates),
        cmocka_unit_test_setup_teardown(prepare_json_lines_and_arrays, setup, teardown),
        cmocka_unit_test_setup_teardown(prepare_reports_problems_where_they_are, setup, teardown),
        cmocka_unit_test_setup_teardown(prepare_csv_typed, setup, teardown),
        cmocka_unit_test_setup_teardown(generators_are_reproducible, setup, teardown),
        cmocka_unit_test_setup_teardown(campaign_tasks_exist_in_campaign_info, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
