/* The gzip writer compresses on a thread of its own past its first block: the bytes must be
 * those of compressing in the caller, whatever the pieces written, and a file split must fall
 * where it would without the thread (gz_writer_reached). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zlib.h>

#include "pipeline/gzstream.h"

/* A lake stream that collects what is written into memory. */
struct mem_stream {
    struct lake_stream base;
    struct buf out;
    int fail_after;                 /* writes accepted before failing; -1: never */
};

static long mem_io(struct lake_stream *s, void *data, size_t n, struct pw_error *err)
{
    struct mem_stream *m = (struct mem_stream *)s;
    if (m->fail_after == 0)
        return pw_fail(err, PW_EXIT_FAILED, "disk full on purpose");
    if (m->fail_after > 0)
        m->fail_after--;
    return buf_append(&m->out, data, n) == 0 ? 0 : -1;
}

static void mem_init(struct mem_stream *m)
{
    memset(m, 0, sizeof *m);
    m->base.io = mem_io;
    m->fail_after = -1;
    buf_init(&m->out, SIZE_MAX);
}

/* Lines of JSON-like text with some randomness, so deflate has work of both kinds. */
static void make_input(struct buf *in, size_t size, unsigned seed)
{
    buf_init(in, SIZE_MAX);
    srand(seed);
    while (in->len < size) {
        char line[160];
        int n = snprintf(line, sizeof line, "{\"userID\":\"u%08d\",\"taskID\":\"task%03d\",\"n\":%d}\n",
                         rand() % 100000, rand() % 20, rand());
        assert_int_equal(buf_append(in, line, (size_t)n), 0);
    }
}

/* What compressing in the caller gives: zlib over the whole input at once, as gz_writer
 * sets it up (level 1, gzip wrapper). */
static void reference(const struct buf *in, struct buf *out)
{
    struct pw_error err = {0};
    buf_init(out, SIZE_MAX);
    assert_int_equal(gz_compress(in->data, in->len, 1, out, &err), 0);
}

static void same_bytes_whatever_the_pieces(void **state)
{
    (void)state;
    struct buf in, ref;
    make_input(&in, (size_t)3 << 20, 7);
    reference(&in, &ref);
    for (unsigned seed = 1; seed <= 3; seed++) {
        struct mem_stream m;
        struct gz_writer w;
        struct pw_error err = {0};
        mem_init(&m);
        assert_int_equal(gz_writer_init(&w, &m.base, 1, &err), 0);
        srand(seed);
        for (size_t at = 0; at < in.len;) {
            size_t n = (size_t)(rand() % (seed == 1 ? 100 : 300000)) + 1;
            if (n > in.len - at)
                n = in.len - at;
            assert_int_equal(gz_writer_write(&w, in.data + at, n, &err), 0);
            at += n;
        }
        assert_non_null(w.async);   /* 3 MiB is past the first block: the thread ran */
        assert_int_equal(gz_writer_finish(&w, &err), 0);
        assert_int_equal(w.out_bytes, ref.len);
        gz_writer_release(&w);
        assert_int_equal(m.out.len, ref.len);
        assert_memory_equal(m.out.data, ref.data, ref.len);
        buf_release(&m.out);
    }
    buf_release(&in);
    buf_release(&ref);
}

/* The output a caller-side deflate has emitted after each input piece, for the split rule. */
static uint64_t emitted_after(z_stream *z, const char *p, size_t n)
{
    static unsigned char chunk[65536];
    uint64_t out = 0;
    z->next_in = (unsigned char *)p;
    z->avail_in = (uInt)n;
    do {
        z->next_out = chunk;
        z->avail_out = sizeof chunk;
        deflate(z, Z_NO_FLUSH);
        out += sizeof chunk - z->avail_out;
    } while (z->avail_out == 0);
    return out;
}

static void split_points_as_without_the_thread(void **state)
{
    (void)state;
    struct buf in;
    make_input(&in, (size_t)4 << 20, 11);
    const uint64_t targets[] = {200000, 700000, 1000000};
    for (size_t t = 0; t < sizeof targets / sizeof targets[0]; t++) {
        struct mem_stream m;
        struct gz_writer w;
        struct pw_error err = {0};
        z_stream z;
        memset(&z, 0, sizeof z);
        assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
        mem_init(&m);
        assert_int_equal(gz_writer_init(&w, &m.base, 1, &err), 0);
        uint64_t ref_out = 0;
        size_t at = 0, piece = 4096;
        int reached = 0, ref_reached = 0;
        while (at < in.len && !reached) {
            assert_int_equal(gz_writer_write(&w, in.data + at, piece, &err), 0);
            ref_out += emitted_after(&z, in.data + at, piece);
            at += piece;
            reached = gz_writer_reached(&w, targets[t], &err);
            ref_reached = ref_out >= targets[t];
            assert_int_equal(reached, ref_reached);
        }
        assert_true(reached);       /* every target is below the input's compressed size */
        assert_int_equal(w.out_bytes, ref_out);
        deflateEnd(&z);
        gz_writer_release(&w);
        buf_release(&m.out);
    }
    buf_release(&in);
}

static void a_failing_write_on_the_thread_is_reported(void **state)
{
    (void)state;
    struct buf in;
    make_input(&in, (size_t)2 << 20, 5);
    struct mem_stream m;
    struct gz_writer w;
    struct pw_error err = {0};
    mem_init(&m);
    m.fail_after = 2;
    assert_int_equal(gz_writer_init(&w, &m.base, 1, &err), 0);
    int rc = 0;
    for (size_t at = 0; rc == 0 && at < in.len; at += 8192)
        rc = gz_writer_write(&w, in.data + at, 8192, &err);
    if (rc == 0)
        rc = gz_writer_finish(&w, &err);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.message, "disk full on purpose"));
    gz_writer_release(&w);
    buf_release(&m.out);
    buf_release(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_whatever_the_pieces),
        cmocka_unit_test(split_points_as_without_the_thread),
        cmocka_unit_test(a_failing_write_on_the_thread_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
