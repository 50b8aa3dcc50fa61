/* xmlw.h — a small XML writer for request bodies (S3's configuration documents): elements,
 * escaped text, nothing else. Errors are sticky: check once, at xmlw_finish. */
#ifndef PW_XMLW_H
#define PW_XMLW_H

#include "provision/aws/buf.h"

#define XMLW_DEPTH 16

struct xmlw {
    struct buf *out;
    const char *open[XMLW_DEPTH];  /* element names, which must outlive the writer */
    int depth;
    int failed;
};

/* Starts a document: the XML declaration, then the root element with xmlns when ns is set. */
void xmlw_init(struct xmlw *w, struct buf *out, const char *root, const char *ns);
void xmlw_open(struct xmlw *w, const char *name);
void xmlw_close(struct xmlw *w);
/* <name>text</name>, text escaped. */
void xmlw_elem(struct xmlw *w, const char *name, const char *text);
void xmlw_elemf(struct xmlw *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends s escaped for text or a double-quoted attribute; -1 on memory or a character XML
 * 1.0 cannot carry (a control character other than tab, LF, CR). */
int xml_escape(struct buf *out, const char *s);

/* Closes everything still open; -1 when any step failed (memory, depth, a close too many). */
int xmlw_finish(struct xmlw *w);

#endif
