/* test_capture.c — the capture side's pure parts and its protocol logic over canned answers:
 * sequence numbers compared as numbers, shards ordered parents first, DescribeStream paging,
 * the shard reader (iterators, the end of a closed shard, expired iterators, trimmed data), and
 * the checkpoint table's conditional requests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/checkpoint.h"
#include "pipeline/seqnum.h"
#include "pipeline/shards.h"

/* ---- a scripted transport ---------------------------------------------------------------- */

#define MAX_STEPS 16

struct step {
    const char *operation;          /* expected */
    const char *answer;             /* JSON text, or NULL with error_code */
    const char *error_code;
};

struct fake {
    struct step steps[MAX_STEPS];
    size_t n, at;
    cJSON *inputs[MAX_STEPS];       /* what was sent, per step */
};

static int fake_call(void *ctx, const char *service, const char *operation, const cJSON *input,
                     cJSON **output, struct pw_error *err)
{
    struct fake *f = ctx;
    *output = NULL;
    if (f->at >= f->n)
        fail_msg("unexpected call %s %s after the script ended", service, operation);
    const struct step *s = &f->steps[f->at];
    assert_string_equal(operation, s->operation);
    assert_string_equal(service, strcmp(operation, "DescribeTable") == 0 ? "dynamodb"
                                                                          : STREAMS_SERVICE);
    f->inputs[f->at++] = input ? cJSON_Duplicate(input, 1) : cJSON_CreateObject();
    if (s->error_code) {
        pw_fail(err, PW_EXIT_FAILED, "canned error");
        snprintf(err->code, sizeof err->code, "%s", s->error_code);
        return -1;
    }
    *output = cJSON_Parse(s->answer);
    assert_non_null(*output);
    return 0;
}

static void fake_add(struct fake *f, const char *op, const char *answer, const char *code)
{
    assert_true(f->n < MAX_STEPS);
    f->steps[f->n++] = (struct step){op, answer, code};
}

static void fake_release(struct fake *f)
{
    for (size_t i = 0; i < f->at; i++)
        cJSON_Delete(f->inputs[i]);
}

static const char *sent(const struct fake *f, size_t step, const char *field)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->inputs[step], field);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- sequence numbers -------------------------------------------------------------------- */

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static void seqnum_compares_as_numbers(void **state)
{
    (void)state;
    /* As text the 21-digit one sorts after the 22-digit one; as numbers it is smaller. */
    assert_true(strcmp("999999999999999999999", "1000000000000000000000") > 0);
    assert_int_equal(seqnum_cmp("999999999999999999999", "1000000000000000000000"), -1);
    assert_int_equal(seqnum_cmp("1000000000000000000000", "999999999999999999999"), 1);
    assert_int_equal(seqnum_cmp("000123", "123"), 0);
    assert_int_equal(seqnum_cmp("0", "0000"), 0);
    assert_int_equal(seqnum_cmp("1100000000017454423010", "1100000000017454423009"), 1);
    assert_int_equal(seqnum_cmp("4000000000000000000000000000000000000001",
                                "4000000000000000000000000000000000000002"), -1);

    assert_true(seqnum_valid("1"));
    assert_true(seqnum_valid("1234567890123456789012345678901234567890"));     /* 40 */
    assert_false(seqnum_valid("12345678901234567890123456789012345678901"));   /* 41 */
    assert_false(seqnum_valid(""));
    assert_false(seqnum_valid(NULL));
    assert_false(seqnum_valid("12a4"));
    assert_false(seqnum_valid("-12"));
    assert_false(seqnum_valid(" 12"));

    /* Against an independent reference: numbers that fit in 64 bits, random lengths. */
    srand(7);
    for (int i = 0; i < 20000; i++) {
        char a[24], b[24];
        unsigned long long x = 0, y = 0;
        int la = 1 + rand() % 19, lb = 1 + rand() % 19;
        for (int k = 0; k < la; k++)
            a[k] = (char)('0' + rand() % 10);
        for (int k = 0; k < lb; k++)
            b[k] = (char)('0' + rand() % 10);
        a[la] = b[lb] = '\0';
        if (i % 5 == 0)
            memcpy(b, a, sizeof a);             /* equal numbers are compared too */
        x = strtoull(a, NULL, 10);
        y = strtoull(b, NULL, 10);
        assert_int_equal(seqnum_cmp(a, b), (x > y) - (x < y));
    }
}

