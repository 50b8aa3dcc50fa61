/* test_transform.c — the transform, one test per row of docs/transform.md's decision table,
 * the column types (§3), the rendering (§4), partitions (§5), and the dimension. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/dim.h"
#include "pipeline/transform.h"
#include "pipeline/tstamp.h"

/* A source table keyed by (userID, campaignID), a dimension keyed by campaignID. */
static const char spec_head[] =
    "version: 1\n"
    "stack: t\n"
    "region: eu-west-1\n"
    "tables:\n"
    "  src:\n"
    "    name: src\n"
    "    key: {hash: userID, range: campaignID}\n"
    "    stream: true\n"
    "  camp:\n"
    "    name: camp\n"
    "    key: {hash: campaignID}\n"
    "    stream: true\n";

struct fx {
    struct spec *spec;
    struct transform *tf;
    struct dim dim;
    int has_dim;
    struct row_renderer rr;
    struct buf rows;
    struct tf_result res;
};

static void fx_open(struct fx *f, const char *pipeline)
{
    struct diag_list d;
    struct pw_error err = {0};
    struct buf text, msg;
    memset(f, 0, sizeof *f);
    diag_list_init(&d);
    buf_init(&text, 0);
    buf_init(&msg, 0);
    buf_appends(&text, spec_head);
    buf_appends(&text, pipeline);
    if (spec_load_text("t.yaml", text.data, text.len, NULL, &f->spec, &d, &err) < 0) {
        diag_list_render(&d, &msg);
        fail_msg("spec: %s%s", buf_cstr(&msg), err.message);
    }
    if (transform_new(&f->spec->pipeline, &f->tf, &err) < 0)
        fail_msg("transform: %s", err.message);
    if (f->tf->has_join) {
        dim_init(&f->dim, f->tf);
        f->has_dim = 1;
    }
    row_renderer_init(&f->rr, f->spec->pipeline.output.format);
    buf_init(&f->rows, 0);
    buf_release(&text);
    buf_release(&msg);
    diag_list_release(&d);
}

static void fx_close(struct fx *f)
{
    if (f->has_dim)
        dim_release(&f->dim);
    transform_free(f->tf);
    spec_free(f->spec);
    row_renderer_release(&f->rr);
    buf_release(&f->rows);
}

/* Puts a dimension item given as DynamoDB JSON text; returns dim_put's result. */
static int put_dim(struct fx *f, const char *json, char *why, size_t n)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    int rc = dim_put(&f->dim, j, json, strlen(json), NULL, why, n);
    cJSON_Delete(j);
    return rc;
}

/* Transforms an item (DynamoDB JSON text): the rc, rows in f->rows (reset first). */
static int run(struct fx *f, const char *json)
{
    cJSON *j = cJSON_Parse(json);
    assert_non_null(j);
    buf_reset(&f->rows);
    int rc = transform_item(f->tf, j, f->has_dim ? &f->dim : NULL, &f->rr, &f->rows, &f->res);
    cJSON_Delete(j);
    return rc;
}

static void expect_rows(struct fx *f, const char *json, const char *rows)
{
    int rc = run(f, json);
    if (rc != 0)
        fail_msg("transform failed: %s", f->res.why);
    assert_string_equal(buf_cstr(&f->rows), rows);
}

static void expect_bad(struct fx *f, const char *json, const char *why)
{
    assert_int_equal(run(f, json), 1);
    if (strcmp(f->res.why, why) != 0)
        fail_msg("got '%s'\nwant '%s'", f->res.why, why);
    assert_int_equal(f->rows.len, 0);
    assert_int_equal(f->res.rows, 0);
}

static const char explode_pipeline[] =
    "pipeline:\n"
    "  source: src\n"
    "  explode: {attribute: tasks, empty: %s}\n"
    "  columns: [userID, taskID, {name: reward, from: rewardEarned, type: decimal}]\n"
    "  output: {url: 'file://lake'}\n";

static void explode_pl(struct fx *f, const char *empty)
{
    char text[512];
    snprintf(text, sizeof text, explode_pipeline, empty);
    fx_open(f, text);
}

#define ITEM(extra) "{\"userID\":{\"S\":\"u1\"},\"campaignID\":{\"S\":\"101\"}" extra "}"
#define TASK(id, r) "{\"M\":{\"taskID\":{\"S\":\"" id "\"},\"rewardEarned\":{\"N\":\"" r "\"}}}"

