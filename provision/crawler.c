/* crawler.c — Glue crawlers.
 *
 * Properties: role (an ARN), database, target[s3://bucket/prefix] = s3 with
 * target[...].exclude (a JSON list, only when there are exclusions), target[dynamodb:TABLE] =
 * dynamodb, schedule (only when set), table_prefix (only when set), schema_change.update,
 * schema_change.delete, recrawl (the spec's spellings: update-in-database, everything, ...;
 * an answer without a policy reads as Glue's defaults), tags[KEY].
 *
 * Updates: the schedule alone goes through UpdateCrawlerSchedule, anything else through
 * UpdateCrawler, tags through TagResource. moto 5 implements neither update call (HTTP 500
 * without an AWS error); there, and only there, the crawler is deleted and created again with
 * the declared settings. A crawler holds no data (its tables live in the database), so nothing
 * is lost but its run history. */
#include "provision/crawler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/glue.h"
#include "provision/stack.h"

/* The spec's spelling of a recrawl behaviour: "CRAWL_NEW_FOLDERS_ONLY" -> "new-folders-only". */
static void recrawl_name(const char *aws, char *out, size_t n)
{
    glue_spelling(aws, out, n);
    if (strncmp(out, "crawl-", 6) == 0)
        memmove(out, out + 6, strlen(out + 6) + 1);
}

static int s3_url(const struct spec_crawler_target *t, char *out, size_t n)
{
    int w = t->kind == SPEC_TARGET_BUCKET ? snprintf(out, n, "s3://%s/%s", t->bucket->name.v, t->path.v)
                                          : snprintf(out, n, "%s", t->path.v);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int target_prop(struct kvlist *props, const char *kind, const char *path, const char *field,
                       const char *value)
{
    char p[1400];
    int w = kind[0] == 'd' ? snprintf(p, sizeof p, "target[dynamodb:%s]%s%s", path, field ? "." : "",
                                      field ? field : "")
                           : snprintf(p, sizeof p, "target[%s]%s%s", path, field ? "." : "",
                                      field ? field : "");
    if (w < 0 || (size_t)w >= sizeof p)
        return -1;
    return kvlist_add(props, p, value);
}

static int exclusions_prop(struct kvlist *props, const char *url, const cJSON *list)
{
    if (cJSON_GetArraySize(list) == 0)
        return 0;
    char *text = cJSON_PrintUnformatted(list);
    int rc = text ? target_prop(props, "s3", url, "exclude", text) : -1;
    cJSON_free(text);
    return rc;
}

/* The declared exclusions of a target as a JSON list (empty when there are none). */
static cJSON *exclusions_of(const struct spec_crawler_target *t)
{
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; list && i < t->n_exclude; i++)
        cJSON_AddItemToArray(list, cJSON_CreateString(t->exclude[i].v));
    return list;
}

int crawler_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_crawler *cr = r->decl;
    const struct spec *s = r->stack->spec;
    char role[600], url[1200], v[64];
    int rc = glue_role_arn(r->stack, &cr->role, role, sizeof role);
    rc |= kvlist_add(props, "role", role);
    rc |= kvlist_add(props, "database", s->database.v);
    for (size_t i = 0; i < cr->n_targets; i++) {
        const struct spec_crawler_target *t = &cr->targets[i];
        if (t->kind == SPEC_TARGET_TABLE) {
            rc |= target_prop(props, "dynamodb", t->table->name.v, NULL, "dynamodb");
            continue;
        }
        cJSON *ex = exclusions_of(t);
        rc |= !ex || s3_url(t, url, sizeof url) < 0;
        rc |= target_prop(props, "s3", url, NULL, "s3");
        rc |= exclusions_prop(props, url, ex);
        cJSON_Delete(ex);
    }
    if (spec_str_set(cr->schedule))
        rc |= kvlist_add(props, "schedule", cr->schedule.v);
    if (spec_str_set(cr->table_prefix))
        rc |= kvlist_add(props, "table_prefix", cr->table_prefix.v);
    glue_spelling(spec_schema_update_aws(cr->on_update), v, sizeof v);
    rc |= kvlist_add(props, "schema_change.update", v);
    glue_spelling(spec_schema_delete_aws(cr->on_delete), v, sizeof v);
    rc |= kvlist_add(props, "schema_change.delete", v);
    recrawl_name(spec_recrawl_aws(cr->recrawl), v, sizeof v);
    rc |= kvlist_add(props, "recrawl", v);
    rc |= res_desired_tags(r, props);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "crawler '%s': out of memory or a name too long", r->name) : 0;
}