static void seqnum_order_key_sorts_as_numbers(void **state)
{
    (void)state;
    char ka[SEQNUM_MAX], kb[SEQNUM_MAX];
    assert_int_equal(seqnum_order_key("1100000000017454423009", ka), 0);
    assert_int_equal(strlen(ka), SEQNUM_DIGITS);
    assert_string_equal(ka, "0000000000000000001100000000017454423009");
    assert_int_equal(seqnum_order_key("12x", kb), -1);
    assert_string_equal(kb, "");

    /* The stored key must order exactly as the numbers do, whatever their lengths: that is
     * what the commit condition (#ord < :ord) compares in DynamoDB. */
    srand(11);
    for (int i = 0; i < 20000; i++) {
        char a[SEQNUM_MAX], b[SEQNUM_MAX];
        int la = 1 + rand() % SEQNUM_DIGITS, lb = 1 + rand() % SEQNUM_DIGITS;
        for (int k = 0; k < la; k++)
            a[k] = (char)('0' + (k == 0 ? 1 + rand() % 9 : rand() % 10));
        for (int k = 0; k < lb; k++)
            b[k] = (char)('0' + (k == 0 ? 1 + rand() % 9 : rand() % 10));
        a[la] = b[lb] = '\0';
        assert_int_equal(seqnum_order_key(a, ka), 0);
        assert_int_equal(seqnum_order_key(b, kb), 0);
        assert_int_equal(sign(strcmp(ka, kb)), seqnum_cmp(a, b));
        if (la != lb)
            assert_int_equal(seqnum_cmp(a, b), la < lb ? -1 : 1);
    }
}

/* ---- shard order ------------------------------------------------------------------------- */

static void add_shard(struct shard_list *l, const char *id, const char *parent, const char *start,
                      const char *end)
{
    struct pw_error err;
    char page[1024];
    const char *next;
    snprintf(page, sizeof page,
             "{\"StreamDescription\": {\"StreamArn\": \"arn:s\", \"StreamStatus\": \"ENABLED\","
             " \"Shards\": [{\"ShardId\": \"%s\"%s%s%s, \"SequenceNumberRange\": "
             "{\"StartingSequenceNumber\": \"%s\"%s%s%s}}]}}",
             id, parent ? ", \"ParentShardId\": \"" : "", parent ? parent : "", parent ? "\"" : "",
             start, end ? ", \"EndingSequenceNumber\": \"" : "", end ? end : "", end ? "\"" : "");
    cJSON *j = cJSON_Parse(page);
    assert_non_null(j);
    assert_int_equal(shards_add_page(l, j, &next, &err), 0);
    assert_null(next);
    cJSON_Delete(j);
}

static void assert_parents_first(const struct shard_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        long p = l->items[i].parent[0] ? shard_list_find(l, l->items[i].parent) : -1;
        if (p >= 0)
            assert_true((size_t)p < i);
    }
}

static int finished_set(void *ctx, const char *id)
{
    for (const char *const *s = ctx; *s; s++)
        if (strcmp(*s, id) == 0)
            return 1;
    return 0;
}

