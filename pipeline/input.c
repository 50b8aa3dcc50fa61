/* input.c — a file of records, one per line (see input.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/input.h"

#define CHUNK ((size_t)1 << 20)

int input_open(struct input *in, const char *path, struct pw_error *err)
{
    memset(in, 0, sizeof *in);
    in->path = path;
    in->gz = gzopen(path, "rb");
    if (!in->gz)
        return pw_fail(err, PW_EXIT_FAILED, "opening '%s': %s", path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(in->gz, 256 * 1024);
    in->cap = INPUT_MAX_RECORD + CHUNK;
    in->data = malloc(in->cap + 1);
    if (!in->data) {
        input_close(in);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    return 0;
}

/* Reads more after the unconsumed bytes; 0 when nothing more came. */
static int more(struct input *in, struct pw_error *err)
{
    if (in->eof)
        return 0;
    if (in->pos) {
        memmove(in->data, in->data + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    size_t room = in->cap - in->len;
    int n = gzread(in->gz, in->data + in->len, (unsigned)(room < CHUNK ? room : CHUNK));
    if (n < 0) {
        int e;
        const char *msg = gzerror(in->gz, &e);
        return pw_fail(err, PW_EXIT_FAILED, "reading '%s': %s", in->path,
                       e == Z_ERRNO ? strerror(errno) : msg);
    }
    if (n == 0) {
        /* zlib says Z_BUF_ERROR at the end of a gzip stream cut short: records are missing. */
        int e;
        gzerror(in->gz, &e);
        if (e == Z_BUF_ERROR)
            return pw_fail(err, PW_EXIT_FAILED, "reading '%s': the file ends in the middle of its "
                           "gzip stream (truncated?)", in->path);
        in->eof = 1;
    }
    in->len += (size_t)n;
    return n > 0;
}

int input_next(struct input *in, const char **line, size_t *len, struct pw_error *err)
{
    size_t scanned = 0;
    for (;;) {
        char *start = in->data + in->pos;
        size_t avail = in->len - in->pos;
        char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (!nl && avail > INPUT_MAX_RECORD) {
            /* Too long: keep its start for the quarantine, then skip to its end. */
            in->line++;
            *len = sizeof in->head;
            memcpy(in->head, start, sizeof in->head);
            *line = in->head;
            for (;;) {
                char *end = memchr(in->data + in->pos, '\n', in->len - in->pos);
                if (end) {
                    in->pos = (size_t)(end - in->data) + 1;
                    return 2;
                }
                in->pos = in->len;
                int r = more(in, err);
                if (r < 0)
                    return -1;
                if (r == 0)
                    return 2;
            }
        }
        if (nl || (in->eof && avail)) {
            size_t n = nl ? (size_t)(nl - start) : avail;
            in->pos += nl ? n + 1 : n;
            in->line++;
            while (n && (start[n - 1] == '\r' || start[n - 1] == ' ' || start[n - 1] == '\t'))
                n--;
            if (!n)
                continue;
            *line = start;
            *len = n;
            return 1;
        }
        if (in->eof)
            return 0;
        scanned = avail;
        int r = more(in, err);
        if (r < 0)
            return -1;
        if (r == 0)
            scanned = 0;
    }
}

void input_close(struct input *in)
{
    if (!in)
        return;
    if (in->gz)
        gzclose(in->gz);
    free(in->data);
    memset(in, 0, sizeof *in);
}
