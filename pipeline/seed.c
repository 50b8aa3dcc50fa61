/* seed.c — the seed command's two steps: prepare (read, generate, check; offline) and run
 * (check the table, write, mutate). The checking context the readers share is here too. */
#include "pipeline/seed.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pipeline/seed_int.h"
#include "provision/calls.h"
#include "provision/spec/suggest.h"

/* Keeping the whole input for the diagnostics' source lines costs a copy; past this size the
 * problems are shown without them. */
#define SOURCE_SHOWN_MAX ((size_t)64 << 20)

/* --- formats ------------------------------------------------------------------------------ */

static const char *const format_names[] = {"auto", "json", "jsonl", "ddb-json", "csv"};

int seed_format_parse(const char *name, enum seed_format *out)
{
    for (size_t i = 1; i < sizeof format_names / sizeof format_names[0]; i++)
        if (strcmp(name, format_names[i]) == 0) {
            *out = (enum seed_format)i;
            return 0;
        }
    return -1;
}

const char *seed_format_name(enum seed_format f)
{
    return format_names[f];
}

/* --- the data ----------------------------------------------------------------------------- */

void seed_data_init(struct seed_data *d)
{
    memset(d, 0, sizeof *d);
    buf_init(&d->items, SEED_MAX_INPUT);
    diag_list_init(&d->problems);
}

void seed_data_release(struct seed_data *d)
{
    if (!d)
        return;
    buf_release(&d->items);
    free(d->offs);
    diag_list_release(&d->problems);
    memset(d, 0, sizeof *d);
}

/* --- the checking context ----------------------------------------------------------------- */

static char attr_type(enum spec_attr_type t)
{
    return t == SPEC_ATTR_S ? 'S' : t == SPEC_ATTR_N ? 'N' : 'B';
}

void seed_key_schema(const struct spec_table *t, struct ddb_key_schema *ks)
{
    memset(ks, 0, sizeof *ks);
    ks->hash = t->key.hash.name.v;
    ks->hash_type = attr_type(t->key.hash.type);
    if (spec_str_set(t->key.range.name)) {
        ks->range = t->key.range.name.v;
        ks->range_type = attr_type(t->key.range.type);
    }
}

int seed_ctx_init(struct seed_ctx *x, struct seed_data *d, const struct spec_table *t)
{
    memset(x, 0, sizeof *x);
    x->d = d;
    x->t = t;
    seed_key_schema(t, &x->ks);
    buf_init(&x->keys, SEED_MAX_INPUT);
    buf_init(&x->key, 0);
    x->record_word = "record";
    return 0;
}

void seed_ctx_release(struct seed_ctx *x)
{
    if (!x)
        return;
    buf_release(&x->keys);
    buf_release(&x->key);
    free(x->seen);
    free(x->slots);
    memset(x, 0, sizeof *x);
}

void seed_problem(struct seed_ctx *x, struct spec_loc loc, long record, const char *fmt, ...)
{
    struct seed_data *d = x->d;
    char msg[1400];
    va_list ap;
    d->n_problems++;
    if (d->problems.len >= SEED_MAX_PROBLEMS)
        return;
    if (!x->src_shown) {
        int big = x->src_len > SOURCE_SHOWN_MAX;
        diag_list_set_source(&d->problems, d->source, big ? NULL : x->src, big ? 0 : x->src_len);
        x->src_shown = 1;
    }
    int n = record > 0 ? snprintf(msg, sizeof msg, "%s %ld: ", x->record_word, record) : 0;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    diag_add(&d->problems, loc, "%s", msg);
}

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;        /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int grow_slots(struct seed_ctx *x)
{
    size_t n = x->n_slots ? x->n_slots * 2 : 1024;
    size_t *slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < x->n_seen; i++) {
        const struct seed_key *k = &x->seen[i];
        size_t s = hash_bytes(x->keys.data + k->off, k->len) & (n - 1);
        while (slots[s])
            s = (s + 1) & (n - 1);
        slots[s] = i + 1;
    }
    free(x->slots);
    x->slots = slots;
    x->n_slots = n;
    return 0;
}