static void shards_parents_before_children(void **state)
{
    (void)state;
    /* A lineage: root -> (left, right); left -> leaf; orphan's parent aged out of the stream;
     * the root's start sequence is larger than a child's on purpose (order is by lineage). */
    static const struct {
        const char *id, *parent, *start, *end;
    } rows[] = {
        {"shardId-leaf", "shardId-left", "500", NULL},
        {"shardId-right", "shardId-root", "300", NULL},
        {"shardId-left", "shardId-root", "200", "400"},
        {"shardId-root", NULL, "9000", "199"},
        {"shardId-orphan", "shardId-gone", "150", NULL},
        {"shardId-other", NULL, "100", NULL},
    };
    size_t n = sizeof rows / sizeof rows[0];
    struct pw_error err;
    srand(3);
    for (int round = 0; round < 200; round++) {
        size_t perm[sizeof rows / sizeof rows[0]];
        for (size_t i = 0; i < n; i++)
            perm[i] = i;
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)rand() % (i + 1), t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        struct shard_list l;
        shard_list_init(&l);
        for (size_t i = 0; i < n; i++)
            add_shard(&l, rows[perm[i]].id, rows[perm[i]].parent, rows[perm[i]].start,
                      rows[perm[i]].end);
        assert_int_equal(shards_order(&l, &err), 0);
        assert_int_equal(l.n, n);
        assert_parents_first(&l);
        /* The same input order-independent result every time. */
        assert_string_equal(l.items[0].id, "shardId-other");
        assert_string_equal(l.items[l.n - 1].id, "shardId-leaf");

        const char *none[] = {NULL};
        const char *root_done[] = {"shardId-root", NULL};
        long root = shard_list_find(&l, "shardId-root"), left = shard_list_find(&l, "shardId-left");
        long orphan = shard_list_find(&l, "shardId-orphan");
        long leaf = shard_list_find(&l, "shardId-leaf");
        assert_true(shards_ready(&l, (size_t)root, finished_set, none));
        assert_true(shards_ready(&l, (size_t)orphan, finished_set, none));  /* parent aged out */
        assert_false(shards_ready(&l, (size_t)left, finished_set, none));   /* parent not done */
        assert_true(shards_ready(&l, (size_t)left, finished_set, root_done));
        assert_false(shards_ready(&l, (size_t)leaf, finished_set, root_done));
        assert_string_equal(l.items[root].end_seq, "199");
        assert_string_equal(l.items[leaf].end_seq, "");   /* open */
        shard_list_release(&l);
    }
}

static void shards_cycle_is_an_error(void **state)
{
    (void)state;
    struct shard_list l;
    struct pw_error err;
    shard_list_init(&l);
    add_shard(&l, "shardId-a", "shardId-b", "1", NULL);
    add_shard(&l, "shardId-b", "shardId-a", "2", NULL);
    assert_int_equal(shards_order(&l, &err), -1);
    assert_non_null(strstr(err.message, "name each other as parents"));
    shard_list_release(&l);
}

static void shards_paging_follows_last_evaluated(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_list l;
    struct pw_error err;
    fake_add(&f, "DescribeStream",
             "{\"StreamDescription\": {\"StreamArn\": \"arn:s\", \"StreamStatus\": \"ENABLED\","
             " \"Shards\": [{\"ShardId\": \"shardId-1\"}, {\"ShardId\": \"shardId-2\"}],"
             " \"LastEvaluatedShardId\": \"shardId-2\"}}", NULL);
    fake_add(&f, "DescribeStream",
             "{\"StreamDescription\": {\"StreamArn\": \"arn:s\", \"StreamStatus\": \"ENABLED\","
             " \"Shards\": [{\"ShardId\": \"shardId-3\", \"ParentShardId\": \"shardId-1\"}],"
             " \"LastEvaluatedShardId\": \"shardId-3\"}}", NULL);
    /* The last page may be empty, and carries no LastEvaluatedShardId. */
    fake_add(&f, "DescribeStream",
             "{\"StreamDescription\": {\"StreamArn\": \"arn:s\", \"StreamStatus\": \"ENABLED\","
             " \"Shards\": []}}", NULL);
    shard_list_init(&l);
    assert_int_equal(shards_list(&api, "arn:s", 2, &l, &err), 0);
    assert_int_equal(f.at, 3);
    assert_null(sent(&f, 0, "ExclusiveStartShardId"));
    assert_string_equal(sent(&f, 1, "ExclusiveStartShardId"), "shardId-2");
    assert_string_equal(sent(&f, 2, "ExclusiveStartShardId"), "shardId-3");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(sent(&f, i, "StreamArn"), "arn:s");
        assert_int_equal(cJSON_GetObjectItem(f.inputs[i], "Limit")->valueint, 2);
    }
    assert_int_equal(l.n, 3);
    assert_string_equal(l.items[2].id, "shardId-3");
    assert_string_equal(l.items[2].parent, "shardId-1");
    assert_string_equal(l.stream_status, "ENABLED");
    shard_list_release(&l);
    fake_release(&f);
}

