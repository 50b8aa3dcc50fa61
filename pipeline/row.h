/* row.h — one output row as typed cells, and its rendering as a JSON Lines or CSV record
 * (docs/transform.md §4). The transform makes cells; writer_jsonl.c and writer_csv.c render
 * them; the writer (writer.h) packs rendered rows into files.
 *
 * Cells point at text owned by someone else (the record's cJSON tree, the dimension, the
 * transform's scratch arena); rendering copies it into the output buffer. */
#ifndef PW_ROW_H
#define PW_ROW_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/buf.h"
#include "provision/spec/spec.h"

enum cell_kind {
    CELL_NULL,
    CELL_STRING,    /* text is the string */
    CELL_NUMBER,    /* text is a valid JSON number, written as is */
    CELL_BOOL,      /* text is "true" or "false" */
    CELL_JSON,      /* text is a JSON array or object (columns of no declared type); CSV: as text */
};

struct cell {
    const char *name;   /* the column's name */
    enum cell_kind kind;
    const char *text;   /* NUL-terminated, except that len is what counts */
    size_t len;
};

/* Renders rows of one format; keeps scratch space between rows. */
struct row_renderer {
    enum spec_format format;
    cJSON *nodes;       /* jsonl: one node per cell, reused from row to row */
    size_t n_nodes;
    char *print;        /* jsonl: cJSON's print buffer */
    size_t print_cap;
};

void row_renderer_init(struct row_renderer *r, enum spec_format format);
void row_renderer_release(struct row_renderer *r);

/* Appends one record (with its line end) to out; -1 when out of memory. */
int row_render(struct row_renderer *r, const struct cell *cells, size_t n, struct buf *out);
/* CSV's header record of the column names; jsonl has none (appends nothing). */
int row_render_header(const struct row_renderer *r, const char *const *names, size_t n,
                      struct buf *out);

/* Shortens b to len (keeping the NUL terminator): undoes appends after a failure. */
static inline void buf_cut(struct buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

/* The two formats (row_render dispatches to them). */
int jsonl_render(struct row_renderer *r, const struct cell *cells, size_t n, struct buf *out);
int csv_render(const struct cell *cells, size_t n, struct buf *out);
int csv_render_header(const char *const *names, size_t n, struct buf *out);

/* Length of the first record of p[0..n) — a JSON line, or a CSV record whose quoted fields may
 * hold line breaks — including its line end; 0 when p holds no complete record. */
size_t row_record_len(enum spec_format format, const char *p, size_t n);

#endif