/* The key in x->key seen before: its entry, else NULL after remembering it. -1 via *oom. */
static const struct seed_key *key_seen(struct seed_ctx *x, int line, long record, int *oom)
{
    if ((x->n_seen + 1) * 2 > x->n_slots && grow_slots(x) < 0)
        goto oom;
    const char *k = x->key.data ? x->key.data : "";
    size_t len = x->key.len;
    size_t s = hash_bytes(k, len) & (x->n_slots - 1);
    for (; x->slots[s]; s = (s + 1) & (x->n_slots - 1)) {
        const struct seed_key *e = &x->seen[x->slots[s] - 1];
        if (e->len == len && memcmp(x->keys.data + e->off, k, len) == 0)
            return e;
    }
    if (x->n_seen == x->cap_seen) {
        size_t cap = x->cap_seen ? x->cap_seen * 2 : 1024;
        struct seed_key *seen = realloc(x->seen, cap * sizeof *seen);
        if (!seen)
            goto oom;
        x->seen = seen;
        x->cap_seen = cap;
    }
    x->seen[x->n_seen] = (struct seed_key){x->keys.len, len, line, record};
    if (buf_append(&x->keys, k, len) < 0)
        goto oom;
    x->slots[s] = ++x->n_seen;
    return NULL;
oom:
    *oom = 1;
    return NULL;
}

/* "userID 'user-002', campaignID '101'" for a message. */
static void key_text(const struct seed_ctx *x, const cJSON *item, char *out, size_t n)
{
    const char *names[2] = {x->ks.hash, x->ks.range};
    size_t w = 0;
    out[0] = '\0';
    for (int i = 0; i < 2 && names[i] && w < n; i++) {
        const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, names[i]);
        const cJSON *v = av ? av->child : NULL;
        w += (size_t)snprintf(out + w, n - w, "%s%s '%.60s'", i ? ", " : "", names[i],
                              cJSON_IsString(v) ? v->valuestring : "?");
    }
}

int seed_add(struct seed_ctx *x, const cJSON *item, struct spec_loc loc, long record)
{
    struct seed_data *d = x->d;
    char msg[1024];
    size_t size = 0;
    int oom = 0;
    if (ddb_item_check(item, &x->ks, &x->key, &size, msg, sizeof msg) < 0) {
        seed_problem(x, loc, record, "%s", msg);
        return 0;
    }
    const struct seed_key *before = key_seen(x, loc.line, record, &oom);
    if (oom)
        return -1;
    if (before) {
        char where[96], key[400];
        if (before->record > 0 && before->line > 0)
            snprintf(where, sizeof where, "%s %ld (line %d)", x->record_word, before->record,
                     before->line);
        else if (before->line > 0)
            snprintf(where, sizeof where, "line %d", before->line);
        else
            snprintf(where, sizeof where, "%s %ld", x->record_word, before->record);
        key_text(x, item, key, sizeof key);
        seed_problem(x, loc, record, "the key %s is given twice: also %s", key, where);
        return 0;
    }
    char *text = cJSON_PrintUnformatted(item);
    if (!text)
        return -1;
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        size_t *offs = realloc(d->offs, cap * sizeof *offs);
        if (!offs) {
            cJSON_free(text);
            return -1;
        }
        d->offs = offs;
        d->cap = cap;
    }
    d->offs[d->n] = d->items.len;
    int rc = buf_append(&d->items, text, strlen(text) + 1);
    cJSON_free(text);
    if (rc < 0)
        return -1;
    d->n++;
    d->bytes += size;
    return 0;
}

struct spec_loc seed_pos_at(struct seed_pos *p, size_t off)
{
    if (off < p->off)               /* behind: count again from the start */
        *p = (struct seed_pos){.text = p->text, .off = p->start, .line = 1, .col = 1, .start = p->start};
    /* Line and column move forward with the offset, so a whole file costs one pass. */
    for (; p->off < off; p->off++) {
        unsigned char c = (unsigned char)p->text[p->off];
        if (c == '\n') {
            p->line++;
            p->col = 1;
        } else if ((c & 0xC0) != 0x80) {
            p->col++;
        }
    }
    return (struct spec_loc){p->line, p->col, 1};
}

/* --- reading the input -------------------------------------------------------------------- */

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(s + n - k, suffix, k) == 0;
}

