/* spec_load_pipeline.c — the pipeline section: source, explode, join, columns, partition,
 * output, notify, and the checkpoint table it implies. References are resolved in spec_check. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/spec/spec_int.h"

static const struct rd_choice empties[] = {
    {"drop", SPEC_EMPTY_DROP, 0},
    {"keep", SPEC_EMPTY_KEEP, 0},
    {NULL, 0, 0},
};

/* explode: progressDetails, or {attribute: progressDetails, empty: keep}. */
static void load_explode(struct rd *r, const struct sect *parent, struct spec_explode *e)
{
    static const char *const keys[] = {"attribute", "empty", NULL};
    const struct ypair *p = rd_get(parent, "explode");
    e->attribute.v = "";
    e->empty = SPEC_EMPTY_DROP;
    if (!p)
        return;
    char desc[256];
    rd_field(parent, "explode", desc, sizeof desc);
    if (p->value->kind != YNODE_MAP) {
        rd_str(r, parent, "explode", RD_NONEMPTY, &e->attribute);
        return;
    }
    struct sect es;
    int v;
    rd_section(r, p, desc, keys, &es);
    if (rd_require(r, &es, "attribute") == 0)
        rd_str(r, &es, "attribute", RD_NONEMPTY, &e->attribute);
    if (rd_enum(r, &es, "empty", empties, &v) == 1)
        e->empty = (enum spec_empty)v;
}

static void load_join(struct rd *r, const struct sect *ps, struct spec_join *j)
{
    static const char *const keys[] = {"table", "explode", "on", "columns", "kind", NULL};
    static const struct rd_choice kinds[] = {
        {"left", SPEC_JOIN_LEFT, 0},
        {"inner", SPEC_JOIN_INNER, 0},
        {NULL, 0, 0},
    };
    const struct ypair *p = rd_get(ps, "join");
    struct sect js;
    int v;
    j->table_ref.v = j->explode.attribute.v = "";
    if (!p || rd_section(r, p, "'join' in the pipeline", keys, &js) < 0)
        return;
    if (rd_require(r, &js, "table") == 0 && rd_str(r, &js, "table", RD_NONEMPTY, &j->table_ref) == 1) {
        size_t skip = ref_prefix_len(j->table_ref.v, "table");
        j->table = ref_table(r, rd_node(&js, "table"), j->table_ref.v, skip,
                             strlen(j->table_ref.v + skip), "'join.table' in the pipeline");
    }
    load_explode(r, &js, &j->explode);
    if (rd_require(r, &js, "on") == 0 && rd_strs(r, &js, "on", RD_NONEMPTY, &j->on, &j->n_on) == 1 &&
        j->n_on == 0)
        rd_err(r, rd_value_loc(rd_get(&js, "on")), "'join.on' in the pipeline needs at least one "
               "attribute");
    rd_strs(r, &js, "columns", RD_NONEMPTY, &j->columns, &j->n_columns);
    if (rd_enum(r, &js, "kind", kinds, &v) == 1)
        j->kind = (enum spec_join_kind)v;
}

static const struct rd_choice col_types[] = {
    {"string", SPEC_COL_STRING, 0},
    {"int", SPEC_COL_INT, 0},
    {"decimal", SPEC_COL_DECIMAL, 0},
    {"bool", SPEC_COL_BOOL, 0},
    {"timestamp", SPEC_COL_TIMESTAMP, 0},
    {"integer", SPEC_COL_INT, 1},
    {"boolean", SPEC_COL_BOOL, 1},
    {NULL, 0, 0},
};

