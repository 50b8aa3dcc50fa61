#include "provision/spec/yaml_tree.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

struct frame {
    struct ynode *node;
    struct ynode *key;          /* a key waiting for its value */
    int key_bad;                /* that key was not a scalar: drop its value */
    struct ynode **merges;      /* values of "<<" keys, merged when the mapping ends */
    size_t n_merges;
};

struct anchor {
    char *name;
    struct ynode *node;
};

/* Far beyond any real spec, and low enough that no recursive walk of the tree (the filter
 * policy's JSON conversion) can exhaust the stack, nor a quadratic one take long. */
#define YTREE_MAX_DEPTH 64
#define YTREE_MAX_ENTRIES 10000

struct builder {
    struct ytree *t;
    struct diag_list *d;
    struct frame *stack;
    size_t depth, cap;
    struct anchor *anchors;
    size_t n_anchors, cap_anchors;
    int oom;
    int too_big;                /* a limit was hit: stop, the error is in the list */
};

static struct spec_loc mark_loc(yaml_mark_t m)
{
    return (struct spec_loc){.line = (int)m.line + 1, .col = (int)m.column + 1, .span = 1};
}

static struct ynode *node_new(struct builder *b, enum ynode_kind kind, yaml_mark_t start,
                              yaml_mark_t end)
{
    struct ytree *t = b->t;
    if (t->n_all == t->cap_all) {
        size_t cap = t->cap_all ? t->cap_all * 2 : 64;
        struct ynode **p = realloc(t->all, cap * sizeof *p);
        if (!p)
            goto oom;
        t->all = p;
        t->cap_all = cap;
    }
    struct ynode *n = calloc(1, sizeof *n);
    if (!n)
        goto oom;
    t->all[t->n_all++] = n;
    n->kind = kind;
    n->loc = mark_loc(start);
    n->end_line = (int)end.line + 1;
    n->end_col = (int)end.column + 1;
    if (n->end_line == n->loc.line && n->end_col > n->loc.col)
        n->loc.span = n->end_col - n->loc.col;
    return n;
oom:
    b->oom = 1;
    return NULL;
}

static void node_free(struct ynode *n)
{
    if (!n)
        return;
    free((char *)n->value);
    free(n->items);
    free(n->pairs);
    free(n);
}

void ytree_release(struct ytree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_all; i++)
        node_free(t->all[i]);
    free(t->all);
    memset(t, 0, sizeof *t);
}

static int too_many(struct builder *b, const struct ynode *container, size_t n)
{
    if (n < YTREE_MAX_ENTRIES)
        return 0;
    diag_add(b->d, container->loc, "this %s has more than %d entries; pipewright reads at most that",
             container->kind == YNODE_MAP ? "mapping" : "list", YTREE_MAX_ENTRIES);
    b->too_big = 1;
    return 1;
}

static int push_item(struct builder *b, struct ynode *seq, struct ynode *item)
{
    if (too_many(b, seq, seq->n_items))
        return -1;
    struct ynode **p = realloc(seq->items, (seq->n_items + 1) * sizeof *p);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    seq->items = p;
    seq->items[seq->n_items++] = item;
    return 0;
}

static int push_pair(struct builder *b, struct ynode *map, struct ynode *key, struct ynode *value)
{
    if (too_many(b, map, map->n_pairs))
        return -1;
    struct ypair *p = realloc(map->pairs, (map->n_pairs + 1) * sizeof *p);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    map->pairs = p;
    map->pairs[map->n_pairs++] = (struct ypair){.key = key, .value = value};
    return 0;
}

static int is_merge_key(const struct ynode *k)
{
    return k->style == YNODE_PLAIN && strcmp(k->value, "<<") == 0;
}

