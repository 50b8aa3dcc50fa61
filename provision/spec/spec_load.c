/* spec_load.c — the entry points, the top level, DynamoDB tables and S3 buckets. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/spec/spec_int.h"

#define SPEC_MAX_BYTES ((size_t)8 << 20)

static const char *const top_keys[] = {
    "version", "stack", "region", "vars", "tags", "tables", "buckets", "catalog",
    "jobs", "topics", "schedules", "workflows", "pipeline", NULL,
};

/* ---- shared by every resource kind ---- */

void load_merge_tags(struct rd *r, struct spec_tags *own)
{
    const struct spec_tags *g = &r->s->tags;
    if (!g->n)
        return;
    struct spec_tag *a = spec_alloc_array(r->s, g->n + own->n, sizeof *a);
    if (!a) {
        r->oom = 1;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < g->n; i++) {
        size_t j = 0;
        while (j < own->n && strcmp(own->items[j].key.v, g->items[i].key.v) != 0)
            j++;
        if (j == own->n)
            a[n++] = g->items[i];
    }
    for (size_t j = 0; j < own->n; j++)
        a[n++] = own->items[j];
    own->items = a;
    own->n = n;
}

/* ---- tables ---- */

static const struct rd_choice stream_choices[] = {
    {"new-and-old-images", SPEC_STREAM_NEW_AND_OLD_IMAGES, 0},
    {"new-image", SPEC_STREAM_NEW_IMAGE, 0},
    {"old-image", SPEC_STREAM_OLD_IMAGE, 0},
    {"keys-only", SPEC_STREAM_KEYS_ONLY, 0},
    {"false", SPEC_STREAM_NONE, 0},
    {"true", SPEC_STREAM_NEW_AND_OLD_IMAGES, 1},
    {"none", SPEC_STREAM_NONE, 1},
    {NULL, 0, 0},
};

/* "userID:S" (the type defaults to S). The caret points at the type when it is wrong. */
static int load_attr(struct rd *r, const struct sect *k, const char *which, struct spec_attr *out)
{
    const struct ypair *p = rd_get(k, which);
    char desc[256];
    struct spec_str s = {0};
    rd_field(k, which, desc, sizeof desc);
    if (!p || rd_str(r, k, which, RD_NONEMPTY, &s) < 0)
        return -1;
    const char *colon = strrchr(s.v, ':');
    size_t nlen = colon ? (size_t)(colon - s.v) : strlen(s.v);
    out->type = SPEC_ATTR_S;
    out->name.loc = s.loc;
    out->name.v = rd_str_or_oom(r, spec_strndup(r->s, s.v, nlen));
    if (nlen == 0 || nlen > 255) {
        rd_err(r, s.loc, "%s must name an attribute of 1 to 255 characters, not '%s'", desc, s.v);
        return -1;
    }
    if (!colon)
        return 0;
    const char *t = colon + 1;
    if (strcmp(t, "S") == 0)
        out->type = SPEC_ATTR_S;
    else if (strcmp(t, "N") == 0)
        out->type = SPEC_ATTR_N;
    else if (strcmp(t, "B") == 0)
        out->type = SPEC_ATTR_B;
    else {
        rd_err(r, rd_loc_in(r, p->value, s.v, (size_t)(t - s.v), (int)strlen(t)),
               "invalid key type '%s' for attribute '%s' in %s; expected S (string), N (number) "
               "or B (binary)", t, out->name.v, desc);
        return -1;
    }
    return 0;
}

static void load_key(struct rd *r, const struct sect *parent, struct spec_key *out)
{
    static const char *const keys[] = {"hash", "range", NULL};
    const struct ypair *p = rd_get(parent, "key");
    char what[256];
    struct sect k;
    rd_field(parent, "key", what, sizeof what);
    out->hash.name.v = out->range.name.v = "";
    if (rd_require(r, parent, "key") < 0)
        return;
    if (p->value->kind != YNODE_MAP) {
        char got[64];
        rd_err(r, rd_value_loc(p), "%s must be a mapping like {hash: id:S, range: sk:S}, not %s",
               what, ynode_describe(p->value, got, sizeof got));
        return;
    }
    if (rd_section(r, p, what, keys, &k) < 0)
        return;
    if (rd_require(r, &k, "hash") == 0)
        load_attr(r, &k, "hash", &out->hash);
    out->range.name.v = "";
    if (rd_get(&k, "range"))
        load_attr(r, &k, "range", &out->range);
}

