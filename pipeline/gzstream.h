/* gzstream.h — gzip (zlib) over lake streams, and records read back from them.
 *
 * A gz_writer compresses into a lake stream as it goes (or passes bytes through at level -1);
 * its output is one gzip member with no name and time 0, so the same input gives the same
 * bytes. A rec_reader decompresses a lake stream (gzip or not, told by its first bytes) and
 * hands out whole records: lines, or CSV records whose quoted fields may span lines. */
#ifndef PW_GZSTREAM_H
#define PW_GZSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include <zlib.h>

#include "pipeline/lake.h"
#include "provision/spec/spec.h"

struct gz_async;

struct gz_writer {
    struct lake_stream *dst;
    int level;              /* -1: no compression */
    z_stream z;
    int z_ready;
    uint64_t in_bytes;      /* bytes given */
    uint64_t out_bytes;     /* bytes written to dst */
    unsigned char *chunk;
    struct gz_async *async; /* the compressing thread, once there is a block for it */
    int in_caller;          /* near a split target: compress in the caller from now on */
};

/* dst stays the caller's (gz_writer_finish does not close it).
 *
 * Compression runs beside the caller: past the first block (GZ_BLOCK bytes) of a file, the
 * writer starts a thread of its own that deflates one block and writes it to dst while the
 * caller fills the next, so rendering and compressing use two cores. dst's io is then called
 * from that thread, never at the same time as from the caller; the output is the same bytes
 * (deflate's output does not depend on how its input was split). A writer is used by one
 * thread at a time, as before. */
int gz_writer_init(struct gz_writer *w, struct lake_stream *dst, int level, struct pw_error *err);
int gz_writer_write(struct gz_writer *w, const void *data, size_t n, struct pw_error *err);
/* Whether the compressed output has reached target bytes, exactly as if compressing in the
 * caller (file split points are a function of the content). While the output cannot be that
 * large yet (compressed data is at most a little larger than its input), the thread keeps
 * going; near the target the writer compresses in the caller from then on. */
int gz_writer_reached(struct gz_writer *w, uint64_t target, struct pw_error *err);
/* Ends the gzip member. */
int gz_writer_finish(struct gz_writer *w, struct pw_error *err);
void gz_writer_release(struct gz_writer *w);

struct rec_reader {
    struct lake_stream *src;
    enum spec_format format; /* how records end: SPEC_FORMAT_JSONL = at each '\n' */
    int gzip;               /* detected from the first bytes */
    int at_end;             /* the source has nothing more */
    int finished;           /* the last gzip member ended */
    z_stream z;
    int z_ready;
    unsigned char *in;
    size_t in_len;
    struct buf out;         /* decompressed bytes not yet handed out, from out_pos */
    size_t out_pos;
    const char *name;       /* for messages */
};

/* src stays the caller's. */
int rec_reader_init(struct rec_reader *r, struct lake_stream *src, enum spec_format format,
                    const char *name, struct pw_error *err);
/* 1 with the next record (its line end included; valid until the next call), 0 at the end,
 * -1 on an error (a truncated file, a record without its end). */
int rec_reader_next(struct rec_reader *r, const char **rec, size_t *len, struct pw_error *err);
void rec_reader_release(struct rec_reader *r);

/* One-shot gzip of a buffer (small objects: the quarantine, the dimension snapshot). */
int gz_compress(const void *data, size_t n, int level, struct buf *out, struct pw_error *err);
/* One-shot gunzip (or a copy, when data is not gzip). */
int gz_decompress(const void *data, size_t n, struct buf *out, struct pw_error *err);

#endif
