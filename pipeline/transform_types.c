/* transform_types.c — values converted to the column types of docs/transform.md §3, and
 * rendered with their own type when no columns are declared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/transform.h"
#include "pipeline/tstamp.h"

int transform_timestamp(const struct tf_col *col, const struct ddb_val *v, struct tstamp *ts,
                        char *why, size_t n_why)
{
    if (v->type == DDB_MISSING || v->type == DDB_NULL)
        return 2;
    if (v->type == DDB_S && !col->format && tstamp_parse_iso(v->text, v->len, ts) == 0)
        return 0;
    if (v->type == DDB_S && col->format && tstamp_parse_format(v->text, v->len, col->format, ts) == 0)
        return 0;
    if (v->type == DDB_N && !col->format && tstamp_parse_epoch(v->text, v->len, ts) == 0)
        return 0;
    if (v->type == DDB_S && col->format)
        snprintf(why, n_why, "column '%s': '%.64s' does not match the format '%s'", col->name,
                 v->text, col->format);
    else if (v->type == DDB_S || v->type == DDB_N)
        snprintf(why, n_why, "column '%s': '%.64s' is not a timestamp", col->name, v->text);
    else
        snprintf(why, n_why, "column '%s': a %s is not a timestamp", col->name,
                 ddb_type_name(v->type));
    return 1;
}

static int bad_value(const struct tf_col *col, const struct ddb_val *v, const char *what,
                     char *why, size_t n_why)
{
    if (v->text && v->type != DDB_BOOL)
        snprintf(why, n_why, "column '%s': '%.64s' is not %s", col->name, v->text, what);
    else
        snprintf(why, n_why, "column '%s': a %s is not %s", col->name, ddb_type_name(v->type), what);
    return 1;
}

/* The plain JSON text of a structured value, in the arena. */
static int structured_text(const struct ddb_val *v, struct arena *a, const char **text, size_t *len)
{
    if (!v->body) {                 /* from the dimension: already JSON text */
        *text = v->text;
        *len = v->len;
        return 0;
    }
    struct buf b;
    buf_init(&b, 0);
    int rc = ddb_plain_json(v, &b);
    if (rc == 0) {
        *text = arena_strndup(a, b.data, b.len);
        *len = b.len;
        rc = *text ? 0 : -1;
    }
    buf_release(&b);
    return rc;
}

/* -?digits within 64 bits, leading '+' and zeros dropped; "-0" is "0". */
static int int_text(const char *s, size_t n, struct arena *a, const char **text, size_t *len)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == start || i != n)
        return 1;
    while (start + 1 < n && s[start] == '0')
        start++;
    size_t digits = n - start;
    const char *lim = neg ? "9223372036854775808" : "9223372036854775807";
    if (digits > 19 || (digits == 19 && memcmp(s + start, lim, 19) > 0))
        return 1;
    if (digits == 1 && s[start] == '0')
        neg = 0;
    if (start == (size_t)neg && (!neg || s[0] == '-')) {
        *text = s;
        *len = n;
        return 0;
    }
    char *t = arena_alloc(a, digits + 2);
    if (!t)
        return -1;
    size_t k = 0;
    if (neg)
        t[k++] = '-';
    memcpy(t + k, s + start, digits);
    t[k + digits] = '\0';
    *text = t;
    *len = k + digits;
    return 0;
}

static int decimal_text(const char *s, size_t n, struct arena *a, const char **text, size_t *len)
{
    struct buf b;
    buf_init(&b, 0);
    if (ddb_number_json(s, n, &b) < 0) {
        buf_release(&b);
        return ddb_number_valid(s, n) ? -1 : 1;
    }
    if (b.len == n && memcmp(b.data, s, n) == 0) {
        *text = s;
        *len = n;
    } else {
        *text = arena_strndup(a, b.data, b.len);
        *len = b.len;
    }
    buf_release(&b);
    return *text ? 0 : -1;
}

static int ci_equal(const char *a, size_t n, const char *b)
{
    if (strlen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((a[i] | 0x20) != b[i])
            return 0;
    return 1;
}

int transform_convert(const struct tf_col *col, const struct ddb_val *v, struct arena *arena,
                      struct cell *out, char *why, size_t n_why)
{
    int rc;
    out->name = col->name;
    out->kind = CELL_NULL;
    out->text = NULL;
    out->len = 0;
    if (v->type == DDB_MISSING || v->type == DDB_NULL)
        return 0;
    int scalar_text = v->type == DDB_S || v->type == DDB_N;
    switch (col->type) {
    case SPEC_COL_STRING:
        out->kind = CELL_STRING;
        if (v->type == DDB_M || v->type == DDB_L || v->type == DDB_SS || v->type == DDB_NS ||
            v->type == DDB_BS)
            return structured_text(v, arena, &out->text, &out->len);
        out->text = v->text;
        out->len = v->len;
        return 0;
    case SPEC_COL_INT:
        out->kind = CELL_NUMBER;
        rc = scalar_text ? int_text(v->text, v->len, arena, &out->text, &out->len) : 1;
        return rc == 1 ? bad_value(col, v, "an int", why, n_why) : rc;
    case SPEC_COL_DECIMAL:
        out->kind = CELL_NUMBER;
        rc = scalar_text ? decimal_text(v->text, v->len, arena, &out->text, &out->len) : 1;
        return rc == 1 ? bad_value(col, v, "a decimal", why, n_why) : rc;
    case SPEC_COL_BOOL:
        out->kind = CELL_BOOL;
        if (v->type == DDB_BOOL || (v->type == DDB_S && ci_equal(v->text, v->len, "true")) ||
            (v->type == DDB_S && ci_equal(v->text, v->len, "false"))) {
            out->text = (v->text[0] | 0x20) == 't' ? "true" : "false";
            out->len = strlen(out->text);
            return 0;
        }
        return bad_value(col, v, "a bool", why, n_why);
    case SPEC_COL_TIMESTAMP: {
        struct tstamp ts;
        char iso[40];
        rc = transform_timestamp(col, v, &ts, why, n_why);
        if (rc)
            return rc == 2 ? 0 : 1;
        int n = tstamp_format_iso(&ts, iso, sizeof iso);
        out->kind = CELL_STRING;
        out->text = n < 0 ? NULL : arena_strndup(arena, iso, (size_t)n);
        out->len = n < 0 ? 0 : (size_t)n;
        return out->text ? 0 : -1;
    }
    }
    return 1;
}

int transform_natural(const struct ddb_val *v, struct arena *a, struct cell *c)
{
    c->text = v->text;
    c->len = v->len;
    switch (v->type) {
    case DDB_MISSING:
    case DDB_NULL:
        c->kind = CELL_NULL;
        return 0;
    case DDB_S:
    case DDB_B:
        c->kind = CELL_STRING;
        return 0;
    case DDB_BOOL:
        c->kind = CELL_BOOL;
        return 0;
    case DDB_N:
        c->kind = CELL_NUMBER;
        return decimal_text(v->text, v->len, a, &c->text, &c->len) == 0 ? 0 : -1;
    default:
        c->kind = CELL_JSON;
        return structured_text(v, a, &c->text, &c->len);
    }
}
