/* spec_load_glue.c — the Glue side: the catalog database, crawlers, jobs, and their roles. */
#include <stdio.h>
#include <string.h>

#include "provision/spec/spec_int.h"

/* ---- roles ---- */

int load_role(struct rd *r, const struct sect *s, const char *kind, const struct spec_str *id,
              struct spec_role *out)
{
    struct spec *sp = r->s;
    out->arn.v = "";
    if (rd_str(r, s, "role", RD_NONEMPTY, &out->arn) == 1) {
        const char *why = name_check_role_arn(vars_check_text(r, &out->arn));
        if (why) {
            rd_err(r, out->arn.loc, "invalid role arn '%s' in %s: %s", out->arn.v, s->what, why);
            return -1;
        }
        const char *slash = strrchr(out->arn.v, '/');
        out->name.v = rd_str_or_oom(r, spec_strdup(sp, slash ? slash + 1 : out->arn.v));
        out->name.loc = out->arn.loc;
        return 0;
    }
    out->generated = 1;
    vars_generated(r, spec_printf(sp, "%s-%s-%s-%s", sp->stack.v, sp->env.v, kind, id->v), id->loc,
                   &out->name);
    const char *why = name_check_role(out->name.v);
    if (why) {
        rd_err(r, id->loc, "the generated role name '%s' for %s is invalid (%s); shorten the id "
               "or name an existing role with 'role'", out->name.v, s->what, why);
        return -1;
    }
    return 0;
}

/* ---- crawlers ---- */

/* "bucket.curated/prefix/", "bucket.curated", "s3://bucket/prefix", "table.orders". The
 * reference is resolved by spec_check once every resource is known. */
static void parse_target(struct rd *r, const struct ynode *n, const char *desc,
                         struct spec_crawler_target *t)
{
    const char *v = t->ref.v;
    t->path.v = "";
    if (strncmp(v, "bucket.", 7) == 0) {
        t->kind = SPEC_TARGET_BUCKET;
        const char *slash = strchr(v + 7, '/');
        t->path.v = rd_str_or_oom(r, spec_strdup(r->s, slash ? slash + 1 : ""));
        t->path.loc = slash ? rd_loc_in(r, n, v, (size_t)(slash + 1 - v), (int)strlen(slash + 1))
                            : t->ref.loc;
        size_t len = slash ? (size_t)(slash - v - 7) : strlen(v + 7);
        t->bucket = ref_bucket(r, n, v, 7, len, desc);
    } else if (strncmp(v, "table.", 6) == 0) {
        t->kind = SPEC_TARGET_TABLE;
        t->table = ref_table(r, n, v, 6, strlen(v + 6), desc);
    } else if (strncmp(v, "s3://", 5) == 0 && v[5] && v[5] != '/') {
        t->kind = SPEC_TARGET_S3_URL;
        t->path = t->ref;
    } else {
        rd_err(r, t->ref.loc, "invalid target '%s' in %s: expected bucket.<id>/<prefix>, "
               "table.<id> or s3://<bucket>/<prefix>", v, desc);
    }
}

