/* spec.h — the typed model of a pipewright spec (docs/spec.md is the user's side of it).
 *
 * spec_load() turns a YAML file into a struct spec or into a list of diagnostics, all of them
 * found in one pass. A loaded spec is valid: every key known, every value of the right type,
 * names within AWS's rules, every reference resolved to a pointer. Later layers (plan, up,
 * drift, seed, pipeline) read it and never re-validate.
 *
 * Conventions
 *  - Each resource has an `id` (its key in the spec: "user_campaign") and a `name` (the AWS
 *    name, variables substituted: "user_Campaign-dev"). `id.loc` is where it is declared.
 *  - Strings are never NULL: an absent optional string is "" (test with spec_str_set()).
 *  - ${account} is not known offline. Strings that use it keep the text "${account}" until
 *    spec_bind_account() fills it in; spec_deferred() says whether that is still needed.
 *    Names that use it were checked with a 12-digit account in its place, so binding a real
 *    account can never make them invalid.
 *  - Everything is owned by the struct spec; spec_free() releases all of it. Arrays never move
 *    after loading, so pointers between resources (job->bucket, pipeline->source) are stable.
 *  - Tags: each resource's `tags` already include the spec's top-level `tags` (its own win);
 *    the pipewright:stack and pipewright:env tags are not in the model, up adds them. */
#ifndef PW_SPEC_H
#define PW_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "provision/aws/error.h"
#include "provision/aws/kv.h"
#include "provision/spec/diag.h"

struct spec_str {
    const char *v;
    struct spec_loc loc;
    const char *tmpl;               /* private: the text before ${account} was known, or NULL */
};

struct spec_tag {
    struct spec_str key, value;
};

struct spec_tags {
    struct spec_tag *items;
    size_t n;
};

/* ---- DynamoDB ------------------------------------------------------------------------ */

enum spec_attr_type { SPEC_ATTR_S, SPEC_ATTR_N, SPEC_ATTR_B };

struct spec_attr {
    struct spec_str name;
    enum spec_attr_type type;
};

struct spec_key {
    struct spec_attr hash;
    struct spec_attr range;         /* range.name.v[0] == '\0' when there is no sort key */
};

enum spec_billing_mode { SPEC_BILLING_ON_DEMAND, SPEC_BILLING_PROVISIONED };

struct spec_billing {
    enum spec_billing_mode mode;
    long read, write;               /* capacity units when provisioned */
};

enum spec_stream_view {
    SPEC_STREAM_NONE,
    SPEC_STREAM_KEYS_ONLY,
    SPEC_STREAM_NEW_IMAGE,
    SPEC_STREAM_OLD_IMAGE,
    SPEC_STREAM_NEW_AND_OLD_IMAGES,
};

enum spec_projection { SPEC_PROJECTION_ALL, SPEC_PROJECTION_KEYS_ONLY, SPEC_PROJECTION_INCLUDE };

struct spec_gsi {
    struct spec_str id;             /* key under global_indexes */
    struct spec_str name;           /* index name (defaults to the id) */
    struct spec_key key;
    enum spec_projection projection;
    struct spec_str *include;       /* non-key attributes, for SPEC_PROJECTION_INCLUDE */
    size_t n_include;
    struct spec_billing capacity;   /* provisioned tables only; defaults to the table's */
};

/* Column types for CSV input (`seed.columns`): CSV cells are text, the spec says what they are. */
enum spec_seed_type { SPEC_SEED_STRING, SPEC_SEED_NUMBER, SPEC_SEED_BOOL, SPEC_SEED_DATE };

struct spec_seed_column {
    struct spec_str name;
    enum spec_seed_type type;
    struct spec_str format;         /* strptime format for dates that are not ISO 8601, or "" */
};

enum spec_generator_kind {
    SPEC_GEN_NONE,
    SPEC_GEN_CAMPAIGN,              /* users x campaigns x tasks (the user_Campaign facts) */
    SPEC_GEN_CAMPAIGN_INFO,         /* the campaigns with their tasks (the dimension) */
    SPEC_GEN_ORDERS,                /* orderid, product_name, quantity, price, createdAt */
    SPEC_GEN_DAILY_FIGURES,         /* date, cases, deaths, recovered */
};

struct spec_generator {
    enum spec_generator_kind kind;
    struct spec_loc loc;
    long users, campaigns, tasks;   /* campaign, campaign-info: tasks per campaign */
    struct spec_str *products;      /* orders */
    size_t n_products;
    long quantity_min, quantity_max;
    struct spec_str price_min, price_max;  /* exact decimal text, e.g. "10.00" */
    struct spec_str start;          /* first date, YYYY-MM-DD (orders, daily-figures) */
};

