/* gzstream.c — gzip over lake streams, records read back (see gzstream.h). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/gzstream.h"
#include "pipeline/row.h"

#define CHUNK 65536
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

int gz_writer_write(struct gz_writer *w, const void *data, size_t n, struct pw_error *err)
{
    w->in_bytes += n;
    if (w->level < 0) {
        w->out_bytes += n;
        return n ? (int)w->dst->io(w->dst, (void *)data, n, err) : 0;
    }
    const unsigned char *p = data;
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

int gz_writer_finish(struct gz_writer *w, struct pw_error *err)
{
    if (w->level < 0)
        return 0;
    w->z.next_in = NULL;
    w->z.avail_in = 0;
    return drain(w, Z_FINISH, err);
}

void gz_writer_release(struct gz_writer *w)
{
    if (!w)
        return;
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