/* ---- decision table ---- */

static void missing_or_empty_array_drop(void **state)
{
    (void)state;
    struct fx f;
    explode_pl(&f, "drop");
    static const char *const items[] = {ITEM(""), ITEM(",\"tasks\":{\"NULL\":true}"),
                                        ITEM(",\"tasks\":{\"L\":[]}")};
    for (size_t i = 0; i < 3; i++) {
        expect_rows(&f, items[i], "");
        assert_int_equal(f.res.rows, 0);
        assert_int_equal(f.res.empty, 1);
    }
    fx_close(&f);
}

static void missing_or_empty_array_keep(void **state)
{
    (void)state;
    struct fx f;
    explode_pl(&f, "keep");
    expect_rows(&f, ITEM(",\"tasks\":{\"L\":[]}"), "{\"userID\":\"u1\",\"taskID\":null,\"reward\":null}\n");
    assert_int_equal(f.res.rows, 1);
    assert_int_equal(f.res.empty, 1);
    expect_rows(&f, ITEM(""), "{\"userID\":\"u1\",\"taskID\":null,\"reward\":null}\n");
    fx_close(&f);
}

static void array_that_is_not_a_list_of_maps(void **state)
{
    (void)state;
    struct fx f;
    explode_pl(&f, "drop");
    expect_bad(&f, ITEM(",\"tasks\":{\"S\":\"task001\"}"), "'tasks' is not a list of maps (it is S)");
    expect_bad(&f, ITEM(",\"tasks\":{\"M\":{}}"), "'tasks' is not a list of maps (it is M)");
    expect_bad(&f, ITEM(",\"tasks\":{\"SS\":[\"a\"]}"), "'tasks' is not a list of maps (it is SS)");
    expect_bad(&f, ITEM(",\"tasks\":{\"L\":[" TASK("t1", "1") ",{\"S\":\"t2\"}]}"),
               "'tasks' is not a list of maps (element 1 is S)");
    fx_close(&f);
}

static void duplicate_elements_are_kept_in_order(void **state)
{
    (void)state;
    struct fx f;
    explode_pl(&f, "drop");
    expect_rows(&f, ITEM(",\"tasks\":{\"L\":[" TASK("t2", "1") "," TASK("t1", "2") "," TASK("t2", "3") "]}"),
                "{\"userID\":\"u1\",\"taskID\":\"t2\",\"reward\":1}\n"
                "{\"userID\":\"u1\",\"taskID\":\"t1\",\"reward\":2}\n"
                "{\"userID\":\"u1\",\"taskID\":\"t2\",\"reward\":3}\n");
    assert_int_equal(f.res.rows, 3);
    assert_int_equal(f.res.empty, 0);
    fx_close(&f);
}

static const char join_pipeline[] =
    "pipeline:\n"
    "  source: src\n"
    "  explode: tasks\n"
    "  join: {table: camp, explode: campaignTasks, on: [campaignID, taskID], columns: [deadline],"
    " kind: %s}\n"
    "  columns: [campaignID, taskID, {name: deadline, type: timestamp}]\n"
    "  output: {url: 'file://lake'}\n";

static void join_pl(struct fx *f, const char *kind)
{
    char text[512];
    snprintf(text, sizeof text, join_pipeline, kind);
    fx_open(f, text);
}

#define CAMP(id, tasks) "{\"campaignID\":{\"S\":\"" id "\"},\"campaignTasks\":{\"L\":[" tasks "]}}"
#define DTASK(id, d) "{\"M\":{\"taskID\":{\"S\":\"" id "\"},\"deadline\":{\"S\":\"" d "\"}}}"

static void unmatched_left_keeps_nulls(void **state)
{
    (void)state;
    struct fx f;
    char why[256];
    join_pl(&f, "left");
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t1", "2024-01-20T23:59:59Z")), why, sizeof why), 0);
    expect_rows(&f, ITEM(",\"tasks\":{\"L\":[" TASK("t1", "1") "," TASK("t9", "1") "]}"),
                "{\"campaignID\":\"101\",\"taskID\":\"t1\",\"deadline\":\"2024-01-20T23:59:59Z\"}\n"
                "{\"campaignID\":\"101\",\"taskID\":\"t9\",\"deadline\":null}\n");
    assert_int_equal(f.res.unmatched, 1);
    assert_int_equal(f.res.n_affinity, 1);
    assert_string_equal(f.res.affinity[0], "101");
    /* A row without a join attribute matches nothing. */
    expect_rows(&f, ITEM(",\"tasks\":{\"L\":[{\"M\":{\"other\":{\"S\":\"x\"}}}]}"),
                "{\"campaignID\":\"101\",\"taskID\":null,\"deadline\":null}\n");
    assert_int_equal(f.res.unmatched, 1);
    fx_close(&f);
}

