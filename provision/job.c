/* job.c — Glue jobs.
 *
 * Properties: role (an ARN), command (glueetl), script_location (s3://<bucket>/<script_key>,
 * where artifact.c uploads the script), glue_version, worker_type, workers, timeout,
 * max_retries, max_concurrent_runs (answers without them read as Glue's defaults 0 and 1),
 * argument[--NAME] for every DefaultArgument, tags[KEY].
 *
 * Updates: tags through TagResource, everything else through UpdateJob. moto 5 does not
 * implement UpdateJob (HTTP 500 without an AWS error): there the update fails with an error
 * that says so. Unlike a crawler, a job is never deleted to change it: it carries state a new
 * one would not have (bookmarks, run history). */
#include "provision/job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/role.h"
#include "provision/stack.h"

#define BOOKMARK_ARG "--job-bookmark-option"

/* Sets name to value: replaces the value of an existing argument of exactly that name. */
static int set_arg(struct kvlist *args, const char *name, const char *value)
{
    for (size_t i = 0; i < args->len; i++)
        if (strcmp(args->items[i].name, name) == 0) {
            char *v = strdup(value);
            if (!v)
                return -1;
            free(args->items[i].value);
            args->items[i].value = v;
            return 0;
        }
    return kvlist_add(args, name, value);
}

/* Sets name to the JSON text of j (consumed). */
static int set_json_arg(struct kvlist *args, const char *name, cJSON *j)
{
    char *text = j ? cJSON_PrintUnformatted(j) : NULL;
    int rc = text ? set_arg(args, name, text) : -1;
    cJSON_free(text);
    cJSON_Delete(j);
    return rc;
}

static cJSON *names_json(const struct spec_str *v, size_t n)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < n; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(v[i].v));
    return list;
}

static cJSON *columns_json(const struct spec_pipeline *p)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < p->n_columns; i++) {
        const struct spec_column *c = &p->columns[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->name.v);
        if (spec_str_set(c->from) && strcmp(c->from.v, c->name.v) != 0)
            cJSON_AddStringToObject(o, "from", c->from.v);
        cJSON_AddStringToObject(o, "type", spec_col_type_name(c->type));
        if (spec_str_set(c->format))
            cJSON_AddStringToObject(o, "format", c->format.v);
        if (c->required)
            cJSON_AddBoolToObject(o, "required", 1);
        cJSON_AddItemToArray(list, o);
    }
    return list;
}

/* The table's key as [[name, type], ...]: the job makes the same key text as the pipeline
 * (the order of items in a partition, which duplicate wins) and quarantines the same items. */
static cJSON *key_json(const struct spec_table *t)
{
    cJSON *list = cJSON_CreateArray();
    const struct spec_attr *attrs[2] = {&t->key.hash, &t->key.range};
    for (size_t i = 0; list && i < 2; i++) {
        if (!spec_str_set(attrs[i]->name))
            continue;
        const char *type = attrs[i]->type == SPEC_ATTR_N ? "N" : attrs[i]->type == SPEC_ATTR_B ? "B" : "S";
        const char *pair[2] = {attrs[i]->name.v, type};
        cJSON_AddItemToArray(list, cJSON_CreateStringArray(pair, 2));
    }
    return list;
}

static const char *empty_name(enum spec_empty e)
{
    return e == SPEC_EMPTY_KEEP ? "keep" : "drop";
}

int job_pipeline_arguments(const struct spec *s, struct kvlist *out)
{
    const struct spec_pipeline *p = &s->pipeline;
    char location[1400], size[24];
    int rc = 0;
    if (!p->present)
        return 0;
    rc |= set_arg(out, "--source_table", p->source->name.v);
    rc |= set_json_arg(out, "--source_key", key_json(p->source));
    if (spec_str_set(p->explode.attribute)) {
        rc |= set_arg(out, "--explode", p->explode.attribute.v);
        rc |= set_arg(out, "--explode_empty", empty_name(p->explode.empty));
    }
    if (p->join.table) {
        rc |= set_arg(out, "--dimension_table", p->join.table->name.v);
        rc |= set_json_arg(out, "--dimension_key", key_json(p->join.table));
        if (spec_str_set(p->join.explode.attribute)) {
            rc |= set_arg(out, "--dimension_explode", p->join.explode.attribute.v);
            rc |= set_arg(out, "--dimension_explode_empty", empty_name(p->join.explode.empty));
        }
        rc |= set_json_arg(out, "--join_on", names_json(p->join.on, p->join.n_on));
        rc |= set_json_arg(out, "--join_columns", names_json(p->join.columns, p->join.n_columns));
        rc |= set_arg(out, "--join_kind", p->join.kind == SPEC_JOIN_INNER ? "inner" : "left");
    }
    if (p->n_columns)
        rc |= set_json_arg(out, "--columns", columns_json(p));
    if (spec_str_set(p->partition.column)) {
        rc |= set_arg(out, "--partition_column", p->partition.column.v);
        rc |= set_arg(out, "--partition_granularity", spec_granularity_name(p->partition.granularity));
        rc |= set_arg(out, "--partition_as", p->partition.as.v);
    }
    rc |= glue_output_location(s, location, sizeof location);
    rc |= set_arg(out, "--output_path", location);
    rc |= set_arg(out, "--output_prefix", p->output.prefix.v);
    rc |= set_arg(out, "--quarantine_prefix", p->output.quarantine_prefix.v);
    snprintf(size, sizeof size, "%llu", (unsigned long long)p->output.target_file_size);
    rc |= set_arg(out, "--target_file_size", size);
    if (p->output.bucket) {         /* an S3 lake: the job switches the Glue table's partitions */
        rc |= set_arg(out, "--database", s->database.v);
        rc |= set_arg(out, "--table", p->output.table.v);
    }
    rc |= set_arg(out, "--output_format", p->output.format == SPEC_FORMAT_CSV ? "csv" : "jsonl");
    rc |= set_arg(out, "--output_compression", p->output.compression == SPEC_COMPRESS_NONE ? "none" : "gzip");
    rc |= set_arg(out, "--output_header", res_bool(p->output.header));
    return rc ? -1 : 0;
}

