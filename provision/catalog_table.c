/* catalog_table.c — the Glue table of the pipeline's output (pipeline.output.table in
 * catalog.database): the schema Athena reads the lake with, and where the pipeline registers
 * each partition it writes.
 *
 * Properties: location (s3://<bucket>/<prefix>), table_type (EXTERNAL_TABLE),
 * column[NAME] = Glue type and column_order (the names, comma-separated) when the pipeline
 * declares its columns, partition_key[NAME] = string, input_format, output_format, serde,
 * serde.parameter[K], parameter[K] for classification, compressionType, EXTERNAL and
 * skip.header.line.count (other table parameters belong to whoever set them: crawlers,
 * Athena, the pipeline's statistics), tags[pipewright:stack] and tags[pipewright:env].
 *
 * Glue tables cannot be tagged: ownership is kept in the table's parameters under the same
 * keys, and only ours (the spec's own tags are not copied there).
 *
 * Desired and actual properties come from one normaliser applied to the TableInput up sends
 * and to the Table Glue answers, so what up writes is by construction what a read compares. */
#include "provision/catalog_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/stack.h"

#define TEXT_INPUT "org.apache.hadoop.mapred.TextInputFormat"
#define TEXT_OUTPUT "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
#define JSON_SERDE "org.openx.data.jsonserde.JsonSerDe"
#define CSV_SERDE "org.apache.hadoop.hive.serde2.OpenCSVSerde"

/* The table parameters pipewright declares and compares. */
static const char *const known_params[] = {"classification", "compressionType", "EXTERNAL",
                                           "skip.header.line.count"};
#define NKNOWN (sizeof known_params / sizeof known_params[0])

static int known_param(const char *k)
{
    for (size_t i = 0; i < NKNOWN; i++)
        if (strcmp(known_params[i], k) == 0)
            return 1;
    return 0;
}

static int ours_param(const char *k)
{
    return strcmp(k, PW_TAG_STACK) == 0 || strcmp(k, PW_TAG_ENV) == 0;
}

const char *catalog_glue_type(enum spec_col_type t)
{
    switch (t) {
    case SPEC_COL_INT: return "bigint";
    /* Exact decimal text of any scale up to 18 places, 20 digits before the point. */
    case SPEC_COL_DECIMAL: return "decimal(38,18)";
    case SPEC_COL_BOOL: return "boolean";
    case SPEC_COL_TIMESTAMP: return "timestamp";
    default: return "string";
    }
}