struct spec_seed {
    struct spec_seed_column *columns;
    size_t n_columns;
    struct spec_generator generator;
};

struct spec_table {
    struct spec_str id;
    struct spec_str name;
    struct spec_key key;
    struct spec_billing billing;
    enum spec_stream_view stream;
    int point_in_time_recovery;
    int deletion_protection;
    struct spec_str ttl;            /* TTL attribute, "" when off */
    struct spec_gsi *gsis;
    size_t n_gsis;
    struct spec_tags tags;
    struct spec_seed seed;
};

/* ---- S3 ------------------------------------------------------------------------------ */

enum spec_sse { SPEC_SSE_NONE, SPEC_SSE_S3, SPEC_SSE_KMS };

struct spec_encryption {
    enum spec_sse type;             /* buckets: S3 (default) or KMS; topics: NONE (default) or KMS */
    struct spec_str kms_key;        /* key id, ARN or alias; "" = the AWS managed key */
};

struct spec_lifecycle_rule {
    struct spec_str id;             /* rule id (defaults to "expire-<prefix>") */
    struct spec_str prefix;         /* "" = the whole bucket */
    long expire_days;               /* 0 = not set */
    long noncurrent_expire_days;
    long abort_multipart_days;
};

struct spec_bucket {
    struct spec_str id;
    struct spec_str name;
    int versioning;
    struct spec_encryption encryption;
    int block_public_access;        /* all four settings; on unless the spec says false */
    struct spec_lifecycle_rule *lifecycle;
    size_t n_lifecycle;
    struct spec_tags tags;
};

/* ---- IAM ----------------------------------------------------------------------------- */

/* A role is either generated by up (least privilege, from templates/iam/) or an existing one
 * the spec names by ARN; a generated role's name is fixed at load time. */
struct spec_role {
    int generated;
    struct spec_str arn;            /* named role: its ARN; generated: "" */
    struct spec_str name;           /* generated: "<stack>-<env>-<kind>-<id>"; named: from the ARN */
};

/* ---- Glue ---------------------------------------------------------------------------- */

enum spec_target_kind { SPEC_TARGET_BUCKET, SPEC_TARGET_S3_URL, SPEC_TARGET_TABLE };

struct spec_crawler_target {
    enum spec_target_kind kind;
    struct spec_str ref;            /* as written: "bucket.curated/prefix/", "table.orders", "s3://..." */
    struct spec_bucket *bucket;     /* SPEC_TARGET_BUCKET */
    struct spec_str path;           /* BUCKET: the prefix after '/'; S3_URL: the whole URL */
    struct spec_table *table;       /* SPEC_TARGET_TABLE */
    struct spec_str *exclude;       /* S3 exclusion globs */
    size_t n_exclude;
};

enum spec_schema_update { SPEC_UPDATE_IN_DATABASE, SPEC_UPDATE_LOG };
enum spec_schema_delete { SPEC_DELETE_DEPRECATE, SPEC_DELETE_LOG, SPEC_DELETE_FROM_DATABASE };
enum spec_recrawl { SPEC_RECRAWL_EVERYTHING, SPEC_RECRAWL_NEW_FOLDERS_ONLY };

struct spec_crawler {
    struct spec_str id;
    struct spec_str name;
    struct spec_crawler_target *targets;
    size_t n_targets;
    struct spec_str schedule;       /* "cron(...)", "" = on demand */
    struct spec_str table_prefix;
    enum spec_schema_update on_update;
    enum spec_schema_delete on_delete;
    enum spec_recrawl recrawl;
    struct spec_role role;
    struct spec_tags tags;
};

struct spec_job {
    struct spec_str id;
    struct spec_str name;
    struct spec_str script;         /* local path as written (relative to the spec's directory) */
    struct spec_bucket *bucket;     /* where the script is uploaded */
    struct spec_str bucket_ref;
    struct spec_str script_key;     /* S3 key: <script_prefix><basename of script> */
    struct spec_str glue_version;   /* "4.0" */
    struct spec_str worker_type;    /* "G.1X" */
    long workers;
    struct spec_tags arguments;     /* DefaultArguments, keys with their leading "--" */
    int bookmarks;
    long timeout;                   /* minutes */
    long max_retries;
    long max_concurrent_runs;
    struct spec_role role;
    struct spec_tags tags;
};

/* ---- SNS ----------------------------------------------------------------------------- */

enum spec_protocol { SPEC_PROTO_EMAIL, SPEC_PROTO_SQS, SPEC_PROTO_LAMBDA, SPEC_PROTO_HTTPS };

struct spec_subscription {
    enum spec_protocol protocol;
    struct spec_str endpoint;       /* address, ARN or URL */
    int raw_delivery;               /* sqs and https only */
    struct spec_str filter_policy;  /* JSON text, "" = none */
};