int job_arguments(const struct spec *s, const struct spec_job *j, struct kvlist *out)
{
    int rc = job_pipeline_arguments(s, out);
    rc |= set_arg(out, BOOKMARK_ARG, j->bookmarks ? "job-bookmark-enable" : "job-bookmark-disable");
    for (size_t i = 0; i < j->arguments.n; i++)
        rc |= set_arg(out, j->arguments.items[i].key.v, j->arguments.items[i].value.v);
    return rc ? -1 : 0;
}

static int script_location(const struct spec_job *j, char *out, size_t n)
{
    int w = snprintf(out, n, "s3://%s/%s", j->bucket->name.v, j->script_key.v);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int arg_prop(struct kvlist *props, const char *name, const char *value)
{
    char path[600];
    int w = snprintf(path, sizeof path, "argument[%s]", name);
    return w < 0 || (size_t)w >= sizeof path ? -1 : kvlist_add(props, path, value);
}

int job_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_job *j = r->decl;
    struct kvlist args;
    char role[600], loc[1200];
    kvlist_init(&args);
    int rc = role_arn(r->stack, &j->role, role, sizeof role);
    rc |= script_location(j, loc, sizeof loc);
    rc |= kvlist_add(props, "role", role);
    rc |= kvlist_add(props, "command", "glueetl");
    rc |= kvlist_add(props, "script_location", loc);
    rc |= kvlist_add(props, "glue_version", j->glue_version.v);
    rc |= kvlist_add(props, "worker_type", j->worker_type.v);
    rc |= res_propf(props, "workers", "%ld", j->workers);
    rc |= res_propf(props, "timeout", "%ld", j->timeout);
    rc |= res_propf(props, "max_retries", "%ld", j->max_retries);
    rc |= res_propf(props, "max_concurrent_runs", "%ld", j->max_concurrent_runs);
    rc |= job_arguments(r->stack->spec, j, &args);
    for (size_t i = 0; i < args.len; i++)
        rc |= arg_prop(props, args.items[i].name, args.items[i].value);
    rc |= res_desired_tags(r, props);
    kvlist_release(&args);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "job '%s': out of memory or a value too long", r->name) : 0;
}

/* A whole number Glue answered, or def when it did not answer one. */
static int num_prop(struct kvlist *props, const char *name, const cJSON *o, const char *field, long def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
    return res_propf(props, name, "%ld", cJSON_IsNumber(v) ? (long)v->valuedouble : def);
}

static int str_prop(struct kvlist *props, const char *name, const char *value)
{
    return value && value[0] ? kvlist_add(props, name, value) : 0;
}

int job_actual(const struct resource *r, const cJSON *job, const cJSON *tags, struct res_actual *a)
{
    char role[600];
    const cJSON *arg;
    int rc = 0;
    const char *got_role = json_str(job, "Role");
    if (got_role && got_role[0]) {
        rc |= glue_role_normalise(r->stack, got_role, role, sizeof role);
        rc |= kvlist_add(&a->props, "role", role);
    }
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(job, "Command");
    rc |= str_prop(&a->props, "command", json_str(cmd, "Name"));
    rc |= str_prop(&a->props, "script_location", json_str(cmd, "ScriptLocation"));
    rc |= str_prop(&a->props, "glue_version", json_str(job, "GlueVersion"));
    rc |= str_prop(&a->props, "worker_type", json_str(job, "WorkerType"));
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(job, "NumberOfWorkers")))
        rc |= num_prop(&a->props, "workers", job, "NumberOfWorkers", 0);
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(job, "Timeout")))
        rc |= num_prop(&a->props, "timeout", job, "Timeout", 0);
    rc |= num_prop(&a->props, "max_retries", job, "MaxRetries", 0);
    rc |= num_prop(&a->props, "max_concurrent_runs",
                   cJSON_GetObjectItemCaseSensitive(job, "ExecutionProperty"), "MaxConcurrentRuns", 1);
    cJSON_ArrayForEach(arg, cJSON_GetObjectItemCaseSensitive(job, "DefaultArguments"))
        if (arg->string && cJSON_IsString(arg))
            rc |= arg_prop(&a->props, arg->string, arg->valuestring);
    rc |= glue_actual_tags(r, tags, a);
    return rc ? -1 : 0;
}

