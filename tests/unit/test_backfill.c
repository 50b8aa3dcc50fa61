/* test_backfill.c — the backfill's pure decisions: what each shard's checkpoint becomes, which
 * Glue job run states end the wait, which names of an export are data files, the Scan's input,
 * and an export read from a folder (its data/ files in name order, manifests left out). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pipeline/backfill.h"
#include "pipeline/export.h"
#include "pipeline/positions.h"
#include "pipeline/scan.h"

#define SEQ_A "000000000000000000100"
#define SEQ_B "000000000000000000200"
#define SEQ_BIG "1000000000000000000000"    /* 22 digits: above SEQ_B as a number */

static struct position pos(const char *seq, int closed)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.shard, sizeof p.shard, "shardId-1");
    snprintf(p.seq, sizeof p.seq, "%s", seq);
    p.closed = closed;
    return p;
}

static struct checkpoint cp_at(const char *seq, int finished)
{
    struct checkpoint c;
    memset(&c, 0, sizeof c);
    snprintf(c.sequence, sizeof c.sequence, "%s", seq);
    c.finished = finished;
    return c;
}

static void positions_move_forward_never_back(void **state)
{
    (void)state;
    const char *seq = NULL;
    struct position p = pos(SEQ_B, 0);
    struct checkpoint none = cp_at("", 0), behind = cp_at(SEQ_A, 0), ahead = cp_at(SEQ_BIG, 0);

    assert_int_equal(position_decide(&p, &none, 0, &seq), 0);
    assert_string_equal(seq, SEQ_B);
    assert_int_equal(p.outcome, POSITION_SET);

    assert_int_equal(position_decide(&p, &behind, 1, &seq), 0);
    assert_string_equal(seq, SEQ_B);

    /* Compared as numbers: 22 digits are past 21, although "1..." sorts first as text. */
    assert_int_equal(position_decide(&p, &ahead, 1, &seq), 2);
    assert_int_equal(p.outcome, POSITION_KEPT);

    struct checkpoint same = cp_at(SEQ_B, 0);
    assert_int_equal(position_decide(&p, &same, 1, &seq), 2);
    assert_string_equal(position_outcome_name(p.outcome), "kept");
}

static void closed_shards_finish_and_finished_ones_stay(void **state)
{
    (void)state;
    const char *seq = NULL;
    struct position p = pos(SEQ_B, 1);
    struct checkpoint none = cp_at("", 0), at_end = cp_at(SEQ_B, 0), done = cp_at(SEQ_A, 1);

    assert_int_equal(position_decide(&p, &none, 0, &seq), 1);
    assert_string_equal(seq, SEQ_B);
    assert_int_equal(p.outcome, POSITION_FINISHED);

    /* Already committed to its end: finished without a new sequence number. */
    assert_int_equal(position_decide(&p, &at_end, 1, &seq), 1);
    assert_null(seq);

    assert_int_equal(position_decide(&p, &done, 1, &seq), 2);
    assert_int_equal(p.outcome, POSITION_WAS_FINISHED);

    struct position empty = pos("", 0);
    assert_int_equal(position_decide(&empty, &none, 0, &seq), 2);
    assert_int_equal(empty.outcome, POSITION_EMPTY);
}

static void glue_states(void **state)
{
    (void)state;
    assert_int_equal(backfill_glue_state("SUCCEEDED"), 1);
    assert_int_equal(backfill_glue_state("STARTING"), 0);
    assert_int_equal(backfill_glue_state("RUNNING"), 0);
    assert_int_equal(backfill_glue_state("STOPPING"), 0);
    assert_int_equal(backfill_glue_state("WAITING"), 0);
    assert_int_equal(backfill_glue_state(""), 0);
    assert_int_equal(backfill_glue_state(NULL), 0);
    assert_int_equal(backfill_glue_state("FAILED"), -1);
    assert_int_equal(backfill_glue_state("STOPPED"), -1);
    assert_int_equal(backfill_glue_state("TIMEOUT"), -1);
    assert_int_equal(backfill_glue_state("ERROR"), -1);
    assert_int_equal(backfill_glue_state("EXPIRED"), -1);
    assert_int_equal(backfill_glue_state("SOMETHING_NEW"), -1);
}

static void export_data_names(void **state)
{
    (void)state;
    assert_true(export_data_name("data/abc-123.json.gz"));
    assert_true(export_data_name("AWSDynamoDB/01/data/x.json"));
    assert_true(export_data_name("plain.json.gz"));
    assert_false(export_data_name("AWSDynamoDB/01/manifest-files.json"));
    assert_false(export_data_name("manifest-summary.json"));
    assert_false(export_data_name("AWSDynamoDB/01/manifest-summary.md5"));
    assert_false(export_data_name("_started"));
    assert_false(export_data_name("data/.hidden.json.gz"));
    assert_false(export_data_name("data/x.csv.gz"));
    assert_false(export_data_name("data/"));
}