static void load_billing(struct rd *r, const struct sect *parent, struct spec_billing *out)
{
    static const char *const keys[] = {"read", "write", NULL};
    const struct ypair *p = rd_get(parent, "billing");
    out->mode = SPEC_BILLING_ON_DEMAND;
    if (!p)
        return;
    char desc[256], got[64];
    rd_field(parent, "billing", desc, sizeof desc);
    if (p->value->kind == YNODE_SCALAR && !ynode_is_null(p->value)) {
        static const struct rd_choice choices[] = {
            {"on-demand", SPEC_BILLING_ON_DEMAND, 0},
            {"pay-per-request", SPEC_BILLING_ON_DEMAND, 1},
            {NULL, 0, 0},
        };
        int m;
        if (rd_enum_node_or(r, p->value, p->value->loc, desc, choices, "a mapping {read, write}", &m) == 1)
            out->mode = (enum spec_billing_mode)m;
        return;
    }
    if (p->value->kind != YNODE_MAP) {
        rd_err(r, rd_value_loc(p), "%s must be on-demand or a mapping {read, write}, not %s", desc,
               ynode_describe(p->value, got, sizeof got));
        return;
    }
    struct sect b;
    if (rd_section(r, p, desc, keys, &b) < 0)
        return;
    out->mode = SPEC_BILLING_PROVISIONED;
    out->read = out->write = 1;
    if (rd_require(r, &b, "read") == 0)
        rd_long(r, &b, "read", 1, 40000, &out->read);
    if (rd_require(r, &b, "write") == 0)
        rd_long(r, &b, "write", 1, 40000, &out->write);
}

static void load_gsi(struct rd *r, const struct ypair *p, const struct spec_table *t,
                     struct spec_gsi *g)
{
    static const char *const keys[] = {"name", "key", "projection", "billing", NULL};
    char what[256];
    struct sect s;
    rd_id(r, p->key, "index", &g->id);
    g->name = g->id;
    snprintf(what, sizeof what, "index '%s' of table '%s'", g->id.v, t->id.v);
    if (rd_section(r, p, what, keys, &s) < 0)
        return;
    rd_str(r, &s, "name", RD_NONEMPTY, &g->name);
    load_key(r, &s, &g->key);
    g->capacity = t->billing;
    if (rd_get(&s, "billing"))
        load_billing(r, &s, &g->capacity);
    const struct ypair *pp = rd_get(&s, "projection");
    g->projection = SPEC_PROJECTION_ALL;
    if (pp && pp->value->kind == YNODE_SEQ) {
        g->projection = SPEC_PROJECTION_INCLUDE;
        rd_strs(r, &s, "projection", RD_NONEMPTY, &g->include, &g->n_include);
    } else if (pp) {
        static const struct rd_choice choices[] = {
            {"all", SPEC_PROJECTION_ALL, 0},
            {"keys-only", SPEC_PROJECTION_KEYS_ONLY, 0},
            {NULL, 0, 0},
        };
        int v;
        char desc[300];
        rd_field(&s, "projection", desc, sizeof desc);
        if (rd_enum_node(r, pp->value, rd_value_loc(pp), desc, choices, &v) == 1)
            g->projection = (enum spec_projection)v;
    }
}

