/* seed_csv.c — CSV input: a header row names the attributes, every later row is an item.
 *
 * Cells are text; the table's seed.columns says what each column is (string, number, bool,
 * date). A key column the spec does not type takes the key's type (S string, N number, B base64
 * binary); every other column is a string. An empty cell is an absent attribute — never the
 * string "", "nan" or "None" — and a cell that does not read as its type is a problem at its
 * line and column. Numbers keep their exact text; dates are checked (ISO 8601, or the column's
 * strptime format) and stored as written, so the pipeline reads them with the same format. */
#define _XOPEN_SOURCE 700           /* strptime */

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pipeline/csv_read.h"
#include "pipeline/seed_int.h"

enum col_kind { COL_STRING, COL_NUMBER, COL_BOOL, COL_DATE, COL_BINARY };

struct col {
    char *name;
    enum col_kind kind;
    const char *format;             /* strptime format of a date column, or "" for ISO 8601 */
};

static void col_type(const struct spec_table *t, const char *name, struct col *c)
{
    static const enum col_kind kinds[] = {COL_STRING, COL_NUMBER, COL_BOOL, COL_DATE};
    const struct spec_seed *s = &t->seed;
    c->kind = COL_STRING;
    c->format = "";
    for (size_t i = 0; i < s->n_columns; i++)
        if (strcmp(s->columns[i].name.v, name) == 0) {
            c->kind = kinds[s->columns[i].type];
            c->format = s->columns[i].format.v;
            return;
        }
    const struct spec_attr *keys[] = {&t->key.hash, &t->key.range};
    for (size_t i = 0; i < 2; i++)
        if (strcmp(keys[i]->name.v, name) == 0)
            c->kind = keys[i]->type == SPEC_ATTR_N ? COL_NUMBER : keys[i]->type == SPEC_ATTR_B
                                                                      ? COL_BINARY : COL_STRING;
}

/* The cell without the blanks around it (for numbers, booleans and dates; strings are kept). */
static const char *trimmed(const struct csv_field *f, char *out, size_t n)
{
    const char *s = f->v, *e = f->v + f->len;
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    size_t len = (size_t)(e - s) < n - 1 ? (size_t)(e - s) : n - 1;
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static int date_matches(const char *v, const char *format)
{
    if (!format[0])
        return seed_iso8601_valid(v);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, format, &tm);
    return end && *end == '\0';
}

/* Adds the cell to item as its column's type; 0, or -1 after recording a problem (the row is
 * then left out) or when out of memory (*oom). */
static int add_cell(struct seed_ctx *x, cJSON *item, const struct col *c, const struct csv_field *f,
                    int *oom)
{
    char v[256];
    struct spec_loc loc = {f->line, f->col, 1};
    const char *why = NULL;
    cJSON *av = cJSON_CreateObject(), *val = NULL;
    if (!av)
        goto oom;
    switch (c->kind) {
    case COL_STRING:
        val = cJSON_AddStringToObject(av, "S", f->v);
        break;
    case COL_BINARY:
        val = cJSON_AddStringToObject(av, "B", trimmed(f, v, sizeof v));
        break;
    case COL_NUMBER:
        trimmed(f, v, sizeof v);
        if (f->len >= sizeof v || ddb_number_check(v, strlen(v), NULL, 0, NULL, &why) < 0) {
            seed_problem(x, loc, 0, "column '%s': '%.60s' is %s", c->name, f->v,
                         why ? why : "too long for a number");
            goto bad;
        }
        val = cJSON_AddStringToObject(av, "N", v);
        break;
    case COL_BOOL:
        trimmed(f, v, sizeof v);
        if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
            val = cJSON_AddTrueToObject(av, "BOOL");
        else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
            val = cJSON_AddFalseToObject(av, "BOOL");
        else {
            seed_problem(x, loc, 0, "column '%s': '%.60s' is not a boolean (true, false, 1 or 0)",
                         c->name, f->v);
            goto bad;
        }
        break;
    case COL_DATE:
        if (f->len >= sizeof v || !date_matches(trimmed(f, v, sizeof v), c->format)) {
            if (c->format[0])
                seed_problem(x, loc, 0, "column '%s': '%.60s' is not a date in the format '%s'",
                             c->name, f->v, c->format);
            else
                seed_problem(x, loc, 0, "column '%s': '%.60s' is not an ISO 8601 date "
                             "(2024-01-31 or 2024-01-31T12:00:00Z); give the column a format "
                             "in the spec for other layouts", c->name, f->v);
            goto bad;
        }
        val = cJSON_AddStringToObject(av, "S", v);
        break;
    }
    if (!val || !cJSON_AddItemToObject(item, c->name, av))
        goto oom;
    return 0;
bad:
    cJSON_Delete(av);
    return -1;
oom:
    cJSON_Delete(av);
    *oom = 1;
    return -1;
}

