/* glue.c — the calls, ARNs and tags every Glue kind uses. */
#include "provision/glue.h"

#include <stdio.h>
#include <string.h>

int glue_call(struct aws_client *c, const char *operation, cJSON *in, cJSON **out,
              struct pw_error *err)
{
    cJSON *answer = NULL;
    int rc = in ? aws_json_call(c, "glue", operation, in, &answer, err)
                : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_Delete(in);
    if (out)
        *out = answer;
    else
        cJSON_Delete(answer);
    return rc;
}

int glue_missing(const struct pw_error *err)
{
    return strcmp(err->code, "EntityNotFoundException") == 0;
}

int glue_arn(const struct stack *st, const char *type, const char *name, char *out, size_t n)
{
    int w = snprintf(out, n, "arn:%s:glue:%s:%s:%s/%s", st->partition, st->region, st->account,
                     type, name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

cJSON *glue_tags(const struct resource *r)
{
    struct kvlist tags;
    cJSON *o = cJSON_CreateObject();
    kvlist_init(&tags);
    if (!o || stack_tags(r, &tags) < 0) {
        cJSON_Delete(o);
        o = NULL;
    }
    for (size_t i = 0; o && i < tags.len; i++)
        if (!cJSON_AddStringToObject(o, tags.items[i].name, tags.items[i].value)) {
            cJSON_Delete(o);
            o = NULL;
        }
    kvlist_release(&tags);
    return o;
}

int glue_tags_actual(const struct resource *r, const cJSON *answer, struct res_actual *a)
{
    const cJSON *t;
    int rc = 0;
    a->presence = RES_FOREIGN;
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(answer, "Tags"))
        if (cJSON_IsString(t))
            rc |= res_actual_tag(r, &a->props, t->string, t->valuestring, &a->presence);
    return rc ? -1 : 0;
}

/* TagResource or UntagResource of arn with the tags (object) or keys (array) given, which
 * are consumed; nothing is sent when there are none. */
static int tag_call(struct aws_client *c, const char *operation, const char *arn, const char *field,
                    cJSON *tags, struct pw_error *err)
{
    if (!tags->child) {
        cJSON_Delete(tags);
        return 0;
    }
    cJSON *in = cJSON_CreateObject();
    if (!in) {
        cJSON_Delete(tags);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddStringToObject(in, "ResourceArn", arn);
    cJSON_AddItemToObject(in, field, tags);
    return glue_call(c, operation, in, NULL, err);
}

int glue_tags_update(struct aws_client *c, const char *arn, const struct res_diff *d,
                     struct pw_error *err)
{
    cJSON *add = cJSON_CreateObject(), *remove = cJSON_CreateArray();
    char key[400];
    int rc = add && remove ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new)
            rc = cJSON_AddStringToObject(add, key, d->items[i].new) ? 0 : -1;
        else
            rc = cJSON_AddItemToArray(remove, cJSON_CreateString(key)) ? 0 : -1;
    }
    if (rc < 0) {
        cJSON_Delete(add);
        cJSON_Delete(remove);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    rc = tag_call(c, "TagResource", arn, "TagsToAdd", add, err);
    if (rc < 0) {
        cJSON_Delete(remove);
        return -1;
    }
    return tag_call(c, "UntagResource", arn, "TagsToRemove", remove, err);
}

int glue_named_call(struct aws_client *c, const char *operation, const char *name,
                    struct pw_error *err)
{
    cJSON *in = cJSON_CreateObject();
    if (in)
        cJSON_AddStringToObject(in, "Name", name);
    return glue_call(c, operation, in, NULL, err);
}