static void unmatched_inner_drops(void **state)
{
    (void)state;
    struct fx f;
    char why[256];
    join_pl(&f, "inner");
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t1", "2024-01-20T23:59:59Z")), why, sizeof why), 0);
    expect_rows(&f, ITEM(",\"tasks\":{\"L\":[" TASK("t9", "1") "," TASK("t1", "1") "]}"),
                "{\"campaignID\":\"101\",\"taskID\":\"t1\",\"deadline\":\"2024-01-20T23:59:59Z\"}\n");
    assert_int_equal(f.res.rows, 1);
    assert_int_equal(f.res.unmatched, 1);
    /* Text comparison: an N 101 matches an S "101". */
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"7\"},\"campaignTasks\":{\"L\":["
                                 "{\"M\":{\"taskID\":{\"N\":\"5\"},\"deadline\":{\"S\":\"2030-01-01\"}}}]}}",
                             why, sizeof why), 0);
    expect_rows(&f, "{\"userID\":{\"S\":\"u\"},\"campaignID\":{\"S\":\"7\"},\"tasks\":{\"L\":["
                    "{\"M\":{\"taskID\":{\"S\":\"5\"}}}]}}",
                "{\"campaignID\":\"7\",\"taskID\":\"5\",\"deadline\":\"2030-01-01T00:00:00Z\"}\n");
    fx_close(&f);
}

static void duplicate_join_keys_first_wins(void **state)
{
    (void)state;
    struct fx f;
    char why[256];
    join_pl(&f, "left");
    /* Within one item: the first element. */
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t1", "2024-01-01") "," DTASK("t1", "2025-01-01")),
                             why, sizeof why), 0);
    const char *item = ITEM(",\"tasks\":{\"L\":[" TASK("t1", "1") "]}");
    expect_rows(&f, item, "{\"campaignID\":\"101\",\"taskID\":\"t1\",\"deadline\":\"2024-01-01T00:00:00Z\"}\n");
    assert_true(f.dim.duplicates > 0);
    fx_close(&f);

    /* Across items (possible when the join is not on the dimension's key): the smallest key. */
    fx_open(&f, "pipeline:\n"
                "  source: src\n"
                "  join: {table: camp, on: [code], columns: [label]}\n"
                "  columns: [code, label]\n"
                "  output: {url: 'file://lake'}\n");
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"b\"},\"code\":{\"S\":\"X\"},\"label\":{\"S\":\"from b\"}}",
                             why, sizeof why), 0);
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"a\"},\"code\":{\"S\":\"X\"},\"label\":{\"S\":\"from a\"}}",
                             why, sizeof why), 0);
    item = "{\"userID\":{\"S\":\"u\"},\"campaignID\":{\"S\":\"1\"},\"code\":{\"S\":\"X\"}}";
    expect_rows(&f, item, "{\"code\":\"X\",\"label\":\"from a\"}\n");
    /* Removing the winner brings the other one back; removing both leaves nothing. */
    assert_int_equal(dim_remove(&f.dim, "[\"a\"]", 5), 1);
    expect_rows(&f, item, "{\"code\":\"X\",\"label\":\"from b\"}\n");
    assert_int_equal(dim_remove(&f.dim, "[\"b\"]", 5), 1);
    assert_int_equal(dim_remove(&f.dim, "[\"b\"]", 5), 0);
    expect_rows(&f, item, "{\"code\":\"X\",\"label\":null}\n");
    assert_int_equal(dim_count(&f.dim), 0);
    fx_close(&f);
}