static void load_table(struct rd *r, const struct ypair *p, struct spec_table *t)
{
    static const char *const keys[] = {
        "name", "key", "billing", "stream", "point_in_time_recovery", "deletion_protection",
        "ttl", "global_indexes", "tags", "seed", NULL,
    };
    struct spec *s = r->s;
    char what[160];
    struct sect ts;
    rd_id(r, p->key, "table", &t->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, t->id.v), t->id.loc,
                   &t->name);
    t->key.hash.name.v = t->key.range.name.v = t->ttl.v = "";
    snprintf(what, sizeof what, "table '%s'", t->id.v);
    if (rd_section(r, p, what, keys, &ts) < 0)
        return;
    rd_str(r, &ts, "name", RD_NONEMPTY, &t->name);
    load_key(r, &ts, &t->key);
    load_billing(r, &ts, &t->billing);
    int v = SPEC_STREAM_NONE;
    if (rd_enum(r, &ts, "stream", stream_choices, &v) == 1)
        t->stream = (enum spec_stream_view)v;
    rd_bool(r, &ts, "point_in_time_recovery", &t->point_in_time_recovery);
    rd_bool(r, &ts, "deletion_protection", &t->deletion_protection);
    rd_str(r, &ts, "ttl", RD_NONEMPTY, &t->ttl);
    const struct ypair *gp = rd_get(&ts, "global_indexes");
    struct sect gs;
    char gwhat[300];
    if (gp && rd_section(r, gp, rd_field(&ts, "global_indexes", gwhat, sizeof gwhat), NULL, &gs) == 0 &&
        gs.map) {
        t->gsis = spec_alloc_array(s, gs.map->n_pairs, sizeof *t->gsis);
        if (!t->gsis) {
            r->oom = 1;
            return;
        }
        t->n_gsis = gs.map->n_pairs;
        for (size_t i = 0; i < gs.map->n_pairs; i++)
            load_gsi(r, &gs.map->pairs[i], t, &t->gsis[i]);
    }
    rd_tags(r, &ts, "tags", &t->tags);
    load_merge_tags(r, &t->tags);
    load_seed(r, &ts, t);
}

void load_tables(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_tables = rd_resources(r, root, "tables", "'tables'", sizeof *r->s->tables, &array, &pairs);
    r->s->tables = array;
    for (size_t i = 0; i < r->s->n_tables; i++)
        load_table(r, &pairs[i], &r->s->tables[i]);
}

/* ---- buckets ---- */

static void load_bucket_encryption(struct rd *r, const struct sect *bs, struct spec_encryption *e)
{
    static const struct rd_choice choices[] = {
        {"sse-s3", SPEC_SSE_S3, 0},
        {"sse-kms", SPEC_SSE_KMS, 0},
        {"aes256", SPEC_SSE_S3, 1},
        {"aws:kms", SPEC_SSE_KMS, 1},
        {NULL, 0, 0},
    };
    static const char *const keys[] = {"type", "kms_key", NULL};
    const struct ypair *p = rd_get(bs, "encryption");
    e->type = SPEC_SSE_S3;
    e->kms_key.v = "";
    if (!p)
        return;
    char desc[256];
    rd_field(bs, "encryption", desc, sizeof desc);
    int v = SPEC_SSE_S3;
    if (p->value->kind != YNODE_MAP) {
        if (rd_enum_node(r, p->value, rd_value_loc(p), desc, choices, &v) == 1)
            e->type = (enum spec_sse)v;
        return;
    }
    struct sect es;
    rd_section(r, p, desc, keys, &es);
    if (rd_require(r, &es, "type") == 0 && rd_enum(r, &es, "type", choices, &v) == 1)
        e->type = (enum spec_sse)v;
    if (rd_str(r, &es, "kms_key", RD_NONEMPTY, &e->kms_key) == 1 && e->type != SPEC_SSE_KMS)
        rd_err(r, e->kms_key.loc, "'kms_key' in %s needs 'type: sse-kms'", desc);
}