/* Places a finished (or just opened) node where the parent expects it. */
static int attach(struct builder *b, struct ynode *n)
{
    if (b->depth == 0) {
        b->t->root = n;
        return 0;
    }
    struct frame *f = &b->stack[b->depth - 1];
    if (f->node->kind == YNODE_SEQ)
        return push_item(b, f->node, n);
    if (!f->key) {
        f->key = n;
        f->key_bad = n->kind != YNODE_SCALAR;
        if (f->key_bad)
            diag_add(b->d, n->loc, "a mapping key must be a plain string, not %s",
                     n->kind == YNODE_MAP ? "a mapping" : "a list");
        return 0;
    }
    struct ynode *key = f->key;
    int bad = f->key_bad;
    f->key = NULL;
    f->key_bad = 0;
    if (bad)
        return 0;
    if (is_merge_key(key)) {
        struct ynode **p = realloc(f->merges, (f->n_merges + 1) * sizeof *p);
        if (!p) {
            b->oom = 1;
            return -1;
        }
        f->merges = p;
        f->merges[f->n_merges++] = n;
        return 0;
    }
    for (size_t i = 0; i < f->node->n_pairs; i++) {
        const struct ynode *k = f->node->pairs[i].key;
        if (strcmp(k->value, key->value) == 0) {
            diag_add(b->d, key->loc, "duplicate key '%s'; the first is on line %d", key->value,
                     k->loc.line);
            return 0;
        }
    }
    return push_pair(b, f->node, key, n);
}

static int has_key(const struct ynode *map, const char *key)
{
    return ynode_find(map, key) != NULL;
}

/* "<<: *defaults" copies the keys of the referenced mapping(s) that the mapping does not set
 * itself; with a list of mappings, earlier ones win (YAML merge key semantics). */
static int apply_merges(struct builder *b, struct frame *f)
{
    for (size_t m = 0; m < f->n_merges; m++) {
        struct ynode *src = f->merges[m];
        size_t n = src->kind == YNODE_SEQ ? src->n_items : 1;
        for (size_t j = 0; j < n; j++) {
            struct ynode *one = src->kind == YNODE_SEQ ? src->items[j] : src;
            if (one->kind != YNODE_MAP) {
                char what[64];
                diag_add(b->d, one->loc, "'<<' merges a mapping or a list of mappings, not %s",
                         ynode_describe(one, what, sizeof what));
                continue;
            }
            for (size_t i = 0; i < one->n_pairs; i++)
                if (!has_key(f->node, one->pairs[i].key->value) &&
                    push_pair(b, f->node, one->pairs[i].key, one->pairs[i].value) < 0)
                    return -1;
        }
    }
    return 0;
}

static int push_frame(struct builder *b, struct ynode *n)
{
    if (b->depth >= YTREE_MAX_DEPTH) {
        diag_add(b->d, n->loc, "yaml nested deeper than %d levels", YTREE_MAX_DEPTH);
        b->too_big = 1;
        return -1;
    }
    if (b->depth == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct frame *p = realloc(b->stack, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return -1;
        }
        b->stack = p;
        b->cap = cap;
    }
    b->stack[b->depth++] = (struct frame){.node = n};
    return 0;
}

static int add_anchor(struct builder *b, const yaml_char_t *name, struct ynode *n)
{
    if (!name)
        return 0;
    if (b->n_anchors == b->cap_anchors) {
        size_t cap = b->cap_anchors ? b->cap_anchors * 2 : 8;
        struct anchor *p = realloc(b->anchors, cap * sizeof *p);
        if (!p) {
            b->oom = 1;
            return -1;
        }
        b->anchors = p;
        b->cap_anchors = cap;
    }
    char *s = strdup((const char *)name);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->anchors[b->n_anchors++] = (struct anchor){.name = s, .node = n};
    return 0;
}

static struct ynode *find_anchor(const struct builder *b, const char *name)
{
    /* Latest definition wins: YAML allows an anchor to be redefined. */
    for (size_t i = b->n_anchors; i-- > 0;)
        if (strcmp(b->anchors[i].name, name) == 0)
            return b->anchors[i].node;
    return NULL;
}

static int is_open(const struct builder *b, const struct ynode *n)
{
    for (size_t i = 0; i < b->depth; i++)
        if (b->stack[i].node == n)
            return 1;
    return 0;
}

/* Only the core schema's own tags are accepted: a spec is data, not a CloudFormation
 * template, and "!Ref" or "!Sub" would otherwise be silently taken as plain strings. */