static void dimension_item_with_a_bad_join_column(void **state)
{
    (void)state;
    struct fx f;
    char why[256] = "";
    join_pl(&f, "left");
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t1", "soon")), why, sizeof why), 1);
    assert_string_equal(why, "column 'deadline': 'soon' is not a timestamp");
    assert_int_equal(dim_count(&f.dim), 0);
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"1\"},\"campaignTasks\":{\"S\":\"x\"}}", why,
                             sizeof why), 1);
    assert_string_equal(why, "'campaignTasks' is not a list of maps (it is S)");
    assert_int_equal(put_dim(&f, "{\"campaignTasks\":{\"L\":[]}}", why, sizeof why), 1);
    assert_string_equal(why, "missing key attribute 'campaignID'");
    /* A replaced item leaves none of its old rows. */
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t1", "2024-01-01") "," DTASK("t2", "2024-01-02")),
                             why, sizeof why), 0);
    assert_int_equal(put_dim(&f, CAMP("101", DTASK("t2", "2024-02-02")), why, sizeof why), 0);
    assert_null(dim_lookup(&f.dim, "101\x1ft1", 6));
    const struct ddb_val *v = dim_lookup(&f.dim, "101\x1ft2", 6);
    assert_non_null(v);
    assert_string_equal(v[0].text, "2024-02-02");
    fx_close(&f);
}

static const char typed_pipeline[] =
    "pipeline:\n"
    "  source: src\n"
    "  columns:\n"
    "    - {name: v, type: %s%s}\n"
    "  output: {url: 'file://lake', format: %s}\n";

static void typed_pl(struct fx *f, const char *type, const char *format, const char *fmt)
{
    char text[512], extra[128] = "";
    if (format)
        snprintf(extra, sizeof extra, ", format: '%s'", format);
    snprintf(text, sizeof text, typed_pipeline, type, extra, fmt);
    fx_open(f, text);
}

/* The rendered cell of one value of a column type, or the reason it is bad. */
static void expect_cell(const char *type, const char *format, const char *value, const char *want)
{
    struct fx f;
    char item[1024], row[1024];
    typed_pl(&f, type, format, "jsonl");
    snprintf(item, sizeof item, ITEM(",\"v\":%s"), value);
    int rc = run(&f, item);
    if (strncmp(want, "bad: ", 5) == 0) {
        if (rc != 1 || strcmp(f.res.why, want + 5) != 0)
            fail_msg("%s %s: rc %d, got '%s', want '%s'", type, value, rc, f.res.why, want + 5);
    } else {
        snprintf(row, sizeof row, "{\"v\":%s}\n", want);
        if (rc != 0)
            fail_msg("%s %s: %s", type, value, f.res.why);
        if (strcmp(buf_cstr(&f.rows), row) != 0)
            fail_msg("%s %s: got %s want %s", type, value, buf_cstr(&f.rows), row);
    }
    fx_close(&f);
}

static void missing_and_null_attributes(void **state)
{
    (void)state;
    static const char *const types[] = {"string", "int", "decimal", "bool", "timestamp"};
    for (size_t i = 0; i < 5; i++) {
        struct fx f;
        typed_pl(&f, types[i], NULL, "jsonl");
        expect_rows(&f, ITEM(""), "{\"v\":null}\n");
        expect_rows(&f, ITEM(",\"v\":{\"NULL\":true}"), "{\"v\":null}\n");
        fx_close(&f);
    }
    struct fx f;
    fx_open(&f, "pipeline:\n  source: src\n  columns: [{name: c, from: CustomerID, required: true}]\n"
                "  output: {url: 'file://lake'}\n");
    expect_bad(&f, ITEM(""), "missing required attribute 'CustomerID'");
    expect_bad(&f, ITEM(",\"CustomerID\":{\"NULL\":true}"), "missing required attribute 'CustomerID'");
    expect_rows(&f, ITEM(",\"CustomerID\":{\"S\":\"\"}"), "{\"c\":\"\"}\n");   /* empty is a value */
    fx_close(&f);
}

