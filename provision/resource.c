/* resource.c — the table of kinds, the kinds not provisioned yet, the property diff and the
 * helpers every kind uses to normalise what it reads. */
#include "provision/resource.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provision/stack.h"

/* Declared in specs, read by nobody yet: plan, up and drift report each instance as
 * "not supported yet" instead of pretending. */
const struct res_kind res_kind_role = {.name = "role", .noun = "IAM role", .level = RES_LEVEL_ROLES, .supported = 0};
const struct res_kind res_kind_schedule = {.name = "schedule", .noun = "schedule", .level = RES_LEVEL_SCHEDULES, .supported = 0};
const struct res_kind res_kind_workflow = {.name = "workflow", .noun = "Glue workflow", .level = RES_LEVEL_SCHEDULES, .supported = 0};

static const struct res_kind *const kinds[] = {
    &res_kind_role,
    &res_kind_table,
    &res_kind_bucket,
    &res_kind_topic,
    &res_kind_artifact,
    &res_kind_database,
    &res_kind_crawler,
    &res_kind_job,
    &res_kind_catalog_table,
    &res_kind_schedule,
    &res_kind_workflow,
    NULL,
};

const struct res_kind *const *res_kinds(void)
{
    return kinds;
}

const struct res_kind *res_kind_find(const char *name)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i]->name, name) == 0)
            return kinds[i];
    return NULL;
}

void res_actual_init(struct res_actual *a)
{
    a->presence = RES_MISSING;
    kvlist_init(&a->props);
    kvlist_init(&a->ids);
}

void res_actual_release(struct res_actual *a)
{
    if (!a)
        return;
    kvlist_release(&a->props);
    kvlist_release(&a->ids);
}

/* --- the diff --------------------------------------------------------------------------- */

void res_diff_init(struct res_diff *d)
{
    d->items = NULL;
    d->len = d->cap = 0;
}

static void change_release(struct res_change *c)
{
    free(c->path);
    free(c->old);
    free(c->new);
}

void res_diff_release(struct res_diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->len; i++)
        change_release(&d->items[i]);
    free(d->items);
    res_diff_init(d);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int diff_add(struct res_diff *d, const struct res_kind *kind, const char *path,
                    const char *old, const char *new)
{
    if (d->len == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct res_change *p = realloc(d->items, cap * sizeof *p);
        if (!p)
            return -1;
        d->items = p;
        d->cap = cap;
    }
    struct res_change *c = &d->items[d->len];
    c->path = strdup(path);
    c->old = dup_or_null(old);
    c->new = dup_or_null(new);
    c->why = NULL;
    c->mode = kind && kind->mode ? kind->mode(path, &c->why) : RES_IN_PLACE;
    if (!c->path || (old && !c->old) || (new && !c->new)) {
        change_release(c);
        return -1;
    }
    d->len++;
    return 0;
}

int res_diff_compute(const struct res_kind *kind, const struct kvlist *desired,
                     const struct kvlist *actual, struct res_diff *out, struct pw_error *err)
{
    for (size_t i = 0; i < desired->len; i++) {
        const char *path = desired->items[i].name, *want = desired->items[i].value;
        const char *have = kvlist_get(actual, path);
        if (have && strcmp(have, want) == 0)
            continue;
        if (diff_add(out, kind, path, have, want) < 0)
            goto oom;
    }
    for (size_t i = 0; i < actual->len; i++) {
        const char *path = actual->items[i].name;
        if (kvlist_get(desired, path))
            continue;
        if (diff_add(out, kind, path, actual->items[i].value, NULL) < 0)
            goto oom;
    }
    return 0;
oom:
    res_diff_release(out);
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

const struct res_change *res_diff_find(const struct res_diff *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (strcmp(d->items[i].path, path) == 0)
            return &d->items[i];
    return NULL;
}

int res_path_under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(path, prefix, n) != 0)
        return 0;
    /* A boundary: "tags" covers "tags[x]" and "tags.x" but "tag" covers neither. A prefix
     * that already ends a member ("tags[x]") covers "tags[x].y". */
    return path[n] == '\0' || path[n] == '.' || path[n] == '[' || (n && prefix[n - 1] == ']');
}

int res_diff_touches(const struct res_diff *d, const char *path)
{
    for (size_t i = 0; i < d->len; i++)
        if (res_path_under(d->items[i].path, path))
            return 1;
    return 0;
}

enum res_change_mode res_diff_worst(const struct res_diff *d)
{
    enum res_change_mode worst = RES_IN_PLACE;
    for (size_t i = 0; i < d->len; i++) {
        /* Unsupported beats replace: --allow-replace cannot make it possible. */
        if (d->items[i].mode == RES_UNSUPPORTED)
            return RES_UNSUPPORTED;
        if (d->items[i].mode == RES_REPLACE)
            worst = RES_REPLACE;
    }
    return worst;
}

