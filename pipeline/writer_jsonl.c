/* writer_jsonl.c — rows as JSON Lines: one object per line, the columns in order, values
 * typed (docs/transform.md §4). The JSON text is cJSON's: each row is a chain of cJSON nodes
 * that point at the cells' text (nothing copied), printed into a reused buffer. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/row.h"

void row_renderer_init(struct row_renderer *r, enum spec_format format)
{
    memset(r, 0, sizeof *r);
    r->format = format;
}

void row_renderer_release(struct row_renderer *r)
{
    if (!r)
        return;
    free(r->nodes);
    free(r->print);
    memset(r, 0, sizeof *r);
}

int row_render(struct row_renderer *r, const struct cell *cells, size_t n, struct buf *out)
{
    return r->format == SPEC_FORMAT_CSV ? csv_render(cells, n, out) : jsonl_render(r, cells, n, out);
}

int row_render_header(const struct row_renderer *r, const char *const *names, size_t n,
                      struct buf *out)
{
    return r->format == SPEC_FORMAT_CSV ? csv_render_header(names, n, out) : 0;
}

/* Node 0 is the object; nodes 1..n its members. Reference flags keep cJSON from ever
 * freeing the cells' text; the nodes themselves are ours and never passed to cJSON_Delete. */
static int ensure_nodes(struct row_renderer *r, size_t n)
{
    if (r->n_nodes >= n + 1)
        return 0;
    cJSON *nodes = realloc(r->nodes, (n + 1) * sizeof *nodes);
    if (!nodes)
        return -1;
    r->nodes = nodes;
    r->n_nodes = n + 1;
    return 0;
}

int jsonl_render(struct row_renderer *r, const struct cell *cells, size_t n, struct buf *out)
{
    if (ensure_nodes(r, n) < 0)
        return -1;
    cJSON *obj = &r->nodes[0];
    memset(obj, 0, sizeof *obj);
    obj->type = cJSON_Object;
    size_t need = 3;
    for (size_t i = 0; i < n; i++) {
        cJSON *m = &r->nodes[i + 1];
        memset(m, 0, sizeof *m);
        m->string = (char *)cells[i].name;
        switch (cells[i].kind) {
        case CELL_NULL:
            m->type = cJSON_NULL;
            break;
        case CELL_BOOL:
            m->type = cells[i].text[0] == 't' ? cJSON_True : cJSON_False;
            break;
        case CELL_STRING:
            m->type = cJSON_String | cJSON_IsReference;
            m->valuestring = (char *)cells[i].text;
            break;
        case CELL_NUMBER:
        case CELL_JSON:
            m->type = cJSON_Raw | cJSON_IsReference;
            m->valuestring = (char *)cells[i].text;
            break;
        }
        m->type |= cJSON_StringIsConst;
        m->prev = i ? &r->nodes[i] : &r->nodes[n];
        m->next = i + 1 < n ? &r->nodes[i + 2] : NULL;
        /* Escaping makes a string up to 6 times longer (\u00XX); the name is escaped too. */
        need += (strlen(cells[i].name) + cells[i].len) * 6 + 8;
    }
    obj->child = n ? &r->nodes[1] : NULL;
    if (need > r->print_cap) {
        char *p = realloc(r->print, need);
        if (!p)
            return -1;
        r->print = p;
        r->print_cap = need;
    }
    if (need > (size_t)0x7fffffff || !cJSON_PrintPreallocated(obj, r->print, (int)need, 0))
        return -1;
    size_t len0 = out->len;
    if (buf_appends(out, r->print) < 0 || buf_appendc(out, '\n') < 0) {
        buf_cut(out, len0);
        return -1;
    }
    return 0;
}

static size_t jsonl_record_len(const char *p, size_t n)
{
    const char *nl = memchr(p, '\n', n);
    return nl ? (size_t)(nl - p) + 1 : 0;
}

size_t row_record_len(enum spec_format format, const char *p, size_t n)
{
    if (format != SPEC_FORMAT_CSV)
        return jsonl_record_len(p, n);
    /* RFC 4180: a line break ends the record unless it is inside a quoted field; a doubled
     * quote inside quotes toggles twice, which leaves the state as it was. */
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            quoted = !quoted;
        else if (p[i] == '\n' && !quoted)
            return i + 1;
    }
    return 0;
}