static void column_types(void **state)
{
    (void)state;
    static const char *const cases[][4] = {
        /* type, format, DynamoDB JSON value, rendered JSON or "bad: reason" */
        {"string", NULL, "{\"S\":\"a\\\"b\\n\"}", "\"a\\\"b\\n\""},
        {"string", NULL, "{\"N\":\"12.50\"}", "\"12.50\""},
        {"string", NULL, "{\"BOOL\":false}", "\"false\""},
        {"string", NULL, "{\"B\":\"YQ==\"}", "\"YQ==\""},
        {"string", NULL, "{\"SS\":[\"b\",\"a\"]}", "\"[\\\"b\\\",\\\"a\\\"]\""},
        {"string", NULL, "{\"M\":{\"x\":{\"N\":\"1\"}}}", "\"{\\\"x\\\":1}\""},
        {"int", NULL, "{\"N\":\"20\"}", "20"},
        {"int", NULL, "{\"N\":\"-7\"}", "-7"},
        {"int", NULL, "{\"S\":\"+007\"}", "7"},
        {"int", NULL, "{\"N\":\"-0\"}", "0"},
        {"int", NULL, "{\"N\":\"9223372036854775807\"}", "9223372036854775807"},
        {"int", NULL, "{\"N\":\"9223372036854775808\"}", "bad: column 'v': '9223372036854775808' is not an int"},
        {"int", NULL, "{\"N\":\"-9223372036854775808\"}", "-9223372036854775808"},
        {"int", NULL, "{\"N\":\"2.5\"}", "bad: column 'v': '2.5' is not an int"},
        {"int", NULL, "{\"N\":\"1E+2\"}", "bad: column 'v': '1E+2' is not an int"},
        {"int", NULL, "{\"BOOL\":true}", "bad: column 'v': a BOOL is not an int"},
        {"decimal", NULL, "{\"N\":\"12345678901234567890.123456789012345678\"}",
         "12345678901234567890.123456789012345678"},
        {"decimal", NULL, "{\"N\":\"0.1\"}", "0.1"},
        {"decimal", NULL, "{\"S\":\"12.50\"}", "12.50"},
        {"decimal", NULL, "{\"S\":\".5\"}", "0.5"},
        {"decimal", NULL, "{\"N\":\"1E+2\"}", "1E+2"},
        {"decimal", NULL, "{\"S\":\"lots\"}", "bad: column 'v': 'lots' is not a decimal"},
        {"decimal", NULL, "{\"L\":[]}", "bad: column 'v': a L is not a decimal"},
        {"bool", NULL, "{\"BOOL\":true}", "true"},
        {"bool", NULL, "{\"S\":\"FALSE\"}", "false"},
        {"bool", NULL, "{\"N\":\"1\"}", "bad: column 'v': '1' is not a bool"},
        {"timestamp", NULL, "{\"S\":\"2024-01-20T23:59:59Z\"}", "\"2024-01-20T23:59:59Z\""},
        {"timestamp", NULL, "{\"S\":\"2024-01-20\"}", "\"2024-01-20T00:00:00Z\""},
        {"timestamp", NULL, "{\"S\":\"2024-01-20 08:26\"}", "\"2024-01-20T08:26:00Z\""},
        {"timestamp", NULL, "{\"S\":\"2024-01-01T02:00:00.500+05:30\"}", "\"2023-12-31T20:30:00.5Z\""},
        {"timestamp", NULL, "{\"S\":\"2024-03-01T00:00:00-0100\"}", "\"2024-03-01T01:00:00Z\""},
        {"timestamp", NULL, "{\"S\":\"2024-02-29T12:00:00.123000Z\"}", "\"2024-02-29T12:00:00.123Z\""},
        {"timestamp", NULL, "{\"N\":\"1704067200\"}", "\"2024-01-01T00:00:00Z\""},
        {"timestamp", NULL, "{\"N\":\"-1.25\"}", "\"1969-12-31T23:59:58.75Z\""},
        {"timestamp", NULL, "{\"S\":\"2023-02-29T00:00:00Z\"}", "bad: column 'v': '2023-02-29T00:00:00Z' is not a timestamp"},
        {"timestamp", NULL, "{\"S\":\"2024-01-01T23:59:60Z\"}", "bad: column 'v': '2024-01-01T23:59:60Z' is not a timestamp"},
        {"timestamp", NULL, "{\"S\":\"yesterday\"}", "bad: column 'v': 'yesterday' is not a timestamp"},
        {"timestamp", NULL, "{\"BOOL\":true}", "bad: column 'v': a BOOL is not a timestamp"},
        {"timestamp", "%m/%d/%Y %H:%M", "{\"S\":\"12/1/2010 8:26\"}", "\"2010-12-01T08:26:00Z\""},
        {"timestamp", "%m/%d/%Y %H:%M", "{\"S\":\"2/30/2010 8:26\"}",
         "bad: column 'v': '2/30/2010 8:26' does not match the format '%m/%d/%Y %H:%M'"},
        {"timestamp", "%m/%d/%Y %H:%M", "{\"S\":\"12/1/2010 8:26 extra\"}",
         "bad: column 'v': '12/1/2010 8:26 extra' does not match the format '%m/%d/%Y %H:%M'"},
        {"timestamp", "%m/%d/%Y %H:%M", "{\"N\":\"1704067200\"}", "bad: column 'v': '1704067200' is not a timestamp"},
        {"timestamp", "%d.%m.%Y %H:%M %z", "{\"S\":\"01.01.2024 01:00 +0200\"}", "\"2023-12-31T23:00:00Z\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_cell(cases[i][0], cases[i][1], cases[i][2], cases[i][3]);
}

static void malformed_items_and_keys(void **state)
{
    (void)state;
    struct fx f;
    explode_pl(&f, "drop");
    expect_bad(&f, ITEM(",\"tasks\":{\"L\":[{\"M\":{\"rewardEarned\":{\"N\":\"x\"}}}]}"),
               "'tasks[0].rewardEarned': 'x' is not a number");
    char why[256];
    struct buf key;
    buf_init(&key, 0);
    static const char *const keys[][2] = {
        {"{\"userID\":{\"S\":\"u\"}}", "missing key attribute 'campaignID'"},
        {"{\"userID\":{\"N\":\"1\"},\"campaignID\":{\"S\":\"c\"}}", "key attribute 'userID' is N, the "
                                                                 "table's key says S"},
    };
    for (size_t i = 0; i < 2; i++) {
        cJSON *j = cJSON_Parse(keys[i][0]);
        assert_int_equal(transform_key(f.tf, j, &key, why, sizeof why), 1);
        assert_string_equal(why, keys[i][1]);
        cJSON_Delete(j);
    }
    cJSON *j = cJSON_Parse("{\"campaignID\":{\"S\":\"c\\\"1\"},\"userID\":{\"S\":\"user-002\"},\"x\":{\"N\":\"1\"}}");
    assert_int_equal(transform_key(f.tf, j, &key, why, sizeof why), 0);
    assert_string_equal(buf_cstr(&key), "[\"user-002\",\"c\\\"1\"]");   /* hash, then range */
    cJSON_Delete(j);
    buf_release(&key);
    fx_close(&f);
}

static void element_fields_win_over_the_item_and_join_columns_over_both(void **state)
{
    (void)state;
    struct fx f;
    char why[256];
    fx_open(&f, "pipeline:\n"
                "  source: src\n"
                "  explode: tasks\n"
                "  join: {table: camp, on: [campaignID], columns: [note]}\n"
                "  columns: [state, note, {name: city, from: addr.city}, {name: deep, from: a.b}]\n"
                "  output: {url: 'file://lake'}\n");
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"101\"},\"note\":{\"S\":\"dim\"}}", why,
                             sizeof why), 0);
    expect_rows(&f, ITEM(",\"state\":{\"S\":\"item\"},\"note\":{\"S\":\"item\"},"
                         "\"addr\":{\"M\":{\"city\":{\"S\":\"Pune\"}}},\"a.b\":{\"S\":\"literal\"},"
                         "\"a\":{\"M\":{\"b\":{\"S\":\"nested\"}}},"
                         "\"tasks\":{\"L\":[{\"M\":{\"state\":{\"S\":\"elem\"}}},{\"M\":{}}]}"),
                "{\"state\":\"elem\",\"note\":\"dim\",\"city\":\"Pune\",\"deep\":\"literal\"}\n"
                "{\"state\":\"item\",\"note\":\"dim\",\"city\":\"Pune\",\"deep\":\"literal\"}\n");
    fx_close(&f);
}

