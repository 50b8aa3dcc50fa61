/* spec_read.c — typed reads from the YAML tree, each with its own precise error message. */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "provision/aws/buf.h"
#include "provision/spec/spec_int.h"
#include "provision/spec/suggest.h"

void rd_err(struct rd *r, struct spec_loc at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_add(r->d, at, "%s", msg);
}

const char *rd_str_or_oom(struct rd *r, const char *p)
{
    if (p)
        return p;
    r->oom = 1;
    return "";
}

struct spec_loc rd_value_loc(const struct ypair *p)
{
    const struct ynode *v = p->value;
    if (v->kind == YNODE_SCALAR && v->style == YNODE_PLAIN && v->len == 0)
        return p->key->loc;
    return v->loc;
}

/* Nested keys read as a path: inside "'seed' in table 'x'", key columns is
 * "'seed.columns' in table 'x'"; at the top level it is just "'columns'". */
const char *rd_field(const struct sect *s, const char *key, char *buf, size_t size)
{
    const char *w = s->what ? s->what : "";
    const char *close = w[0] == '\'' ? strchr(w + 1, '\'') : NULL;
    if (!w[0])
        snprintf(buf, size, "'%s'", key);
    else if (close)
        snprintf(buf, size, "'%.*s.%s'%s", (int)(close - w - 1), w + 1, key, close + 1);
    else
        snprintf(buf, size, "'%s' in %s", key, w);
    return buf;
}

void rd_unknown_keys(struct rd *r, const struct sect *s, const char *const *keys)
{
    if (!s->map)
        return;
    size_t nkeys = 0;
    while (keys[nkeys])
        nkeys++;
    for (size_t i = 0; i < s->map->n_pairs; i++) {
        const struct ynode *k = s->map->pairs[i].key;
        size_t j = 0;
        while (j < nkeys && strcmp(keys[j], k->value) != 0)
            j++;
        if (j < nkeys)
            continue;
        const char *where = s->what && s->what[0] ? s->what : "the spec";
        const char *near = suggest_closest(k->value, keys, nkeys);
        if (near) {
            rd_err(r, k->loc, "unknown key '%s' in %s; did you mean '%s'?", k->value, where, near);
            continue;
        }
        struct buf list;
        buf_init(&list, 0);
        for (j = 0; j < nkeys; j++)
            buf_appendf(&list, "%s%s", j ? ", " : "", keys[j]);
        rd_err(r, k->loc, "unknown key '%s' in %s; expected one of: %s", k->value, where,
               buf_cstr(&list));
        buf_release(&list);
    }
}

static int open_map(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                    const char *what, const char *const *keys, struct sect *out)
{
    out->map = NULL;
    out->what = what;
    out->loc = at;
    if (ynode_is_null(n))
        return 0;
    if (n->kind != YNODE_MAP) {
        char got[64];
        rd_err(r, n->loc, "%s must be a mapping, not %s", desc, ynode_describe(n, got, sizeof got));
        return -1;
    }
    out->map = n;
    if (keys)
        rd_unknown_keys(r, out, keys);
    return 0;
}

size_t rd_resources(struct rd *r, const struct sect *parent, const char *key, const char *what,
                    size_t size, void **array, const struct ypair **pairs)
{
    const struct ypair *p = rd_get(parent, key);
    struct sect rs;
    *array = NULL;
    *pairs = NULL;
    if (!p || rd_section(r, p, what, NULL, &rs) < 0 || !rs.map || !rs.map->n_pairs)
        return 0;
    *array = spec_alloc_array(r->s, rs.map->n_pairs, size);
    if (!*array) {
        r->oom = 1;
        return 0;
    }
    *pairs = rs.map->pairs;
    return rs.map->n_pairs;
}

int rd_section(struct rd *r, const struct ypair *p, const char *what, const char *const *keys,
               struct sect *out)
{
    return open_map(r, p->value, p->key->loc, what, what, keys, out);
}

int rd_root(struct rd *r, const struct ynode *root, const char *const *keys, struct sect *out)
{
    struct spec_loc top = {.line = 1, .col = 1, .span = 1};
    if (!root || ynode_is_null(root)) {
        out->map = NULL;
        out->what = "";
        out->loc = top;
        rd_err(r, top, "the spec is empty; 'pipewright init' writes a starter spec");
        return -1;
    }
    int rc = open_map(r, root, root->loc, "the spec", "", keys, out);
    out->loc = top;
    return rc;
}

const struct ypair *rd_get(const struct sect *s, const char *key)
{
    return s->map ? ynode_find(s->map, key) : NULL;
}

const struct ynode *rd_node(const struct sect *s, const char *key)
{
    const struct ypair *p = rd_get(s, key);
    return p ? p->value : NULL;
}