static void load_targets(struct rd *r, const struct sect *cs, struct spec_crawler *c)
{
    static const char *const keys[] = {"path", "exclude", NULL};
    const struct ypair *p = rd_get(cs, "targets");
    char desc[256], got[64];
    if (rd_require(r, cs, "targets") < 0)
        return;
    rd_field(cs, "targets", desc, sizeof desc);
    const struct ynode *v = p->value;
    size_t n = v->kind == YNODE_SEQ ? v->n_items : 1;
    if (v->kind == YNODE_MAP || ynode_is_null(v) || n == 0) {
        rd_err(r, rd_value_loc(p), "%s must be a list of targets, not %s", desc,
               v->kind == YNODE_SEQ ? "an empty list" : ynode_describe(v, got, sizeof got));
        return;
    }
    c->targets = spec_alloc_array(r->s, n, sizeof *c->targets);
    if (!c->targets) {
        r->oom = 1;
        return;
    }
    c->n_targets = n;
    for (size_t i = 0; i < n; i++) {
        const struct ynode *item = v->kind == YNODE_SEQ ? v->items[i] : v;
        struct spec_crawler_target *t = &c->targets[i];
        const struct ynode *refnode = item;
        t->ref.v = t->path.v = "";
        if (item->kind == YNODE_MAP) {
            struct ypair ip = {.key = p->key, .value = (struct ynode *)item};
            struct sect ts;
            char what[300];
            snprintf(what, sizeof what, "target %zu of crawler '%s'", i + 1, c->id.v);
            rd_section(r, &ip, what, keys, &ts);
            ts.loc = item->loc;
            if (rd_require(r, &ts, "path") < 0 || rd_str(r, &ts, "path", RD_NONEMPTY, &t->ref) != 1)
                continue;
            refnode = rd_get(&ts, "path")->value;
            rd_strs(r, &ts, "exclude", RD_NONEMPTY, &t->exclude, &t->n_exclude);
        } else if (rd_str_node(r, item, item->loc, desc, RD_NONEMPTY, &t->ref) < 0) {
            continue;
        }
        parse_target(r, refnode, desc, t);
        if (t->kind == SPEC_TARGET_TABLE && t->n_exclude)
            rd_err(r, t->ref.loc, "'exclude' applies to s3 targets, not to table '%s'", t->ref.v);
    }
}

static void load_crawler(struct rd *r, const struct ypair *p, struct spec_crawler *c)
{
    static const char *const keys[] = {
        "name", "targets", "schedule", "table_prefix", "schema_change", "recrawl", "role", "tags", NULL,
    };
    static const char *const policy_keys[] = {"update", "delete", NULL};
    static const struct rd_choice updates[] = {
        {"update-in-database", SPEC_UPDATE_IN_DATABASE, 0},
        {"log", SPEC_UPDATE_LOG, 0},
        {NULL, 0, 0},
    };
    static const struct rd_choice deletes[] = {
        {"deprecate-in-database", SPEC_DELETE_DEPRECATE, 0},
        {"log", SPEC_DELETE_LOG, 0},
        {"delete-from-database", SPEC_DELETE_FROM_DATABASE, 0},
        {NULL, 0, 0},
    };
    static const struct rd_choice recrawls[] = {
        {"everything", SPEC_RECRAWL_EVERYTHING, 0},
        {"new-folders-only", SPEC_RECRAWL_NEW_FOLDERS_ONLY, 0},
        {NULL, 0, 0},
    };
    struct spec *s = r->s;
    char what[160];
    struct sect cs;
    rd_id(r, p->key, "crawler", &c->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, c->id.v), c->id.loc, &c->name);
    c->schedule.v = c->table_prefix.v = "";
    snprintf(what, sizeof what, "crawler '%s'", c->id.v);
    if (rd_section(r, p, what, keys, &cs) < 0)
        return;
    rd_str(r, &cs, "name", RD_NONEMPTY, &c->name);
    load_targets(r, &cs, c);
    char desc[300];
    if (rd_str(r, &cs, "schedule", RD_NONEMPTY, &c->schedule) == 1)
        check_schedule_expr(r, rd_node(&cs, "schedule"), &c->schedule, 0,
                            rd_field(&cs, "schedule", desc, sizeof desc));
    rd_str(r, &cs, "table_prefix", 0, &c->table_prefix);
    const struct ypair *pp = rd_get(&cs, "schema_change");
    char pwhat[300];
    struct sect ps;
    int v;
    if (pp && rd_section(r, pp, rd_field(&cs, "schema_change", pwhat, sizeof pwhat), policy_keys, &ps) == 0) {
        if (rd_enum(r, &ps, "update", updates, &v) == 1)
            c->on_update = (enum spec_schema_update)v;
        if (rd_enum(r, &ps, "delete", deletes, &v) == 1)
            c->on_delete = (enum spec_schema_delete)v;
    }
    if (rd_enum(r, &cs, "recrawl", recrawls, &v) == 1) {
        c->recrawl = (enum spec_recrawl)v;
        /* Glue refuses CRAWL_NEW_FOLDERS_ONLY unless both schema changes are only logged. */
        if (c->recrawl == SPEC_RECRAWL_NEW_FOLDERS_ONLY &&
            (c->on_update != SPEC_UPDATE_LOG || c->on_delete != SPEC_DELETE_LOG))
            rd_err(r, rd_value_loc(rd_get(&cs, "recrawl")),
                   "'recrawl: new-folders-only' in %s needs 'schema_change: {update: log, delete: "
                   "log}' (a glue rule)", what);
    }
    load_role(r, &cs, "crawler", &c->id, &c->role);
    rd_tags(r, &cs, "tags", &c->tags);
    load_merge_tags(r, &c->tags);
}

