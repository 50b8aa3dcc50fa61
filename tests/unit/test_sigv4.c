/* test_sigv4.c — the signer against botocore, stage by stage (after aws-c-auth's
 * signing-test-suite), plus percent-encoding edge cases and the AWS documentation's vectors.
 *
 * Every $PW_FIXTURES/sigv4/<case>.json (written by tests/tools/sigv4_fixtures.py with botocore)
 * becomes one test named after its case. A failure names the case and each stage that differs
 * — wire_target, canonical_request, string_to_sign, signature, authorization, added_headers —
 * and prints both sides, so the first differing stage points at the step that is wrong. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "provision/aws/buf.h"
#include "provision/aws/error.h"
#include "provision/aws/kv.h"
#include "provision/aws/sigv4.h"
#include "provision/aws/uri.h"

/* ------------------------------------------------------------------ uri ---------------- */

static void encode_is(const char *in, size_t n, int keep_slash, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(uri_encode(&b, in, n, keep_slash), 0);
    assert_string_equal(buf_cstr(&b), want);
    buf_release(&b);
}

static void test_uri_encode_unreserved_kept(void **state)
{
    (void)state;
    const char *u = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
    encode_is(u, strlen(u), 0, u);
    encode_is("", 0, 0, "");
}

static void test_uri_encode_reserved_upper_hex(void **state)
{
    (void)state;
    /* space is %20 (never '+'), '+' and '%' are encoded, hex digits upper-case */
    encode_is("a b+c%d", 7, 0, "a%20b%2Bc%25d");
    encode_is("!#$&'()*+,/:;=?@[]", 18, 0,
              "%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D");
    encode_is("\xff\x7f\x00z", 4, 0, "%FF%7F%00z");
}

static void test_uri_encode_slash(void **state)
{
    (void)state;
    encode_is("/bucket/dt=2024-01-01/a b+c.json", 32, 1, "/bucket/dt%3D2024-01-01/a%20b%2Bc.json");
    encode_is("/bucket/dt=2024-01-01/a b+c.json", 32, 0,
              "%2Fbucket%2Fdt%3D2024-01-01%2Fa%20b%2Bc.json");
    encode_is("//", 2, 1, "//");
}

static void test_uri_encode_utf8(void **state)
{
    (void)state;
    encode_is("naïve/日本.json", strlen("naïve/日本.json"), 1,
              "na%C3%AFve/%E6%97%A5%E6%9C%AC.json");
}

static void test_uri_encode_every_byte(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    for (int c = 0; c < 256; c++) {
        char ch = (char)c;
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~';
        buf_reset(&b);
        assert_int_equal(uri_encode(&b, &ch, 1, 0), 0);
        if (plain) {
            assert_int_equal(b.len, 1);
        } else {
            char want[4];
            snprintf(want, sizeof want, "%%%02X", c);
            assert_string_equal(buf_cstr(&b), want);
        }
    }
    buf_release(&b);
}

static void test_uri_encode_all_or_nothing(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);   /* room for "ab" and little else */
    assert_int_equal(buf_appends(&b, "ab"), 0);
    assert_int_equal(uri_encode(&b, "日本", strlen("日本"), 0), -1);
    assert_string_equal(buf_cstr(&b), "ab");
    assert_int_equal(b.len, 2);
    buf_release(&b);
}

static void test_uri_decode(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(uri_decode(&b, "a%20b+c%2fd%2F%C3%AF", 20), 0);
    assert_string_equal(buf_cstr(&b), "a b+c/d/ï");   /* '+' stays: SigV4 never reads it as space */
    buf_reset(&b);
    assert_int_equal(uri_decode(&b, "", 0), 0);
    assert_string_equal(buf_cstr(&b), "");
    buf_release(&b);
}

static void test_uri_decode_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {"%", "a%2", "%zz", "%2G", "%G2", "ok%"};
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        buf_reset(&b);
        assert_int_equal(buf_appends(&b, "x"), 0);
        assert_int_equal(uri_decode(&b, bad[i], strlen(bad[i])), -1);
        assert_string_equal(buf_cstr(&b), "x");   /* unchanged on failure */
    }
    buf_release(&b);
}

static void test_uri_round_trip_every_byte(void **state)
{
    (void)state;
    char all[256];
    struct buf enc, dec;
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    buf_init(&enc, 0);
    buf_init(&dec, 0);
    assert_int_equal(uri_encode(&enc, all, sizeof all, 1), 0);
    assert_int_equal(uri_decode(&dec, enc.data, enc.len), 0);
    assert_int_equal(dec.len, sizeof all);
    assert_memory_equal(dec.data, all, sizeof all);
    buf_release(&enc);
    buf_release(&dec);
}

