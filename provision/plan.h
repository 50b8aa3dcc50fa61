/* plan.h — what up would do: every resource of the stack read in parallel, its desired and
 * actual properties diffed, and an action decided per resource. drift and down read through
 * the same plan, so the three commands can never disagree about what exists. */
#ifndef PW_PLAN_H
#define PW_PLAN_H

#include <stddef.h>

#include "provision/aws/buf.h"
#include "provision/resource.h"
#include "provision/stack.h"

enum plan_action {
    PLAN_NOOP,          /* = exists, ours, matches */
    PLAN_CREATE,        /* + missing */
    PLAN_UPDATE,        /* ~ ours, differs, every change in place */
    PLAN_REPLACE,       /* ! ours, some change only a delete and create can make (--allow-replace) */
    PLAN_ADOPT,         /* ~ exists without our tag and --adopt: updated, tagged, ours from now */
    PLAN_FOREIGN,       /* ? exists without our tag: left alone */
    PLAN_BLOCKED,       /* x a change pipewright cannot make (yet), or a foreign one to replace */
    PLAN_UNSUPPORTED,   /* * a kind pipewright does not provision yet */
    PLAN_ERROR,         /* x could not be read */
    PLAN_DELETE,        /* - ours, but the spec no longer declares it (plan_options.find_orphans) */
};
#define PLAN_NACTIONS 10

struct plan_item {
    const struct resource *res;
    enum plan_action action;
    struct kvlist desired;
    struct res_actual actual;
    struct res_diff diff;
    struct pw_error err;        /* PLAN_ERROR: the read's error; PLAN_BLOCKED: why */
};

struct plan {
    const struct stack *stack;
    struct plan_item *items;    /* stack order, then the orphans */
    size_t n;
    struct resource *orphans;   /* resources the stack's tags found that the spec does not
                                   declare (decl NULL); items point at them */
    size_t n_orphans;
    int orphans_checked;        /* 1 when they were looked for and the lookup worked */
    struct pw_error orphans_err;/* why the lookup failed */
};

struct plan_options {
    int adopt;                  /* foreign resources become PLAN_ADOPT */
    int threads;                /* parallel reads; 0 = a default */
    int find_orphans;           /* also look for resources the spec no longer declares */
};

/* Reads everything and decides. -1 only when the plan could not be made at all (no memory, no
 * worker threads, no credentials); a resource that could not be read is a PLAN_ERROR item. */
int plan_make(struct aws_client *c, const struct stack *st, const struct plan_options *o,
              struct plan *p, struct pw_error *err);
void plan_release(struct plan *p);

size_t plan_count(const struct plan *p, enum plan_action a);
/* 1 when up would send any mutating request. */
int plan_has_changes(const struct plan *p);

/* The action's name in JSON ("create", "no-change", "not-supported", ...) and its mark in
 * text ('+', '~', '!', '=', '?', 'x', '*', '-'). */
const char *plan_action_name(enum plan_action a);
char plan_action_mark(enum plan_action a);

/* A value for people: "(none)" for an absent one. */
const char *plan_value(const char *v);

int plan_render_text(const struct plan *p, struct buf *out);
int plan_render_json(const struct plan *p, struct buf *out);

/* The pieces every JSON report (plan, drift, down) is made of, so they stay one format:
 * the opening object with stack, env, region, account and a "resources" array (*resources);
 * a resource's identity (address, kind, id, name); and the ending that prints the report into
 * out and frees it. */
struct cJSON;
struct cJSON *plan_json_report(const struct plan *p, struct cJSON **resources);
struct cJSON *plan_json_resource(const struct resource *r);
void plan_json_str_or_null(struct cJSON *o, const char *name, const char *v);
int plan_json_finish(struct cJSON *report, struct buf *out);

/* "orders (env dev) in eu-west-1, account 123456789012" */
int plan_render_header(const struct stack *st, struct buf *out);

#endif