static void load_lifecycle(struct rd *r, const struct sect *bs, struct spec_bucket *b)
{
    static const char *const keys[] = {
        "id", "prefix", "expire_days", "noncurrent_expire_days", "abort_multipart_days", NULL,
    };
    const struct ypair *p = rd_get(bs, "lifecycle");
    char desc[256], got[64];
    if (!p)
        return;
    rd_field(bs, "lifecycle", desc, sizeof desc);
    if (p->value->kind != YNODE_SEQ) {
        rd_err(r, rd_value_loc(p), "%s must be a list of rules, not %s", desc,
               ynode_describe(p->value, got, sizeof got));
        return;
    }
    b->lifecycle = spec_alloc_array(r->s, p->value->n_items, sizeof *b->lifecycle);
    if (!b->lifecycle) {
        r->oom = 1;
        return;
    }
    b->n_lifecycle = p->value->n_items;
    for (size_t i = 0; i < p->value->n_items; i++) {
        struct spec_lifecycle_rule *l = &b->lifecycle[i];
        struct ypair item = {.key = p->key, .value = p->value->items[i]};
        char what[300];
        struct sect ls;
        snprintf(what, sizeof what, "lifecycle rule %zu of bucket '%s'", i + 1, b->id.v);
        l->prefix.v = "";
        if (rd_section(r, &item, what, keys, &ls) < 0)
            continue;
        ls.loc = item.value->loc;
        rd_str(r, &ls, "prefix", 0, &l->prefix);
        rd_long(r, &ls, "expire_days", 1, 36500, &l->expire_days);
        rd_long(r, &ls, "noncurrent_expire_days", 1, 36500, &l->noncurrent_expire_days);
        rd_long(r, &ls, "abort_multipart_days", 1, 36500, &l->abort_multipart_days);
        if (!rd_get(&ls, "expire_days") && !rd_get(&ls, "noncurrent_expire_days") &&
            !rd_get(&ls, "abort_multipart_days"))
            rd_err(r, ls.loc, "%s does nothing: set expire_days, noncurrent_expire_days or "
                   "abort_multipart_days", what);
        l->id.v = "";
        if (rd_str(r, &ls, "id", RD_NONEMPTY, &l->id) != 1)
            vars_generated(r, spec_printf(r->s, "expire-%s", l->prefix.v[0] ? l->prefix.v : "all"),
                           ls.loc, &l->id);
    }
}

/* The default bucket name must be a valid one: lower case, '-' for '_'. */
static const char *default_bucket_name(struct spec *s, const char *id)
{
    const char *n = spec_printf(s, "%s-%s-%s-${account}", s->stack.v, s->env.v, id);
    if (!n)
        return "";
    for (char *w = (char *)n; *w; w++) {
        if (*w == '_')
            *w = '-';
        else if (*w >= 'A' && *w <= 'Z')
            *w = (char)(*w - 'A' + 'a');
    }
    return n;
}

static void load_bucket(struct rd *r, const struct ypair *p, struct spec_bucket *b)
{
    static const char *const keys[] = {
        "name", "versioning", "encryption", "block_public_access", "lifecycle", "tags", NULL,
    };
    char what[160];
    struct sect bs;
    rd_id(r, p->key, "bucket", &b->id);
    vars_generated(r, default_bucket_name(r->s, b->id.v), b->id.loc, &b->name);
    b->block_public_access = 1;
    b->encryption.type = SPEC_SSE_S3;
    b->encryption.kms_key.v = "";
    snprintf(what, sizeof what, "bucket '%s'", b->id.v);
    if (rd_section(r, p, what, keys, &bs) < 0)
        return;
    rd_str(r, &bs, "name", RD_NONEMPTY, &b->name);
    rd_bool(r, &bs, "versioning", &b->versioning);
    load_bucket_encryption(r, &bs, &b->encryption);
    rd_bool(r, &bs, "block_public_access", &b->block_public_access);
    load_lifecycle(r, &bs, b);
    rd_tags(r, &bs, "tags", &b->tags);
    load_merge_tags(r, &b->tags);
}

void load_buckets(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_buckets = rd_resources(r, root, "buckets", "'buckets'", sizeof *r->s->buckets, &array, &pairs);
    r->s->buckets = array;
    for (size_t i = 0; i < r->s->n_buckets; i++)
        load_bucket(r, &pairs[i], &r->s->buckets[i]);
}

/* ---- the top level and the entry points ---- */

static void fill_unset(struct spec_str *str, void *ctx)
{
    (void)ctx;
    if (!str->v)
        str->v = "";
}