/* ------------------------------------------------------------------ sigv4 -------------- */

/* AWS documentation, "Create a signed AWS API request": the derived key and the signature of
 * GET iam ListUsers, independent of botocore. */
#define DOC_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define DOC_KEY "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
#define DOC_SIGNATURE "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"

static void test_signing_key_aws_docs(void **state)
{
    (void)state;
    unsigned char key[32];
    char hex[65];
    assert_int_equal(sigv4_signing_key(DOC_SECRET, "20150830", "us-east-1", "iam", key), 0);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    assert_string_equal(hex, DOC_KEY);
}

static void test_sha256_hex(void **state)
{
    (void)state;
    char hex[65];
    sigv4_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sigv4_sha256_hex("{}", 2, hex);
    assert_string_equal(hex, "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

/* The documentation's request, for the tests below to vary. */
struct doc_request {
    struct kvlist query, headers;
    struct sigv4_credentials creds;
    struct sigv4_input in;
};

static void doc_request_init(struct doc_request *r)
{
    kvlist_init(&r->query);
    kvlist_init(&r->headers);
    assert_int_equal(kvlist_add(&r->query, "Version", "2010-05-08"), 0);
    assert_int_equal(kvlist_add(&r->query, "Action", "ListUsers"), 0);
    assert_int_equal(kvlist_add(&r->headers, "Content-Type",
                                "application/x-www-form-urlencoded; charset=utf-8"), 0);
    r->creds = (struct sigv4_credentials){"AKIDEXAMPLE", DOC_SECRET, NULL};
    r->in = (struct sigv4_input){
        .method = "GET", .host = "iam.amazonaws.com", .path = "/", .query = &r->query,
        .headers = &r->headers, .region = "us-east-1", .service = "iam",
        .now = 1440938160, /* 2015-08-30T12:36:00Z */ .creds = &r->creds,
    };
}

static void doc_request_release(struct doc_request *r)
{
    kvlist_release(&r->query);
    kvlist_release(&r->headers);
}

static void test_sign_aws_docs_example(void **state)
{
    (void)state;
    struct doc_request r;
    struct sigv4_output out;
    struct pw_error err;
    doc_request_init(&r);
    sigv4_output_init(&out);

    assert_int_equal(sigv4_sign(&r.in, &out, &err), 0);
    assert_string_equal(buf_cstr(&out.canonical_request),
                        "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                        "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        "content-type;host;x-amz-date\n"
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(buf_cstr(&out.string_to_sign),
                        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                        "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    assert_string_equal(out.signature, DOC_SIGNATURE);
    assert_string_equal(buf_cstr(&out.wire_target), "/?Action=ListUsers&Version=2010-05-08");
    assert_string_equal(kvlist_get(&out.add_headers, "X-Amz-Date"), "20150830T123600Z");
    assert_null(kvlist_get(&out.add_headers, "X-Amz-Content-SHA256"));
    assert_null(kvlist_get(&out.add_headers, "X-Amz-Security-Token"));

    sigv4_output_release(&out);
    doc_request_release(&r);
}

/* A retry signs into the same output: the result is the same, not appended to the last. */
static void test_sign_twice_same_output(void **state)
{
    (void)state;
    struct doc_request r;
    struct sigv4_output out;
    struct pw_error err;
    doc_request_init(&r);
    sigv4_output_init(&out);

    assert_int_equal(sigv4_sign(&r.in, &out, &err), 0);
    assert_int_equal(sigv4_sign(&r.in, &out, &err), 0);
    assert_string_equal(out.signature, DOC_SIGNATURE);
    assert_string_equal(buf_cstr(&out.wire_target), "/?Action=ListUsers&Version=2010-05-08");
    assert_int_equal(out.add_headers.len, 2);

    sigv4_output_release(&out);
    doc_request_release(&r);
}

static void test_sign_default_path(void **state)
{
    (void)state;
    struct doc_request r;
    struct sigv4_output out;
    struct pw_error err;
    doc_request_init(&r);
    sigv4_output_init(&out);

    r.in.path = NULL;
    assert_int_equal(sigv4_sign(&r.in, &out, &err), 0);
    assert_string_equal(out.signature, DOC_SIGNATURE);

    sigv4_output_release(&out);
    doc_request_release(&r);
}

/* One refused input: sign fails, names the subject, and leaves no half-built output. */
static void expect_refused(struct doc_request *r, const char *needle)
{
    struct sigv4_output out;
    struct pw_error err;
    sigv4_output_init(&out);
    pw_error_clear(&err);
    assert_int_equal(sigv4_sign(&r->in, &out, &err), -1);
    if (!strstr(err.message, needle))
        fail_msg("error \"%s\" does not mention \"%s\"", err.message, needle);
    assert_int_equal(out.add_headers.len, 0);
    assert_int_equal(out.canonical_request.len, 0);
    assert_int_equal(out.wire_target.len, 0);
    assert_string_equal(out.signature, "");
    sigv4_output_release(&out);
}

static void test_sign_refuses_host_and_date_headers(void **state)
{
    (void)state;
    struct doc_request r;
    doc_request_init(&r);
    assert_int_equal(kvlist_add(&r.headers, "Host", "example.com"), 0);
    expect_refused(&r, "\"Host\"");
    kvlist_remove_ci(&r.headers, "host");
    assert_int_equal(kvlist_add(&r.headers, "date", "Mon, 01 Jan 2024 00:00:00 GMT"), 0);
    expect_refused(&r, "\"date\"");
    doc_request_release(&r);
}

static void test_sign_refuses_bad_input(void **state)
{
    (void)state;
    struct doc_request r;
    doc_request_init(&r);

    r.creds.secret_access_key = "";
    expect_refused(&r, "secret access key");
    r.creds.secret_access_key = DOC_SECRET;

    r.in.path = "bucket/key";
    expect_refused(&r, "\"bucket/key\"");
    r.in.path = "/";

    /* An encoded path is sent as is: anything an encoder would not write is refused. */
    r.in.path_encoded = 1;
    r.in.path = "/tags/arn:aws";
    expect_refused(&r, "not percent-encoded");
    r.in.path = "/tags/a%2";
    expect_refused(&r, "not percent-encoded");
    r.in.path = "/tags/a%zz";
    expect_refused(&r, "not percent-encoded");
    r.in.path = "/";
    r.in.path_encoded = 0;

    r.in.body_len = 3;
    expect_refused(&r, "without a body");
    r.in.body_len = 0;

    r.in.payload_hash = "0123456789012345678901234567890123456789012345678901234567890123456789";
    expect_refused(&r, "payload hash");
    r.in.payload_hash = NULL;

    r.in.region = NULL;
    expect_refused(&r, "region");
    doc_request_release(&r);
}

/* ------------------------------------------------------------------ fixtures ----------- */

struct fixture_case {
    char *name;   /* file name without .json: the case */
    char *path;
};

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct buf b;
    char chunk[8192];
    size_t n;

    if (!f)
        return NULL;
    buf_init(&b, 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (buf_append(&b, chunk, n) < 0)
            break;
    fclose(f);
    return buf_detach(&b);
}

static const char *json_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *json_req(const cJSON *obj, const char *name, const char *ctx)
{
    const char *s = json_str(obj, name);
    if (!s)
        fail_msg("case %s: fixture has no string \"%s\"", ctx, name);
    return s;
}

static void json_pairs(const cJSON *arr, struct kvlist *out, const char *ctx)
{
    const cJSON *pair;
    cJSON_ArrayForEach(pair, arr) {
        const cJSON *n = cJSON_GetArrayItem(pair, 0), *v = cJSON_GetArrayItem(pair, 1);
        if (!cJSON_IsString(n) || !cJSON_IsString(v))
            fail_msg("case %s: a name/value pair is not two strings", ctx);
        assert_int_equal(kvlist_add(out, n->valuestring, v->valuestring), 0);
    }
}

/* The body as the generator describes it: text, base64, or n bytes with byte i = i % 251. */
static unsigned char *fixture_body(const cJSON *spec, size_t *len, const char *ctx)
{
    const char *text = json_str(spec, "text"), *b64 = json_str(spec, "base64");
    const cJSON *pattern = cJSON_GetObjectItemCaseSensitive(spec, "pattern_length");
    unsigned char *body;

    if (text) {
        *len = strlen(text);
        body = malloc(*len + 1);
        assert_non_null(body);
        memcpy(body, text, *len + 1);
    } else if (b64) {
        size_t n = strlen(b64), pad = 0;
        body = malloc(n / 4 * 3 + 1);
        assert_non_null(body);
        int got = EVP_DecodeBlock(body, (const unsigned char *)b64, (int)n);
        assert_true(got >= 0);
        while (pad < n && b64[n - 1 - pad] == '=')
            pad++;
        *len = (size_t)got - pad;   /* EVP_DecodeBlock counts the padding as zero bytes */
    } else if (cJSON_IsNumber(pattern)) {
        *len = (size_t)pattern->valuedouble;
        body = malloc(*len + 1);
        assert_non_null(body);
        for (size_t i = 0; i < *len; i++)
            body[i] = (unsigned char)(i % 251);
    } else {
        fail_msg("case %s: body is neither text, base64 nor pattern_length", ctx);
        return NULL;
    }
    return body;
}

static time_t fixture_time(const char *iso, const char *ctx)
{
    struct tm tm = {0};
    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        fail_msg("case %s: time \"%s\" is not YYYY-MM-DDTHH:MM:SSZ", ctx, iso);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

static int kv_cmp(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

/* Headers as "Name: value" lines sorted by name: their order on the wire does not matter. */
static char *headers_text(const struct kvlist *l)
{
    struct kv *items = malloc((l->len ? l->len : 1) * sizeof *items);
    struct buf b;
    assert_non_null(items);
    memcpy(items, l->items, l->len * sizeof *items);
    qsort(items, l->len, sizeof *items, kv_cmp);
    buf_init(&b, 0);
    for (size_t i = 0; i < l->len; i++)
        assert_int_equal(buf_appendf(&b, "%s: %s\n", items[i].name, items[i].value), 0);
    free(items);
    return buf_detach(&b);
}

/* Records a differing stage with both sides; returns the first stage that differed. */
static const char *stage_check(const char *name, const char *first_bad, const char *stage,
                               const char *want, const char *got)
{
    if (strcmp(want ? want : "", got ? got : "") == 0)
        return first_bad;
    print_error("case %s: stage %s differs\n--- botocore\n%s\n--- pipewright\n%s\n---\n", name,
                stage, want ? want : "(missing)", got ? got : "(missing)");
    return first_bad ? first_bad : stage;
}

static void test_fixture(void **state)
{
    const struct fixture_case *fc = *state;
    const char *name = fc->name;
    char *text = read_text(fc->path);
    if (!text)
        fail_msg("case %s: cannot read %s", name, fc->path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (!root)
        fail_msg("case %s: %s is not valid JSON", name, fc->path);

    const cJSON *in = cJSON_GetObjectItemCaseSensitive(root, "input");
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(root, "expected");
    const cJSON *cj = cJSON_GetObjectItemCaseSensitive(in, "credentials");
    if (!cJSON_IsObject(in) || !cJSON_IsObject(want) || !cJSON_IsObject(cj))
        fail_msg("case %s: fixture lacks input, expected or credentials", name);

    struct kvlist query, headers, want_added;
    kvlist_init(&query);
    kvlist_init(&headers);
    kvlist_init(&want_added);
    json_pairs(cJSON_GetObjectItemCaseSensitive(in, "query"), &query, name);
    json_pairs(cJSON_GetObjectItemCaseSensitive(in, "headers"), &headers, name);
    json_pairs(cJSON_GetObjectItemCaseSensitive(want, "added_headers"), &want_added, name);

    size_t body_len = 0;
    unsigned char *body = fixture_body(cJSON_GetObjectItemCaseSensitive(in, "body"), &body_len, name);
    struct sigv4_credentials creds = {
        .access_key_id = json_req(cj, "access_key_id", name),
        .secret_access_key = json_req(cj, "secret_access_key", name),
        .session_token = json_str(cj, "session_token"),
    };
    struct sigv4_input si = {
        .method = json_req(in, "method", name),
        .host = json_req(in, "host", name),
        .path = json_req(in, "path", name),
        .path_encoded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "path_encoded")),
        .query = &query,
        .headers = &headers,
        .body = body,
        .body_len = body_len,
        .payload_hash = json_str(in, "payload_hash"),
        .region = json_req(in, "region", name),
        .service = json_req(in, "service", name),
        .s3 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "s3")),
        .now = fixture_time(json_req(in, "time", name), name),
        .creds = &creds,
    };

    struct sigv4_output out;
    struct pw_error err;
    sigv4_output_init(&out);
    if (sigv4_sign(&si, &out, &err) < 0)
        fail_msg("case %s: sigv4_sign failed: %s", name, err.message);

    char *want_hdrs = headers_text(&want_added), *got_hdrs = headers_text(&out.add_headers);
    const char *bad = NULL;
    bad = stage_check(name, bad, "wire_target", json_str(want, "wire_target"), buf_cstr(&out.wire_target));
    bad = stage_check(name, bad, "canonical_request", json_str(want, "canonical_request"),
                      buf_cstr(&out.canonical_request));
    bad = stage_check(name, bad, "string_to_sign", json_str(want, "string_to_sign"),
                      buf_cstr(&out.string_to_sign));
    bad = stage_check(name, bad, "signature", json_str(want, "signature"), out.signature);
    bad = stage_check(name, bad, "authorization", json_str(want, "authorization"),
                      kvlist_get(&out.add_headers, "Authorization"));
    bad = stage_check(name, bad, "added_headers", want_hdrs, got_hdrs);

    free(want_hdrs);
    free(got_hdrs);
    sigv4_output_release(&out);
    free(body);
    kvlist_release(&query);
    kvlist_release(&headers);
    kvlist_release(&want_added);
    cJSON_Delete(root);
    if (bad)
        fail_msg("case %s: stage %s differs from botocore (first of the stages printed above)",
                 name, bad);
}

static int case_cmp(const void *a, const void *b)
{
    return strcmp(((const struct fixture_case *)a)->name, ((const struct fixture_case *)b)->name);
}

/* Every *.json under dir, sorted by name so the run order is stable. */
static size_t load_cases(const char *dir, struct fixture_case **out)
{
    DIR *d = opendir(dir);
    struct fixture_case *cases = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;

    *out = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            struct fixture_case *p = realloc(cases, cap * sizeof *p);
            if (!p)
                break;
            cases = p;
        }
        struct buf path;
        buf_init(&path, 0);
        if (buf_appendf(&path, "%s/%s", dir, e->d_name) < 0)
            break;
        cases[n].path = buf_detach(&path);
        cases[n].name = strndup(e->d_name, len - 5);
        n++;
    }
    closedir(d);
    if (n)
        qsort(cases, n, sizeof *cases, case_cmp);
    *out = cases;
    return n;
}

int main(void)
{
    const struct CMUnitTest unit[] = {
        cmocka_unit_test(test_uri_encode_unreserved_kept),
        cmocka_unit_test(test_uri_encode_reserved_upper_hex),
        cmocka_unit_test(test_uri_encode_slash),
        cmocka_unit_test(test_uri_encode_utf8),
        cmocka_unit_test(test_uri_encode_every_byte),
        cmocka_unit_test(test_uri_encode_all_or_nothing),
        cmocka_unit_test(test_uri_decode),
        cmocka_unit_test(test_uri_decode_malformed),
        cmocka_unit_test(test_uri_round_trip_every_byte),
        cmocka_unit_test(test_signing_key_aws_docs),
        cmocka_unit_test(test_sha256_hex),
        cmocka_unit_test(test_sign_aws_docs_example),
        cmocka_unit_test(test_sign_twice_same_output),
        cmocka_unit_test(test_sign_default_path),
        cmocka_unit_test(test_sign_refuses_host_and_date_headers),
        cmocka_unit_test(test_sign_refuses_bad_input),
    };
    int failed = cmocka_run_group_tests_name("sigv4_unit", unit, NULL, NULL);

    /* The fixtures are the proof: a missing folder or an empty one is a failure, not a pass. */
    const char *root = getenv("PW_FIXTURES");
    if (!root || !root[0]) {
        fprintf(stderr, "test_sigv4: PW_FIXTURES is not set (run through make unit)\n");
        return 1;
    }
    struct buf dir;
    buf_init(&dir, 0);
    if (buf_appendf(&dir, "%s/sigv4", root) < 0)
        return 1;
    struct fixture_case *cases;
    size_t n = load_cases(buf_cstr(&dir), &cases);
    if (n == 0) {
        fprintf(stderr, "test_sigv4: no fixtures found in \"%s\" (generate them with "
                        "tests/tools/sigv4_fixtures.py)\n", buf_cstr(&dir));
        free(cases);
        buf_release(&dir);
        return 1;
    }

    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    assert_non_null(tests);
    for (size_t i = 0; i < n; i++)
        tests[i] = (struct CMUnitTest){cases[i].name, test_fixture, NULL, NULL, &cases[i]};
    failed += _cmocka_run_group_tests("sigv4_botocore_fixtures", tests, n, NULL, NULL);

    for (size_t i = 0; i < n; i++) {
        free(cases[i].name);
        free(cases[i].path);
    }
    free(cases);
    free(tests);
    buf_release(&dir);
    return failed ? 1 : 0;
}