/* gzip (one member or several, as `cat a.gz b.gz` makes) into out. */
static int gunzip(const struct buf *in, struct buf *out, const char *name, struct pw_error *err)
{
    z_stream zs;
    unsigned char chunk[65536];
    int rc = -1, zrc = Z_OK;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return pw_fail(err, PW_EXIT_FAILED, "cannot start gzip decompression");
    /* avail_in is 32 bits wide: larger inputs are fed in parts. */
    size_t left = in->len;
    zs.next_in = (unsigned char *)in->data;
    for (;;) {
        if (zs.avail_in == 0 && left) {
            size_t part = left > 0x40000000 ? 0x40000000 : left;
            zs.avail_in = (uInt)part;
            left -= part;
        }
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
            pw_fail(err, PW_EXIT_FAILED, "'%s' is not valid gzip: %s", name, zs.msg ? zs.msg : "corrupt data");
            goto out;
        }
        if (buf_append(out, chunk, sizeof chunk - zs.avail_out) < 0) {
            pw_fail(err, PW_EXIT_FAILED, "'%s' decompresses to more than %zu bytes", name, out->max);
            goto out;
        }
        if (zrc == Z_STREAM_END) {
            if (zs.avail_in == 0 && !left)
                break;
            inflateReset(&zs);          /* another member follows */
        } else if (zrc == Z_BUF_ERROR && zs.avail_in == 0 && !left) {
            pw_fail(err, PW_EXIT_FAILED, "'%s' is not valid gzip: it ends in the middle", name);
            goto out;
        }
    }
    rc = 0;
out:
    inflateEnd(&zs);
    return rc;
}

static int read_input(const char *path, struct buf *text, int *was_gz, struct pw_error *err)
{
    struct buf raw;
    int rc = -1;
    buf_init(&raw, SEED_MAX_INPUT);
    if (buf_read_file(&raw, path, err) < 0)
        goto out;
    *was_gz = raw.len >= 2 && (unsigned char)raw.data[0] == 0x1f && (unsigned char)raw.data[1] == 0x8b;
    if (*was_gz) {
        if (gunzip(&raw, text, path, err) < 0)
            goto out;
    } else {
        *text = raw;
        buf_init(&raw, SEED_MAX_INPUT);
    }
    rc = 0;
out:
    buf_release(&raw);
    return rc;
}

/* From the name (a .gz suffix aside), else from the first byte that is not blank. */
static enum seed_format guess_format(const char *path, const struct buf *text)
{
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz"))
        n -= 3;
    if (ends_with(path, n, ".csv"))
        return SEED_FORMAT_CSV;
    if (ends_with(path, n, ".jsonl") || ends_with(path, n, ".ndjson"))
        return SEED_FORMAT_JSONL;
    if (ends_with(path, n, ".json"))
        return SEED_FORMAT_JSON;
    for (size_t i = 0; i < text->len; i++) {
        char c = text->data[i];
        if (c == '[' || c == '{')
            return SEED_FORMAT_AUTO;    /* the JSON reader tells plain from DynamoDB JSON */
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            break;
    }
    return (enum seed_format)-1;
}

static int read_file(struct seed_ctx *x, const struct seed_options *o, struct pw_error *err)
{
    struct seed_data *d = x->d;
    struct buf text;
    int gz = 0, rc = -1;
    buf_init(&text, SEED_MAX_INPUT);
    int is_stdin = strcmp(o->from, "-") == 0;
    snprintf(d->source, sizeof d->source, "%s", is_stdin ? "<stdin>" : o->from);
    if (read_input(o->from, &text, &gz, err) < 0)
        goto out;
    enum seed_format f = o->format;
    if (f == SEED_FORMAT_AUTO) {
        f = guess_format(is_stdin ? "" : o->from, &text);
        if ((int)f < 0) {
            pw_fail(err, PW_EXIT_USAGE, "cannot tell the format of '%s': give --format json, "
                    "jsonl, ddb-json or csv", d->source);
            goto out;
        }
    }
    x->src = text.data ? text.data : "";
    x->src_len = text.len;
    if (f == SEED_FORMAT_CSV) {
        d->format = SEED_FORMAT_CSV;
        rc = seed_read_csv(x, x->src, x->src_len, err);
    } else {
        /* An explicit json or jsonl means plain values; a guessed one lets the content decide. */
        rc = seed_read_json(x, x->src, x->src_len, o->format == SEED_FORMAT_AUTO ? SEED_FORMAT_AUTO : f, err);
    }
out:
    x->src = NULL;
    x->src_len = 0;
    buf_release(&text);
    return rc;
}

static int unknown_table(const struct spec *spec, const char *id, struct pw_error *err)
{
    const char *names[64];
    char list[512] = "";
    size_t n = spec->n_tables < 64 ? spec->n_tables : 64, w = 0;
    for (size_t i = 0; i < n; i++) {
        names[i] = spec->tables[i].id.v;
        w += (size_t)snprintf(list + w, w < sizeof list ? sizeof list - w : 0, "%s%s", i ? ", " : "",
                              names[i]);
        if (w >= sizeof list)
            break;
    }
    const char *near = suggest_closest(id, names, n);
    if (!n)
        return pw_fail(err, PW_EXIT_USAGE, "the spec declares no table, so there is no table '%s' to seed", id);
    if (near)
        return pw_fail(err, PW_EXIT_USAGE, "no table '%s' in the spec; did you mean '%s'? (tables: %s)",
                       id, near, list);
    return pw_fail(err, PW_EXIT_USAGE, "no table '%s' in the spec (tables: %s)", id, list);
}