static void scan_inputs(void **state)
{
    (void)state;
    cJSON *start = cJSON_Parse("{\"id\":{\"S\":\"k9\"}}");
    cJSON *first = scan_input("T", 2, 5, 0, NULL), *next = scan_input("T", 2, 5, 40, start);
    char *a = cJSON_PrintUnformatted(first), *b = cJSON_PrintUnformatted(next);
    assert_string_equal(a, "{\"TableName\":\"T\",\"ConsistentRead\":true,\"Segment\":2,"
                           "\"TotalSegments\":5}");
    assert_string_equal(b, "{\"TableName\":\"T\",\"ConsistentRead\":true,\"Segment\":2,"
                           "\"TotalSegments\":5,\"Limit\":40,\"ExclusiveStartKey\":"
                           "{\"id\":{\"S\":\"k9\"}}}");
    cJSON_free(a);
    cJSON_free(b);
    cJSON_Delete(first);
    cJSON_Delete(next);
    cJSON_Delete(start);
}

static void scan_refuses_bad_segment_counts(void **state)
{
    (void)state;
    struct pw_error err;
    assert_int_equal(scan_table(NULL, "T", 0, 0, NULL, NULL, NULL, &err), -1);
    assert_int_equal(err.exit, PW_EXIT_USAGE);
    assert_int_equal(scan_table(NULL, "T", SCAN_MAX_SEGMENTS + 1, 0, NULL, NULL, NULL, &err), -1);
}

/* ---- an export folder ---- */

struct seen {
    char lines[8][64];
    char sources[8][64];
    size_t n;
};

static int keep_line(void *ctx, const struct export_line *l, struct pw_error *err)
{
    (void)err;
    struct seen *s = ctx;
    if (s->n < 8) {
        snprintf(s->lines[s->n], sizeof s->lines[0], "%.*s", (int)l->len, l->text);
        snprintf(s->sources[s->n], sizeof s->sources[0], "%s:%ld", l->source, l->line);
    }
    s->n++;
    return 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void export_folder_reads_data_files_in_order(void **state)
{
    (void)state;
    char root[] = "/tmp/pw-test-export-XXXXXX", path[256];
    assert_non_null(mkdtemp(root));
    snprintf(path, sizeof path, "%s/data", root);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/data/b.json", root);
    write_file(path, "{\"Item\":3}\n");
    snprintf(path, sizeof path, "%s/data/a.json", root);
    write_file(path, "{\"Item\":1}\n\n{\"Item\":2}\r\n");
    snprintf(path, sizeof path, "%s/manifest-files.json", root);
    write_file(path, "{\"not\":\"data\"}\n");

    struct seen s = {0};
    struct export_stats st;
    struct pw_error err;
    assert_int_equal(export_read(NULL, root, keep_line, &s, &st, &err), 0);
    assert_int_equal(s.n, 3);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.lines, 3);
    assert_string_equal(s.lines[0], "{\"Item\":1}");
    assert_string_equal(s.sources[0], "a.json:1");
    assert_string_equal(s.lines[1], "{\"Item\":2}");
    assert_string_equal(s.sources[1], "a.json:3");
    assert_string_equal(s.lines[2], "{\"Item\":3}");
    assert_string_equal(s.sources[2], "b.json:1");

    /* An empty folder is an error that names it. */
    char empty[] = "/tmp/pw-test-export-XXXXXX";
    assert_non_null(mkdtemp(empty));
    assert_int_equal(export_read(NULL, empty, keep_line, &s, NULL, &err), -1);
    assert_non_null(strstr(err.message, "no data files"));
    assert_non_null(strstr(err.message, empty));
    /* s3:// without a client. */
    assert_int_equal(export_read(NULL, "s3://b/p", keep_line, &s, NULL, &err), -1);
    assert_int_equal(err.exit, PW_EXIT_USAGE);

    snprintf(path, sizeof path, "%s/data/a.json", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/data/b.json", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/manifest-files.json", root);
    unlink(path);
    snprintf(path, sizeof path, "%s/data", root);
    rmdir(path);
    rmdir(root);
    rmdir(empty);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(positions_move_forward_never_back),
        cmocka_unit_test(closed_shards_finish_and_finished_ones_stay),
        cmocka_unit_test(glue_states),
        cmocka_unit_test(export_data_names),
        cmocka_unit_test(scan_inputs),
        cmocka_unit_test(scan_refuses_bad_segment_counts),
        cmocka_unit_test(export_folder_reads_data_files_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