static cJSON *column(const char *name, const char *type)
{
    cJSON *c = cJSON_CreateObject();
    if (c && (!cJSON_AddStringToObject(c, "Name", name) || !cJSON_AddStringToObject(c, "Type", type))) {
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

cJSON *catalog_table_input(const struct resource *r)
{
    const struct spec_pipeline *p = r->decl;
    const struct spec_output *o = &p->output;
    int csv = o->format == SPEC_FORMAT_CSV;
    char location[1400];
    cJSON *in = cJSON_CreateObject();
    int bad = !in || glue_output_location(r->stack->spec, location, sizeof location) < 0;
    bad |= !cJSON_AddStringToObject(in, "Name", r->name);
    bad |= !cJSON_AddStringToObject(in, "TableType", "EXTERNAL_TABLE");
    cJSON *params = cJSON_AddObjectToObject(in, "Parameters");
    bad |= !cJSON_AddStringToObject(params, "classification", csv ? "csv" : "json");
    bad |= !cJSON_AddStringToObject(params, "compressionType",
                                    o->compression == SPEC_COMPRESS_GZIP ? "gzip" : "none");
    bad |= !cJSON_AddStringToObject(params, "EXTERNAL", "TRUE");
    if (csv && o->header)
        bad |= !cJSON_AddStringToObject(params, "skip.header.line.count", "1");
    bad |= !cJSON_AddStringToObject(params, PW_TAG_STACK, r->stack->name);
    bad |= !cJSON_AddStringToObject(params, PW_TAG_ENV, r->stack->env);
    cJSON *keys = cJSON_AddArrayToObject(in, "PartitionKeys");
    if (spec_str_set(p->partition.column))
        cJSON_AddItemToArray(keys, column(p->partition.as.v, "string"));
    cJSON *sd = cJSON_AddObjectToObject(in, "StorageDescriptor");
    cJSON *cols = cJSON_AddArrayToObject(sd, "Columns");
    for (size_t i = 0; !bad && i < p->n_columns; i++) {
        cJSON *c = column(p->columns[i].name.v, catalog_glue_type(p->columns[i].type));
        bad = !c;
        cJSON_AddItemToArray(cols, c);
    }
    bad |= !cJSON_AddStringToObject(sd, "Location", location);
    bad |= !cJSON_AddStringToObject(sd, "InputFormat", TEXT_INPUT);
    bad |= !cJSON_AddStringToObject(sd, "OutputFormat", TEXT_OUTPUT);
    bad |= !cJSON_AddBoolToObject(sd, "Compressed", o->compression == SPEC_COMPRESS_GZIP);
    cJSON *serde = cJSON_AddObjectToObject(sd, "SerdeInfo");
    bad |= !cJSON_AddStringToObject(serde, "SerializationLibrary", csv ? CSV_SERDE : JSON_SERDE);
    cJSON *sp = cJSON_AddObjectToObject(serde, "Parameters");
    if (csv) {   /* RFC 4180: comma-separated, double-quoted */
        bad |= !cJSON_AddStringToObject(sp, "separatorChar", ",");
        bad |= !cJSON_AddStringToObject(sp, "quoteChar", "\"");
    }
    if (bad) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

static int member_prop(struct kvlist *props, const char *set, const char *key, const char *value)
{
    char path[600];
    int w = snprintf(path, sizeof path, "%s[%s]", set, key);
    return w < 0 || (size_t)w >= sizeof path ? -1 : kvlist_add(props, path, value);
}

static int str_prop(struct kvlist *props, const char *name, const char *value)
{
    return value && value[0] ? kvlist_add(props, name, value) : 0;
}

/* The properties of a Table (GetTable) or a TableInput: the same field names. */
static int table_props(const struct resource *r, const cJSON *t, struct res_actual *a)
{
    const struct spec_pipeline *p = r->decl;
    struct kvlist *props = &a->props;
    struct buf order;
    const cJSON *c;
    int rc = 0;
    buf_init(&order, 0);
    const cJSON *sd = cJSON_GetObjectItemCaseSensitive(t, "StorageDescriptor");
    rc |= str_prop(props, "location", json_str(sd, "Location"));
    rc |= str_prop(props, "table_type", json_str(t, "TableType"));
    /* Undeclared columns are the crawler's or the writer's to decide: not compared. */
    if (p->n_columns) {
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(sd, "Columns")) {
            const char *name = json_str(c, "Name"), *type = json_str(c, "Type");
            if (!name)
                continue;
            rc |= member_prop(props, "column", name, type ? type : "");
            rc |= order.len ? buf_appendc(&order, ',') : 0;
            rc |= buf_appends(&order, name);
        }
        rc |= str_prop(props, "column_order", buf_cstr(&order));
    }
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(t, "PartitionKeys")) {
        const char *name = json_str(c, "Name"), *type = json_str(c, "Type");
        if (name)
            rc |= member_prop(props, "partition_key", name, type ? type : "");
    }
    rc |= str_prop(props, "input_format", json_str(sd, "InputFormat"));
    rc |= str_prop(props, "output_format", json_str(sd, "OutputFormat"));
    const cJSON *serde = cJSON_GetObjectItemCaseSensitive(sd, "SerdeInfo");
    rc |= str_prop(props, "serde", json_str(serde, "SerializationLibrary"));
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(serde, "Parameters"))
        if (c->string && cJSON_IsString(c))
            rc |= member_prop(props, "serde.parameter", c->string, c->valuestring);
    a->presence = RES_FOREIGN;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(t, "Parameters")) {
        if (!c->string || !cJSON_IsString(c))
            continue;
        if (known_param(c->string))
            rc |= member_prop(props, "parameter", c->string, c->valuestring);
        else if (ours_param(c->string))
            rc |= res_actual_tag(r, props, c->string, c->valuestring, &a->presence);
    }
    buf_release(&order);
    return rc ? -1 : 0;
}

int catalog_table_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    struct res_actual want;
    cJSON *in = catalog_table_input(r);
    int rc = -1;
    res_actual_init(&want);
    if (!in || table_props(r, in, &want) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "table '%s': out of memory or a value too long", r->name);
        goto out;
    }
    for (size_t i = 0; i < want.props.len; i++)
        if (kvlist_add(props, want.props.items[i].name, want.props.items[i].value) < 0) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
    rc = 0;
