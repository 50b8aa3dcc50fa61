/* Records read and parsed ahead on a thread come out exactly as the file has them: every
 * line, in order, with its number, its parse (or none), the over-long ones flagged; closing
 * early frees what was parsed (the sanitizer build checks the leak). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "pipeline/input.h"
#include "pipeline/readahead.h"

#define LINES 5000

/* Record i of the test file: JSON, except every 97th, which is not; record 1234 is over-long
 * (past INPUT_MAX_RECORD and the 1 MiB input_next may read beyond it before it looks). */
static void write_file(char *path, size_t size)
{
    snprintf(path, size, "/tmp/pw-readahead-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 1; i <= LINES; i++) {
        if (i == 1234) {
            for (size_t k = 0; k < INPUT_MAX_RECORD + ((size_t)2 << 20); k++)
                fputc('x', f);
            fputc('\n', f);
        } else if (i % 97 == 0) {
            fprintf(f, "{\"line\": %d, broken\n", i);
        } else {
            fprintf(f, "{\"line\": %d, \"pad\": \"%0*d\"}\n", i, i % 300, 0);
        }
        if (i % 1000 == 0)
            fputc('\n', f);     /* empty lines are skipped, as input_next does */
    }
    fclose(f);
}

static void every_record_in_order(void **state)
{
    (void)state;
    char path[64];
    write_file(path, sizeof path);
    struct readahead *ra;
    struct pw_error err = {0};
    assert_int_equal(readahead_open(path, NULL, &ra, &err), 0);
    struct ra_record r;
    int got, n = 0;
    while ((got = readahead_next(ra, &r, &err)) > 0) {
        n++;
        if (n == 1234) {
            assert_true(r.over);
            assert_null(r.json);
            assert_true(r.len > 0 && r.line[0] == 'x');
        } else if (n % 97 == 0) {
            assert_null(r.json);
            assert_false(r.over);
            char want[64];
            snprintf(want, sizeof want, "{\"line\": %d, broken", n);
            assert_int_equal(r.len, strlen(want));
            assert_memory_equal(r.line, want, r.len);
        } else {
            char want[400];
            snprintf(want, sizeof want, "{\"line\": %d, \"pad\": \"%0*d\"}", n, n % 300, 0);
            assert_int_equal(r.len, strlen(want));
            assert_memory_equal(r.line, want, r.len);
            assert_non_null(r.json);
            assert_int_equal(cJSON_GetObjectItem(r.json, "line")->valueint, n);
        }
    }
    assert_int_equal(got, 0);
    assert_int_equal(n, LINES);
    readahead_close(ra);
    unlink(path);
}

static void closing_early_frees_what_was_not_taken(void **state)
{
    (void)state;
    char path[64];
    write_file(path, sizeof path);
    struct readahead *ra;
    struct pw_error err = {0};
    assert_int_equal(readahead_open(path, NULL, &ra, &err), 0);
    struct ra_record r;
    for (int i = 0; i < 10; i++) {
        assert_int_equal(readahead_next(ra, &r, &err), 1);
    }
    usleep(20000);              /* the thread fills the ring meanwhile */
    readahead_close(ra);
    unlink(path);
}

static void a_missing_file_is_an_error(void **state)
{
    (void)state;
    struct readahead *ra = NULL;
    struct pw_error err = {0};
    assert_int_equal(readahead_open("/nonexistent/pw-records.jsonl", NULL, &ra, &err), -1);
    assert_null(ra);
    assert_non_null(strstr(err.message, "pw-records.jsonl"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_record_in_order),
        cmocka_unit_test(closing_early_frees_what_was_not_taken),
        cmocka_unit_test(a_missing_file_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