static void load_columns(struct rd *r, const struct sect *ps, struct spec_pipeline *pl)
{
    static const char *const keys[] = {"name", "from", "type", "format", "required", NULL};
    const struct ypair *p = rd_get(ps, "columns");
    char got[64];
    if (!p)
        return;
    const struct ynode *v = p->value;
    if (v->kind != YNODE_SEQ) {
        rd_err(r, rd_value_loc(p), "'columns' in the pipeline must be a list, not %s",
               ynode_describe(v, got, sizeof got));
        return;
    }
    pl->columns = spec_alloc_array(r->s, v->n_items, sizeof *pl->columns);
    if (!pl->columns) {
        r->oom = 1;
        return;
    }
    pl->n_columns = v->n_items;
    for (size_t i = 0; i < v->n_items; i++) {
        const struct ynode *item = v->items[i];
        struct spec_column *c = &pl->columns[i];
        char what[128];
        snprintf(what, sizeof what, "column %zu of the pipeline", i + 1);
        c->name.v = c->from.v = c->format.v = "";
        if (item->kind != YNODE_MAP) {
            if (rd_str_node(r, item, item->loc, what, RD_NONEMPTY, &c->name) == 1)
                c->from = c->name;
            continue;
        }
        struct ypair ip = {.key = p->key, .value = (struct ynode *)item};
        struct sect cs;
        if (rd_section(r, &ip, what, keys, &cs) < 0)
            continue;
        cs.loc = item->loc;
        if (rd_require(r, &cs, "name") == 0)
            rd_str(r, &cs, "name", RD_NONEMPTY, &c->name);
        c->from = c->name;
        rd_str(r, &cs, "from", RD_NONEMPTY, &c->from);
        int t;
        if (rd_enum(r, &cs, "type", col_types, &t) == 1)
            c->type = (enum spec_col_type)t;
        if (rd_str(r, &cs, "format", RD_NONEMPTY, &c->format) == 1 && c->type != SPEC_COL_TIMESTAMP)
            rd_err(r, c->format.loc, "'format' in %s applies to timestamps only", what);
        rd_bool(r, &cs, "required", &c->required);
    }
}

static void load_partition(struct rd *r, const struct sect *ps, struct spec_partition *pt)
{
    static const char *const keys[] = {"column", "granularity", "as", NULL};
    static const struct rd_choice grans[] = {
        {"day", SPEC_GRAN_DAY, 0},
        {"month", SPEC_GRAN_MONTH, 0},
        {"year", SPEC_GRAN_YEAR, 0},
        {"hour", SPEC_GRAN_HOUR, 0},
        {"value", SPEC_GRAN_VALUE, 0},
        {NULL, 0, 0},
    };
    const struct ypair *p = rd_get(ps, "partition");
    struct sect s;
    pt->column.v = pt->as.v = "";
    pt->granularity = SPEC_GRAN_DAY;
    if (!p || rd_section(r, p, "'partition' in the pipeline", keys, &s) < 0)
        return;
    if (rd_require(r, &s, "column") == 0)
        rd_str(r, &s, "column", RD_NONEMPTY, &pt->column);
    int g;
    if (rd_enum(r, &s, "granularity", grans, &g) == 1)
        pt->granularity = (enum spec_granularity)g;
    static const char *const suffix[] = {"value", "year", "month", "date", "hour"};
    vars_generated(r, spec_printf(r->s, "%s_%s", pt->column.v, suffix[pt->granularity]), p->key->loc,
                   &pt->as);
    rd_str(r, &s, "as", RD_NONEMPTY, &pt->as);
}

/* 128MiB, 64MB, 1GiB or a number of bytes. */
static int parse_size(const char *v, uint64_t *out)
{
    char *end = NULL;
    if (!isdigit((unsigned char)v[0]))
        return -1;
    unsigned long long n = strtoull(v, &end, 10);
    static const struct { const char *unit; uint64_t mult; } units[] = {
        {"", 1}, {"B", 1}, {"KB", 1000}, {"KiB", 1024}, {"MB", 1000000}, {"MiB", 1048576},
        {"GB", 1000000000}, {"GiB", 1073741824},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (n > UINT64_MAX / units[i].mult)
                return -1;
            *out = n * units[i].mult;
            return 0;
        }
    }
    return -1;
}

/* Prefixes are folders: no leading '/', and a trailing one is added when missing. */
static void normalise_prefix(struct rd *r, struct spec_str *p, const char *desc)
{
    size_t n = strlen(p->v);
    if (p->v[0] == '/')
        rd_err(r, p->loc, "%s must not start with '/'", desc);
    if (n && p->v[n - 1] != '/') {
        p->v = rd_str_or_oom(r, spec_printf(r->s, "%s/", p->v));
        if (p->tmpl)
            p->tmpl = p->v;
    }
}