out:
    res_actual_release(&want);
    cJSON_Delete(in);
    return rc;
}

int catalog_table_actual(const struct resource *r, const cJSON *table, struct res_actual *a)
{
    return table_props(r, table, a);
}

static cJSON *table_id(const struct resource *r)
{
    cJSON *in = cJSON_CreateObject();
    if (in && (!cJSON_AddStringToObject(in, "DatabaseName", r->stack->spec->database.v) ||
               !cJSON_AddStringToObject(in, "Name", r->name))) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

/* GetTable's answer, or *answer NULL when there is no such table (or no database yet). */
static int get_table(struct aws_client *c, const struct resource *r, cJSON **answer,
                     struct pw_error *err)
{
    cJSON *in = table_id(r), *tags = NULL;
    int rc = in ? glue_read(c, "GetTable", in, NULL, answer, &tags, err)
                : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_Delete(in);
    cJSON_Delete(tags);
    return rc;
}

static int catalog_table_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                              struct pw_error *err)
{
    cJSON *answer = NULL;
    int rc = -1;
    if (get_table(c, r, &answer, err) < 0)
        goto out;
    if (!answer) {
        a->presence = RES_MISSING;
        rc = 0;
        goto out;
    }
    if (catalog_table_actual(r, cJSON_GetObjectItemCaseSensitive(answer, "Table"), a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(answer);
    return rc;
}

/* CreateTable or UpdateTable with the declared TableInput. keep: the table's current
 * parameters, of which those pipewright does not declare are carried over (UpdateTable
 * replaces the whole definition). */
static int send_table(struct aws_client *c, const struct resource *r, const char *op,
                      const cJSON *keep, struct pw_error *err)
{
    cJSON *in = table_id(r), *ti = catalog_table_input(r);
    const cJSON *k;
    if (!in || !ti) {
        cJSON_Delete(in);
        cJSON_Delete(ti);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_DeleteItemFromObjectCaseSensitive(in, "Name");
    cJSON *params = cJSON_GetObjectItemCaseSensitive(ti, "Parameters");
    cJSON_ArrayForEach(k, keep)
        if (k->string && cJSON_IsString(k) && !known_param(k->string) && !ours_param(k->string))
            cJSON_AddStringToObject(params, k->string, k->valuestring);
    cJSON_AddItemToObject(in, "TableInput", ti);
    return strcmp(op, "CreateTable") == 0 ? glue_create(c, r, op, in, err) : glue_call(c, op, in, err);
}

static int catalog_table_create(struct aws_client *c, const struct resource *r,
                                const struct kvlist *desired, struct pw_error *err)
{
    (void)desired;
    return send_table(c, r, "CreateTable", NULL, err);
}

static int catalog_table_update(struct aws_client *c, const struct resource *r,
                                const struct res_actual *a, const struct kvlist *desired,
                                const struct res_diff *d, struct pw_error *err)
{
    cJSON *answer = NULL;
    (void)a;
    (void)desired;
    (void)d;
    if (get_table(c, r, &answer, err) < 0)
        return -1;
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(answer, "Table");
    int rc = send_table(c, r, "UpdateTable", cJSON_GetObjectItemCaseSensitive(table, "Parameters"), err);
    cJSON_Delete(answer);
    return rc;
}

static int catalog_table_destroy(struct aws_client *c, const struct resource *r,
                                 const struct res_actual *a, struct pw_error *err)
{
    (void)a;
    return glue_delete(c, "DeleteTable", table_id(r), err);
}

static enum res_change_mode catalog_table_mode(const char *path, const char **why)
{
    if (res_path_under(path, "partition_key")) {
        *why = "the partition keys of a Glue table cannot change under the partitions registered "
               "with it; the table is created again, and the pipeline registers its partitions anew";
        return RES_REPLACE;
    }
    return RES_IN_PLACE;
}

const struct res_kind res_kind_catalog_table = {
    .name = "catalog_table",
    .noun = "Glue catalog table",
    .level = RES_LEVEL_GLUE,
    .supported = 1,
    .desired = catalog_table_desired,
    .read = catalog_table_read,
    .mode = catalog_table_mode,
    .create = catalog_table_create,
    .update = catalog_table_update,
    .destroy = catalog_table_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    /* Glue tables carry no tags, so the tagging API cannot find one the spec dropped. */
    .tagging_type = NULL,
    .name_from_arn = NULL,
};
