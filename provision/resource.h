/* resource.h — what the engine knows about a kind of resource (a table, a bucket, a topic):
 * one vtable per kind, one table of kinds.
 *
 * The engine never looks inside a resource. A kind turns a declaration into its *desired*
 * properties and what AWS answers into its *actual* properties, both as a flat ordered list of
 * (property path, normalised string value); plan diffs the two lists, apply hands the
 * differences back to the kind. Paths use '.' for fields and [key] for members of a set or map:
 *   key.hash = orderid:S    tags[team] = data    lifecycle[expire-tmp/].expire_days = 7
 * A property absent from a list is absent (not configured); plan shows it as "(none)".
 *
 * Invariant of every read: for a resource that up created from a declaration and nobody touched
 * since, actual == desired exactly. Defaults AWS fills in (a throughput of 0 on an on-demand
 * table, a "Suspended" versioning on a bucket that never had it, the aws: tags) are normalised
 * away, so a clean environment never shows drift. */
#ifndef PW_RESOURCE_H
#define PW_RESOURCE_H

#include <stddef.h>

#include "provision/aws/client.h"
#include "provision/aws/kv.h"

/* Dependency levels: up creates level by level, down deletes in reverse. */
enum res_level {
    RES_LEVEL_ROLES = 0,        /* IAM roles for crawlers, jobs, schedules */
    RES_LEVEL_STORAGE = 1,      /* buckets, tables, topics */
    RES_LEVEL_ARTIFACTS = 2,    /* what Glue resources need first: job scripts uploaded to a
                                   bucket, the catalog database (a table cannot be created
                                   before its database) */
    RES_LEVEL_GLUE = 3,         /* crawlers, jobs, catalog tables */
    RES_LEVEL_SCHEDULES = 4,    /* schedules, workflows */
};
#define RES_NLEVELS 5

enum res_presence {
    RES_MISSING,                /* nothing with this name */
    RES_OWNED,                  /* exists with pipewright:stack = our stack */
    RES_FOREIGN,                /* exists without our stack tag: never touched unless adopted */
};

/* How a property can be changed on an existing resource. */
enum res_change_mode {
    RES_IN_PLACE,               /* an update call */
    RES_REPLACE,                /* only by deleting and creating again (loses data) */
    RES_UNSUPPORTED,            /* AWS could, pipewright cannot yet: plan says so, up refuses */
};

struct stack;

/* One resource instance of a spec (stack.c makes them). */
struct resource {
    const struct res_kind *kind;
    char address[160];          /* "table.orders": kind name + spec id; what users type */
    const char *id;             /* the spec's key */
    const char *name;           /* the AWS name, variables substituted */
    const void *decl;           /* struct spec_table *, spec_bucket *, ... by kind */
    const struct stack *stack;
};

/* What a read found. props and ids are owned; res_actual_release frees them. */
struct res_actual {
    enum res_presence presence;
    struct kvlist props;        /* normalised actual properties (also for a foreign resource) */
    struct kvlist ids;          /* kind-private handles found on the way: "arn", "stream_arn",
                                   subscription ARNs; never shown as properties */
};

void res_actual_init(struct res_actual *a);
void res_actual_release(struct res_actual *a);

/* One property that differs. old NULL: absent now (to be set); new NULL: present now but not
 * declared (to be removed). */
struct res_change {
    char *path;
    char *old;
    char *new;
    enum res_change_mode mode;
    const char *why;            /* static text for RES_REPLACE / RES_UNSUPPORTED, else NULL */
};

struct res_diff {
    struct res_change *items;
    size_t len, cap;
};

struct res_kind {
    const char *name;           /* "table": addresses, messages, JSON */
    const char *noun;           /* "DynamoDB table": human text */
    enum res_level level;
    int supported;              /* 0: declared in specs, not provisioned yet (plan/up/drift say so) */

    /* The declaration's desired properties, our two tags included. */
    int (*desired)(const struct resource *r, struct kvlist *props, struct pw_error *err);
    /* Reads AWS. A missing resource is not an error (presence RES_MISSING). */
    int (*read)(struct aws_client *c, const struct resource *r, struct res_actual *a,
                struct pw_error *err);
    /* How the property at path can change; *why gets a static reason for the non-in-place ones.
     * NULL: everything is in place. */
    enum res_change_mode (*mode)(const char *path, const char **why);
    /* Creates the resource and waits until it is usable. */
    int (*create)(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                  struct pw_error *err);
    /* Makes an existing resource match: d holds only in-place changes. */
    int (*update)(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                  const struct kvlist *desired, const struct res_diff *d, struct pw_error *err);
    /* Deletes the resource (already emptied and unprotected when down was told to) and waits
     * until it is gone. */
    int (*destroy)(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                   struct pw_error *err);
    /* *holds = 1 when deleting would lose data (items, objects or versions). NULL: never. */
    int (*holds_data)(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                      int *holds, struct pw_error *err);
    /* Prepares a resource holding data for deletion: empties a bucket of every version and
     * delete marker, turns a table's deletion protection off. NULL: nothing to do. */
    int (*prepare_delete)(struct aws_client *c, const struct resource *r,
                          const struct res_actual *a, struct pw_error *err);