static int check_tag(struct builder *b, const yaml_char_t *tag, struct ynode *n)
{
    static const char *const core[] = {"str", "int", "bool", "null", "float", "map", "seq"};
    if (!tag)
        return 0;
    const char *s = (const char *)tag;
    if (strcmp(s, "!") == 0)
        return 1;
    const char *prefix = "tag:yaml.org,2002:";
    if (strncmp(s, prefix, strlen(prefix)) == 0) {
        for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
            if (strcmp(s + strlen(prefix), core[i]) == 0)
                return strcmp(core[i], "str") == 0;
    }
    diag_add(b->d, n->loc, "unsupported yaml tag '%s'; the spec uses plain yaml values", s);
    return 0;
}

static struct ynode *null_scalar(struct builder *b, yaml_mark_t m)
{
    struct ynode *n = node_new(b, YNODE_SCALAR, m, m);
    if (n) {
        n->value = strdup("");
        if (!n->value)
            b->oom = 1;
    }
    return n;
}

static int on_scalar(struct builder *b, yaml_event_t *e)
{
    struct ynode *n = node_new(b, YNODE_SCALAR, e->start_mark, e->end_mark);
    if (!n)
        return -1;
    char *v = malloc(e->data.scalar.length + 1);
    if (!v) {
        b->oom = 1;
        return -1;
    }
    memcpy(v, e->data.scalar.value, e->data.scalar.length);
    v[e->data.scalar.length] = '\0';
    n->value = v;
    n->len = e->data.scalar.length;
    switch (e->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE:
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
        n->style = YNODE_QUOTED;
        break;
    case YAML_LITERAL_SCALAR_STYLE:
    case YAML_FOLDED_SCALAR_STYLE:
        n->style = YNODE_BLOCK;
        break;
    default:
        n->style = YNODE_PLAIN;
    }
    if (check_tag(b, e->data.scalar.tag, n) && n->style == YNODE_PLAIN)
        n->style = YNODE_QUOTED;
    if (add_anchor(b, e->data.scalar.anchor, n) < 0)
        return -1;
    return attach(b, n);
}

static int on_start(struct builder *b, yaml_event_t *e, enum ynode_kind kind)
{
    struct ynode *n = node_new(b, kind, e->start_mark, e->end_mark);
    if (!n)
        return -1;
    const yaml_char_t *tag =
        kind == YNODE_MAP ? e->data.mapping_start.tag : e->data.sequence_start.tag;
    const yaml_char_t *anchor =
        kind == YNODE_MAP ? e->data.mapping_start.anchor : e->data.sequence_start.anchor;
    check_tag(b, tag, n);
    if (add_anchor(b, anchor, n) < 0 || attach(b, n) < 0)
        return -1;
    return push_frame(b, n);
}

static int on_end(struct builder *b, yaml_event_t *e)
{
    struct frame *f = &b->stack[b->depth - 1];
    f->node->end_line = (int)e->end_mark.line + 1;
    f->node->end_col = (int)e->end_mark.column + 1;
    int rc = f->node->kind == YNODE_MAP ? apply_merges(b, f) : 0;
    free(f->merges);
    b->depth--;
    return rc;
}

static int on_alias(struct builder *b, yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    struct ynode *n = find_anchor(b, name);
    if (!n || is_open(b, n)) {
        struct spec_loc at = mark_loc(e->start_mark);
        at.span = (int)strlen(name) + 1;
        if (!n)
            diag_add(b->d, at, "undefined alias '*%s'", name);
        else
            diag_add(b->d, at, "alias '*%s' refers to a node that contains it", name);
        n = null_scalar(b, e->start_mark);
        if (!n)
            return -1;
    }
    return attach(b, n);
}