static void load_output(struct rd *r, const struct sect *ps, struct spec_pipeline *pl)
{
    static const char *const keys[] = {
        "bucket", "url", "prefix", "table", "format", "compression", "header", "target_file_size",
        "mode", "changes_prefix", "quarantine_prefix", NULL,
    };
    static const struct rd_choice formats[] = {
        {"jsonl", SPEC_FORMAT_JSONL, 0}, {"csv", SPEC_FORMAT_CSV, 0}, {"json", SPEC_FORMAT_JSONL, 1},
        {NULL, 0, 0},
    };
    static const struct rd_choice compressions[] = {
        {"gzip", SPEC_COMPRESS_GZIP, 0}, {"none", SPEC_COMPRESS_NONE, 0}, {NULL, 0, 0},
    };
    static const struct rd_choice modes[] = {
        {"current", SPEC_MODE_CURRENT, 0}, {"changes", SPEC_MODE_CHANGES, 0}, {NULL, 0, 0},
    };
    struct spec_output *o = &pl->output;
    const struct ypair *p = rd_get(ps, "output");
    struct sect os;
    int v;
    o->bucket_ref.v = o->url.v = o->prefix.v = "";
    o->header = 1;
    o->target_file_size = (uint64_t)128 << 20;
    vars_generated(r, pl->name.v, pl->name.loc, &o->table);
    if (rd_require(r, ps, "output") < 0 || rd_section(r, p, "'output' in the pipeline", keys, &os) < 0)
        return;
    int has_bucket = rd_str(r, &os, "bucket", RD_NONEMPTY, &o->bucket_ref) == 1;
    if (has_bucket) {
        size_t skip = ref_prefix_len(o->bucket_ref.v, "bucket");
        o->bucket = ref_bucket(r, rd_node(&os, "bucket"), o->bucket_ref.v, skip,
                               strlen(o->bucket_ref.v + skip), "'output.bucket' in the pipeline");
    }
    int has_url = rd_str(r, &os, "url", RD_NONEMPTY, &o->url) == 1;
    if (has_bucket && has_url)
        rd_err(r, o->url.loc, "'output' in the pipeline takes 'bucket' or 'url', not both");
    else if (!rd_get(&os, "bucket") && !rd_get(&os, "url"))
        rd_err(r, p->key->loc, "'output' in the pipeline needs 'bucket' (a bucket id) or 'url' "
               "(file://<directory>)");
    if (has_url && strncmp(o->url.v, "file://", 7) != 0)
        rd_err(r, o->url.loc, "'output.url' in the pipeline must be a file:// url; write to s3 "
               "with 'bucket'");
    rd_str(r, &os, "prefix", 0, &o->prefix);
    normalise_prefix(r, &o->prefix, "'output.prefix' in the pipeline");
    rd_str(r, &os, "table", RD_NONEMPTY, &o->table);
    if (rd_enum(r, &os, "format", formats, &v) == 1)
        o->format = (enum spec_format)v;
    if (rd_enum(r, &os, "compression", compressions, &v) == 1)
        o->compression = (enum spec_compression)v;
    if (rd_bool(r, &os, "header", &o->header) == 1 && o->format != SPEC_FORMAT_CSV)
        rd_err(r, rd_value_loc(rd_get(&os, "header")), "'output.header' in the pipeline applies "
               "to format csv only");
    const struct ypair *sp = rd_get(&os, "target_file_size");
    if (sp) {
        char got[64];
        if (sp->value->kind != YNODE_SCALAR || parse_size(sp->value->value, &o->target_file_size) < 0)
            rd_err(r, rd_value_loc(sp), "'output.target_file_size' in the pipeline must be a size "
                   "like 128MiB, 64MB or a number of bytes, not %s",
                   ynode_describe(sp->value, got, sizeof got));
        else if (o->target_file_size < ((uint64_t)1 << 20) || o->target_file_size > ((uint64_t)5 << 30))
            rd_err(r, rd_value_loc(sp), "'output.target_file_size' in the pipeline must be between "
                   "1MiB and 5GiB, not '%s'", sp->value->value);
    }
    if (rd_enum(r, &os, "mode", modes, &v) == 1)
        o->mode = (enum spec_output_mode)v;
    /* Siblings of the table's folder, so a crawler over the table never picks them up. */
    size_t pl_len = strlen(o->prefix.v);
    const char *stem = pl_len ? spec_strndup(r->s, o->prefix.v, pl_len - 1) : NULL;
    vars_generated(r, spec_printf(r->s, "%s%schanges/", stem ? stem : "", stem ? "_" : ""), p->key->loc,
                   &o->changes_prefix);
    vars_generated(r, spec_printf(r->s, "%s%squarantine/", stem ? stem : "", stem ? "_" : ""),
                   p->key->loc, &o->quarantine_prefix);
    if (rd_str(r, &os, "changes_prefix", RD_NONEMPTY, &o->changes_prefix) == 1) {
        normalise_prefix(r, &o->changes_prefix, "'output.changes_prefix' in the pipeline");
        if (o->mode != SPEC_MODE_CHANGES)
            rd_err(r, o->changes_prefix.loc, "'output.changes_prefix' in the pipeline needs "
                   "'mode: changes'");
    }
    if (rd_str(r, &os, "quarantine_prefix", RD_NONEMPTY, &o->quarantine_prefix) == 1)
        normalise_prefix(r, &o->quarantine_prefix, "'output.quarantine_prefix' in the pipeline");
}

