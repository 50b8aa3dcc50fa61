/* seed_input.c — JSON inputs: plain values and DynamoDB JSON, as an array, as JSON Lines (or
 * any sequence of objects), as the AWS CLI's scan output ({"Items": [...]}) and as the lines of
 * a DynamoDB export ({"Item": {...}}). */
#include <stdio.h>
#include <string.h>

#include "pipeline/ddb_encode.h"
#include "pipeline/json_exact.h"
#include "pipeline/seed_int.h"

static const char *const ddb_types[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS", NULL};

static int is_ddb_type(const char *name)
{
    for (size_t i = 0; ddb_types[i]; i++)
        if (strcmp(name, ddb_types[i]) == 0)
            return 1;
    return 0;
}

/* The only member of an object, when it has exactly one named `name`. */
static cJSON *sole_member(const cJSON *o, const char *name)
{
    if (!cJSON_IsObject(o) || !o->child || o->child->next || strcmp(o->child->string, name) != 0)
        return NULL;
    return o->child;
}

/* The Items of the AWS CLI's scan or query output: {"Items": [...], "Count": 2, ...}. */
static const cJSON *cli_items(const cJSON *o)
{
    static const char *const others[] = {"Count", "ScannedCount", "ConsumedCapacity",
                                         "LastEvaluatedKey", "NextToken", NULL};
    const cJSON *items = NULL, *m;
    if (!cJSON_IsObject(o))
        return NULL;
    cJSON_ArrayForEach(m, o) {
        if (strcmp(m->string, "Items") == 0 && cJSON_IsArray(m)) {
            items = m;
            continue;
        }
        size_t i = 0;
        while (others[i] && strcmp(others[i], m->string) != 0)
            i++;
        if (!others[i])
            return NULL;
    }
    return items;
}

/* A record looks like DynamoDB JSON when every attribute is {"<type>": value}. An item with no
 * attribute tells nothing, and plain JSON rarely has one-member objects named S or N at every
 * attribute; --format json says "plain" for the rare file that does. */
static int looks_ddb(const cJSON *rec)
{
    if (!cJSON_IsObject(rec) || !rec->child)
        return 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, rec) {
        if (!cJSON_IsObject(a) || !a->child || a->child->next || !is_ddb_type(a->child->string))
            return 0;
    }
    return 1;
}

struct json_reader {
    struct seed_ctx *x;
    enum seed_format f;             /* AUTO until the first record decides */
    long record;
    struct seed_pos pos;
};

static int add_record(struct json_reader *jr, const cJSON *rec, size_t off, int wrapped)
{
    struct seed_ctx *x = jr->x;
    struct spec_loc loc = seed_pos_at(&jr->pos, off);
    long record = ++jr->record;
    if (jr->f == SEED_FORMAT_AUTO) {
        jr->f = wrapped || looks_ddb(rec) ? SEED_FORMAT_DDB_JSON : SEED_FORMAT_JSON;
        x->d->format = jr->f;
    }
    if (!cJSON_IsObject(rec)) {
        seed_problem(x, loc, record, "an item must be a JSON object, not %s",
                     cJSON_IsArray(rec) ? "an array" : cJSON_IsString(rec) ? "a string"
                     : cJSON_IsNumber(rec) ? "a number" : "true, false or null");
        return 0;
    }
    if (jr->f == SEED_FORMAT_DDB_JSON)
        return seed_add(x, rec, loc, record);
    cJSON *item = ddb_encode_item(rec);
    if (!item)
        return -1;
    int rc = seed_add(x, item, loc, record);
    cJSON_Delete(item);
    return rc;
}

/* One top-level value at text[off]: an array of items, a wrapper, or an item. */
static int add_value(struct json_reader *jr, const cJSON *v, size_t off,
                     const struct json_offsets *elems)
{
    int explicit_plain = jr->f == SEED_FORMAT_JSON;
    const cJSON *inner;
    if (cJSON_IsArray(v)) {
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            size_t at = i < elems->n ? elems->v[i] : off;
            i++;
            if (add_record(jr, e, off + at, 0) < 0)
                return -1;
        }
        return 0;
    }
    if (!explicit_plain && (inner = cli_items(v))) {
        const cJSON *e;
        cJSON_ArrayForEach(e, inner)
            if (add_record(jr, e, off, 1) < 0)
                return -1;
        return 0;
    }
    if (!explicit_plain && (inner = sole_member(v, "Item")) && cJSON_IsObject(inner))
        return add_record(jr, inner, off, 1);
    return add_record(jr, v, off, 0);
}

int seed_read_json(struct seed_ctx *x, const char *text, size_t len, enum seed_format f,
                   struct pw_error *err)
{
    struct json_reader jr = {.x = x, .f = f == SEED_FORMAT_JSONL ? SEED_FORMAT_JSON : f,
                             .pos = {.text = text, .line = 1, .col = 1}};
    struct json_offsets elems = {0};
    size_t off = 0;
    int rc = -1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        off = jr.pos.off = jr.pos.start = 3;   /* a byte-order mark is no character */
    x->d->format = f == SEED_FORMAT_AUTO ? SEED_FORMAT_JSON : f;
    for (;;) {
        while (off < len && strchr(" \t\r\n", text[off]))
            off++;
        if (off >= len)
            break;
        struct json_exact_error e;
        size_t end = 0;
        elems.n = 0;
        cJSON *v = json_exact_parse(text + off, len - off, &end, &elems, &e);
        if (!v) {
            if (strcmp(e.what, "out of memory") == 0)
                goto oom;
            /* After a syntax error nothing later can be trusted to be where it seems. */
            seed_problem(x, seed_pos_at(&jr.pos, off + e.offset), 0, "invalid JSON: %s", e.what);
            break;
        }
        int r = add_value(&jr, v, off, &elems);
        cJSON_Delete(v);
        if (r < 0)
            goto oom;
        off += end;
    }
    if (jr.record == 0 && x->d->n_problems == 0)
        seed_problem(x, (struct spec_loc){0, 0, 0}, 0, "no items: the input is empty");
    rc = 0;
    goto out;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
out:
    json_offsets_release(&elems);
    return rc;
}