/* libyaml reports reader errors (bad UTF-8) as a byte offset, not a mark. */
static struct spec_loc offset_loc(const char *src, size_t len, size_t off)
{
    struct spec_loc l = {.line = 1, .col = 1, .span = 1};
    size_t i = 0;
    if (len >= 3 && memcmp(src, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    for (; i < off && i < len; i++) {
        if (src[i] == '\n') {
            l.line++;
            l.col = 1;
        } else if (((unsigned char)src[i] & 0xC0) != 0x80) {
            l.col++;
        }
    }
    return l;
}

static int has_var(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '$' && s[i + 1] == '{')
            return 1;
    return 0;
}

static void parse_error(struct builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "malformed yaml";
    if (p->error == YAML_READER_ERROR) {
        diag_add(b->d, offset_loc(b->t->src, b->t->src_len, p->problem_offset),
                 "invalid yaml: %s (the spec must be utf-8 text)", problem);
        return;
    }
    struct spec_loc at = mark_loc(p->problem_mark);
    size_t len = 0;
    const char *line = diag_source_line(b->t->src, b->t->src_len, at.line, &len);
    size_t off = line ? diag_col_offset(line, len, at.col) : 0;
    if (line && off < len && line[off] == '\t') {
        diag_add(b->d, at, "invalid yaml: tab character; yaml indents with spaces only");
        return;
    }
    if (p->context && strstr(p->context, "quoted scalar") &&
        strstr(problem, "end of stream")) {
        diag_add(b->d, mark_loc(p->context_mark),
                 "invalid yaml: unclosed quote; this string never ends");
        return;
    }
    /* "{name: x-${env}}": braces end a flow mapping, so the variable splits the value. */
    const char *hint = "";
    if (p->context && strstr(p->context, "flow") && line && has_var(line, off < len ? off + 1 : len))
        hint = "; inside {...} or [...], quote a value that uses ${...}";
    if (p->context) {
        struct spec_loc c = mark_loc(p->context_mark);
        if (c.line != at.line || c.col != at.col) {
            diag_add(b->d, at, "invalid yaml: %s %s at line %d, column %d%s", problem, p->context,
                     c.line, c.col, hint);
            return;
        }
        diag_add(b->d, at, "invalid yaml: %s %s%s", problem, p->context, hint);
        return;
    }
    diag_add(b->d, at, "invalid yaml: %s", problem);
}

int ytree_parse(struct ytree *t, const char *src, size_t len, struct diag_list *d)
{
    memset(t, 0, sizeof *t);
    t->src = src;
    t->src_len = len;
    struct builder b = {.t = t, .d = d};
    yaml_parser_t p;
    yaml_event_t e;
    int rc = -1, docs = 0, done = 0;

    if (!yaml_parser_initialize(&p)) {
        d->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
    while (!done) {
        if (!yaml_parser_parse(&p, &e)) {
            if (p.error == YAML_MEMORY_ERROR)
                b.oom = 1;
            else
                parse_error(&b, &p);
            goto out;
        }
        int r = 0;
        switch (e.type) {
        case YAML_DOCUMENT_START_EVENT:
            if (++docs > 1) {
                diag_add(d, mark_loc(e.start_mark),
                         "the spec must be a single yaml document; a second one starts here");
                done = 1;
            }
            break;
        case YAML_SCALAR_EVENT:
            r = on_scalar(&b, &e);
            break;
        case YAML_SEQUENCE_START_EVENT:
            r = on_start(&b, &e, YNODE_SEQ);
            break;
        case YAML_MAPPING_START_EVENT:
            r = on_start(&b, &e, YNODE_MAP);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            r = on_end(&b, &e);
            break;
        case YAML_ALIAS_EVENT:
            r = on_alias(&b, &e);
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        default:
            break;
        }
        yaml_event_delete(&e);
        if (r < 0)
            goto out;
    }
    rc = 0;
out:
    yaml_parser_delete(&p);
    while (b.depth > 0)
        free(b.stack[--b.depth].merges);
    free(b.stack);
    for (size_t i = 0; i < b.n_anchors; i++)
        free(b.anchors[i].name);
    free(b.anchors);
    if (b.oom) {
        d->oom = 1;
        rc = -1;
    }
    return rc;
}

const struct ypair *ynode_find(const struct ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n_pairs; i++)
        if (strcmp(map->pairs[i].key->value, key) == 0)
            return &map->pairs[i];
    return NULL;
}

int ynode_is_null(const struct ynode *n)
{
    if (!n)
        return 1;
    if (n->kind != YNODE_SCALAR || n->style != YNODE_PLAIN)
        return 0;
    const char *v = n->value;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
           !strcmp(v, "NULL");
}

int ynode_bool(const struct ynode *n, int *out)
{
    if (!n || n->kind != YNODE_SCALAR || n->style != YNODE_PLAIN)
        return -1;
    const char *v = n->value;
    if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
        *out = 1;
        return 0;
    }
    if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
        *out = 0;
        return 0;
    }
    return -1;
}