void load_catalog(struct rd *r, const struct sect *root)
{
    static const char *const keys[] = {"database", "description", "crawlers", NULL};
    const struct ypair *p = rd_get(root, "catalog");
    struct sect cs;
    if (!p || rd_section(r, p, "'catalog'", keys, &cs) < 0)
        return;
    if (rd_require(r, &cs, "database") == 0)
        rd_str(r, &cs, "database", RD_NONEMPTY, &r->s->database);
    rd_str(r, &cs, "description", 0, &r->s->database_description);
    void *array;
    const struct ypair *pairs;
    r->s->n_crawlers = rd_resources(r, &cs, "crawlers", "'catalog.crawlers'", sizeof *r->s->crawlers, &array, &pairs);
    r->s->crawlers = array;
    for (size_t i = 0; i < r->s->n_crawlers; i++)
        load_crawler(r, &pairs[i], &r->s->crawlers[i]);
}

/* ---- jobs ---- */

static const struct rd_choice glue_versions[] = {
    {"2.0", 0, 0}, {"3.0", 1, 0}, {"4.0", 2, 0}, {"5.0", 3, 0}, {NULL, 0, 0},
};

static const struct rd_choice worker_types[] = {
    {"G.1X", 0, 0}, {"G.2X", 1, 0}, {"G.4X", 2, 0}, {"G.8X", 3, 0}, {"G.025X", 4, 0},
    {"Z.2X", 5, 0}, {NULL, 0, 0},
};

/* Glue passes DefaultArguments to the script as "--name value"; the spec may leave out the
 * dashes. The bookmark option has its own key so it cannot be set twice. */
static void load_arguments(struct rd *r, const struct sect *js, struct spec_job *j)
{
    const struct ypair *p = rd_get(js, "arguments");
    char what[256];
    struct sect as;
    if (!p || rd_section(r, p, rd_field(js, "arguments", what, sizeof what), NULL, &as) < 0 || !as.map)
        return;
    j->arguments.items = spec_alloc_array(r->s, as.map->n_pairs, sizeof *j->arguments.items);
    if (!j->arguments.items) {
        r->oom = 1;
        return;
    }
    for (size_t i = 0; i < as.map->n_pairs; i++) {
        const struct ypair *a = &as.map->pairs[i];
        const char *k = a->key->value;
        const char *bare = strncmp(k, "--", 2) == 0 ? k + 2 : k;
        char desc[300];
        snprintf(desc, sizeof desc, "argument '%s' of job '%s'", k, j->id.v);
        if (!*bare) {
            rd_err(r, a->key->loc, "empty argument name in job '%s'", j->id.v);
            continue;
        }
        if (strcmp(bare, "job-bookmark-option") == 0) {
            rd_err(r, a->key->loc, "set bookmarks with 'bookmarks: true' in job '%s', not with "
                   "argument '%s'", j->id.v, k);
            continue;
        }
        struct spec_tag *t = &j->arguments.items[j->arguments.n];
        t->key.v = rd_str_or_oom(r, spec_printf(r->s, "--%s", bare));
        t->key.loc = a->key->loc;
        if (ynode_is_null(a->value)) {
            t->value.v = "";
            t->value.loc = a->key->loc;
        } else if (rd_str_node(r, a->value, a->value->loc, desc, 0, &t->value) < 0) {
            continue;
        }
        j->arguments.n++;
    }
}