/* The checkpoint table is declared here, not under tables:, because its key schema belongs
 * to the runner: one item per (pipeline, shard). */
static void load_checkpoints(struct rd *r, const struct sect *ps, struct spec_pipeline *pl)
{
    static const char *const keys[] = {"name", "billing", "tags", NULL};
    struct spec *s = r->s;
    struct spec_table *t = &pl->checkpoints;
    const struct ypair *p = rd_get(ps, "checkpoints");
    struct spec_loc at = p ? p->key->loc : pl->loc;
    t->id = (struct spec_str){.v = "checkpoints", .loc = at};
    vars_generated(r, spec_printf(s, "%s-%s-checkpoints", s->stack.v, s->env.v), at, &t->name);
    t->key.hash.name = (struct spec_str){.v = "pipeline", .loc = at};
    t->key.range.name = (struct spec_str){.v = "shard", .loc = at};
    t->key.hash.type = t->key.range.type = SPEC_ATTR_S;
    t->billing.mode = SPEC_BILLING_ON_DEMAND;
    t->ttl.v = "";
    struct sect cs;
    if (p && rd_section(r, p, "'checkpoints' in the pipeline", keys, &cs) == 0) {
        rd_str(r, &cs, "name", RD_NONEMPTY, &t->name);
        if (rd_get(&cs, "billing")) {
            /* Same syntax as a table's billing; read through a one-key view of it. */
            const struct ypair *bp = rd_get(&cs, "billing");
            if (bp->value->kind == YNODE_MAP) {
                static const char *const bkeys[] = {"read", "write", NULL};
                struct sect bs;
                if (rd_section(r, bp, "'checkpoints.billing' in the pipeline", bkeys, &bs) == 0) {
                    t->billing.mode = SPEC_BILLING_PROVISIONED;
                    t->billing.read = t->billing.write = 1;
                    rd_long(r, &bs, "read", 1, 40000, &t->billing.read);
                    rd_long(r, &bs, "write", 1, 40000, &t->billing.write);
                }
            } else {
                static const struct rd_choice on_demand[] = {{"on-demand", 0, 0}, {NULL, 0, 0}};
                int v;
                rd_enum(r, &cs, "billing", on_demand, &v);
            }
        }
        rd_tags(r, &cs, "tags", &t->tags);
    }
    load_merge_tags(r, &t->tags);
}

void load_pipeline(struct rd *r, const struct sect *root)
{
    static const char *const keys[] = {
        "name", "source", "explode", "join", "columns", "partition", "output", "notify",
        "checkpoints", NULL,
    };
    struct spec_pipeline *pl = &r->s->pipeline;
    const struct ypair *p = rd_get(root, "pipeline");
    struct sect ps;
    pl->name.v = pl->source_ref.v = pl->notify_ref.v = "";
    if (!p || rd_section(r, p, "the pipeline", keys, &ps) < 0)
        return;
    pl->present = 1;
    pl->loc = p->key->loc;
    if (rd_require(r, &ps, "source") == 0 && rd_str(r, &ps, "source", RD_NONEMPTY, &pl->source_ref) == 1) {
        size_t skip = ref_prefix_len(pl->source_ref.v, "table");
        pl->source = ref_table(r, rd_node(&ps, "source"), pl->source_ref.v, skip,
                               strlen(pl->source_ref.v + skip), "'source' in the pipeline");
    }
    pl->name = pl->source_ref;
    pl->name.tmpl = NULL;
    pl->name.v += ref_prefix_len(pl->name.v, "table");
    rd_str(r, &ps, "name", RD_NONEMPTY, &pl->name);
    load_explode(r, &ps, &pl->explode);
    load_join(r, &ps, &pl->join);
    load_columns(r, &ps, pl);
    load_partition(r, &ps, &pl->partition);
    load_output(r, &ps, pl);
    if (rd_str(r, &ps, "notify", RD_NONEMPTY, &pl->notify_ref) == 1) {
        size_t skip = ref_prefix_len(pl->notify_ref.v, "topic");
        pl->notify = ref_topic(r, rd_node(&ps, "notify"), pl->notify_ref.v, skip,
                               strlen(pl->notify_ref.v + skip), "'notify' in the pipeline");
    }
    load_checkpoints(r, &ps, pl);
}
