/* input.h — a file of records, one per line, gzip-compressed or not (zlib tells them apart
 * by their first bytes), read in large chunks without copying lines. */
#ifndef PW_INPUT_H
#define PW_INPUT_H

#include <stddef.h>

#include <zlib.h>

#include "provision/aws/error.h"

/* A record longer than this is quarantined, not read: a DynamoDB item is at most 400 KB, and a
 * stream record holds two images of it in DynamoDB JSON. */
#define INPUT_MAX_RECORD ((size_t)4 << 20)

struct input {
    gzFile gz;
    const char *path;
    char *data;
    size_t len, pos, cap;
    long line;          /* the number of the line last returned */
    char head[256];     /* the start of an over-size line */
    int eof;
};

int input_open(struct input *in, const char *path, struct pw_error *err);
/* 1 with the next non-empty line (without its line end; valid until the next call), 2 for a
 * line longer than INPUT_MAX_RECORD (*line is its start, *len how much of it is given), 0 at
 * the end, -1 on an error. */
int input_next(struct input *in, const char **line, size_t *len, struct pw_error *err);
void input_close(struct input *in);

#endif