/* The header: names, not empty, each once, the key's columns among them. 0 when usable. */
static int read_header(struct seed_ctx *x, const struct csv_record *rec, struct col *cols)
{
    int ok = 1;
    for (size_t i = 0; i < rec->n; i++) {
        const struct csv_field *f = &rec->f[i];
        struct spec_loc loc = {f->line, f->col, 1};
        cols[i].name = strdup(f->v);
        if (!cols[i].name)
            return -1;
        col_type(x->t, f->v, &cols[i]);
        if (f->len == 0) {
            seed_problem(x, loc, 0, "the header's column %zu has no name", i + 1);
            ok = 0;
        }
        for (size_t k = 0; k < i && f->len; k++)
            if (strcmp(cols[k].name, f->v) == 0) {
                seed_problem(x, loc, 0, "the header names column '%.60s' twice", f->v);
                ok = 0;
            }
    }
    const char *keys[] = {x->ks.hash, x->ks.range};
    for (size_t k = 0; k < 2 && keys[k]; k++) {
        size_t i = 0;
        while (i < rec->n && strcmp(cols[i].name, keys[k]) != 0)
            i++;
        if (i == rec->n) {
            seed_problem(x, (struct spec_loc){rec->line, 1, 1}, 0,
                         "the header has no column '%s', the table's %s key", keys[k],
                         k ? "range" : "hash");
            ok = 0;
        }
    }
    return ok ? 0 : 1;
}

static void csv_problem(struct seed_ctx *x, const struct csv_error *e)
{
    seed_problem(x, (struct spec_loc){e->line, e->col, 1}, 0, "invalid CSV: %s", e->what);
}

int seed_read_csv(struct seed_ctx *x, const char *text, size_t len, struct pw_error *err)
{
    struct csv_reader r;
    struct csv_record rec;
    struct csv_error e;
    struct col *cols = NULL;
    size_t ncols = 0;
    int rc = -1, oom = 0, n;
    csv_reader_init(&r, text, len);
    csv_record_init(&rec);
    n = csv_next(&r, &rec, &e);
    if (n <= 0) {
        if (n < 0)
            csv_problem(x, &e);
        else
            seed_problem(x, (struct spec_loc){0, 0, 0}, 0, "no header row: the input is empty");
        rc = 0;
        goto out;
    }
    ncols = rec.n;
    cols = calloc(ncols, sizeof *cols);
    if (!cols)
        goto oom;
    int h = read_header(x, &rec, cols);
    if (h < 0)
        goto oom;
    if (h > 0) {                    /* without a usable header no row can be read */
        rc = 0;
        goto out;
    }
    size_t rows = 0;
    while ((n = csv_next(&r, &rec, &e)) > 0) {
        rows++;
        if (rec.n != ncols) {
            const struct csv_field *f = &rec.f[rec.n > ncols ? ncols : rec.n - 1];
            seed_problem(x, (struct spec_loc){f->line, f->col, 1}, 0,
                         "the row has %zu field%s, the header has %zu", rec.n,
                         rec.n == 1 ? "" : "s", ncols);
            continue;
        }
        cJSON *item = cJSON_CreateObject();
        int bad = 0;
        if (!item)
            goto oom;
        for (size_t i = 0; i < ncols; i++)
            if (rec.f[i].len > 0 && add_cell(x, item, &cols[i], &rec.f[i], &oom) < 0)
                bad = 1;
        if (!oom && !bad && seed_add(x, item, (struct spec_loc){rec.line, 1, 1}, 0) < 0)
            oom = 1;
        cJSON_Delete(item);
        if (oom)
            goto oom;
    }
    if (n < 0)
        csv_problem(x, &e);
    else if (rows == 0)
        seed_problem(x, (struct spec_loc){0, 0, 0}, 0, "no items: the input has a header and no row");
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    for (size_t i = 0; cols && i < ncols; i++)
        free(cols[i].name);
    free(cols);
    csv_record_release(&rec);
    return rc;
}