/* ---- partitions ---- */

static void expect_partition(const char *gran, const char *value, const char *want)
{
    struct fx f;
    char text[512], item[512], why[256] = "";
    struct buf part;
    snprintf(text, sizeof text, "pipeline:\n  source: src\n  columns: [{name: t, type: %s}]\n"
             "  partition: {column: t, granularity: %s}\n  output: {url: 'file://lake'}\n",
             strcmp(gran, "value") == 0 ? "string" : "timestamp", gran);
    fx_open(&f, text);
    snprintf(item, sizeof item, ITEM("%s%s"), value ? ",\"t\":" : "", value ? value : "");
    cJSON *j = cJSON_Parse(item);
    buf_init(&part, 0);
    int rc = transform_partition(f.tf, j, &part, why, sizeof why);
    if (strncmp(want, "bad: ", 5) == 0) {
        assert_int_equal(rc, 1);
        assert_string_equal(why, want + 5);
    } else {
        if (rc)
            fail_msg("%s: %s", value, why);
        assert_string_equal(buf_cstr(&part), want);
    }
    buf_release(&part);
    cJSON_Delete(j);
    fx_close(&f);
}

static void partition_values(void **state)
{
    (void)state;
    expect_partition("day", "{\"S\":\"2024-01-01T00:00:00Z\"}", "t_date=2024-01-01");
    expect_partition("day", "{\"S\":\"2024-01-01T02:00:00+05:00\"}", "t_date=2023-12-31");
    expect_partition("month", "{\"S\":\"2024-02-29T12:00:00Z\"}", "t_month=2024-02");
    expect_partition("year", "{\"N\":\"1704067200\"}", "t_year=2024");
    expect_partition("hour", "{\"S\":\"2024-01-01T08:26:59Z\"}", "t_hour=2024-01-01T08");
    expect_partition("day", NULL, "t_date=__HIVE_DEFAULT_PARTITION__");
    expect_partition("day", "{\"NULL\":true}", "t_date=__HIVE_DEFAULT_PARTITION__");
    expect_partition("day", "{\"S\":\"tomorrow\"}", "bad: column 't': 'tomorrow' is not a timestamp");
    expect_partition("value", "{\"S\":\"a/b=c:d%e f\"}", "t_value=a%2Fb%3Dc%3Ad%25e f");
    expect_partition("value", "{\"S\":\"\"}", "t_value=__HIVE_DEFAULT_PARTITION__");
    expect_partition("value", "{\"N\":\"42\"}", "t_value=42");
}

