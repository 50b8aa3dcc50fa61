/* spec_load_seed.c — a table's seed section: CSV column types and the data generator. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/spec/spec_int.h"

static void load_seed_columns(struct rd *r, const struct sect *seed, struct spec_seed *out)
{
    static const struct rd_choice types[] = {
        {"string", SPEC_SEED_STRING, 0},
        {"number", SPEC_SEED_NUMBER, 0},
        {"bool", SPEC_SEED_BOOL, 0},
        {"date", SPEC_SEED_DATE, 0},
        {NULL, 0, 0},
    };
    static const char *const keys[] = {"type", "format", NULL};
    const struct ypair *p = rd_get(seed, "columns");
    char what[256];
    struct sect cs;
    if (!p || rd_section(r, p, rd_field(seed, "columns", what, sizeof what), NULL, &cs) < 0 ||
        !cs.map)
        return;
    out->columns = spec_alloc_array(r->s, cs.map->n_pairs, sizeof *out->columns);
    if (!out->columns) {
        r->oom = 1;
        return;
    }
    out->n_columns = cs.map->n_pairs;
    for (size_t i = 0; i < cs.map->n_pairs; i++) {
        const struct ypair *c = &cs.map->pairs[i];
        struct spec_seed_column *col = &out->columns[i];
        char desc[320];
        col->name.v = rd_str_or_oom(r, spec_strdup(r->s, c->key->value));
        col->name.loc = c->key->loc;
        col->format.v = "";
        snprintf(desc, sizeof desc, "column '%s' in %s", c->key->value, what);
        int v = SPEC_SEED_STRING;
        if (c->value->kind == YNODE_MAP) {
            struct sect one;
            rd_section(r, c, desc, keys, &one);
            if (rd_require(r, &one, "type") == 0)
                rd_enum(r, &one, "type", types, &v);
            rd_str(r, &one, "format", RD_NONEMPTY, &col->format);
            if (spec_str_set(col->format) && v != SPEC_SEED_DATE)
                rd_err(r, col->format.loc, "'format' in %s applies to dates only", desc);
        } else {
            rd_enum_node(r, c->value, rd_value_loc(c), desc, types, &v);
        }
        col->type = (enum spec_seed_type)v;
    }
}


static int valid_date(const char *v)
{
    int y, m, d;
    char tail;
    if (strlen(v) != 10 || sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || v[4] != '-' ||
        v[7] != '-')
        return 0;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > days[m - 1])
        return 0;
    return m != 2 || d < 29 || (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
}

/* Prices are exact decimals with at most two places: they are money, and the generated items
 * must be the same bytes on every machine. */
static int valid_price(const char *v)
{
    size_t i = strspn(v, "0123456789");
    if (i == 0)
        return 0;
    if (v[i] == '\0')
        return 1;
    if (v[i] != '.')
        return 0;
    size_t f = strspn(v + i + 1, "0123456789");
    return f >= 1 && f <= 2 && v[i + 1 + f] == '\0';
}

static void load_range_long(struct rd *r, const struct sect *g, const char *key, long *min,
                            long *max)
{
    static const char *const keys[] = {"min", "max", NULL};
    const struct ypair *p = rd_get(g, key);
    char what[256];
    struct sect s;
    if (!p || rd_section(r, p, rd_field(g, key, what, sizeof what), keys, &s) < 0)
        return;
    rd_long(r, &s, "min", 0, 1000000, min);
    rd_long(r, &s, "max", 0, 1000000, max);
    if (*min > *max)
        rd_err(r, p->key->loc, "%s has min %ld above max %ld", what, *min, *max);
}