static void shards_paging_that_does_not_advance_stops(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_list l;
    struct pw_error err;
    const char *page = "{\"StreamDescription\": {\"StreamArn\": \"arn:s\", \"Shards\": "
                       "[{\"ShardId\": \"shardId-1\"}], \"LastEvaluatedShardId\": \"shardId-1\"}}";
    fake_add(&f, "DescribeStream", page, NULL);
    fake_add(&f, "DescribeStream", page, NULL);
    shard_list_init(&l);
    assert_int_equal(shards_list(&api, "arn:s", 0, &l, &err), -1);
    assert_non_null(strstr(err.message, "does not move forward"));
    assert_int_equal(f.at, 2);
    assert_null(cJSON_GetObjectItem(f.inputs[0], "Limit"));     /* 0: the service's default */
    assert_int_equal(l.n, 1);                                    /* the repeat is not doubled */
    shard_list_release(&l);
    fake_release(&f);
}

static void latest_arn_needs_a_stream(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct pw_error err;
    char *arn = NULL;
    fake_add(&f, "DescribeTable", "{\"Table\": {\"TableName\": \"t\", \"LatestStreamArn\": "
             "\"arn:aws:dynamodb:eu-west-1:1:table/t/stream/x\", \"StreamSpecification\": "
             "{\"StreamEnabled\": true, \"StreamViewType\": \"NEW_IMAGE\"}}}", NULL);
    fake_add(&f, "DescribeTable", "{\"Table\": {\"TableName\": \"t\"}}", NULL);
    assert_int_equal(streams_latest_arn(&api, "t", &arn, &err), 0);
    assert_string_equal(arn, "arn:aws:dynamodb:eu-west-1:1:table/t/stream/x");
    assert_string_equal(sent(&f, 0, "TableName"), "t");
    free(arn);
    assert_int_equal(streams_latest_arn(&api, "t", &arn, &err), -1);
    assert_null(arn);
    assert_non_null(strstr(err.message, "table 't' has no stream"));
    fake_release(&f);
}

/* ---- the shard reader -------------------------------------------------------------------- */

#define REC(seq) "{\"eventName\": \"INSERT\", \"dynamodb\": {\"SequenceNumber\": \"" seq "\"}}"

static size_t n_records(cJSON *recs)
{
    size_t n = (size_t)cJSON_GetArraySize(recs);
    cJSON_Delete(recs);
    return n;
}