struct spec_topic {
    struct spec_str id;
    struct spec_str name;
    struct spec_subscription *subscriptions;
    size_t n_subscriptions;
    struct spec_encryption encryption;
    struct spec_tags tags;
};

/* ---- schedules ----------------------------------------------------------------------- */

enum spec_ref_kind { SPEC_REF_JOB, SPEC_REF_CRAWLER };

struct spec_ref {
    enum spec_ref_kind kind;
    struct spec_str ref;            /* as written: "job.flatten_join" */
    struct spec_job *job;
    struct spec_crawler *crawler;
};

/* EventBridge Scheduler (default) accepts cron(), rate() and at(); a Glue trigger only cron(). */
enum spec_schedule_via { SPEC_VIA_SCHEDULER, SPEC_VIA_GLUE_TRIGGER };

struct spec_schedule {
    struct spec_str id;
    struct spec_str name;
    struct spec_str expression;
    enum spec_schedule_via via;
    struct spec_ref target;
    struct spec_str timezone;       /* scheduler only; default "UTC" */
    int enabled;
    struct spec_role role;          /* scheduler only: the role Scheduler assumes to start Glue */
    struct spec_tags tags;
};

/* A Glue workflow: steps run one after another, each step's actions in parallel; step N+1
 * starts when every action of step N succeeded (a conditional trigger per step). */
struct spec_workflow_step {
    struct spec_ref *actions;
    size_t n_actions;
};

struct spec_workflow {
    struct spec_str id;
    struct spec_str name;
    struct spec_str schedule;       /* cron(...) of the starting trigger; "" = on demand */
    struct spec_workflow_step *steps;
    size_t n_steps;
    struct spec_tags tags;
};

/* ---- the pipeline -------------------------------------------------------------------- */

enum spec_empty { SPEC_EMPTY_DROP, SPEC_EMPTY_KEEP };

struct spec_explode {
    struct spec_str attribute;      /* "" = no explode */
    enum spec_empty empty;          /* a missing or empty array: drop the item, or keep one row */
};

enum spec_join_kind { SPEC_JOIN_LEFT, SPEC_JOIN_INNER };

struct spec_join {
    struct spec_str table_ref;      /* "" = no join */
    struct spec_table *table;
    struct spec_explode explode;
    struct spec_str *on;            /* attribute names, equal on both sides */
    size_t n_on;
    struct spec_str *columns;       /* attributes the dimension adds */
    size_t n_columns;
    enum spec_join_kind kind;
};

enum spec_col_type {
    SPEC_COL_STRING,
    SPEC_COL_INT,
    SPEC_COL_DECIMAL,
    SPEC_COL_BOOL,
    SPEC_COL_TIMESTAMP,
};

struct spec_column {
    struct spec_str name;           /* output name */
    struct spec_str from;           /* input attribute; equals name unless renamed */
    enum spec_col_type type;
    struct spec_str format;         /* strptime input format for timestamps, "" = ISO 8601 */
    int required;                   /* a record without it goes to quarantine */
};

enum spec_granularity {
    SPEC_GRAN_VALUE,
    SPEC_GRAN_YEAR,
    SPEC_GRAN_MONTH,
    SPEC_GRAN_DAY,
    SPEC_GRAN_HOUR,
};

struct spec_partition {
    struct spec_str column;         /* "" = not partitioned */
    enum spec_granularity granularity;
    struct spec_str as;             /* the partition key's name in the path and the catalog */
};

enum spec_format { SPEC_FORMAT_JSONL, SPEC_FORMAT_CSV };
enum spec_compression { SPEC_COMPRESS_GZIP, SPEC_COMPRESS_NONE };
enum spec_output_mode { SPEC_MODE_CURRENT, SPEC_MODE_CHANGES };

struct spec_output {
    struct spec_bucket *bucket;     /* NULL with a file:// url */
    struct spec_str bucket_ref;
    struct spec_str url;            /* "file://..." for a local lake, "" with a bucket */
    struct spec_str prefix;         /* ends with '/' (or is "") */
    struct spec_str table;          /* Glue table in catalog.database */
    enum spec_format format;
    enum spec_compression compression;
    int header;                     /* CSV header line */
    uint64_t target_file_size;      /* bytes */
    enum spec_output_mode mode;
    struct spec_str changes_prefix; /* change log, with mode changes */
    struct spec_str quarantine_prefix;
};

