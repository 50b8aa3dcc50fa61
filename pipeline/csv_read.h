/* csv_read.h — an RFC 4180 reader over text in memory.
 *
 * Fields are separated by commas and records by CRLF, LF or a lone CR. A field may be quoted
 * with '"'; inside quotes, "" is one quote and commas and line breaks are data. After a closing
 * quote only a comma or the end of the record may follow. Deliberate leniencies, as Python's
 * csv module has them: a quote inside an unquoted field is data (12" PIZZA), a UTF-8 byte-order
 * mark before the first record is skipped, and a completely empty line is no record at all.
 * Lines and columns are 1-based; columns count characters (code points), as the spec's
 * diagnostics do, so an error can be shown with a caret under the field. */
#ifndef PW_CSV_READ_H
#define PW_CSV_READ_H

#include <stddef.h>

#include "provision/aws/buf.h"

struct csv_field {
    const char *v;              /* NUL-terminated, quotes removed; valid until the next record */
    size_t len;
    int line, col;              /* where the field starts (its opening quote, when quoted) */
    int quoted;
};

struct csv_record {
    struct csv_field *f;
    size_t n, cap;
    int line;                   /* where the record starts */
    struct buf data;            /* the fields' bytes, each NUL-terminated */
};

struct csv_reader {
    const char *p, *end;
    int line;
    const char *line_start;     /* for columns */
};

struct csv_error {
    int line, col;
    char what[128];
};

void csv_reader_init(struct csv_reader *r, const char *text, size_t len);
void csv_record_init(struct csv_record *rec);
void csv_record_release(struct csv_record *rec);

/* The next record into rec: 1, or 0 at the end of the text, or -1 with e filled (an unclosed
 * quote, text after a closing quote, out of memory). */
int csv_next(struct csv_reader *r, struct csv_record *rec, struct csv_error *e);

#endif