int ynode_integer(const struct ynode *n, long long *out)
{
    if (!n || n->kind != YNODE_SCALAR || n->style != YNODE_PLAIN)
        return -1;
    const char *v = n->value;
    size_t i = (v[0] == '-' || v[0] == '+') ? 1 : 0;
    if (!v[i] || strspn(v + i, "0123456789") != strlen(v + i))
        return -1;
    errno = 0;
    char *end = NULL;
    long long x = strtoll(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 0;
}

int ynode_is_number(const struct ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR || n->style != YNODE_PLAIN)
        return 0;
    const char *v = n->value;
    if (*v == '-' || *v == '+')
        v++;
    if (!strcmp(v, ".inf") || !strcmp(v, ".Inf") || !strcmp(v, ".INF"))
        return 1;
    if (!strcmp(n->value, ".nan") || !strcmp(n->value, ".NaN") || !strcmp(n->value, ".NAN"))
        return 1;
    size_t digits = strspn(v, "0123456789");
    v += digits;
    if (*v == '.') {
        v++;
        size_t frac = strspn(v, "0123456789");
        digits += frac;
        v += frac;
    }
    if (!digits)
        return 0;
    if (*v == 'e' || *v == 'E') {
        v++;
        if (*v == '-' || *v == '+')
            v++;
        size_t exp = strspn(v, "0123456789");
        if (!exp)
            return 0;
        v += exp;
    }
    return *v == '\0';
}

const char *ynode_describe(const struct ynode *n, char *buf, size_t size)
{
    if (!n || ynode_is_null(n))
        return "empty";
    if (n->kind == YNODE_MAP)
        return "a mapping";
    if (n->kind == YNODE_SEQ)
        return "a list";
    /* Quote the user's text back; a long one is cut so the message stays one line. */
    const char *nl = strchr(n->value, '\n');
    size_t len = nl ? (size_t)(nl - n->value) : n->len;
    if (len > 40 || nl)
        snprintf(buf, size, "'%.*s...'", (int)(len > 40 ? 40 : len), n->value);
    else
        snprintf(buf, size, "'%s'", n->value);
    return buf;
}

static size_t byte_at(const struct ytree *t, int line, int col, int *ok)
{
    size_t len = 0;
    const char *l = diag_source_line(t->src, t->src_len, line, &len);
    if (!l) {
        *ok = 0;
        return 0;
    }
    return (size_t)(l - t->src) + diag_col_offset(l, len, col);
}

static int count_chars(const char *s, size_t n)
{
    int c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

struct spec_loc ytree_loc_in(const struct ytree *t, const struct ynode *n, size_t offset, int width)
{
    struct spec_loc l = n->loc;
    if (n->kind != YNODE_SCALAR || n->end_line != n->loc.line || offset > n->len)
        return l;
    int ok = 1;
    size_t s = byte_at(t, n->loc.line, n->loc.col, &ok), e = byte_at(t, n->end_line, n->end_col, &ok);
    if (!ok || e < s)
        return l;
    const char *raw = t->src + s;
    size_t rlen = e - s;
    int quote;
    if (n->style == YNODE_PLAIN && rlen == n->len && memcmp(raw, n->value, n->len) == 0)
        quote = 0;
    else if (n->style == YNODE_QUOTED && rlen == n->len + 2 &&
             memcmp(raw + 1, n->value, n->len) == 0)
        quote = 1;
    else
        return l;
    l.col = n->loc.col + quote + count_chars(n->value, offset);
    l.span = width > 0 ? width : 1;
    return l;
}