static void load_top(struct rd *r, const struct ytree *t, const struct kvlist *vars)
{
    struct spec *s = r->s;
    struct sect root;
    s->stack.v = s->region.v = s->env.v = s->database.v = s->database_description.v = "";
    if (rd_root(r, t->root, top_keys, &root) < 0)
        return;
    if (rd_require(r, &root, "version") == 0 && rd_long(r, &root, "version", 0, 1000, &s->version) == 1 &&
        s->version != 1)
        rd_err(r, rd_value_loc(rd_get(&root, "version")),
               "unsupported spec version %ld; this pipewright reads version 1", s->version);
    const char *why;
    if (rd_require(r, &root, "stack") == 0 && rd_str(r, &root, "stack", RD_LITERAL | RD_NONEMPTY, &s->stack) == 1 &&
        (why = name_check_stack(s->stack.v)) != NULL)
        rd_err(r, s->stack.loc, "invalid stack name '%s': %s", s->stack.v, why);
    if (rd_require(r, &root, "region") == 0 && rd_str(r, &root, "region", RD_LITERAL | RD_NONEMPTY, &s->region) == 1 &&
        (why = name_check_region(s->region.v)) != NULL)
        rd_err(r, s->region.loc, "invalid region '%s': %s", s->region.v, why);
    vars_load(r, &root, vars);
    rd_tags(r, &root, "tags", &s->tags);
    load_tables(r, &root);
    load_buckets(r, &root);
    load_catalog(r, &root);
    load_jobs(r, &root);
    load_topics(r, &root);
    load_schedules(r, &root);
    load_workflows(r, &root);
    load_pipeline(r, &root);
    /* A value that failed to load leaves its string unset; make the documented invariant
     * (never NULL) true before the checks compare strings. */
    spec_each_str(s, fill_unset, NULL);
    spec_check(r);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

int spec_load_text(const char *path, const char *text, size_t len, const struct kvlist *vars,
                   struct spec **out, struct diag_list *diags, struct pw_error *err)
{
    struct spec *s = NULL;
    struct ytree t = {0};
    int rc = -1;
    *out = NULL;
    if (diag_list_set_source(diags, path, text, len) < 0)
        goto oom;
    s = calloc(1, sizeof *s);
    if (!s)
        goto oom;
    kvlist_init(&s->vars);
    s->path = strdup(path);
    s->dir = dir_of(path);
    if (!s->path || !s->dir)
        goto oom;
    if (ytree_parse(&t, diags->src, diags->src_len, diags) < 0) {
        if (diags->oom)
            goto oom;
        goto invalid;
    }
    struct rd r = {.s = s, .d = diags, .t = &t};
    load_top(&r, &t, vars);
    if (r.oom || diags->oom)
        goto oom;
    if (diags->len)
        goto invalid;
    *out = s;
    s = NULL;
    rc = 0;
    goto cleanup;
invalid:
    diag_list_sort(diags);
    size_t n = diags->len + diags->dropped;
    pw_fail(err, PW_EXIT_SPEC, "%zu error%s in spec '%s'", n, n == 1 ? "" : "s", path);
    goto cleanup;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory loading spec '%s'", path);
cleanup:
    ytree_release(&t);
    spec_free(s);
    return rc;
}

int spec_load(const char *path, const struct kvlist *vars, struct spec **out,
              struct diag_list *diags, struct pw_error *err)
{
    struct buf text;
    char chunk[65536];
    int rc = -1;
    size_t n;
    *out = NULL;
    buf_init(&text, SPEC_MAX_BYTES);
    FILE *f = fopen(path, "rb");
    if (!f) {
        pw_fail(err, PW_EXIT_SPEC, "cannot read spec '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&text, chunk, n) < 0) {
            pw_fail(err, PW_EXIT_SPEC, "spec '%s' is larger than %zu MiB", path,
                    SPEC_MAX_BYTES >> 20);
            goto cleanup;
        }
    }
    if (ferror(f)) {
        pw_fail(err, PW_EXIT_SPEC, "cannot read spec '%s': %s", path, strerror(errno));
        goto cleanup;
    }
    rc = spec_load_text(path, buf_cstr(&text), text.len, vars, out, diags, err);
cleanup:
    if (f)
        fclose(f);
    buf_release(&text);
    return rc;
}
