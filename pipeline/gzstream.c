/* gzstream.c — gzip over lake streams, records read back (see gzstream.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/gzstream.h"
#include "pipeline/row.h"

#define CHUNK 65536
#define GZ_BLOCK ((size_t)64 << 10)     /* what the caller hands the thread at a time */
/* A record longer than this is not one we wrote: the file is not what it claims to be. */
#define MAX_RECORD ((size_t)64 << 20)

int gz_writer_init(struct gz_writer *w, struct lake_stream *dst, int level, struct pw_error *err)
{
    memset(w, 0, sizeof *w);
    w->dst = dst;
    w->level = level;
    if (level < 0)
        return 0;
    w->chunk = malloc(CHUNK);
    /* windowBits 15 + 16: a gzip wrapper; zlib writes no name and time 0. */
    if (!w->chunk || deflateInit2(&w->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(w->chunk);
        w->chunk = NULL;
        return pw_fail(err, PW_EXIT_FAILED, "out of memory (zlib)");
    }
    w->z_ready = 1;
    return 0;
}

static int drain(struct gz_writer *w, int flush, struct pw_error *err)
{
    int zrc;
    do {
        w->z.next_out = w->chunk;
        w->z.avail_out = CHUNK;
        zrc = deflate(&w->z, flush);
        if (zrc == Z_STREAM_ERROR)
            return pw_fail(err, PW_EXIT_FAILED, "gzip: deflate failed");
        size_t have = CHUNK - w->z.avail_out;
        if (have && w->dst->io(w->dst, w->chunk, have, err) < 0)
            return -1;
        w->out_bytes += have;
    } while (w->z.avail_out == 0 || (flush == Z_FINISH && zrc != Z_STREAM_END));
    return 0;
}

/* Deflates n bytes at p into dst (Z_NO_FLUSH: zlib keeps what it cannot emit yet). */
static int deflate_into(struct gz_writer *w, const unsigned char *p, size_t n, struct pw_error *err)
{
    while (n) {
        uInt take = n > (1u << 30) ? (1u << 30) : (uInt)n;
        w->z.next_in = (unsigned char *)p;
        w->z.avail_in = take;
        if (drain(w, Z_NO_FLUSH, err) < 0)
            return -1;
        p += take;
        n -= take;
    }
    return 0;
}

/* The thread and its hand-over. The caller appends to fill; a full fill is swapped with work
 * (which the thread has finished) and the thread deflates work. The z_stream, chunk and dst
 * belong to the thread while busy, to the caller otherwise; the mutex orders the two. */
struct gz_async {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct buf fill;
    struct buf work;
    int busy;               /* work is the thread's */
    int stop;
    int failed;
    struct pw_error err;    /* the thread's failure, reported to the caller's next call */
};

static void *compressor(void *arg)
{
    struct gz_writer *w = arg;
    struct gz_async *a = w->async;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->busy && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (!a->busy)
            break;
        pthread_mutex_unlock(&a->mu);
        struct pw_error err = {0};
        int rc = a->failed ? 0 : deflate_into(w, (unsigned char *)a->work.data, a->work.len, &err);
        pthread_mutex_lock(&a->mu);
        if (rc < 0) {
            a->failed = 1;
            a->err = err;
        }
        buf_reset(&a->work);
        a->busy = 0;
        pthread_cond_broadcast(&a->cv);
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

/* Waits until the thread is idle; -1 with its error if it failed. */
static int async_idle(struct gz_async *a, struct pw_error *err)
{
    pthread_mutex_lock(&a->mu);
    while (a->busy)
        pthread_cond_wait(&a->cv, &a->mu);
    int failed = a->failed;
    if (failed)
        *err = a->err;
    pthread_mutex_unlock(&a->mu);
    return failed ? -1 : 0;
}

static int async_start(struct gz_writer *w, struct pw_error *err)
{
    struct gz_async *a = calloc(1, sizeof *a);
    if (!a)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    buf_init(&a->fill, SIZE_MAX);
    buf_init(&a->work, SIZE_MAX);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    w->async = a;
    if (pthread_create(&a->thread, NULL, compressor, w) != 0) {
        w->async = NULL;
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        free(a);
        return 1;               /* no thread: the caller compresses, as for small files */
    }
    return 0;
}

/* Stops and frees the thread (after async_idle, or when abandoning the file). */
static void async_end(struct gz_writer *w)
{
    struct gz_async *a = w->async;
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    a->stop = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    buf_release(&a->fill);
    buf_release(&a->work);
    free(a);
    w->async = NULL;
}

/* Hands the full fill to the thread. */
static int async_handover(struct gz_async *a, struct pw_error *err)
{
    if (async_idle(a, err) < 0)
        return -1;
    pthread_mutex_lock(&a->mu);
    struct buf t = a->work;
    a->work = a->fill;
    a->fill = t;
    a->busy = 1;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    return 0;
}

int gz_writer_write(struct gz_writer *w, const void *data, size_t n, struct pw_error *err)
{
    w->in_bytes += n;
    if (w->level < 0) {
        w->out_bytes += n;
        return n ? (int)w->dst->io(w->dst, (void *)data, n, err) : 0;
    }
    if (!w->async && !w->in_caller && w->in_bytes > GZ_BLOCK) {
        int rc = async_start(w, err);
        if (rc < 0)
            return -1;
    }
    if (!w->async)
        return deflate_into(w, data, n, err);
    struct gz_async *a = w->async;
    if (buf_append(&a->fill, data, n) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return a->fill.len >= GZ_BLOCK ? async_handover(a, err) : 0;
}

/* Back to compressing in the caller: the thread finishes, what it was not given is
 * compressed here, and the thread ends. */
static int async_stop(struct gz_writer *w, struct pw_error *err)
{
    struct gz_async *a = w->async;
    int rc = async_idle(a, err);
    if (rc == 0)
        rc = deflate_into(w, (unsigned char *)a->fill.data, a->fill.len, err);
    async_end(w);
    return rc;
}

int gz_writer_reached(struct gz_writer *w, uint64_t target, struct pw_error *err)
{
    /* Deflate adds at most 5 bytes per 16 KiB block and the gzip wrapper 18: with less input
     * than this, the output is below target whoever compresses it. */
    uint64_t slack = target / 1024 + 64;
    if (w->async && w->in_bytes + GZ_BLOCK + slack >= target) {
        w->in_caller = 1;
        if (async_stop(w, err) < 0)
            return -1;
    }
    return !w->async && w->out_bytes >= target;
}

int gz_writer_finish(struct gz_writer *w, struct pw_error *err)
{
    if (w->level < 0)
        return 0;
    if (w->async && async_stop(w, err) < 0)
        return -1;
    w->z.next_in = NULL;
    w->z.avail_in = 0;
    return drain(w, Z_FINISH, err);
}

void gz_writer_release(struct gz_writer *w)
{
    if (!w)
        return;
    async_end(w);
    if (w->z_ready)
        deflateEnd(&w->z);
    free(w->chunk);
    memset(w, 0, sizeof *w);
}

/* ---- reading ---- */

int rec_reader_init(struct rec_reader *r, struct lake_stream *src, enum spec_format format,
                    const char *name, struct pw_error *err)
{
    memset(r, 0, sizeof *r);
    r->src = src;
    r->format = format;
    r->name = name;
    buf_init(&r->out, MAX_RECORD + 2 * CHUNK);
    r->in = malloc(CHUNK);
    if (!r->in)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    long n = src->io(src, r->in, CHUNK, err);
    if (n < 0)
        return -1;
    r->in_len = (size_t)n;
    r->gzip = n >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b;
    if (r->gzip) {
        if (inflateInit2(&r->z, 15 + 16) != Z_OK)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory (zlib)");
        r->z_ready = 1;
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)r->in_len;
    }
    return 0;
}

/* Appends more decompressed bytes to r->out; 0 with nothing more at the end of the file. */
static long fill(struct rec_reader *r, struct pw_error *err)
{
    /* Drop what was handed out, so the buffer holds one record at most. */
    if (r->out_pos) {
        memmove(r->out.data, r->out.data + r->out_pos, r->out.len - r->out_pos);
        buf_cut(&r->out, r->out.len - r->out_pos);
        r->out_pos = 0;
    }
    if (r->out.len > MAX_RECORD)
        return pw_fail(err, PW_EXIT_FAILED, "reading '%s': a record longer than %zu bytes", r->name,
                       MAX_RECORD);
    if (!r->gzip) {
        if (!r->in_len) {
            long n = r->src->io(r->src, r->in, CHUNK, err);
            if (n <= 0)
                return n;
            r->in_len = (size_t)n;
        }
        if (buf_append(&r->out, r->in, r->in_len) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        long got = (long)r->in_len;
        r->in_len = 0;
        return got;
    }
    unsigned char chunk[CHUNK];
    if (r->finished)
        return 0;
    for (;;) {
        if (r->z.avail_in == 0 && !r->at_end) {
            long n = r->src->io(r->src, r->in, CHUNK, err);
            if (n < 0)
                return -1;
            if (n == 0)
                r->at_end = 1;
            r->z.next_in = r->in;
            r->z.avail_in = (uInt)n;
        }
        r->z.next_out = chunk;
        r->z.avail_out = sizeof chunk;
        int zrc = inflate(&r->z, Z_NO_FLUSH);
        size_t have = sizeof chunk - r->z.avail_out;
        if (have && buf_append(&r->out, chunk, have) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        if (zrc == Z_STREAM_END) {
            /* Another gzip member may follow (concatenated files are valid gzip). */
            if (r->z.avail_in == 0 && !r->at_end) {
                long n = r->src->io(r->src, r->in, CHUNK, err);
                if (n < 0)
                    return -1;
                r->at_end = n == 0;
                r->z.next_in = r->in;
                r->z.avail_in = (uInt)n;
            }
            if (r->z.avail_in == 0) {
                r->finished = 1;
                return (long)have;
            }
            inflateReset(&r->z);
        } else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
            return pw_fail(err, PW_EXIT_FAILED, "reading '%s': not valid gzip (%s)", r->name,
                           r->z.msg ? r->z.msg : "inflate failed");
        } else if (zrc == Z_BUF_ERROR && r->at_end && r->z.avail_in == 0) {
            return pw_fail(err, PW_EXIT_FAILED, "reading '%s': the gzip data is truncated", r->name);
        }
        if (have)
            return (long)have;
    }
}

int rec_reader_next(struct rec_reader *r, const char **rec, size_t *len, struct pw_error *err)
{
    for (;;) {
        const char *p = r->out.data ? r->out.data + r->out_pos : "";
        size_t avail = r->out.len - r->out_pos;
        size_t n = avail ? row_record_len(r->format, p, avail) : 0;
        if (n) {
            *rec = p;
            *len = n;
            r->out_pos += n;
            return 1;
        }
        long got = fill(r, err);
        if (got < 0)
            return -1;
        if (got == 0) {
            if (r->out.len > r->out_pos)
                return pw_fail(err, PW_EXIT_FAILED, "reading '%s': the last record has no end",
                               r->name);
            return 0;
        }
    }
}

void rec_reader_release(struct rec_reader *r)
{
    if (!r)
        return;
    if (r->z_ready)
        inflateEnd(&r->z);
    free(r->in);
    buf_release(&r->out);
    memset(r, 0, sizeof *r);
}

/* ---- whole buffers ---- */

int gz_compress(const void *data, size_t n, int level, struct buf *out, struct pw_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory (zlib)");
    uLong bound = deflateBound(&z, (uLong)n);
    size_t len0 = out->len;
    char *zero = calloc(1, bound);
    int rc = zero && buf_append(out, zero, bound) == 0 ? 0 : -1;
    free(zero);
    if (rc == 0) {
        z.next_in = (unsigned char *)data;
        z.avail_in = (uInt)n;
        z.next_out = (unsigned char *)out->data + len0;
        z.avail_out = (uInt)bound;
        rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
        buf_cut(out, rc == 0 ? len0 + (bound - z.avail_out) : len0);
    }
    deflateEnd(&z);
    return rc == 0 ? 0 : pw_fail(err, PW_EXIT_FAILED, "gzip: out of memory or too large");
}

int gz_decompress(const void *data, size_t n, struct buf *out, struct pw_error *err)
{
    const unsigned char *p = data;
    if (n < 2 || p[0] != 0x1f || p[1] != 0x8b)
        return buf_append(out, data, n) == 0 ? 0 : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    z_stream z;
    unsigned char chunk[CHUNK];
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory (zlib)");
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    int zrc;
    do {
        z.next_out = chunk;
        z.avail_out = sizeof chunk;
        zrc = inflate(&z, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END && z.avail_in)
            zrc = inflateReset(&z) == Z_OK ? Z_OK : Z_DATA_ERROR;
        if ((zrc != Z_OK && zrc != Z_STREAM_END) ||
            buf_append(out, chunk, sizeof chunk - z.avail_out) < 0) {
            inflateEnd(&z);
            return pw_fail(err, PW_EXIT_FAILED, "gunzip: %s", zrc == Z_OK || zrc == Z_STREAM_END
                           ? "out of memory" : "not valid gzip");
        }
    } while (zrc != Z_STREAM_END);
    inflateEnd(&z);
    return 0;
}
