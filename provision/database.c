/* database.c — the Glue catalog database.
 *
 * Properties: description (only when declared), tags[KEY]. What else AWS keeps on a database
 * (LocationUri, Parameters, the default Lake Formation permissions it fills in) is not
 * declared by a spec, not compared, and kept as it is when the description changes. */
#include "provision/database.h"

#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/stack.h"

int database_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec *s = r->decl;
    int rc = 0;
    if (spec_str_set(s->database_description))
        rc |= kvlist_add(props, "description", s->database_description.v);
    rc |= res_desired_tags(r, props);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
}

int database_actual(const struct resource *r, const cJSON *db, const cJSON *tags,
                    struct res_actual *a)
{
    const char *d = json_str(db, "Description");
    if (d && d[0] && kvlist_add(&a->props, "description", d) < 0)
        return -1;
    return glue_actual_tags(r, tags, a);
}

static int database_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                         struct pw_error *err)
{
    return glue_read_resource(c, r, "GetDatabase", "Name", "database", "Database", database_actual, a, err);
}

static int database_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                           struct pw_error *err)
{
    const struct spec *s = r->decl;
    cJSON *in = cJSON_CreateObject(), *dbi = glue_name_input("Name", r->name), *tags = glue_tags_object(r);
    (void)desired;
    if (!in || !dbi || !tags ||
        (spec_str_set(s->database_description) &&
         !cJSON_AddStringToObject(dbi, "Description", s->database_description.v))) {
        cJSON_Delete(in);
        cJSON_Delete(dbi);
        cJSON_Delete(tags);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddItemToObject(in, "DatabaseInput", dbi);
    cJSON_AddItemToObject(in, "Tags", tags);
    return glue_create(c, r, "CreateDatabase", in, err);
}

/* UpdateDatabase replaces the whole DatabaseInput: what the database has beside its
 * description goes back unchanged. */
static int set_description(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    static const char *const keep[] = {"LocationUri", "Parameters", "CreateTableDefaultPermissions",
                                       "TargetDatabase", "FederatedDatabase"};
    const struct spec *s = r->decl;
    cJSON *in = glue_name_input("Name", r->name), *got = NULL, *dbi = glue_name_input("Name", r->name);
    int rc = -1;
    if (!in || !dbi) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (aws_json_call(c, "glue", "GetDatabase", in, &got, err) < 0)
        goto out;
    cJSON *db = cJSON_GetObjectItemCaseSensitive(got, "Database");
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(db, keep[i]);
        if (v && !cJSON_IsNull(v))
            cJSON_AddItemToObject(dbi, keep[i], v);
        else
            cJSON_Delete(v);
    }
    if (spec_str_set(s->database_description))
        cJSON_AddStringToObject(dbi, "Description", s->database_description.v);
    cJSON_AddItemToObject(in, "DatabaseInput", dbi);
    dbi = NULL;
    rc = glue_call(c, "UpdateDatabase", in, err);
    in = NULL;
out:
    cJSON_Delete(in);
    cJSON_Delete(dbi);
    cJSON_Delete(got);
    return rc;
}

static int database_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    (void)desired;
    if (res_diff_touches(d, "tags") && glue_update_tags(c, arn, d, err) < 0)
        return -1;
    if (res_diff_touches(d, "description") && set_description(c, r, err) < 0)
        return -1;
    return 0;
}

/* Deleting a database deletes its tables with it (their definitions, not the data in S3). */
static int database_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            struct pw_error *err)
{
    (void)a;
    return glue_delete(c, "DeleteDatabase", glue_name_input("Name", r->name), err);
}

static int database_name_from_arn(const char *arn, char *name, size_t n)
{
    return glue_name_from_arn(arn, "database", name, n);
}

const struct res_kind res_kind_database = {
    .name = "database",
    .noun = "Glue database",
    .level = RES_LEVEL_ARTIFACTS,
    .supported = 1,
    .desired = database_desired,
    .read = database_read,
    .mode = NULL,
    .create = database_create,
    .update = database_update,
    .destroy = database_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = "glue",
    .name_from_arn = database_name_from_arn,
};