size_t res_diff_drop(struct res_diff *d, const char *prefix)
{
    size_t w = 0, dropped = 0;
    for (size_t r = 0; r < d->len; r++) {
        if (res_path_under(d->items[r].path, prefix)) {
            change_release(&d->items[r]);
            dropped++;
        } else {
            d->items[w++] = d->items[r];
        }
    }
    d->len = w;
    return dropped;
}

/* --- helpers ------------------------------------------------------------------------------ */

const char *res_bool(int v)
{
    return v ? "true" : "false";
}

int res_propf(struct kvlist *props, const char *name, const char *fmt, ...)
{
    char value[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(value, sizeof value, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof value)
        return -1;
    return kvlist_add(props, name, value);
}

static int tag_path(char *out, size_t n, const char *key)
{
    int w = snprintf(out, n, "tags[%s]", key);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

int res_desired_tags(const struct resource *r, struct kvlist *props)
{
    struct kvlist tags;
    char path[400];
    int rc = -1;
    kvlist_init(&tags);
    if (stack_tags(r, &tags) < 0)
        goto out;
    for (size_t i = 0; i < tags.len; i++)
        if (tag_path(path, sizeof path, tags.items[i].name) < 0 ||
            kvlist_add(props, path, tags.items[i].value) < 0)
            goto out;
    rc = 0;
out:
    kvlist_release(&tags);
    return rc;
}

int res_actual_tag(const struct resource *r, struct kvlist *props, const char *key,
                   const char *value, enum res_presence *presence)
{
    char path[400];
    if (strncasecmp(key, "aws:", 4) == 0)
        return 0;
    if (strcmp(key, PW_TAG_STACK) == 0 && value && strcmp(value, r->stack->name) == 0)
        *presence = RES_OWNED;
    if (tag_path(path, sizeof path, key) < 0)
        return -1;
    /* A key listed twice (moto appends on TagResource): the later one is the tag's value now,
     * as TagResource overwrites on AWS. */
    for (size_t i = 0; i < props->len; i++)
        if (strcmp(props->items[i].name, path) == 0) {
            char *v = strdup(value ? value : "");
            if (!v)
                return -1;
            free(props->items[i].value);
            props->items[i].value = v;
            return 0;
        }
    return kvlist_add(props, path, value ? value : "");
}

int res_path_member(const char *path, const char *set, char *out, size_t n)
{
    size_t sl = strlen(set);
    if (strncmp(path, set, sl) != 0 || path[sl] != '[')
        return 0;
    const char *start = path + sl + 1;
    /* Members may contain ']' themselves (an e-mail cannot, a URL can): the member ends at the
     * last ']' that closes the path or precedes a '.'. */
    const char *end = NULL;
    for (const char *p = start; *p; p++)
        if (*p == ']' && (p[1] == '\0' || p[1] == '.'))
            end = p;
    if (!end || (size_t)(end - start) >= n)
        return 0;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return 1;
}

const char *res_arn_resource(const char *arn, const char *service)
{
    /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
    const char *p = arn;
    size_t sl = strlen(service);
    if (strncmp(p, "arn:", 4) != 0 || !(p = strchr(p + 4, ':')))
        return NULL;
    p++;
    if (strncmp(p, service, sl) != 0 || p[sl] != ':')
        return NULL;
    p += sl + 1;
    for (int i = 0; i < 2; i++)
        if (!(p = strchr(p, ':')))
            return NULL;
        else
            p++;
    return p;
}

static int key_cmp(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Rebuilds every object of j with its members in key order. */
static int sort_keys(cJSON *j)
{
    if (cJSON_IsArray(j)) {
        for (cJSON *c = j->child; c; c = c->next)
            if (sort_keys(c) < 0)
                return -1;
        return 0;
    }
    if (!cJSON_IsObject(j))
        return 0;
    size_t n = 0;
    for (cJSON *c = j->child; c; c = c->next)
        n++;
    if (n < 2) {
        return j->child ? sort_keys(j->child) : 0;
    }
    cJSON **v = malloc(n * sizeof *v);
    if (!v)
        return -1;
    n = 0;
    for (cJSON *c = j->child; c; c = c->next)
        v[n++] = c;
    qsort(v, n, sizeof *v, key_cmp);
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1];  /* cJSON: the first's prev is the last */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    j->child = v[0];
    free(v);
    for (cJSON *c = j->child; c; c = c->next)
        if (sort_keys(c) < 0)
            return -1;
    return 0;
}

char *res_json_normalise(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    char *out = NULL;
    if (j && sort_keys(j) == 0)
        out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}