/* The fields CreateJob and UpdateJob's JobUpdate share. */
static cJSON *job_fields(const struct resource *r)
{
    const struct spec_job *j = r->decl;
    struct kvlist args;
    char role[600], loc[1200];
    cJSON *o = cJSON_CreateObject();
    kvlist_init(&args);
    int bad = !o || role_arn(r->stack, &j->role, role, sizeof role) < 0 ||
              script_location(j, loc, sizeof loc) < 0 || job_arguments(r->stack->spec, j, &args) < 0;
    bad |= !cJSON_AddStringToObject(o, "Role", role);
    cJSON *cmd = cJSON_AddObjectToObject(o, "Command");
    bad |= !cJSON_AddStringToObject(cmd, "Name", "glueetl");
    bad |= !cJSON_AddStringToObject(cmd, "ScriptLocation", loc);
    bad |= !cJSON_AddStringToObject(cmd, "PythonVersion", "3");
    cJSON *dargs = cJSON_AddObjectToObject(o, "DefaultArguments");
    for (size_t i = 0; !bad && i < args.len; i++)
        bad = !cJSON_AddStringToObject(dargs, args.items[i].name, args.items[i].value);
    bad |= !cJSON_AddStringToObject(o, "GlueVersion", j->glue_version.v);
    bad |= !cJSON_AddStringToObject(o, "WorkerType", j->worker_type.v);
    bad |= !cJSON_AddNumberToObject(o, "NumberOfWorkers", (double)j->workers);
    bad |= !cJSON_AddNumberToObject(o, "Timeout", (double)j->timeout);
    bad |= !cJSON_AddNumberToObject(o, "MaxRetries", (double)j->max_retries);
    cJSON *ep = cJSON_AddObjectToObject(o, "ExecutionProperty");
    bad |= !cJSON_AddNumberToObject(ep, "MaxConcurrentRuns", (double)j->max_concurrent_runs);
    kvlist_release(&args);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static int job_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                    struct pw_error *err)
{
    return glue_read_resource(c, r, "GetJob", "JobName", "job", "Job", job_actual, a, err);
}

static int job_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                      struct pw_error *err)
{
    cJSON *in = job_fields(r), *tags = glue_tags_object(r);
    (void)desired;
    if (!in || !tags || !cJSON_AddStringToObject(in, "Name", r->name)) {
        cJSON_Delete(in);
        cJSON_Delete(tags);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddItemToObject(in, "Tags", tags);
    return glue_create(c, r, "CreateJob", in, err);
}

static int only_tags(const struct res_diff *d)
{
    for (size_t i = 0; i < d->len; i++)
        if (!res_path_under(d->items[i].path, "tags"))
            return 0;
    return 1;
}

static int job_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                      const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    (void)desired;
    if (res_diff_touches(d, "tags") && glue_update_tags(c, arn, d, err) < 0)
        return -1;
    if (only_tags(d))
        return 0;
    cJSON *in = glue_name_input("JobName", r->name), *fields = job_fields(r);
    if (!in || !fields) {
        cJSON_Delete(in);
        cJSON_Delete(fields);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddItemToObject(in, "JobUpdate", fields);
    if (glue_call(c, "UpdateJob", in, NULL, err) == 0)
        return 0;
    if (glue_not_implemented(err))
        pw_error_prefix(err, "the endpoint does not implement UpdateJob (moto 5 does not; AWS "
                        "does), so the job keeps its old settings; pipewright never deletes a "
                        "job to change it (its bookmarks and run history would go)");
    return -1;
}

static int job_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                       struct pw_error *err)
{
    (void)a;
    return glue_delete(c, "DeleteJob", glue_name_input("JobName", r->name), err);
}

static int job_name_from_arn(const char *arn, char *name, size_t n)
{
    return glue_name_from_arn(arn, "job", name, n);
}

const struct res_kind res_kind_job = {
    .name = "job",
    .noun = "Glue job",
    .level = RES_LEVEL_GLUE,
    .supported = 1,
    .desired = job_desired,
    .read = job_read,
    .mode = NULL,
    .create = job_create,
    .update = job_update,
    .destroy = job_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = "glue",
    .name_from_arn = job_name_from_arn,
};