int rd_require(struct rd *r, const struct sect *s, const char *key)
{
    if (rd_get(s, key))
        return 0;
    if (s->what && s->what[0])
        rd_err(r, s->loc, "missing required key '%s' in %s", key, s->what);
    else
        rd_err(r, s->loc, "missing required key '%s'", key);
    return -1;
}

int rd_str_node(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                int flags, struct spec_str *out)
{
    char got[64];
    if (n->kind != YNODE_SCALAR || ynode_is_null(n)) {
        if (ynode_is_null(n) && (flags & RD_NONEMPTY))
            rd_err(r, at, "%s is empty", desc);
        else if (ynode_is_null(n))
            rd_err(r, at, "%s must be a string, not empty", desc);
        else
            rd_err(r, at, "%s must be a string, not %s", desc, ynode_describe(n, got, sizeof got));
        return -1;
    }
    if ((flags & RD_NONEMPTY) && n->len == 0) {
        rd_err(r, at, "%s is empty", desc);
        return -1;
    }
    if (flags & RD_LITERAL) {
        out->v = rd_str_or_oom(r, spec_strdup(r->s, n->value));
        out->loc = n->loc;
        out->tmpl = NULL;
        return 1;
    }
    return vars_expand(r, n, desc, out) < 0 ? -1 : 1;
}

int rd_str(struct rd *r, const struct sect *s, const char *key, int flags, struct spec_str *out)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    char desc[256];
    rd_field(s, key, desc, sizeof desc);
    return rd_str_node(r, p->value, rd_value_loc(p), desc, flags, out);
}

int rd_bool(struct rd *r, const struct sect *s, const char *key, int *out)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    int b;
    if (ynode_bool(p->value, &b) < 0) {
        char desc[256], got[64];
        rd_err(r, rd_value_loc(p), "%s must be true or false, not %s",
               rd_field(s, key, desc, sizeof desc), ynode_describe(p->value, got, sizeof got));
        return -1;
    }
    *out = b;
    return 1;
}

int rd_long(struct rd *r, const struct sect *s, const char *key, long min, long max, long *out)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    char desc[256], got[64];
    long long v;
    rd_field(s, key, desc, sizeof desc);
    if (ynode_integer(p->value, &v) < 0) {
        rd_err(r, rd_value_loc(p), "%s must be a whole number, not %s", desc,
               ynode_describe(p->value, got, sizeof got));
        return -1;
    }
    if (v < min || v > max) {
        if (max == LONG_MAX)
            rd_err(r, rd_value_loc(p), "%s must be at least %ld, not %lld", desc, min, v);
        else
            rd_err(r, rd_value_loc(p), "%s must be between %ld and %ld, not %lld", desc, min, max, v);
        return -1;
    }
    *out = (long)v;
    return 1;
}

/* Enumerated values match case-insensitively and with '_' for '-', so the AWS spelling
 * (NEW_AND_OLD_IMAGES) and the spec's own (new-and-old-images) both work. */
static int choice_eq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        int x = tolower((unsigned char)(*a == '_' ? '-' : *a));
        int y = tolower((unsigned char)(*b == '_' ? '-' : *b));
        if (x != y)
            return 0;
    }
    return *a == *b;
}

int rd_enum_node(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                 const struct rd_choice *choices, int *out)
{
    return rd_enum_node_or(r, n, at, desc, choices, NULL, out);
}

int rd_enum_node_or(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                    const struct rd_choice *choices, const char *also, int *out)
{
    const char *names[32];
    size_t nn = 0;
    if (n->kind == YNODE_SCALAR && !ynode_is_null(n)) {
        for (const struct rd_choice *c = choices; c->name; c++) {
            if (choice_eq(c->name, n->value)) {
                *out = c->value;
                return 1;
            }
        }
    }
    for (const struct rd_choice *c = choices; c->name && nn < 32; c++)
        if (!c->alias)
            names[nn++] = c->name;
    char got[64];
    const char *near = n->kind == YNODE_SCALAR && n->len ? suggest_closest(n->value, names, nn) : NULL;
    if (near) {
        rd_err(r, at, "unknown value '%s' for %s; did you mean '%s'?", n->value, desc, near);
        return -1;
    }
    struct buf list;
    buf_init(&list, 0);
    for (size_t i = 0; i < nn; i++)
        buf_appendf(&list, "%s%s", i == 0 ? "" : i + 1 == nn && !also ? " or " : ", ", names[i]);
    if (also)
        buf_appendf(&list, " or %s", also);
    rd_err(r, at, "%s must be %s, not %s", desc, buf_cstr(&list), ynode_describe(n, got, sizeof got));
    buf_release(&list);
    return -1;
}

