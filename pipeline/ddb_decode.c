/* ddb_decode.c — DynamoDB JSON read in place (see ddb_decode.h). */
#include <stdio.h>
#include <string.h>

#include "pipeline/ddb_decode.h"

#define DDB_MAX_DEPTH 32        /* DynamoDB's own limit on nested attributes */

static const char *const type_names[] = {
    [DDB_MISSING] = "missing", [DDB_S] = "S", [DDB_N] = "N", [DDB_B] = "B",
    [DDB_BOOL] = "BOOL", [DDB_NULL] = "NULL", [DDB_M] = "M", [DDB_L] = "L",
    [DDB_SS] = "SS", [DDB_NS] = "NS", [DDB_BS] = "BS",
};

const char *ddb_type_name(enum ddb_type t)
{
    return (unsigned)t < sizeof type_names / sizeof type_names[0] ? type_names[t] : "?";
}

static enum ddb_type type_of(const char *key)
{
    for (enum ddb_type t = DDB_S; t <= DDB_BS; t++)
        if (strcmp(key, type_names[t]) == 0)
            return t;
    return DDB_MISSING;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

int ddb_number_valid(const char *s, size_t n)
{
    size_t i = 0, int_digits = 0, frac_digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i]))
        i++, int_digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i]))
            i++, frac_digits++;
    }
    if (int_digits + frac_digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_digit(s[i]))
            i++, exp_digits++;
        if (!exp_digits)
            return 0;
    }
    return i == n;
}

/* Already a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int json_number_form(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return 0;
    if (s[i] == '0' && i + 1 < n && is_digit(s[i + 1]))
        return 0;
    while (i < n && is_digit(s[i]))
        i++;
    if (i < n && s[i] == '.') {
        if (++i >= n || !is_digit(s[i]))
            return 0;
        while (i < n && is_digit(s[i]))
            i++;
    }
    return i == n || s[i] == 'e' || s[i] == 'E';  /* the exponent was checked by the caller */
}

int ddb_number_json(const char *s, size_t n, struct buf *out)
{
    if (!ddb_number_valid(s, n))
        return -1;
    if (json_number_form(s, n))
        return buf_append(out, s, n);
    size_t i = 0, len0 = out->len;
    if (s[i] == '+' || s[i] == '-') {
        if (s[i] == '-' && buf_appendc(out, '-') < 0)
            return -1;
        i++;
    }
    size_t start = i;
    while (i < n && is_digit(s[i]))
        i++;
    size_t int_end = i;
    while (start + 1 < int_end && s[start] == '0')
        start++;
    int rc = start < int_end ? buf_append(out, s + start, int_end - start) : buf_appendc(out, '0');
    if (rc == 0 && i < n && s[i] == '.') {
        size_t f = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        if (i > f)
            rc = buf_append(out, s + f - 1, i - f + 1);
    }
    if (rc == 0 && i < n)
        rc = buf_append(out, s + i, n - i);     /* the exponent, as written */
    if (rc < 0) {
        out->len = len0;
        if (out->data)
            out->data[len0] = '\0';
    }
    return rc;
}

static int base64_valid(const char *s, size_t n)
{
    size_t pad = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' ||
                     c == '/'))
            return 0;
    }
    return pad <= 2 && n % 4 == 0;
}

static int set_valid(const cJSON *arr, enum ddb_type t, char *why, size_t n_why)
{
    if (!cJSON_IsArray(arr)) {
        snprintf(why, n_why, "%s value is not an array", type_names[t]);
        return -1;
    }
    int i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        if (!cJSON_IsString(e)) {
            snprintf(why, n_why, "%s element %d is not a string", type_names[t], i);
            return -1;
        }
        size_t len = strlen(e->valuestring);
        if (t == DDB_NS && !ddb_number_valid(e->valuestring, len)) {
            snprintf(why, n_why, "NS element '%.64s' is not a number", e->valuestring);
            return -1;
        }
        if (t == DDB_BS && !base64_valid(e->valuestring, len)) {
            snprintf(why, n_why, "BS element %d is not base64", i);
            return -1;
        }
    }
    return 0;
}