/* A policy value, or Glue's default for an answer that has none. */
static const char *or_default(const char *v, const char *def)
{
    return v && v[0] ? v : def;
}

int crawler_actual(const struct resource *r, const cJSON *crawler, const cJSON *tags,
                   struct res_actual *a)
{
    char role[600], v[64];
    const cJSON *t;
    int rc = 0;
    const char *got_role = json_str(crawler, "Role");
    if (got_role && got_role[0]) {
        rc |= glue_role_normalise(r->stack, got_role, role, sizeof role);
        rc |= kvlist_add(&a->props, "role", role);
    }
    const char *db = json_str(crawler, "DatabaseName");
    if (db && db[0])
        rc |= kvlist_add(&a->props, "database", db);
    const cJSON *targets = cJSON_GetObjectItemCaseSensitive(crawler, "Targets");
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(targets, "S3Targets")) {
        const char *path = json_str(t, "Path");
        if (!path)
            continue;
        rc |= target_prop(&a->props, "s3", path, NULL, "s3");
        rc |= exclusions_prop(&a->props, path, cJSON_GetObjectItemCaseSensitive(t, "Exclusions"));
    }
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(targets, "DynamoDBTargets")) {
        const char *path = json_str(t, "Path");
        if (path)
            rc |= target_prop(&a->props, "dynamodb", path, NULL, "dynamodb");
    }
    const char *sched = json_str(cJSON_GetObjectItemCaseSensitive(crawler, "Schedule"), "ScheduleExpression");
    if (sched && sched[0])
        rc |= kvlist_add(&a->props, "schedule", sched);
    const char *prefix = json_str(crawler, "TablePrefix");
    if (prefix && prefix[0])
        rc |= kvlist_add(&a->props, "table_prefix", prefix);
    const cJSON *scp = cJSON_GetObjectItemCaseSensitive(crawler, "SchemaChangePolicy");
    glue_spelling(or_default(json_str(scp, "UpdateBehavior"), "UPDATE_IN_DATABASE"), v, sizeof v);
    rc |= kvlist_add(&a->props, "schema_change.update", v);
    glue_spelling(or_default(json_str(scp, "DeleteBehavior"), "DEPRECATE_IN_DATABASE"), v, sizeof v);
    rc |= kvlist_add(&a->props, "schema_change.delete", v);
    recrawl_name(or_default(json_str(cJSON_GetObjectItemCaseSensitive(crawler, "RecrawlPolicy"),
                                     "RecrawlBehavior"), "CRAWL_EVERYTHING"), v, sizeof v);
    rc |= kvlist_add(&a->props, "recrawl", v);
    rc |= glue_actual_tags(r, tags, a);
    return rc ? -1 : 0;
}