int seed_prepare(const struct spec *spec, const struct seed_options *o, struct seed_data *d,
                 struct pw_error *err)
{
    struct seed_ctx x;
    int rc = -1;
    const struct spec_table *t = spec_table_find(spec, o->table);
    if (!t)
        return unknown_table(spec, o->table, err);
    if (o->from && o->generate > 0)
        return pw_fail(err, PW_EXIT_USAGE, "--from and --generate both give the items: choose one");
    if (o->generate > 0 && t->seed.generator.kind == SPEC_GEN_NONE)
        return pw_fail(err, PW_EXIT_USAGE,
                       "table '%s' declares no generator: add seed.generator to its section of the "
                       "spec (see docs/spec.md)", t->id.v);
    d->table = t;
    seed_ctx_init(&x, d, t);
    if (o->from) {
        if (read_file(&x, o, err) < 0)
            goto out;
    } else if (o->generate > 0) {
        if (seed_generate(&x, o->generate, o->seed, err) < 0)
            goto out;
    }
    if (d->problems.oom) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (d->n_problems) {
        diag_list_sort(&d->problems);
        pw_fail(err, PW_EXIT_FAILED, "%zu problem%s in %s: nothing was written", d->n_problems,
                d->n_problems == 1 ? "" : "s", d->source);
        goto out;
    }
    rc = 0;
out:
    seed_ctx_release(&x);
    return rc;
}

/* --- running ------------------------------------------------------------------------------ */

/* The table must exist, carry the stack's tag and have the key the items were checked against:
 * otherwise nothing is sent. Reuses the table kind's read (provision/table.c). */
static int check_table(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    struct res_actual a;
    struct kvlist want;
    int rc = -1;
    res_actual_init(&a);
    kvlist_init(&want);
    if (r->kind->read(c, r, &a, err) < 0) {
        pw_error_prefix(err, "reading table '%s'", r->name);
        goto out;
    }
    if (a.presence == RES_MISSING) {
        pw_fail(err, PW_EXIT_FAILED, "table '%s' does not exist: create it with 'pipewright up'", r->name);
        goto out;
    }
    if (a.presence == RES_FOREIGN) {
        pw_fail(err, PW_EXIT_FAILED, "table '%s' exists without the tag %s=%s (not ours): seed "
                "writes only to the stack's tables", r->name, PW_TAG_STACK, r->stack->name);
        goto out;
    }
    if (r->kind->desired(r, &want, err) < 0)
        goto out;
    static const char *const keys[] = {"key.hash", "key.range"};
    for (size_t i = 0; i < 2; i++) {
        const char *w = kvlist_get(&want, keys[i]), *h = kvlist_get(&a.props, keys[i]);
        if ((w || h) && (!w || !h || strcmp(w, h) != 0)) {
            pw_fail(err, PW_EXIT_FAILED, "table '%s' has %s %s but the spec declares %s: run "
                    "'pipewright plan' to see the difference", r->name, keys[i], h ? h : "(none)",
                    w ? w : "(none)");
            goto out;
        }
    }
    rc = 0;
out:
    kvlist_release(&want);
    res_actual_release(&a);
    return rc;
}

int seed_run(struct aws_client *c, const struct stack *st, const struct seed_data *d,
             const struct seed_options *o, struct seed_report *rep, struct pw_error *err)
{
    char address[300];
    memset(rep, 0, sizeof *rep);
    snprintf(address, sizeof address, "table.%s", d->table->id.v);
    const struct resource *r = stack_find(st, address);
    if (!r)
        return pw_fail(err, PW_EXIT_FAILED, "no resource %s in the stack", address);
    snprintf(rep->table, sizeof rep->table, "%s", r->name);
    rep->items = d->n;
    if (check_table(c, r, err) < 0)
        return -1;
    /* Mutations change what was just written: not when the writing failed. */
    if ((d->n && seed_write(c, r->name, d, o, rep, err) < 0) ||
        (o->mutate > 0 && seed_mutate(c, r->name, d->table, o, rep, err) < 0)) {
        pw_error_format(err, rep->error, sizeof rep->error);
        return -1;
    }
    return 0;
}