int ddb_decode(const cJSON *w, struct ddb_val *out, char *why, size_t n_why)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(w) || !w->child || w->child->next) {
        snprintf(why, n_why, "not a DynamoDB JSON value (an object with one key: S, N, B, BOOL, "
                 "NULL, M, L, SS, NS or BS)");
        return -1;
    }
    const cJSON *v = w->child;
    enum ddb_type t = type_of(v->string);
    switch (t) {
    case DDB_MISSING:
        snprintf(why, n_why, "unknown DynamoDB type '%.32s'", v->string);
        return -1;
    case DDB_S:
    case DDB_N:
    case DDB_B:
        if (!cJSON_IsString(v)) {
            snprintf(why, n_why, "%s value is not a string", type_names[t]);
            return -1;
        }
        out->text = v->valuestring;
        out->len = strlen(v->valuestring);
        if (t == DDB_N && !ddb_number_valid(out->text, out->len)) {
            snprintf(why, n_why, "'%.64s' is not a number", out->text);
            return -1;
        }
        if (t == DDB_B && !base64_valid(out->text, out->len)) {
            snprintf(why, n_why, "B value is not base64");
            return -1;
        }
        break;
    case DDB_BOOL:
        if (!cJSON_IsBool(v)) {
            snprintf(why, n_why, "BOOL value is not true or false");
            return -1;
        }
        out->text = cJSON_IsTrue(v) ? "true" : "false";
        out->len = strlen(out->text);
        break;
    case DDB_NULL:
        if (!cJSON_IsTrue(v)) {
            snprintf(why, n_why, "NULL value is not true");
            return -1;
        }
        break;
    case DDB_M:
        if (!cJSON_IsObject(v)) {
            snprintf(why, n_why, "M value is not an object");
            return -1;
        }
        out->body = v;
        break;
    case DDB_L:
        if (!cJSON_IsArray(v)) {
            snprintf(why, n_why, "L value is not an array");
            return -1;
        }
        out->body = v;
        break;
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
        if (set_valid(v, t, why, n_why) < 0)
            return -1;
        out->body = v;
        break;
    }
    out->type = t;
    return 0;
}

/* The child of obj named name[0..n), or NULL. */
static const cJSON *child_n(const cJSON *obj, const char *name, size_t n)
{
    for (const cJSON *c = obj ? obj->child : NULL; c; c = c->next)
        if (c->string && c->string[0] == name[0] && strncmp(c->string, name, n) == 0 &&
            c->string[n] == '\0')
            return c;
    return NULL;
}

static struct ddb_val get_n(const cJSON *item, const char *name, size_t n)
{
    struct ddb_val v = {0};
    char why[8];
    const cJSON *w = child_n(item, name, n);
    if (w && ddb_decode(w, &v, why, sizeof why) < 0)
        memset(&v, 0, sizeof v);
    return v;
}

struct ddb_val ddb_get(const cJSON *item, const char *name)
{
    return get_n(item, name, strlen(name));
}

struct ddb_val ddb_path(const cJSON *item, const char *path)
{
    struct ddb_val v = ddb_get(item, path);
    if (v.type != DDB_MISSING || !strchr(path, '.'))
        return v;
    const cJSON *cur = item;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        v = get_n(cur, p, n);
        if (!dot || v.type == DDB_MISSING)
            return v;
        if (v.type != DDB_M)
            return (struct ddb_val){0};
        cur = v.body;
        p = dot + 1;
    }
}

/* ---- whole-item check ---- */

struct path {
    char text[256];
    size_t len;
};

static size_t path_push(struct path *p, const char *fmt, const char *name, int index)
{
    size_t was = p->len;
    int w = name ? snprintf(p->text + p->len, sizeof p->text - p->len, fmt, name)
                 : snprintf(p->text + p->len, sizeof p->text - p->len, fmt, index);
    if (w > 0)
        p->len += (size_t)w < sizeof p->text - p->len ? (size_t)w : sizeof p->text - p->len - 1;
    return was;
}