static void reader_walks_a_closed_shard_to_its_end(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_reader r;
    struct pw_error err;
    cJSON *recs;
    fake_add(&f, "GetShardIterator", "{\"ShardIterator\": \"it-0\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("101") ", " REC("102") "], "
             "\"NextShardIterator\": \"it-1\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [], \"NextShardIterator\": \"it-2\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("999") ", " REC("1000") "]}", NULL);
    shard_reader_init(&r, &api, "arn:s", "shardId-1", NULL, 2);
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);
    assert_int_equal(n_records(recs), 2);
    assert_string_equal(sent(&f, 0, "ShardIteratorType"), "TRIM_HORIZON");
    assert_null(sent(&f, 0, "SequenceNumber"));
    assert_string_equal(sent(&f, 1, "ShardIterator"), "it-0");
    assert_int_equal(cJSON_GetObjectItem(f.inputs[1], "Limit")->valueint, 2);
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);
    assert_int_equal(n_records(recs), 0);
    assert_false(r.ended);                       /* an empty page is not the end */
    assert_string_equal(sent(&f, 2, "ShardIterator"), "it-1");
    /* 999 < 1000 though it sorts after it as text: the order check compares numbers. */
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);
    assert_int_equal(n_records(recs), 2);
    assert_string_equal(sent(&f, 3, "ShardIterator"), "it-2");
    assert_true(r.ended);                        /* no NextShardIterator: closed and read */
    assert_string_equal(r.after, "1000");
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);   /* no call after the end */
    assert_int_equal(n_records(recs), 0);
    assert_int_equal(f.at, 4);
    shard_reader_release(&r);
    fake_release(&f);
}

static void reader_renews_an_expired_iterator_from_its_position(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_reader r;
    struct pw_error err;
    cJSON *recs;
    fake_add(&f, "GetShardIterator", "{\"ShardIterator\": \"it-0\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("51") "], \"NextShardIterator\": \"it-1\"}",
             NULL);
    fake_add(&f, "GetRecords", NULL, "ExpiredIteratorException");
    fake_add(&f, "GetShardIterator", "{\"ShardIterator\": \"it-9\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("52") "], \"NextShardIterator\": \"it-10\"}",
             NULL);
    shard_reader_init(&r, &api, "arn:s", "shardId-1", "50", 1000);
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);
    assert_int_equal(n_records(recs), 1);
    assert_string_equal(sent(&f, 0, "ShardIteratorType"), "AFTER_SEQUENCE_NUMBER");
    assert_string_equal(sent(&f, 0, "SequenceNumber"), "50");      /* the checkpoint */
    assert_int_equal(shard_reader_next(&r, &recs, &err), 0);
    assert_int_equal(n_records(recs), 1);
    /* Renewed after the last record handed out (51), not the checkpoint it started from. */
    assert_string_equal(sent(&f, 3, "ShardIteratorType"), "AFTER_SEQUENCE_NUMBER");
    assert_string_equal(sent(&f, 3, "SequenceNumber"), "51");
    assert_string_equal(sent(&f, 4, "ShardIterator"), "it-9");
    assert_int_equal(r.renewals, 1);
    assert_string_equal(r.iterator, "it-10");
    shard_reader_release(&r);
    fake_release(&f);
}

static void reader_names_a_trimmed_gap(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_reader r;
    struct pw_error err;
    cJSON *recs;
    fake_add(&f, "GetShardIterator", NULL, "TrimmedDataAccessException");
    /* The oldest record still there, for the message. */
    fake_add(&f, "GetShardIterator", "{\"ShardIterator\": \"it-h\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("7000") "], \"NextShardIterator\": \"x\"}",
             NULL);
    shard_reader_init(&r, &api, "arn:s", "shardId-1", "4242", 100);
    assert_int_equal(shard_reader_next(&r, &recs, &err), -1);
    assert_null(recs);
    assert_string_equal(sent(&f, 1, "ShardIteratorType"), "TRIM_HORIZON");
    assert_int_equal(cJSON_GetObjectItem(f.inputs[2], "Limit")->valueint, 1);
    assert_non_null(strstr(err.message, "shard 'shardId-1'"));
    assert_non_null(strstr(err.message, "after sequence number 4242"));
    assert_non_null(strstr(err.message, "the oldest it still holds is 7000"));
    assert_non_null(strstr(err.message, "pipewright pipeline backfill"));
    assert_int_equal(err.exit, PW_EXIT_FAILED);
    shard_reader_release(&r);
    fake_release(&f);

    /* The same from GetRecords (an iterator that pointed at data trimmed meanwhile). */
    struct fake g = {0};
    api.ctx = &g;
    fake_add(&g, "GetShardIterator", "{\"ShardIterator\": \"it-0\"}", NULL);
    fake_add(&g, "GetRecords", NULL, "TrimmedDataAccessException");
    fake_add(&g, "GetShardIterator", NULL, "InternalServerError");
    shard_reader_init(&r, &api, "arn:s", "shardId-2", NULL, 100);
    assert_int_equal(shard_reader_next(&r, &recs, &err), -1);
    assert_non_null(strstr(err.message, "from the start of the shard"));
    assert_non_null(strstr(err.message, "the oldest it still holds is unknown"));
    assert_non_null(strstr(err.message, "pipewright pipeline backfill"));
    shard_reader_release(&r);
    fake_release(&g);
}

