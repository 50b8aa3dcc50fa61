/* spec_int.h — private to provision/spec: the loader's reading context and helpers.
 *
 * Reading never stops at the first problem. Every reader reports what is wrong with its
 * value to the diagnostics and returns -1; the caller keeps the default and goes on, so one
 * pass finds every error. Readers return 1 when the key was present and valid, 0 when absent. */
#ifndef PW_SPEC_INT_H
#define PW_SPEC_INT_H

#include "provision/spec/spec.h"
#include "provision/spec/yaml_tree.h"

/* A 12-digit stand-in for ${account} while checking names offline: every account id has
 * exactly this length and alphabet, so a name valid with it is valid with the real one. */
#define SPEC_ACCOUNT_PLACEHOLDER "000000000000"

struct rd {
    struct spec *s;
    struct diag_list *d;
    const struct ytree *t;
    int oom;
};

/* A mapping being read, with how to name it in messages and where to point when one of its
 * required keys is missing (the key that introduces it, not its first child). */
struct sect {
    const struct ynode *map;        /* NULL when absent or not a mapping */
    const char *what;               /* "table 'user_campaign'"; "" at the top level */
    struct spec_loc loc;
};

/* Flags for string readers. */
enum {
    RD_LITERAL = 1 << 0,            /* no ${var} substitution (stack, region, vars) */
    RD_NONEMPTY = 1 << 1,           /* "" is an error */
};

/* An allowed value of an enumerated key. Aliases are accepted but not listed in messages. */
struct rd_choice {
    const char *name;
    int value;
    int alias;
};

