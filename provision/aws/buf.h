/* buf.h — a growable byte buffer with a size cap (after curl's dynbuf).
 *
 * Invariants: data is NULL or NUL-terminated at data[len]; len never exceeds max.
 * Every append either succeeds whole or leaves the buffer unchanged and returns -1
 * (out of memory, or the cap would be passed), so a caller never sees half a write. */
#ifndef PW_BUF_H
#define PW_BUF_H

#include <stddef.h>

#define BUF_MAX_DEFAULT ((size_t)64 << 20) /* 64 MiB: no AWS response we read is larger */

struct buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max;
};

void buf_init(struct buf *b, size_t max);   /* max 0 means BUF_MAX_DEFAULT */
void buf_release(struct buf *b);            /* frees; the buffer may be reused after buf_init */
void buf_reset(struct buf *b);              /* len = 0, keeps the allocation */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_appends(struct buf *b, const char *s);
int buf_appendc(struct buf *b, char c);
int buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_cstr(const struct buf *b);  /* never NULL: "" for an empty buffer */
char *buf_detach(struct buf *b);            /* hands the NUL-terminated string to the caller */

struct pw_error;
/* Appends a whole file ("-" is standard input); fails naming the file, or when over b->max. */
int buf_read_file(struct buf *b, const char *path, struct pw_error *err);

#endif