static void reader_refuses_records_out_of_order(void **state)
{
    (void)state;
    struct fake f = {0};
    struct jsonapi api = {fake_call, &f};
    struct shard_reader r;
    struct pw_error err;
    cJSON *recs;
    fake_add(&f, "GetShardIterator", "{\"ShardIterator\": \"it-0\"}", NULL);
    fake_add(&f, "GetRecords", "{\"Records\": [" REC("20") ", " REC("19") "], "
             "\"NextShardIterator\": \"x\"}", NULL);
    shard_reader_init(&r, &api, "arn:s", "shardId-1", "10", 100);
    assert_int_equal(shard_reader_next(&r, &recs, &err), -1);
    assert_non_null(strstr(err.message, "sequence number 19 comes after 20"));
    assert_string_equal(r.after, "10");          /* nothing handed out: position unchanged */
    shard_reader_release(&r);
    fake_release(&f);
}

/* ---- checkpoint requests ----------------------------------------------------------------- */

/* Every #name and :value an expression uses is defined, and every one defined is used:
 * DynamoDB refuses a request either way. */
static void assert_placeholders_match(const cJSON *in)
{
    const char *exprs[] = {
        cJSON_GetStringValue(cJSON_GetObjectItem(in, "UpdateExpression")),
        cJSON_GetStringValue(cJSON_GetObjectItem(in, "ConditionExpression")),
    };
    const cJSON *maps[] = {
        cJSON_GetObjectItem(in, "ExpressionAttributeNames"),
        cJSON_GetObjectItem(in, "ExpressionAttributeValues"),
    };
    const char marks[] = {'#', ':'};
    for (int m = 0; m < 2; m++) {
        const cJSON *def;
        cJSON_ArrayForEach(def, maps[m]) {
            int used = 0;
            for (int e = 0; e < 2 && !used; e++) {
                size_t n = strlen(def->string);
                for (const char *p = exprs[e] ? strstr(exprs[e], def->string) : NULL; p && !used;
                     p = strstr(p + 1, def->string))
                    used = !(p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
                             (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9'));
            }
            if (!used)
                fail_msg("%s is defined but not used", def->string);
        }
        for (int e = 0; e < 2; e++) {
            for (const char *p = exprs[e]; p && (p = strchr(p, marks[m])) != NULL;) {
                char token[32];
                size_t n = 1 + strspn(p + 1, "abcdefghijklmnopqrstuvwxyz"
                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
                assert_true(n < sizeof token);
                memcpy(token, p, n);
                token[n] = '\0';
                if (!cJSON_GetObjectItemCaseSensitive(maps[m], token))
                    fail_msg("%s is used but not defined", token);
                p += n;
            }
        }
    }
}

static const char *expr(const cJSON *in, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItem(in, name));
}

static const char *value_of(const cJSON *in, const char *token, const char *type)
{
    const cJSON *vals = cJSON_GetObjectItem(in, "ExpressionAttributeValues");
    const cJSON *v = cJSON_GetObjectItem(vals, token);
    return cJSON_GetStringValue(cJSON_GetObjectItem(v, type));
}

static void checkpoint_requests_are_conditional(void **state)
{
    (void)state;
    struct checkpoint_store s = {
        .table = "cp-table", .pipeline = "facts", .owner = "host:1:abcd", .lease_ms = 30000,
    };
    const int64_t now = 1700000000000;

    cJSON *in = checkpoint_acquire_input(&s, "shardId-9", "shardId-8", now);
    assert_non_null(in);
    assert_placeholders_match(in);
    assert_string_equal(expr(in, "TableName"), "cp-table");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(in, "Key"), "pipeline"), "S")), "facts");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(in, "Key"), "shard"), "S")), "shardId-9");
    /* Free, expired or ours; and never a finished shard. */
    assert_non_null(strstr(expr(in, "ConditionExpression"), "attribute_not_exists(#owner)"));
    assert_non_null(strstr(expr(in, "ConditionExpression"), "#owner = :me"));
    assert_non_null(strstr(expr(in, "ConditionExpression"), "#exp < :now"));
    assert_non_null(strstr(expr(in, "ConditionExpression"), "#fin = :false"));
    assert_string_equal(value_of(in, ":me", "S"), "host:1:abcd");
    assert_string_equal(value_of(in, ":now", "N"), "1700000000000");
    assert_string_equal(value_of(in, ":exp", "N"), "1700000030000");
    assert_string_equal(value_of(in, ":parent", "S"), "shardId-8");
    assert_string_equal(expr(in, "ReturnValues"), "ALL_NEW");
    cJSON_Delete(in);

    in = checkpoint_acquire_input(&s, "shardId-9", "", now);      /* no parent: not written */
    assert_placeholders_match(in);
    assert_null(value_of(in, ":parent", "S"));
    assert_null(strstr(expr(in, "UpdateExpression"), "#parent"));
    cJSON_Delete(in);

    in = checkpoint_commit_input(&s, "shardId-9", "999999999999999999999", 0, now);
    assert_placeholders_match(in);
    assert_string_equal(expr(in, "ConditionExpression"),
                        "#owner = :me AND (attribute_not_exists(#ord) OR #ord < :ord)");
    assert_string_equal(value_of(in, ":seq", "S"), "999999999999999999999");
    assert_string_equal(value_of(in, ":ord", "S"), "0000000000000000000999999999999999999999");
    assert_string_equal(value_of(in, ":exp", "N"), "1700000030000");     /* renews the lease */
    assert_null(strstr(expr(in, "UpdateExpression"), "#fin"));
    cJSON_Delete(in);

    in = checkpoint_commit_input(&s, "shardId-9", "1000000000000000000000", 1, now);
    assert_placeholders_match(in);
    assert_non_null(strstr(expr(in, "UpdateExpression"), "#fin = :true"));
    assert_non_null(strstr(expr(in, "UpdateExpression"), "REMOVE #owner, #exp"));
    assert_non_null(strstr(expr(in, "ConditionExpression"), "#ord < :ord"));
    cJSON_Delete(in);

    in = checkpoint_commit_input(&s, "shardId-9", NULL, 1, now);   /* finish, nothing new */
    assert_placeholders_match(in);
    assert_string_equal(expr(in, "ConditionExpression"), "#owner = :me");
    assert_null(value_of(in, ":seq", "S"));
    cJSON_Delete(in);

    assert_null(checkpoint_commit_input(&s, "shardId-9", "12ab", 0, now));
    assert_null(checkpoint_commit_input(&s, "shardId-9", NULL, 0, now));

    in = checkpoint_renew_input(&s, "shardId-9", now);
    assert_placeholders_match(in);
    assert_string_equal(expr(in, "ConditionExpression"), "#owner = :me");
    assert_string_equal(value_of(in, ":exp", "N"), "1700000030000");
    cJSON_Delete(in);

    in = checkpoint_release_input(&s, "shardId-9");
    assert_placeholders_match(in);
    assert_string_equal(expr(in, "UpdateExpression"), "REMOVE #owner, #exp");
    assert_string_equal(expr(in, "ConditionExpression"), "#owner = :me");
    cJSON_Delete(in);
}