static void load_range_price(struct rd *r, const struct sect *g, struct spec_generator *gen)
{
    static const char *const keys[] = {"min", "max", NULL};
    const struct ypair *p = rd_get(g, "price");
    char what[256];
    struct sect s;
    if (!p || rd_section(r, p, rd_field(g, "price", what, sizeof what), keys, &s) < 0)
        return;
    struct spec_str *ends[] = {&gen->price_min, &gen->price_max};
    const char *names[] = {"min", "max"};
    for (int i = 0; i < 2; i++) {
        if (rd_str(r, &s, names[i], RD_NONEMPTY, ends[i]) == 1 && !valid_price(ends[i]->v))
            rd_err(r, ends[i]->loc, "'%s' in %s must be a price like 10 or 499.99, not '%s'",
                   names[i], what, ends[i]->v);
    }
    if (valid_price(gen->price_min.v) && valid_price(gen->price_max.v) &&
        strtod(gen->price_min.v, NULL) > strtod(gen->price_max.v, NULL))
        rd_err(r, p->key->loc, "%s has min %s above max %s", what, gen->price_min.v,
               gen->price_max.v);
}

static void load_generator(struct rd *r, const struct sect *seed, const struct spec_table *t,
                           struct spec_generator *g)
{
    static const struct rd_choice kinds[] = {
        {"campaign", SPEC_GEN_CAMPAIGN, 0},
        {"campaign-info", SPEC_GEN_CAMPAIGN_INFO, 0},
        {"orders", SPEC_GEN_ORDERS, 0},
        {"daily-figures", SPEC_GEN_DAILY_FIGURES, 0},
        {NULL, 0, 0},
    };
    static const char *const campaign_keys[] = {"kind", "users", "campaigns", "tasks", "start", NULL};
    static const char *const info_keys[] = {"kind", "campaigns", "tasks", "start", NULL};
    static const char *const orders_keys[] = {"kind", "products", "quantity", "price", "start", NULL};
    static const char *const daily_keys[] = {"kind", "start", NULL};
    static const char *const default_products[] = {"Laptop", "Phone", "Tablet", "Headphones", "Charger"};
    const struct ypair *p = rd_get(seed, "generator");
    char what[256];
    if (!p)
        return;
    rd_field(seed, "generator", what, sizeof what);
    g->loc = p->key->loc;
    g->users = 100;
    g->campaigns = 5;
    g->tasks = 5;
    g->quantity_min = 1;
    g->quantity_max = 5;
    g->price_min.v = "10.00";
    g->price_max.v = "500.00";
    g->start.v = "2024-01-01";
    g->products = spec_alloc_array(r->s, 5, sizeof *g->products);
    if (!g->products) {
        r->oom = 1;
        return;
    }
    g->n_products = 5;
    for (size_t i = 0; i < 5; i++)
        g->products[i] = (struct spec_str){.v = default_products[i], .loc = g->loc};
    int kind = SPEC_GEN_NONE;
    if (p->value->kind != YNODE_MAP) {
        if (rd_enum_node(r, p->value, rd_value_loc(p), what, kinds, &kind) == 1)
            g->kind = (enum spec_generator_kind)kind;
        return;
    }
    struct sect gs;
    rd_section(r, p, what, NULL, &gs);
    if (rd_require(r, &gs, "kind") < 0 || rd_enum(r, &gs, "kind", kinds, &kind) != 1)
        return;
    g->kind = (enum spec_generator_kind)kind;
    const char *const *keys = kind == SPEC_GEN_CAMPAIGN ? campaign_keys
                              : kind == SPEC_GEN_CAMPAIGN_INFO ? info_keys
                              : kind == SPEC_GEN_ORDERS ? orders_keys
                                                        : daily_keys;
    char gwhat[300];
    snprintf(gwhat, sizeof gwhat, "the %s generator of table '%s'", kinds[kind - 1].name, t->id.v);
    gs.what = gwhat;
    rd_unknown_keys(r, &gs, keys);
    rd_long(r, &gs, "users", 1, 10000000, &g->users);
    rd_long(r, &gs, "campaigns", 1, 100000, &g->campaigns);
    rd_long(r, &gs, "tasks", 1, 1000, &g->tasks);
    if (rd_get(&gs, "products"))
        rd_strs(r, &gs, "products", RD_NONEMPTY, &g->products, &g->n_products);
    load_range_long(r, &gs, "quantity", &g->quantity_min, &g->quantity_max);
    load_range_price(r, &gs, g);
    if (rd_str(r, &gs, "start", RD_NONEMPTY, &g->start) == 1 && !valid_date(g->start.v))
        rd_err(r, g->start.loc, "'start' in %s must be a date like 2024-01-01, not '%s'", gwhat,
               g->start.v);
}