int rd_enum(struct rd *r, const struct sect *s, const char *key, const struct rd_choice *choices,
            int *out)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    char desc[256];
    rd_field(s, key, desc, sizeof desc);
    return rd_enum_node(r, p->value, rd_value_loc(p), desc, choices, out);
}

int rd_strs(struct rd *r, const struct sect *s, const char *key, int flags, struct spec_str **out,
            size_t *n)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    char desc[256], got[64];
    rd_field(s, key, desc, sizeof desc);
    const struct ynode *v = p->value;
    if (v->kind == YNODE_MAP) {
        rd_err(r, v->loc, "%s must be a list of strings, not %s", desc,
               ynode_describe(v, got, sizeof got));
        return -1;
    }
    size_t count = v->kind == YNODE_SEQ ? v->n_items : 1;
    struct spec_str *a = spec_alloc_array(r->s, count ? count : 1, sizeof *a);
    if (!a) {
        r->oom = 1;
        return -1;
    }
    int rc = 1;
    for (size_t i = 0; i < count; i++) {
        const struct ynode *item = v->kind == YNODE_SEQ ? v->items[i] : v;
        struct spec_loc at = v->kind == YNODE_SEQ ? item->loc : rd_value_loc(p);
        a[i].v = "";
        if (rd_str_node(r, item, at, desc, flags, &a[i]) < 0)
            rc = -1;
    }
    *out = a;
    *n = count;
    return rc;
}

static int tag_key_ok(const char *k)
{
    /* AWS tag keys: letters, digits, spaces and + - = . _ : / @ (any language's letters too). */
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        if (!(*p >= 0x80 || isalnum(*p) || strchr(" +-=._:/@", *p)))
            return 0;
    return 1;
}

int rd_tags(struct rd *r, const struct sect *s, const char *key, struct spec_tags *out)
{
    const struct ypair *p = rd_get(s, key);
    if (!p)
        return 0;
    char desc[256], tdesc[300];
    struct sect t;
    rd_field(s, key, desc, sizeof desc);
    if (open_map(r, p->value, p->key->loc, desc, desc, NULL, &t) < 0 || !t.map)
        return t.map ? -1 : 0;
    if (t.map->n_pairs > 50) {
        rd_err(r, p->key->loc, "%s has %zu tags; aws allows at most 50 (pipewright adds 2)", desc,
               t.map->n_pairs);
        return -1;
    }
    out->items = spec_alloc_array(r->s, t.map->n_pairs, sizeof *out->items);
    if (!out->items) {
        r->oom = 1;
        return -1;
    }
    int rc = 1;
    size_t n = 0;
    for (size_t i = 0; i < t.map->n_pairs; i++) {
        const struct ynode *k = t.map->pairs[i].key, *v = t.map->pairs[i].value;
        struct spec_tag *tag = &out->items[n];
        if (k->len == 0 || k->len > 128 || !tag_key_ok(k->value)) {
            rd_err(r, k->loc, "invalid tag key '%s' in %s: use 1 to 128 letters, digits, spaces "
                   "and + - = . _ : / @", k->value, desc);
            rc = -1;
            continue;
        }
        if (strncasecmp(k->value, "aws:", 4) == 0 || strncasecmp(k->value, "pipewright:", 11) == 0) {
            rd_err(r, k->loc, "tag key '%s' in %s uses a reserved prefix ('%.*s')", k->value, desc,
                   k->value[0] == 'a' || k->value[0] == 'A' ? 4 : 11, k->value);
            rc = -1;
            continue;
        }
        tag->key.v = rd_str_or_oom(r, spec_strdup(r->s, k->value));
        tag->key.loc = k->loc;
        snprintf(tdesc, sizeof tdesc, "tag '%s' in %s", k->value, desc);
        if (ynode_is_null(v)) {
            tag->value.v = "";
            tag->value.loc = k->loc;
        } else if (rd_str_node(r, v, v->loc, tdesc, 0, &tag->value) < 0) {
            rc = -1;
            continue;
        } else if (strlen(tag->value.v) > 256) {
            rd_err(r, v->loc, "%s is longer than 256 characters", tdesc);
            rc = -1;
            continue;
        }
        n++;
    }
    out->n = n;
    return rc;
}

int rd_id(struct rd *r, const struct ynode *key, const char *kind, struct spec_str *out)
{
    const char *v = key->value;
    size_t n = strlen(v);
    int ok = n > 0 && n <= 64 && isalpha((unsigned char)v[0]);
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '-';
    out->v = rd_str_or_oom(r, spec_strdup(r->s, v));
    out->loc = key->loc;
    out->tmpl = NULL;
    if (!ok) {
        rd_err(r, key->loc, "invalid %s id '%s': use up to 64 letters, digits, '_' and '-', "
               "starting with a letter", kind, v);
        return -1;
    }
    return 1;
}