static void checkpoint_item_decodes(void **state)
{
    (void)state;
    struct checkpoint cp;
    cJSON *item = cJSON_Parse(
        "{\"pipeline\": {\"S\": \"facts\"}, \"shard\": {\"S\": \"shardId-1\"},"
        " \"sequence\": {\"S\": \"1100000000017454423010\"},"
        " \"sequence_order\": {\"S\": \"0000000000000000001100000000017454423010\"},"
        " \"owner\": {\"S\": \"h:2:ff\"}, \"lease_expires\": {\"N\": \"1700000060000\"},"
        " \"parent\": {\"S\": \"shardId-0\"}, \"finished\": {\"BOOL\": true},"
        " \"updated_at\": {\"N\": \"1700000000000\"}}");
    assert_int_equal(checkpoint_from_item(item, &cp), 0);
    assert_string_equal(cp.shard, "shardId-1");
    assert_string_equal(cp.parent, "shardId-0");
    assert_string_equal(cp.sequence, "1100000000017454423010");
    assert_string_equal(cp.owner, "h:2:ff");
    assert_true(cp.lease_expires_ms == 1700000060000);
    assert_true(cp.finished);
    assert_true(cp.updated_ms == 1700000000000);
    cJSON_Delete(item);

    item = cJSON_Parse("{\"pipeline\": {\"S\": \"facts\"}, \"shard\": {\"S\": \"shardId-1\"},"
                       " \"lease_expires\": {\"N\": \"5\"}, \"sequence\": {\"S\": \"x1\"}}");
    assert_int_equal(checkpoint_from_item(item, &cp), 0);
    assert_string_equal(cp.owner, "");
    assert_true(cp.lease_expires_ms == 0);       /* no owner, no lease */
    assert_string_equal(cp.sequence, "");        /* not a sequence number: none */
    assert_false(cp.finished);
    cJSON_Delete(item);

    item = cJSON_Parse("{\"pipeline\": {\"S\": \"facts\"}}");
    assert_int_equal(checkpoint_from_item(item, &cp), -1);
    cJSON_Delete(item);
}

