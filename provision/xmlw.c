/* xmlw.c — the XML writer. */
#include "provision/xmlw.h"

#include <stdarg.h>
#include <stdio.h>

static void put(struct xmlw *w, int rc)
{
    if (rc < 0)
        w->failed = 1;
}

/* Text and attribute values: the five predefined entities; control characters other than
 * tab, LF and CR cannot appear in XML 1.0 at all, so they fail the document. */
static void escaped(struct xmlw *w, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': put(w, buf_appends(w->out, "&amp;")); break;
        case '<': put(w, buf_appends(w->out, "&lt;")); break;
        case '>': put(w, buf_appends(w->out, "&gt;")); break;
        case '"': put(w, buf_appends(w->out, "&quot;")); break;
        case '\'': put(w, buf_appends(w->out, "&apos;")); break;
        case '\r': put(w, buf_appends(w->out, "&#13;")); break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n')
                w->failed = 1;
            else
                put(w, buf_appendc(w->out, (char)c));
        }
    }
}

int xml_escape(struct buf *out, const char *s)
{
    struct xmlw w = {.out = out};
    escaped(&w, s);
    return w.failed ? -1 : 0;
}

void xmlw_init(struct xmlw *w, struct buf *out, const char *root, const char *ns)
{
    w->out = out;
    w->depth = 0;
    w->failed = 0;
    put(w, buf_appends(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    put(w, buf_appendf(out, "<%s", root));
    if (ns) {
        put(w, buf_appends(out, " xmlns=\""));
        escaped(w, ns);
        put(w, buf_appendc(out, '"'));
    }
    put(w, buf_appendc(out, '>'));
    w->open[w->depth++] = root;
}

void xmlw_open(struct xmlw *w, const char *name)
{
    if (w->depth >= XMLW_DEPTH) {
        w->failed = 1;
        return;
    }
    put(w, buf_appendf(w->out, "<%s>", name));
    w->open[w->depth++] = name;
}

void xmlw_close(struct xmlw *w)
{
    if (w->depth <= 0) {
        w->failed = 1;
        return;
    }
    put(w, buf_appendf(w->out, "</%s>", w->open[--w->depth]));
}

void xmlw_elem(struct xmlw *w, const char *name, const char *text)
{
    put(w, buf_appendf(w->out, "<%s>", name));
    escaped(w, text);
    put(w, buf_appendf(w->out, "</%s>", name));
}

void xmlw_elemf(struct xmlw *w, const char *name, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof text) {
        w->failed = 1;
        return;
    }
    xmlw_elem(w, name, text);
}

int xmlw_finish(struct xmlw *w)
{
    while (w->depth > 0)
        xmlw_close(w);
    return w->failed ? -1 : 0;
}