/* ---- arena (spec_model.c) ---- */
void *spec_alloc(struct spec *s, size_t size);      /* zeroed; NULL (and s is unusable) on OOM */
void *spec_alloc_array(struct spec *s, size_t n, size_t size);
const char *spec_strdup(struct spec *s, const char *v);
const char *spec_strndup(struct spec *s, const char *v, size_t n);
const char *spec_printf(struct spec *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls fn on every string of the model (names, references, tags, ...). */
void spec_each_str(struct spec *s, void (*fn)(struct spec_str *str, void *ctx), void *ctx);

/* ---- reading (spec_read.c) ---- */
void rd_err(struct rd *r, struct spec_loc at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const char *rd_str_or_oom(struct rd *r, const char *p);    /* flags OOM, gives "" */

/* Where to point at a value: the value itself, or its key when the value was left empty. */
struct spec_loc rd_value_loc(const struct ypair *p);

/* "'name' in table 'x'" (or "'name'" at the top level) into buf. */
const char *rd_field(const struct sect *s, const char *key, char *buf, size_t size);

/* Opens the mapping under p as a section: checks it is a mapping (an empty value counts as
 * an empty one) and reports its unknown keys, with a suggestion. -1 when not a mapping. */
int rd_section(struct rd *r, const struct ypair *p, const char *what, const char *const *keys,
               struct sect *out);
/* A map of resources (`tables:`, `catalog.crawlers:`, ...): opens the section under key of
 * parent and allocates an array of size-byte entries for it. Returns the number of entries and
 * sets *array and *pairs (the map's entries, in source order); 0 when the key is absent, not a
 * map, empty, or memory ran out (then r->oom is set). */
size_t rd_resources(struct rd *r, const struct sect *parent, const char *key, const char *what,
                    size_t size, void **array, const struct ypair **pairs);
/* The same for the document's root. */
int rd_root(struct rd *r, const struct ynode *root, const char *const *keys, struct sect *out);
/* Reports the keys of s that are not in keys (NULL-terminated). */
void rd_unknown_keys(struct rd *r, const struct sect *s, const char *const *keys);

const struct ypair *rd_get(const struct sect *s, const char *key);
const struct ynode *rd_node(const struct sect *s, const char *key);   /* the value, or NULL */
int rd_require(struct rd *r, const struct sect *s, const char *key);

int rd_str(struct rd *r, const struct sect *s, const char *key, int flags, struct spec_str *out);
int rd_str_node(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                int flags, struct spec_str *out);
int rd_bool(struct rd *r, const struct sect *s, const char *key, int *out);
int rd_long(struct rd *r, const struct sect *s, const char *key, long min, long max, long *out);
int rd_enum(struct rd *r, const struct sect *s, const char *key, const struct rd_choice *choices,
            int *out);
int rd_enum_node(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                 const struct rd_choice *choices, int *out);
/* The same, naming one more accepted form in the message ("or a mapping {read, write}"). */
int rd_enum_node_or(struct rd *r, const struct ynode *n, struct spec_loc at, const char *desc,
                    const struct rd_choice *choices, const char *also, int *out);
/* A list of strings; a single string is taken as a list of one. */
int rd_strs(struct rd *r, const struct sect *s, const char *key, int flags, struct spec_str **out,
            size_t *n);
/* A mapping of tag key to value (AWS tag rules; the pipewright: prefix is reserved). */
int rd_tags(struct rd *r, const struct sect *s, const char *key, struct spec_tags *out);
/* A resource id (a key under tables:, buckets:, ...): letters, digits, '_' and '-'. */
int rd_id(struct rd *r, const struct ynode *key, const char *kind, struct spec_str *out);

/* ---- variables (spec_vars.c) ---- */
/* Fills s->vars from the built-ins, the spec's vars: section and the --var overrides. */
void vars_load(struct rd *r, const struct sect *root, const struct kvlist *overrides);
/* Expands ${...} in n's text into out (deferring ${account}); errors point into the string. */
int vars_expand(struct rd *r, const struct ynode *n, const char *desc, struct spec_str *out);
/* A model string from text the loader made up (a default name) that may end in ${account}. */
void vars_generated(struct rd *r, const char *text, struct spec_loc loc, struct spec_str *out);
/* The text to check a name with: ${account} replaced by the 12-digit stand-in. */
const char *vars_check_text(struct rd *r, const struct spec_str *str);
/* Renders a template with the account (NULL keeps "${account}"); arena string. */
const char *vars_render(struct spec *s, const char *tmpl, const char *account);

/* ---- sections (spec_load_*.c) ---- */
void load_tables(struct rd *r, const struct sect *root);
void load_buckets(struct rd *r, const struct sect *root);
void load_catalog(struct rd *r, const struct sect *root);
void load_jobs(struct rd *r, const struct sect *root);
void load_topics(struct rd *r, const struct sect *root);
void load_schedules(struct rd *r, const struct sect *root);
void load_workflows(struct rd *r, const struct sect *root);
void load_pipeline(struct rd *r, const struct sect *root);
void load_seed(struct rd *r, const struct sect *table, struct spec_table *t);
int load_role(struct rd *r, const struct sect *s, const char *kind, const struct spec_str *id,
              struct spec_role *out);
void load_merge_tags(struct rd *r, struct spec_tags *tags);

/* ---- references and schedule expressions, resolved while loading (spec_refs.c) ---- */
/* The location of text[off, off+width) when text is n's own (unsubstituted) value, else n's. */
struct spec_loc rd_loc_in(struct rd *r, const struct ynode *n, const char *text, size_t off, int width);
/* Resolve the id text[off, off+len); report an unknown one (with a suggestion) and return NULL. */
struct spec_table *ref_table(struct rd *r, const struct ynode *n, const char *text, size_t off,
                             size_t len, const char *desc);
struct spec_bucket *ref_bucket(struct rd *r, const struct ynode *n, const char *text, size_t off,
                               size_t len, const char *desc);
struct spec_topic *ref_topic(struct rd *r, const struct ynode *n, const char *text, size_t off,
                             size_t len, const char *desc);
/* Length of a "kind." prefix at the start of text, 0 when there is none. */
size_t ref_prefix_len(const char *text, const char *kind);
/* job.<id> or crawler.<id> into ref->job / ref->crawler. */
int ref_action(struct rd *r, const struct ynode *n, struct spec_ref *ref, const char *desc);
/* cron() always; rate() and at() only when scheduler (EventBridge Scheduler) is set. */
int check_schedule_expr(struct rd *r, const struct ynode *n, const struct spec_str *expr,
                        int scheduler, const char *desc);

/* ---- checks after loading (spec_check.c, spec_names.c, spec_cron.c) ---- */
void spec_check(struct rd *r);

/* Each returns NULL when name is valid, else a reason in static storage ("must be 3 to 63
 * characters", ...). */
const char *name_check_bucket(const char *name);
const char *name_check_table(const char *name);
const char *name_check_glue(const char *name);
const char *name_check_glue_catalog(const char *name);
const char *name_check_topic(const char *name);
const char *name_check_role(const char *name);
const char *name_check_schedule(const char *name);
const char *name_check_region(const char *name);
const char *name_check_stack(const char *name);
const char *name_check_role_arn(const char *arn);

/* Schedule expressions. On error: returns -1, *off is the byte offset of the bad part in expr,
 * *width its length, and why holds the reason. */
int sched_check_cron(const char *expr, size_t *off, size_t *width, char *why, size_t size);
int sched_check_rate(const char *expr, size_t *off, size_t *width, char *why, size_t size);
int sched_check_at(const char *expr, size_t *off, size_t *width, char *why, size_t size);

#endif