static void runner_ids_differ(void **state)
{
    (void)state;
    char a[CHECKPOINT_OWNER_MAX], b[CHECKPOINT_OWNER_MAX], pid[32];
    checkpoint_runner_id(a, sizeof a);
    checkpoint_runner_id(b, sizeof b);
    assert_string_not_equal(a, b);
    snprintf(pid, sizeof pid, ":%ld:", (long)getpid());
    assert_non_null(strstr(a, pid));
    assert_int_equal(strlen(strrchr(a, ':') + 1), 8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seqnum_compares_as_numbers),
        cmocka_unit_test(seqnum_order_key_sorts_as_numbers),
        cmocka_unit_test(shards_parents_before_children),
        cmocka_unit_test(shards_cycle_is_an_error),
        cmocka_unit_test(shards_paging_follows_last_evaluated),
        cmocka_unit_test(shards_paging_that_does_not_advance_stops),
        cmocka_unit_test(latest_arn_needs_a_stream),
        cmocka_unit_test(reader_walks_a_closed_shard_to_its_end),
        cmocka_unit_test(reader_renews_an_expired_iterator_from_its_position),
        cmocka_unit_test(reader_names_a_trimmed_gap),
        cmocka_unit_test(reader_refuses_records_out_of_order),
        cmocka_unit_test(checkpoint_requests_are_conditional),
        cmocka_unit_test(checkpoint_item_decodes),
        cmocka_unit_test(runner_ids_differ),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