/* A generator makes items with fixed attribute names: the table's key must be among them, with
 * the same types, or every generated item would miss its key. */
static void check_generator_key(struct rd *r, const struct spec_table *t, const struct spec_generator *g)
{
    static const struct {
        enum spec_generator_kind kind;
        const char *name, *hash, *range;
    } keys[] = {
        {SPEC_GEN_CAMPAIGN, "campaign", "userID", "campaignID"},
        {SPEC_GEN_CAMPAIGN_INFO, "campaign-info", "campaignID", NULL},
        {SPEC_GEN_ORDERS, "orders", "orderid", NULL},
        {SPEC_GEN_DAILY_FIGURES, "daily-figures", "date", NULL},
    };
    const struct spec_key *k = &t->key;
    if (g->kind == SPEC_GEN_NONE || !spec_str_set(k->hash.name))
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (keys[i].kind != g->kind)
            continue;
        int range_ok = keys[i].range ? strcmp(k->range.name.v, keys[i].range) == 0 &&
                                           k->range.type == SPEC_ATTR_S
                                     : !spec_str_set(k->range.name);
        if (strcmp(k->hash.name.v, keys[i].hash) == 0 && k->hash.type == SPEC_ATTR_S && range_ok)
            return;
        char have[300], want[200];
        int w = snprintf(have, sizeof have, "hash %s:%s", k->hash.name.v, spec_attr_type_aws(k->hash.type));
        if (spec_str_set(k->range.name) && w > 0 && (size_t)w < sizeof have)
            snprintf(have + w, sizeof have - (size_t)w, ", range %s:%s", k->range.name.v,
                     spec_attr_type_aws(k->range.type));
        snprintf(want, sizeof want, "hash %s:S%s%s%s", keys[i].hash, keys[i].range ? ", range " : "",
                 keys[i].range ? keys[i].range : "", keys[i].range ? ":S" : "");
        rd_err(r, g->loc, "the %s generator makes items keyed by %s, but table '%s' is keyed by %s",
               keys[i].name, want, t->id.v, have);
    }
}

/* A typed column that is a key attribute must read as the key's type. */
static void check_column_keys(struct rd *r, const struct spec_table *t)
{
    static const char *const names[] = {"string", "number", "bool", "date"};
    const struct spec_attr *keys[] = {&t->key.hash, &t->key.range};
    for (size_t i = 0; i < t->seed.n_columns; i++) {
        const struct spec_seed_column *c = &t->seed.columns[i];
        for (size_t k = 0; k < 2; k++) {
            if (!spec_str_set(keys[k]->name) || strcmp(keys[k]->name.v, c->name.v) != 0)
                continue;
            enum spec_attr_type a = keys[k]->type;
            int ok = a == SPEC_ATTR_S ? c->type == SPEC_SEED_STRING || c->type == SPEC_SEED_DATE
                   : a == SPEC_ATTR_N ? c->type == SPEC_SEED_NUMBER
                                      : 0;
            if (!ok)
                rd_err(r, c->name.loc, "column '%s' is the table's %s key, of type %s: it cannot "
                       "be read as %s%s", c->name.v, k ? "range" : "hash",
                       spec_attr_type_aws(a), names[c->type],
                       a == SPEC_ATTR_B ? " (binary keys come as base64 text: leave the column untyped)" : "");
        }
    }
}

void load_seed(struct rd *r, const struct sect *table, struct spec_table *t)
{
    static const char *const keys[] = {"columns", "generator", NULL};
    const struct ypair *p = rd_get(table, "seed");
    char what[256];
    struct sect s;
    if (!p || rd_section(r, p, rd_field(table, "seed", what, sizeof what), keys, &s) < 0)
        return;
    load_seed_columns(r, &s, &t->seed);
    load_generator(r, &s, t, &t->seed.generator);
    check_column_keys(r, t);
    check_generator_key(r, t, &t->seed.generator);
}