struct spec_pipeline {
    int present;
    struct spec_loc loc;            /* the `pipeline:` key */
    struct spec_str name;           /* names the checkpoints; defaults to the source's id */
    struct spec_str source_ref;
    struct spec_table *source;
    struct spec_explode explode;
    struct spec_join join;
    struct spec_column *columns;    /* output columns in order; none = every attribute */
    size_t n_columns;
    struct spec_partition partition;
    struct spec_output output;
    struct spec_str notify_ref;
    struct spec_topic *notify;      /* NULL = no notification */
    /* The checkpoint table the stack owns: hash "pipeline" S, range "shard" S, on demand.
     * It is a full table so up, drift and down treat it like any other. */
    struct spec_table checkpoints;
};

/* ---- the whole spec ------------------------------------------------------------------ */

struct spec {
    char *path;                     /* as given */
    char *dir;                      /* its directory: relative paths in the spec start there */
    long version;
    struct spec_str stack;
    struct spec_str region;
    struct spec_str env;
    struct kvlist vars;             /* every variable with its final value (--var applied) */
    struct spec_tags tags;          /* top-level tags (already merged into each resource) */

    struct spec_table *tables;
    size_t n_tables;
    struct spec_bucket *buckets;
    size_t n_buckets;
    struct spec_str database;       /* catalog.database, "" when there is no catalog */
    struct spec_str database_description;
    struct spec_crawler *crawlers;
    size_t n_crawlers;
    struct spec_job *jobs;
    size_t n_jobs;
    struct spec_topic *topics;
    size_t n_topics;
    struct spec_schedule *schedules;
    size_t n_schedules;
    struct spec_workflow *workflows;
    size_t n_workflows;
    struct spec_pipeline pipeline;

    /* private: every allocation of the model, released together */
    void **allocs;
    size_t n_allocs, cap_allocs;
};

/* Loads and checks the spec at path. vars are --var overrides (may be NULL).
 * 0: *out is a valid spec (free with spec_free). -1: nothing in *out; either diags holds
 * every problem found (err says how many, exit class PW_EXIT_SPEC), or the file could not be
 * read or memory ran out (err says which, diags is empty). diags must be initialised. */
int spec_load(const char *path, const struct kvlist *vars, struct spec **out,
              struct diag_list *diags, struct pw_error *err);

/* The same from text in memory; path is only used in messages and to resolve the directory. */
int spec_load_text(const char *path, const char *text, size_t len, const struct kvlist *vars,
                   struct spec **out, struct diag_list *diags, struct pw_error *err);

void spec_free(struct spec *s);

/* Substitutes ${account} (12 digits) everywhere it was deferred. */
int spec_bind_account(struct spec *s, const char *account, struct pw_error *err);
int spec_deferred(const struct spec *s);

/* Lookups by id (the spec's key), NULL when absent. */
struct spec_table *spec_table_find(const struct spec *s, const char *id);
struct spec_bucket *spec_bucket_find(const struct spec *s, const char *id);
struct spec_crawler *spec_crawler_find(const struct spec *s, const char *id);
struct spec_job *spec_job_find(const struct spec *s, const char *id);
struct spec_topic *spec_topic_find(const struct spec *s, const char *id);

static inline int spec_str_set(struct spec_str s)
{
    return s.v && s.v[0] != '\0';
}

/* AWS API spellings of the enums: "S", "PAY_PER_REQUEST", "NEW_AND_OLD_IMAGES", ... */
const char *spec_attr_type_aws(enum spec_attr_type t);
const char *spec_billing_aws(enum spec_billing_mode m);
const char *spec_stream_aws(enum spec_stream_view v);       /* NULL for SPEC_STREAM_NONE */
const char *spec_projection_aws(enum spec_projection p);
const char *spec_schema_update_aws(enum spec_schema_update u);
const char *spec_schema_delete_aws(enum spec_schema_delete d);
const char *spec_recrawl_aws(enum spec_recrawl r);
const char *spec_protocol_aws(enum spec_protocol p);
/* The spec's own spellings, as docs/spec.md lists them. */
const char *spec_stream_name(enum spec_stream_view v);
const char *spec_col_type_name(enum spec_col_type t);
const char *spec_granularity_name(enum spec_granularity g);

/* "whitecube: 2 tables, 2 buckets, 1 database, ..." (no newline). */
int spec_summary(const struct spec *s, struct buf *out);
/* The same as a JSON object: stack, region, env, counts and resource names. */
int spec_summary_json(const struct spec *s, struct buf *out);

/* Writes the starter spec (example NULL) or a named example to path; refuses to replace an
 * existing file unless force. Unknown example: PW_EXIT_USAGE with the list of examples. */
int spec_example_write(const char *example, const char *path, int force, struct pw_error *err);
/* The embedded text of an example (NULL: the starter spec), or NULL when there is none. */
const char *spec_example_text(const char *example);
/* NULL-terminated list of example names, sorted. */
const char *const *spec_example_names(void);

#endif