static void partition_from_an_element_is_refused(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "pipeline:\n  source: src\n  explode: tasks\n"
                "  columns: [{name: t, type: timestamp}]\n"
                "  partition: {column: t}\n  output: {url: 'file://lake'}\n");
    expect_bad(&f, ITEM(",\"tasks\":{\"L\":[{\"M\":{\"t\":{\"S\":\"2024-01-01\"}}}]}"),
               "partition column 't' must be an attribute of the source item, not of its 'tasks' "
               "elements");
    expect_rows(&f, ITEM(",\"t\":{\"S\":\"2024-01-01\"},\"tasks\":{\"L\":[{\"M\":{}}]}"),
                "{\"t\":\"2024-01-01T00:00:00Z\"}\n");
    fx_close(&f);
}

/* ---- rendering ---- */

static void csv_rendering(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "pipeline:\n  source: src\n"
                "  columns: [a, b, c, {name: 'n,1', from: n, type: decimal}, {name: t, type: bool}]\n"
                "  output: {url: 'file://lake', format: csv}\n");
    expect_rows(&f, ITEM(",\"a\":{\"S\":\"say \\\"hi\\\", twice\"},\"b\":{\"S\":\"\"},"
                         "\"n\":{\"N\":\"-0.50\"},\"t\":{\"BOOL\":true}"),
                "\"say \"\"hi\"\", twice\",\"\",,-0.50,true\r\n");
    expect_rows(&f, ITEM(",\"a\":{\"S\":\"two\\nlines\\r\"},\"c\":{\"S\":\"plain text\"}"),
                "\"two\nlines\r\",,plain text,,\r\n");
    struct buf h;
    buf_init(&h, 0);
    assert_int_equal(row_render_header(&f.rr, f.tf->names, f.tf->n_cols, &h), 0);
    assert_string_equal(buf_cstr(&h), "a,b,c,\"n,1\",t\r\n");
    /* A record boundary is found across quoted line breaks. */
    const char *two = "\"x\ny\",1\r\nz,2\r\n";
    assert_int_equal(row_record_len(SPEC_FORMAT_CSV, two, strlen(two)), 9);
    assert_int_equal(row_record_len(SPEC_FORMAT_CSV, two, 4), 0);
    buf_release(&h);
    fx_close(&f);
}

static void jsonl_escaping(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "pipeline:\n  source: src\n  columns: [a]\n  output: {url: 'file://lake'}\n");
    expect_rows(&f, ITEM(",\"a\":{\"S\":\"\\u0001 tab\\t \\\\ / é 日本\"}"),
                "{\"a\":\"\\u0001 tab\\t \\\\ / é 日本\"}\n");
    fx_close(&f);
}