static int check_value(const cJSON *w, struct path *p, int depth, char *why, size_t n_why)
{
    struct ddb_val v;
    char inner[160];
    if (ddb_decode(w, &v, inner, sizeof inner) < 0) {
        snprintf(why, n_why, "'%s': %s", p->text, inner);
        return -1;
    }
    if (v.type != DDB_M && v.type != DDB_L)
        return 0;
    if (depth > DDB_MAX_DEPTH) {
        snprintf(why, n_why, "'%s': nested deeper than %d levels", p->text, DDB_MAX_DEPTH);
        return -1;
    }
    int i = 0;
    for (const cJSON *c = v.body->child; c; c = c->next, i++) {
        size_t was = v.type == DDB_M ? path_push(p, ".%s", c->string, 0) : path_push(p, "[%d]", NULL, i);
        int rc = check_value(c, p, depth + 1, why, n_why);
        p->len = was;
        p->text[was] = '\0';
        if (rc < 0)
            return -1;
    }
    return 0;
}

int ddb_check_item(const cJSON *item, char *why, size_t n_why)
{
    if (!cJSON_IsObject(item)) {
        snprintf(why, n_why, "an item must be an object of attributes");
        return -1;
    }
    struct path p = {.len = 0};
    for (const cJSON *c = item->child; c; c = c->next) {
        p.len = 0;
        path_push(&p, "%s", c->string, 0);
        if (check_value(c, &p, 1, why, n_why) < 0)
            return -1;
    }
    return 0;
}

/* ---- plain values ---- */

/* A raw item whose text points into the source tree (not copied, not freed). */
static cJSON *raw_ref(const char *text)
{
    cJSON *r = cJSON_CreateNull();
    if (r) {
        r->type = cJSON_Raw | cJSON_IsReference;
        r->valuestring = (char *)text;
    }
    return r;
}

static cJSON *plain_number(const char *s, size_t n)
{
    if (json_number_form(s, n))
        return raw_ref(s);
    struct buf b;
    buf_init(&b, 0);
    cJSON *r = ddb_number_json(s, n, &b) == 0 ? cJSON_CreateRaw(buf_cstr(&b)) : NULL;
    buf_release(&b);
    return r;
}

static cJSON *plain_set(const cJSON *arr, enum ddb_type t)
{
    cJSON *a = cJSON_CreateArray();
    for (const cJSON *e = arr->child; a && e; e = e->next) {
        cJSON *x = t == DDB_NS ? plain_number(e->valuestring, strlen(e->valuestring))
                               : cJSON_CreateStringReference(e->valuestring);
        if (!x) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    return a;
}

cJSON *ddb_plain_tree(const struct ddb_val *v)
{
    char why[8];
    switch (v->type) {
    case DDB_S:
    case DDB_B:
        return cJSON_CreateStringReference(v->text);
    case DDB_N:
        return plain_number(v->text, v->len);
    case DDB_BOOL:
        return cJSON_CreateBool(v->text[0] == 't');
    case DDB_MISSING:
    case DDB_NULL:
        return cJSON_CreateNull();
    case DDB_SS:
    case DDB_NS:
    case DDB_BS:
        return plain_set(v->body, v->type);
    case DDB_M:
    case DDB_L:
        break;
    }
    cJSON *out = v->type == DDB_M ? cJSON_CreateObject() : cJSON_CreateArray();
    for (const cJSON *c = v->body->child; out && c; c = c->next) {
        struct ddb_val cv;
        cJSON *x = ddb_decode(c, &cv, why, sizeof why) == 0 ? ddb_plain_tree(&cv) : NULL;
        if (!x) {
            cJSON_Delete(out);
            return NULL;
        }
        if (v->type == DDB_M)
            cJSON_AddItemToObjectCS(out, c->string, x);
        else
            cJSON_AddItemToArray(out, x);
    }
    return out;
}

int ddb_plain_json(const struct ddb_val *v, struct buf *out)
{
    cJSON *t = ddb_plain_tree(v);
    char *text = t ? cJSON_PrintUnformatted(t) : NULL;
    int rc = text ? buf_appends(out, text) : -1;
    cJSON_free(text);
    cJSON_Delete(t);
    return rc;
}
