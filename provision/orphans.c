/* orphans.c — what the stack's tags find that its spec does not declare. */
#include "provision/orphans.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/calls.h"

int orphan_from_arn(const char *arn, const struct res_kind **kind, char *name, size_t n)
{
    const struct res_kind *const *kinds = res_kinds();
    for (size_t i = 0; kinds[i]; i++) {
        const struct res_kind *k = kinds[i];
        if (k->supported && k->name_from_arn && k->name_from_arn(arn, name, n)) {
            *kind = k;
            return 1;
        }
    }
    return 0;
}

void orphans_free(struct orphan *o, size_t n)
{
    for (size_t i = 0; o && i < n; i++)
        free(o[i].name);
    free(o);
}

static int declared(const struct stack *st, const struct res_kind *k, const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->items[i].kind == k && strcmp(st->items[i].name, name) == 0)
            return 1;
    return 0;
}

static cJSON *query(const struct stack *st, const char *token)
{
    cJSON *in = cJSON_CreateObject(), *filters = cJSON_AddArrayToObject(in, "TagFilters");
    const char *keys[] = {PW_TAG_STACK, PW_TAG_ENV}, *values[] = {st->name, st->env};
    for (int i = 0; i < 2; i++) {
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "Key", keys[i]);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(f, "Values"), cJSON_CreateString(values[i]));
        cJSON_AddItemToArray(filters, f);
    }
    cJSON *types = cJSON_AddArrayToObject(in, "ResourceTypeFilters");
    const struct res_kind *const *kinds = res_kinds();
    for (size_t i = 0; kinds[i]; i++) {
        int seen = 0;   /* several kinds share a service's type ("glue") */
        for (size_t j = 0; j < i; j++)
            seen |= kinds[j]->supported && kinds[j]->tagging_type && kinds[i]->tagging_type &&
                    strcmp(kinds[j]->tagging_type, kinds[i]->tagging_type) == 0;
        if (kinds[i]->supported && kinds[i]->tagging_type && !seen)
            cJSON_AddItemToArray(types, cJSON_CreateString(kinds[i]->tagging_type));
    }
    cJSON_AddNumberToObject(in, "ResourcesPerPage", 100);
    if (token)
        cJSON_AddStringToObject(in, "PaginationToken", token);
    return in;
}

int orphans_find(struct aws_client *c, const struct stack *st, struct orphan **out, size_t *n,
                 struct pw_error *err)
{
    char *token = NULL, name[1024];
    int rc = -1;
    *out = NULL;
    *n = 0;
    for (;;) {
        cJSON *in = query(st, token), *answer = NULL;
        int r = in ? aws_json_call(c, "resourcegroupstaggingapi", "GetResources", in, &answer, err)
                   : pw_fail(err, PW_EXIT_FAILED, "out of memory");
        cJSON_Delete(in);
        free(token);
        token = NULL;
        if (r < 0)
            goto out;
        const cJSON *m;
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(answer, "ResourceTagMappingList")) {
            const struct res_kind *k;
            const char *arn = json_str(m, "ResourceARN");
            if (!arn || !orphan_from_arn(arn, &k, name, sizeof name) || declared(st, k, name))
                continue;
            struct orphan *p = realloc(*out, (*n + 1) * sizeof *p);
            char *copy = strdup(name);
            if (!p || !copy) {
                free(copy);
                if (p)
                    *out = p;
                cJSON_Delete(answer);
                pw_fail(err, PW_EXIT_FAILED, "out of memory");
                goto out;
            }
            *out = p;
            p[(*n)++] = (struct orphan){k, copy};
        }
        const char *next = json_str(answer, "PaginationToken");
        int more = next && next[0];
        token = more ? strdup(next) : NULL;
        cJSON_Delete(answer);
        if (more && !token) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        if (!more)
            break;
    }
    rc = 0;
out:
    free(token);
    if (rc < 0) {
        orphans_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
