/* csv_read.c — RFC 4180 records (see csv_read.h). */
#include "pipeline/csv_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csv_reader_init(struct csv_reader *r, const char *text, size_t len)
{
    r->p = text;
    r->end = text + len;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r->p += 3;
    r->line = 1;
    r->line_start = r->p;
}

void csv_record_init(struct csv_record *rec)
{
    memset(rec, 0, sizeof *rec);
    buf_init(&rec->data, 0);
}

void csv_record_release(struct csv_record *rec)
{
    if (!rec)
        return;
    free(rec->f);
    buf_release(&rec->data);
    memset(rec, 0, sizeof *rec);
}

/* Column of p on the current line, in characters. */
static int column(const struct csv_reader *r, const char *p)
{
    int col = 1;
    for (const char *q = r->line_start; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80)
            col++;
    return col;
}

static int error(struct csv_error *e, int line, int col, const char *what)
{
    e->line = line;
    e->col = col;
    snprintf(e->what, sizeof e->what, "%s", what);
    return -1;
}

/* Consumes a line break at r->p, if there is one; 1 when it did. */
static int take_newline(struct csv_reader *r)
{
    if (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
        if (*r->p == '\r' && r->p + 1 < r->end && r->p[1] == '\n')
            r->p++;
        r->p++;
        r->line++;
        r->line_start = r->p;
        return 1;
    }
    return 0;
}

static int add_field(struct csv_record *rec, size_t start, int line, int col, int quoted)
{
    if (rec->n == rec->cap) {
        size_t cap = rec->cap ? rec->cap * 2 : 16;
        struct csv_field *f = realloc(rec->f, cap * sizeof *f);
        if (!f)
            return -1;
        rec->f = f;
        rec->cap = cap;
    }
    /* v is set once the record is complete: data may move while it grows. */
    rec->f[rec->n++] = (struct csv_field){.v = NULL, .len = rec->data.len - start, .line = line,
                                          .col = col, .quoted = quoted};
    return buf_appendc(&rec->data, '\0');
}

int csv_next(struct csv_reader *r, struct csv_record *rec, struct csv_error *e)
{
    rec->n = 0;
    buf_reset(&rec->data);
    while (r->p < r->end && take_newline(r))   /* empty lines are no records */
        ;
    if (r->p >= r->end)
        return 0;
    rec->line = r->line;
    for (;;) {
        size_t start = rec->data.len;
        int line = r->line, col = column(r, r->p), quoted = 0;
        if (r->p < r->end && *r->p == '"') {
            quoted = 1;
            r->p++;
            for (;;) {
                if (r->p >= r->end)
                    return error(e, line, col, "quoted field is never closed");
                const char *q = r->p;
                while (q < r->end && *q != '"' && *q != '\n' && *q != '\r')
                    q++;
                if (buf_append(&rec->data, r->p, (size_t)(q - r->p)) < 0)
                    return error(e, line, col, "out of memory");
                r->p = q;
                if (q >= r->end)
                    continue;
                if (*q == '"') {
                    if (q + 1 < r->end && q[1] == '"') {
                        if (buf_appendc(&rec->data, '"') < 0)
                            return error(e, line, col, "out of memory");
                        r->p = q + 2;
                        continue;
                    }
                    r->p = q + 1;
                    break;
                }
                /* A line break inside quotes is data, kept as written (CRLF stays CRLF). */
                const char *nl = r->p;
                take_newline(r);
                if (buf_append(&rec->data, nl, (size_t)(r->p - nl)) < 0)
                    return error(e, line, col, "out of memory");
            }
            if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                char what[96];
                snprintf(what, sizeof what, "unexpected '%c' after the closing quote of a field",
                         *r->p);
                return error(e, r->line, column(r, r->p), what);
            }
        } else {
            const char *q = r->p;
            while (q < r->end && *q != ',' && *q != '\n' && *q != '\r')
                q++;
            if (buf_append(&rec->data, r->p, (size_t)(q - r->p)) < 0)
                return error(e, line, col, "out of memory");
            r->p = q;
        }
        if (add_field(rec, start, line, col, quoted) < 0)
            return error(e, line, col, "out of memory");
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        take_newline(r);
        break;
    }
    size_t off = 0;
    for (size_t i = 0; i < rec->n; i++) {
        rec->f[i].v = rec->data.data + off;
        off += rec->f[i].len + 1;
    }
    return 1;
}