cJSON *crawler_input(const struct resource *r, int for_create)
{
    const struct spec_crawler *cr = r->decl;
    char role[600], url[1200];
    cJSON *in = cJSON_CreateObject();
    cJSON *targets = cJSON_AddObjectToObject(in, "Targets");
    cJSON *s3 = cJSON_AddArrayToObject(targets, "S3Targets");
    cJSON *ddb = cJSON_AddArrayToObject(targets, "DynamoDBTargets");
    int bad = !s3 || !ddb || glue_role_arn(r->stack, &cr->role, role, sizeof role) < 0;
    bad |= !cJSON_AddStringToObject(in, "Name", r->name);
    bad |= !cJSON_AddStringToObject(in, "Role", role);
    bad |= !cJSON_AddStringToObject(in, "DatabaseName", r->stack->spec->database.v);
    for (size_t i = 0; !bad && i < cr->n_targets; i++) {
        const struct spec_crawler_target *t = &cr->targets[i];
        cJSON *o = cJSON_CreateObject();
        bad = !o;
        if (!bad && t->kind == SPEC_TARGET_TABLE) {
            bad = !cJSON_AddStringToObject(o, "Path", t->table->name.v);
            cJSON_AddItemToArray(ddb, o);
            continue;
        }
        bad |= s3_url(t, url, sizeof url) < 0 || !cJSON_AddStringToObject(o, "Path", url);
        if (t->n_exclude)
            cJSON_AddItemToObject(o, "Exclusions", exclusions_of(t));
        cJSON_AddItemToArray(s3, o);
    }
    /* An update clears what the spec no longer sets: an empty schedule or prefix removes it. */
    if (!for_create || spec_str_set(cr->schedule))
        bad |= !cJSON_AddStringToObject(in, "Schedule", cr->schedule.v);
    if (!for_create || spec_str_set(cr->table_prefix))
        bad |= !cJSON_AddStringToObject(in, "TablePrefix", cr->table_prefix.v);
    cJSON *scp = cJSON_AddObjectToObject(in, "SchemaChangePolicy");
    bad |= !cJSON_AddStringToObject(scp, "UpdateBehavior", spec_schema_update_aws(cr->on_update));
    bad |= !cJSON_AddStringToObject(scp, "DeleteBehavior", spec_schema_delete_aws(cr->on_delete));
    cJSON *rp = cJSON_AddObjectToObject(in, "RecrawlPolicy");
    bad |= !cJSON_AddStringToObject(rp, "RecrawlBehavior", spec_recrawl_aws(cr->recrawl));
    if (for_create) {
        cJSON *tags = glue_tags_object(r);
        bad |= !tags;
        cJSON_AddItemToObject(in, "Tags", tags);
    }
    if (bad) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

static int crawler_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                        struct pw_error *err)
{
    return glue_read_resource(c, r, "GetCrawler", "Name", "crawler", "Crawler", crawler_actual, a, err);
}

static int crawler_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                          struct pw_error *err)
{
    (void)desired;
    return glue_create(c, r, "CreateCrawler", crawler_input(r, 1), err);
}

static int crawler_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           struct pw_error *err)
{
    (void)a;
    return glue_delete(c, "DeleteCrawler", glue_name_input("Name", r->name), err);
}

/* 1 when d changes something besides tags and the schedule. */
static int needs_update_crawler(const struct res_diff *d)
{
    for (size_t i = 0; i < d->len; i++)
        if (!res_path_under(d->items[i].path, "tags") && strcmp(d->items[i].path, "schedule") != 0)
            return 1;
    return 0;
}

static int crawler_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                          const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const struct spec_crawler *cr = r->decl;
    const char *arn = kvlist_get(&a->ids, "arn");
    const char *op;
    int rc;
    if (res_diff_touches(d, "tags") && glue_update_tags(c, arn, d, err) < 0)
        return -1;
    if (needs_update_crawler(d)) {
        op = "UpdateCrawler";
        rc = glue_call(c, op, crawler_input(r, 0), err);
    } else if (res_diff_touches(d, "schedule")) {
        cJSON *in = glue_name_input("CrawlerName", r->name);
        op = "UpdateCrawlerSchedule";
        if (in && !cJSON_AddStringToObject(in, "Schedule", cr->schedule.v)) {
            cJSON_Delete(in);
            in = NULL;
        }
        rc = glue_call(c, op, in, err);
    } else {
        return 0;
    }
    if (rc == 0 || !glue_not_implemented(err))
        return rc;
    /* The endpoint (moto) has no update call: the declared crawler replaces the old one. */
    pw_error_clear(err);
    if (crawler_destroy(c, r, a, err) < 0 || crawler_create(c, r, desired, err) < 0) {
        pw_error_prefix(err, "the endpoint does not implement %s; deleting and creating the "
                        "crawler instead failed", op);
        return -1;
    }
    return 0;
}

static int crawler_name_from_arn(const char *arn, char *name, size_t n)
{
    return glue_name_from_arn(arn, "crawler", name, n);
}

const struct res_kind res_kind_crawler = {
    .name = "crawler",
    .noun = "Glue crawler",
    .level = RES_LEVEL_GLUE,
    .supported = 1,
    .desired = crawler_desired,
    .read = crawler_read,
    .mode = NULL,
    .create = crawler_create,
    .update = crawler_update,
    .destroy = crawler_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = "glue",
    .name_from_arn = crawler_name_from_arn,
};
