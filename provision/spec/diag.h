/* diag.h — spec diagnostics, after jq's locfile: every error is collected (so one run reports
 * all of them), sorted by position, and rendered as
 *
 *   FILE:LINE:COL: error: message
 *       12 |     billng: on-demand
 *          |     ^~~~~~
 *
 * Lines and columns are 1-based and count characters (code points), as libyaml's marks do;
 * a tab counts as one column and is echoed in the caret line so the caret stays aligned. */
#ifndef PW_DIAG_H
#define PW_DIAG_H

#include <stddef.h>

#include "provision/aws/buf.h"

/* A position in the spec file. line 0 means "no position" (an error about the command line,
 * such as a --var the spec does not declare). span is the width to underline, at least 1. */
struct spec_loc {
    int line;
    int col;
    int span;
};

struct diag {
    struct spec_loc loc;
    size_t seq;     /* order of arrival: ties on position keep it, so output is deterministic */
    char *msg;
};

struct diag_list {
    char *path;     /* the spec's path as the user gave it */
    char *src;      /* its text, NUL-terminated, for the source lines under each message */
    size_t src_len;
    struct diag *items;
    size_t len, cap;
    int oom;        /* an allocation failed: some message may be missing */
    size_t dropped; /* errors past DIAG_MAX, counted but not kept */
};

/* A file can hold millions of mistakes; nobody reads past the first thousand. */
#define DIAG_MAX 1000

void diag_list_init(struct diag_list *d);
void diag_list_release(struct diag_list *d);

/* Copies path and the source text (which may be NULL when the file could not be read). */
int diag_list_set_source(struct diag_list *d, const char *path, const char *src, size_t len);

/* Adds an error at loc. Identical messages at the same position are kept once. */
void diag_add(struct diag_list *d, struct spec_loc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sorts by line, then column, then arrival. */
void diag_list_sort(struct diag_list *d);

/* Appends every diagnostic, in list order, in the format above. -1 when out of memory. */
int diag_list_render(const struct diag_list *d, struct buf *out);

/* {"valid": false, "file": ..., "errors": [{"line", "column", "message"}]} for --output json. */
int diag_list_render_json(const struct diag_list *d, struct buf *out);

/* The text of 1-based line `line` of src (without its newline or CR), or NULL when past the end.
 * A UTF-8 byte-order mark at the start of the file is not part of line 1: libyaml skips it too. */
const char *diag_source_line(const char *src, size_t src_len, int line, size_t *len);

/* Byte offset within a line of 1-based character column col (clamped to the line's end). */
size_t diag_col_offset(const char *line, size_t len, int col);

#endif
