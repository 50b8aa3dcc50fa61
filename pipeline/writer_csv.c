/* writer_csv.c — rows as CSV records (RFC 4180): fields separated by commas, records ended
 * by CRLF, a field quoted when it is an empty string or holds a comma, a quote, CR or LF, with
 * its quotes doubled. Null is an empty unquoted field, so it differs from "" (docs/transform.md
 * §4). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/row.h"

static int needs_quotes(const char *s, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return 1;
    return 0;
}

static int field(struct buf *out, const char *s, size_t n)
{
    if (!needs_quotes(s, n))
        return buf_append(out, s, n);
    if (buf_appendc(out, '"') < 0)
        return -1;
    for (const char *q; n && (q = memchr(s, '"', n)); n -= (size_t)(q - s) + 1, s = q + 1)
        if (buf_append(out, s, (size_t)(q - s) + 1) < 0 || buf_appendc(out, '"') < 0)
            return -1;
    if (buf_append(out, s, n) < 0)
        return -1;
    return buf_appendc(out, '"');
}

int csv_render(const struct cell *cells, size_t n, struct buf *out)
{
    size_t len0 = out->len;
    for (size_t i = 0; i < n; i++) {
        if (i && buf_appendc(out, ',') < 0)
            goto oom;
        if (cells[i].kind == CELL_NULL)
            continue;
        /* Numbers, booleans and timestamps never need quotes; strings and JSON text may. */
        if (field(out, cells[i].text, cells[i].len) < 0)
            goto oom;
    }
    if (buf_append(out, "\r\n", 2) < 0)
        goto oom;
    return 0;
oom:
    buf_cut(out, len0);
    return -1;
}

int csv_render_header(const char *const *names, size_t n, struct buf *out)
{
    struct cell *c = malloc((n ? n : 1) * sizeof *c);     /* once per file: no need to save it */
    if (!c)
        return -1;
    for (size_t i = 0; i < n; i++)
        c[i] = (struct cell){.name = names[i], .kind = CELL_STRING, .text = names[i],
                             .len = strlen(names[i])};
    int rc = csv_render(c, n, out);
    free(c);
    return rc;
}
