#include "provision/spec/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diag_list_init(struct diag_list *d)
{
    memset(d, 0, sizeof *d);
}

void diag_list_release(struct diag_list *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++)
        free(d->items[i].msg);
    free(d->items);
    free(d->path);
    free(d->src);
    diag_list_init(d);
}

int diag_list_set_source(struct diag_list *d, const char *path, const char *src, size_t len)
{
    char *p = strdup(path ? path : "");
    char *s = NULL;
    if (src) {
        s = malloc(len + 1);
        if (s) {
            memcpy(s, src, len);
            s[len] = '\0';
        }
    }
    if (!p || (src && !s)) {
        free(p);
        free(s);
        d->oom = 1;
        return -1;
    }
    free(d->path);
    free(d->src);
    d->path = p;
    d->src = s;
    d->src_len = src ? len : 0;
    return 0;
}

void diag_add(struct diag_list *d, struct spec_loc loc, const char *fmt, ...)
{
    char stack[512], *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof stack) {
        msg = strdup(stack);
    } else {
        msg = malloc((size_t)n + 1);
        if (msg) {
            va_start(ap, fmt);
            vsnprintf(msg, (size_t)n + 1, fmt, ap);
            va_end(ap);
        }
    }
    if (!msg) {
        d->oom = 1;
        return;
    }
    if (loc.span < 1)
        loc.span = 1;
    if (d->len >= DIAG_MAX) {
        free(msg);
        d->dropped++;
        return;
    }
    /* The same fault reached twice (a node shared through a YAML alias) is one error. */
    for (size_t i = 0; i < d->len; i++) {
        if (d->items[i].loc.line == loc.line && d->items[i].loc.col == loc.col &&
            strcmp(d->items[i].msg, msg) == 0) {
            free(msg);
            return;
        }
    }
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct diag *p = realloc(d->items, cap * sizeof *p);
        if (!p) {
            free(msg);
            d->oom = 1;
            return;
        }
        d->items = p;
        d->cap = cap;
    }
    d->items[d->len] = (struct diag){.loc = loc, .seq = d->len, .msg = msg};
    d->len++;
}

static int diag_cmp(const void *a, const void *b)
{
    const struct diag *x = a, *y = b;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col)
        return x->loc.col < y->loc.col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void diag_list_sort(struct diag_list *d)
{
    if (d->len > 1)
        qsort(d->items, d->len, sizeof *d->items, diag_cmp);
}

const char *diag_source_line(const char *src, size_t src_len, int line, size_t *len)
{
    if (!src || line < 1)
        return NULL;
    const char *p = src, *end = src + src_len;
    if (src_len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    for (int l = 1; l < line; l++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            return NULL;
        p = nl + 1;
    }
    if (p > end || (p == end && line > 1 && end[-1] != '\n'))
        return NULL;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    *len = n;
    return p;
}

/* UTF-8 continuation bytes do not start a character. */
static int starts_char(unsigned char c)
{
    return (c & 0xC0) != 0x80;
}

size_t diag_col_offset(const char *line, size_t len, int col)
{
    size_t off = 0;
    for (int c = 1; c < col && off < len; c++) {
        off++;
        while (off < len && !starts_char((unsigned char)line[off]))
            off++;
    }
    return off;
}

/* Lines longer than this are shown as a window around the column (a data file can hold a
 * whole JSON array on one line). */
#define LINE_SHOWN_MAX 160
#define LINE_BEFORE 60

/* Moves a byte offset back to the start of the character it is in. */
static size_t char_start(const char *line, size_t off)
{
    while (off > 0 && !starts_char((unsigned char)line[off]))
        off--;
    return off;
}

static int render_one(const struct diag_list *d, const struct diag *g, struct buf *out)
{
    const char *path = d->path ? d->path : "";
    if (g->loc.line <= 0)
        return buf_appendf(out, "%s: error: %s\n", path, g->msg);
    if (buf_appendf(out, "%s:%d:%d: error: %s\n", path, g->loc.line, g->loc.col, g->msg) < 0)
        return -1;
    if (!d->src)        /* no text to show (too large to keep, or not a file) */
        return 0;
    size_t len = 0;
    const char *line = diag_source_line(d->src, d->src_len, g->loc.line, &len);
    if (!line) {
        /* A mark at the very end of a file without a final newline: show an empty line. */
        line = "";
        len = 0;
    }
    size_t at = diag_col_offset(line, len, g->loc.col);
    const char *lead = "", *tail = "";
    if (len > LINE_SHOWN_MAX) {
        size_t from = at > LINE_BEFORE ? char_start(line, at - LINE_BEFORE) : 0;
        size_t to = from + LINE_SHOWN_MAX < len ? char_start(line, from + LINE_SHOWN_MAX) : len;
        lead = from ? "..." : "";
        tail = to < len ? "..." : "";
        line += from;
        len = to - from;
        at -= from;
    }
    if (buf_appendf(out, "%5d | %s", g->loc.line, lead) < 0 || buf_append(out, line, len) < 0 ||
        buf_appendf(out, "%s\n      | %s", tail, lead[0] ? "   " : "") < 0)
        return -1;
    /* Echo tabs so the caret lands under the right character whatever the tab width. */
    for (size_t i = 0; i < at; i++) {
        if (!starts_char((unsigned char)line[i]))
            continue;
        if (buf_appendc(out, line[i] == '\t' ? '\t' : ' ') < 0)
            return -1;
    }
    if (buf_appendc(out, '^') < 0)
        return -1;
    /* Underline the rest of the subject, but never past the end of the line. */
    size_t off = at;
    for (int i = 1; i < g->loc.span; i++) {
        if (off < len) {
            off++;
            while (off < len && !starts_char((unsigned char)line[off]))
                off++;
        }
        if (off >= len)
            break;
        if (buf_appendc(out, '~') < 0)
            return -1;
    }
    return buf_appendc(out, '\n');
}

int diag_list_render(const struct diag_list *d, struct buf *out)
{
    for (size_t i = 0; i < d->len; i++)
        if (render_one(d, &d->items[i], out) < 0)
            return -1;
    if (d->dropped && buf_appendf(out, "%s: and %zu more errors, not shown\n", d->path ? d->path : "",
                                  d->dropped) < 0)
        return -1;
    return 0;
}