    /* Finding resources the stack owns that its spec no longer declares (orphans.c): the
     * Resource Groups Tagging API's type ("dynamodb:table", "s3", "sns"), and the resource's
     * name from an ARN of that type (0 when the ARN is another resource of the type, such as a
     * topic's subscription). NULL: not looked for. read, destroy, holds_data and prepare_delete
     * of such a kind work on a resource whose decl is NULL. */
    const char *tagging_type;
    int (*name_from_arn)(const char *arn, char *name, size_t n);
};

/* The table of kinds, in level order; NULL-terminated. */
const struct res_kind *const *res_kinds(void);
const struct res_kind *res_kind_find(const char *name);

/* The kinds (defined in their own files; the unsupported ones in resource.c). */
extern const struct res_kind res_kind_role;
extern const struct res_kind res_kind_table;
extern const struct res_kind res_kind_bucket;
extern const struct res_kind res_kind_topic;
extern const struct res_kind res_kind_artifact;
extern const struct res_kind res_kind_database;
extern const struct res_kind res_kind_crawler;
extern const struct res_kind res_kind_job;
extern const struct res_kind res_kind_catalog_table;
extern const struct res_kind res_kind_schedule;
extern const struct res_kind res_kind_workflow;

/* --- the diff --------------------------------------------------------------------------- */

void res_diff_init(struct res_diff *d);
void res_diff_release(struct res_diff *d);

/* Every path whose value differs between desired and actual, in desired order, then the paths
 * only actual has, in actual order. The kind's mode() classifies each change. */
int res_diff_compute(const struct res_kind *kind, const struct kvlist *desired,
                     const struct kvlist *actual, struct res_diff *out, struct pw_error *err);

/* The change at exactly path, or NULL. */
const struct res_change *res_diff_find(const struct res_diff *d, const char *path);
/* 1 when some change is at path or below it ("tags" covers "tags[team]", "lifecycle" covers
 * "lifecycle[x].prefix"; "tag" covers nothing). */
int res_diff_touches(const struct res_diff *d, const char *path);
/* 1 when path is prefix itself or below it, with the boundary rule above. */
int res_path_under(const char *path, const char *prefix);
/* The worst mode in d (RES_IN_PLACE for an empty diff). */
enum res_change_mode res_diff_worst(const struct res_diff *d);
/* Removes the changes whose path is under prefix; returns how many. */
size_t res_diff_drop(struct res_diff *d, const char *prefix);

/* --- helpers the kinds share ------------------------------------------------------------ */

/* "true" / "false" */
const char *res_bool(int v);
/* Adds name=value with value formatted (a number, usually); -1 out of memory. */
int res_propf(struct kvlist *props, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Adds "tags[k]" = v for every tag of the resource: the declaration's, then ours. */
int res_desired_tags(const struct resource *r, struct kvlist *props);
/* Adds "tags[k]" = v for tags read from AWS, leaving out the aws: ones (AWS sets them, nobody
 * may change them) and deciding ownership: *presence becomes RES_OWNED when
 * pipewright:stack names our stack, else RES_FOREIGN. */
int res_actual_tag(const struct resource *r, struct kvlist *props, const char *key,
                   const char *value, enum res_presence *presence);
/* The member key of a path under a bracketed set: ("tags[team]", "tags") -> "team" into out.
 * 0 when path is not of that shape. */
int res_path_member(const char *path, const char *set, char *out, size_t n);
/* The resource part of an ARN of service ("arn:aws:sns:eu-west-1:123:name" -> "name"), or NULL
 * when it is not an ARN of that service. */
const char *res_arn_resource(const char *arn, const char *service);
/* JSON text normalised for comparison: parsed, object keys sorted, printed without spaces.
 * NULL on a parse failure or out of memory; the caller frees. */
char *res_json_normalise(const char *text);

#define PW_TAG_STACK "pipewright:stack"
#define PW_TAG_ENV "pipewright:env"

#endif