static void load_job(struct rd *r, const struct ypair *p, struct spec_job *j)
{
    static const char *const keys[] = {
        "name", "script", "bucket", "script_prefix", "glue_version", "worker_type", "workers",
        "arguments", "bookmarks", "timeout", "max_retries", "max_concurrent_runs", "role", "tags",
        NULL,
    };
    struct spec *s = r->s;
    char what[160];
    struct sect js;
    rd_id(r, p->key, "job", &j->id);
    vars_generated(r, spec_printf(s, "%s-%s-%s", s->stack.v, s->env.v, j->id.v), j->id.loc, &j->name);
    j->script.v = j->bucket_ref.v = j->script_key.v = "";
    j->glue_version.v = "4.0";
    j->worker_type.v = "G.1X";
    j->workers = 2;
    j->timeout = 2880;
    j->max_concurrent_runs = 1;
    snprintf(what, sizeof what, "job '%s'", j->id.v);
    if (rd_section(r, p, what, keys, &js) < 0)
        return;
    rd_str(r, &js, "name", RD_NONEMPTY, &j->name);
    if (rd_require(r, &js, "script") == 0 && rd_str(r, &js, "script", RD_NONEMPTY, &j->script) == 1) {
        size_t n = strlen(j->script.v);
        if (n < 4 || strcmp(j->script.v + n - 3, ".py") != 0)
            rd_err(r, j->script.loc, "'script' in %s must be a python file (.py), not '%s'", what,
                   j->script.v);
    }
    if (rd_require(r, &js, "bucket") == 0 && rd_str(r, &js, "bucket", RD_NONEMPTY, &j->bucket_ref) == 1) {
        char desc[300];
        size_t skip = ref_prefix_len(j->bucket_ref.v, "bucket");
        j->bucket = ref_bucket(r, rd_node(&js, "bucket"), j->bucket_ref.v, skip,
                               strlen(j->bucket_ref.v + skip), rd_field(&js, "bucket", desc, sizeof desc));
    }
    struct spec_str prefix = {.v = "scripts/"};
    if (rd_str(r, &js, "script_prefix", 0, &prefix) == 1 && prefix.v[0] == '/')
        rd_err(r, prefix.loc, "'script_prefix' in %s must not start with '/'", what);
    const char *base = strrchr(j->script.v, '/');
    base = base ? base + 1 : j->script.v;
    size_t pl = strlen(prefix.v);
    vars_generated(r, spec_printf(s, "%s%s%s", prefix.v, pl && prefix.v[pl - 1] != '/' ? "/" : "", base),
                   prefix.loc, &j->script_key);
    j->script_key.tmpl = prefix.tmpl ? j->script_key.v : NULL;
    int v;
    if (rd_enum(r, &js, "glue_version", glue_versions, &v) == 1)
        j->glue_version.v = glue_versions[v].name;
    if (rd_enum(r, &js, "worker_type", worker_types, &v) == 1)
        j->worker_type.v = worker_types[v].name;
    rd_long(r, &js, "workers", 2, 1000, &j->workers);
    load_arguments(r, &js, j);
    rd_bool(r, &js, "bookmarks", &j->bookmarks);
    rd_long(r, &js, "timeout", 1, 10080, &j->timeout);
    rd_long(r, &js, "max_retries", 0, 10, &j->max_retries);
    rd_long(r, &js, "max_concurrent_runs", 1, 1000, &j->max_concurrent_runs);
    load_role(r, &js, "job", &j->id, &j->role);
    rd_tags(r, &js, "tags", &j->tags);
    load_merge_tags(r, &j->tags);
}

void load_jobs(struct rd *r, const struct sect *root)
{
    void *array;
    const struct ypair *pairs;
    r->s->n_jobs = rd_resources(r, root, "jobs", "'jobs'", sizeof *r->s->jobs, &array, &pairs);
    r->s->jobs = array;
    for (size_t i = 0; i < r->s->n_jobs; i++)
        load_job(r, &pairs[i], &r->s->jobs[i]);
}
