/* glue.c — the parts every Glue kind shares (glue.h). */
#include "provision/glue.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/stack.h"

/* How long a Create* keeps retrying a role Glue cannot assume yet: IAM propagates a new role
 * within seconds, rarely more than a minute. */
#define ROLE_RETRY_MAX_MS 90000L
#define ROLE_RETRY_STEP_MS 2000L

int glue_arn(const struct resource *r, const char *type, char *out, size_t n)
{
    const struct stack *st = r->stack;
    int w = snprintf(out, n, "arn:%s:glue:%s:%s:%s/%s", st->partition, st->region, st->account,
                     type, r->name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int glue_name_from_arn(const char *arn, const char *type, char *name, size_t n)
{
    const char *res = res_arn_resource(arn, "glue");
    size_t tl = strlen(type);
    if (!res || strncmp(res, type, tl) != 0 || res[tl] != '/')
        return 0;
    res += tl + 1;
    if (!res[0] || strchr(res, '/') || strlen(res) >= n)
        return 0;
    snprintf(name, n, "%s", res);
    return 1;
}

int glue_role_arn(const struct stack *st, const struct spec_role *role, char *out, size_t n)
{
    int w = role->generated
                ? snprintf(out, n, "arn:%s:iam::%s:role/%s", st->partition, st->account, role->name.v)
                : snprintf(out, n, "%s", role->arn.v);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int glue_role_normalise(const struct stack *st, const char *role, char *out, size_t n)
{
    int w = strncmp(role, "arn:", 4) == 0
                ? snprintf(out, n, "%s", role)
                : snprintf(out, n, "arn:%s:iam::%s:role/%s", st->partition, st->account, role);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int glue_output_location(const struct spec *s, char *out, size_t n)
{
    const struct spec_output *o = &s->pipeline.output;
    size_t ul = strlen(o->url.v);
    int w = o->bucket ? snprintf(out, n, "s3://%s/%s", o->bucket->name.v, o->prefix.v)
                      : snprintf(out, n, "%s%s%s", o->url.v, ul && o->url.v[ul - 1] == '/' ? "" : "/",
                                 o->prefix.v);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

void glue_spelling(const char *aws, char *out, size_t n)
{
    size_t i = 0;
    if (!n)
        return;
    for (; aws && aws[i] && i + 1 < n; i++)
        out[i] = aws[i] == '_' ? '-' : (char)tolower((unsigned char)aws[i]);
    out[i] = '\0';
}

int glue_read(struct aws_client *c, const char *operation, const cJSON *input, const char *arn,
              cJSON **answer, cJSON **tags, struct pw_error *err)
{
    struct json_call calls[2] = {{.operation = operation, .input = (cJSON *)input}, {0}};
    cJSON *tag_in = NULL;
    size_t n = 1;
    int rc = -1;
    *answer = *tags = NULL;
    if (arn) {
        tag_in = cJSON_CreateObject();
        if (!tag_in || !cJSON_AddStringToObject(tag_in, "ResourceArn", arn)) {
            cJSON_Delete(tag_in);
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        }
        calls[1] = (struct json_call){.operation = "GetTags", .input = tag_in};
        n = 2;
    }
    json_calls_run(c, "glue", calls, n);
    if (calls[0].rc < 0) {
        if (strcmp(calls[0].err.code, "EntityNotFoundException") == 0)
            rc = 0;
        else
            *err = calls[0].err;
        goto out;
    }
    if (n == 2 && calls[1].rc < 0) {
        /* Deleted between the two reads: it is gone, not unreadable. */
        if (strcmp(calls[1].err.code, "EntityNotFoundException") == 0)
            rc = 0;
        else
            *err = calls[1].err;
        goto out;
    }
    *answer = calls[0].output;
    calls[0].output = NULL;
    if (n == 2) {
        *tags = cJSON_DetachItemFromObjectCaseSensitive(calls[1].output, "Tags");
        if (!*tags)
            *tags = cJSON_CreateObject();
    }
    rc = 0;
out:
    json_calls_release(calls, n);
    cJSON_Delete(tag_in);
    return rc;
}

cJSON *glue_name_input(const char *field, const char *name)
{
    cJSON *in = cJSON_CreateObject();
    if (in && !cJSON_AddStringToObject(in, field, name)) {
        cJSON_Delete(in);
        return NULL;
    }
    return in;
}

int glue_read_resource(struct aws_client *c, const struct resource *r, const char *operation,
                       const char *field, const char *type, const char *member,
                       glue_actual_fn actual, struct res_actual *a, struct pw_error *err)
{
    char arn[600];
    cJSON *in = glue_name_input(field, r->name), *answer = NULL, *tags = NULL;
    int rc = -1;
    if (!in || glue_arn(r, type, arn, sizeof arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "%s '%s': out of memory or a name too long", type, r->name);
        goto out;
    }
    if (glue_read(c, operation, in, arn, &answer, &tags, err) < 0)
        goto out;
    if (!answer) {
        a->presence = RES_MISSING;
        rc = 0;
        goto out;
    }
    if (actual(r, cJSON_GetObjectItemCaseSensitive(answer, member), tags, a) < 0 ||
        kvlist_add(&a->ids, "arn", arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    cJSON_Delete(in);
    cJSON_Delete(answer);
    cJSON_Delete(tags);
    return rc;
}

cJSON *glue_tags_object(const struct resource *r)
{
    struct kvlist tags;
    cJSON *o = cJSON_CreateObject();
    int bad = !o;
    kvlist_init(&tags);
    bad |= stack_tags(r, &tags) < 0;
    for (size_t i = 0; !bad && i < tags.len; i++)
        bad = !cJSON_AddStringToObject(o, tags.items[i].name, tags.items[i].value);
    kvlist_release(&tags);
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int glue_actual_tags(const struct resource *r, const cJSON *tags, struct res_actual *a)
{
    const cJSON *t;
    a->presence = RES_FOREIGN;
    cJSON_ArrayForEach(t, tags) {
        if (t->string && res_actual_tag(r, &a->props, t->string,
                                        cJSON_IsString(t) ? t->valuestring : "", &a->presence) < 0)
            return -1;
    }
    return 0;
}

int glue_update_tags(struct aws_client *c, const char *arn, const struct res_diff *d,
                     struct pw_error *err)
{
    cJSON *tag = cJSON_CreateObject(), *untag = cJSON_CreateObject();
    cJSON *set = cJSON_AddObjectToObject(tag, "TagsToAdd");
    cJSON *keys = cJSON_AddArrayToObject(untag, "TagsToRemove");
    char key[400];
    int nt = 0, nu = 0, rc = -1;
    if (!set || !keys || !cJSON_AddStringToObject(tag, "ResourceArn", arn) ||
        !cJSON_AddStringToObject(untag, "ResourceArn", arn)) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new) {
            cJSON_AddStringToObject(set, key, d->items[i].new);
            nt++;
        } else {
            cJSON_AddItemToArray(keys, cJSON_CreateString(key));
            nu++;
        }
    }
    /* Tags first: an adopted resource is ours before anything else about it changes. */
    if (nt && glue_call(c, "TagResource", tag, err) < 0) {
        tag = NULL;
        goto out;
    }
    if (nt)
        tag = NULL;
    if (nu && glue_call(c, "UntagResource", untag, err) < 0) {
        untag = NULL;
        goto out;
    }
    if (nu)
        untag = NULL;
    rc = 0;
out:
    cJSON_Delete(tag);
    cJSON_Delete(untag);
    return rc;
}

int glue_call(struct aws_client *c, const char *operation, cJSON *input, struct pw_error *err)
{
    cJSON *out = NULL;
    int rc = input ? aws_json_call(c, "glue", operation, input, &out, err)
                   : pw_fail(err, PW_EXIT_FAILED, "out of memory");
    cJSON_Delete(out);
    cJSON_Delete(input);
    return rc;
}

static int role_not_ready(const struct pw_error *err)
{
    return strcmp(err->code, "InvalidInputException") == 0 &&
           (strstr(err->message, "role") || strstr(err->message, "Role"));
}

int glue_create(struct aws_client *c, const struct resource *r, const char *operation,
                cJSON *input, struct pw_error *err)
{
    long budget = r->stack->wait_timeout_s * 1000L;
    long deadline = calls_now_ms() + (budget < ROLE_RETRY_MAX_MS ? budget : ROLE_RETRY_MAX_MS);
    cJSON *out = NULL;
    int rc = -1;
    if (!input)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (;;) {
        rc = aws_json_call(c, "glue", operation, input, &out, err);
        cJSON_Delete(out);
        out = NULL;
        if (rc == 0 || !role_not_ready(err) || calls_now_ms() >= deadline)
            break;
        calls_sleep_ms(ROLE_RETRY_STEP_MS);
    }
    cJSON_Delete(input);
    return rc;
}

int glue_delete(struct aws_client *c, const char *operation, cJSON *input, struct pw_error *err)
{
    if (glue_call(c, operation, input, err) == 0)
        return 0;
    if (strcmp(err->code, "EntityNotFoundException") != 0)
        return -1;
    pw_error_clear(err);
    return 0;
}

int glue_not_implemented(const struct pw_error *err)
{
    return err->http_status == 500 && !err->code[0];
}