static void every_attribute_without_columns(void **state)
{
    (void)state;
    struct fx f;
    char why[256];
    fx_open(&f, "pipeline:\n  source: src\n  explode: tasks\n"
                "  join: {table: camp, on: [campaignID], columns: [label]}\n"
                "  output: {url: 'file://lake'}\n");
    assert_int_equal(put_dim(&f, "{\"campaignID\":{\"S\":\"101\"},\"label\":{\"L\":[{\"N\":\"1\"}]}}",
                             why, sizeof why), 0);
    expect_rows(&f, ITEM(",\"z\":{\"N\":\"+5\"},\"m\":{\"M\":{\"k\":{\"BOOL\":true}}},"
                         "\"tasks\":{\"L\":[{\"M\":{\"z\":{\"S\":\"elem\"},\"s\":{\"NS\":[\"1\",\"2.0\"]}}}]}"),
                "{\"campaignID\":\"101\",\"label\":[1],\"m_k\":true,\"s\":[1,2.0],\"userID\":\"u1\","
                "\"z\":\"elem\"}\n");
    fx_close(&f);
}

static void transform_refuses_what_it_cannot_write(void **state)
{
    (void)state;
    struct diag_list d;
    struct pw_error err = {0};
    struct spec *s = NULL;
    struct transform *tf = NULL;
    static const char *const bad[][2] = {
        {"pipeline:\n  source: src\n  output: {url: 'file://l', format: csv}\n", "declares no columns"},
        {"pipeline:\n  source: src\n  join: {table: camp, on: [campaignID], columns: [d]}\n"
         "  columns: [{name: d, type: timestamp}]\n  partition: {column: d}\n"
         "  output: {url: 'file://l'}\n", "comes from the join"},
    };
    for (size_t i = 0; i < 2; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s", spec_head, bad[i][0]);
        diag_list_init(&d);
        assert_int_equal(spec_load_text("t.yaml", text, strlen(text), NULL, &s, &d, &err), 0);
        assert_int_equal(transform_new(&s->pipeline, &tf, &err), -1);
        assert_non_null(strstr(err.message, bad[i][1]));
        assert_int_equal(err.exit, PW_EXIT_SPEC);
        spec_free(s);
        diag_list_release(&d);
    }
}

static void dimension_affinity_of_a_key(void **state)
{
    (void)state;
    struct fx f;
    struct buf b;
    join_pl(&f, "left");
    buf_init(&b, 0);
    assert_int_equal(transform_dim_affinity(f.tf, "[\"101\"]", 7, &b), 0);
    assert_string_equal(buf_cstr(&b), "101");
    buf_reset(&b);
    assert_int_equal(transform_dim_affinity(f.tf, "not json", 8, &b), -1);
    buf_release(&b);
    fx_close(&f);
}

static void fingerprints_follow_the_spec(void **state)
{
    (void)state;
    struct fx a, b, c;
    explode_pl(&a, "drop");
    explode_pl(&b, "keep");
    explode_pl(&c, "drop");
    assert_string_equal(a.tf->fingerprint, c.tf->fingerprint);
    assert_string_not_equal(a.tf->fingerprint, b.tf->fingerprint);
    assert_string_equal(a.tf->part_fingerprint, b.tf->part_fingerprint);
    fx_close(&a);
    fx_close(&b);
    fx_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_or_empty_array_drop),
        cmocka_unit_test(missing_or_empty_array_keep),
        cmocka_unit_test(array_that_is_not_a_list_of_maps),
        cmocka_unit_test(duplicate_elements_are_kept_in_order),
        cmocka_unit_test(unmatched_left_keeps_nulls),
        cmocka_unit_test(unmatched_inner_drops),
        cmocka_unit_test(duplicate_join_keys_first_wins),
        cmocka_unit_test(dimension_item_with_a_bad_join_column),
        cmocka_unit_test(missing_and_null_attributes),
        cmocka_unit_test(column_types),
        cmocka_unit_test(malformed_items_and_keys),
        cmocka_unit_test(element_fields_win_over_the_item_and_join_columns_over_both),
        cmocka_unit_test(partition_values),
        cmocka_unit_test(partition_from_an_element_is_refused),
        cmocka_unit_test(csv_rendering),
        cmocka_unit_test(jsonl_escaping),
        cmocka_unit_test(every_attribute_without_columns),
        cmocka_unit_test(transform_refuses_what_it_cannot_write),
        cmocka_unit_test(dimension_affinity_of_a_key),
        cmocka_unit_test(fingerprints_follow_the_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
