/* iam_policy.c — rendering the IAM policy templates (the rules are in iam_policy.h). */
#include "provision/iam_policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "provision/aws/buf.h"
#include "provision/resource.h"
#include "provision/templates.h"

#define MAX_ROW_VARS 8

void policy_vars_init(struct policy_vars *v)
{
    kvlist_init(&v->scalars);
    kvlist_init(&v->lists);
    kvlist_init(&v->declared);
}

void policy_vars_release(struct policy_vars *v)
{
    if (!v)
        return;
    kvlist_release(&v->scalars);
    kvlist_release(&v->lists);
    kvlist_release(&v->declared);
}

int policy_var(struct policy_vars *v, const char *name, const char *value)
{
    return kvlist_add(&v->scalars, name, value);
}

int policy_list(struct policy_vars *v, const char *name)
{
    return kvlist_get(&v->declared, name) ? 0 : kvlist_add(&v->declared, name, "");
}

int policy_list_add(struct policy_vars *v, const char *name, const char *value)
{
    return policy_list(v, name) < 0 ? -1 : kvlist_add(&v->lists, name, value);
}

int policy_set_add(struct policy_vars *v, const char *name, const char *value)
{
    for (size_t i = 0; i < v->lists.len; i++)
        if (strcmp(v->lists.items[i].name, name) == 0 && strcmp(v->lists.items[i].value, value) == 0)
            return 0;
    return policy_list_add(v, name, value);
}

/* --- variables ---------------------------------------------------------------------------- */

static int is_list(const struct policy_vars *v, const char *name)
{
    return kvlist_get(&v->declared, name) != NULL;
}

static size_t list_len(const struct policy_vars *v, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < v->lists.len; i++)
        n += strcmp(v->lists.items[i].name, name) == 0;
    return n;
}

static const char *list_at(const struct policy_vars *v, const char *name, size_t row)
{
    for (size_t i = 0; i < v->lists.len; i++)
        if (strcmp(v->lists.items[i].name, name) == 0 && row-- == 0)
            return v->lists.items[i].value;
    return NULL;
}

/* The name of the placeholder starting at p ("${name}..."), into out; its length in *len. */
static int placeholder(const char *p, char *out, size_t n, size_t *len)
{
    const char *end = strchr(p + 2, '}');
    if (strncmp(p, "${", 2) != 0 || !end || (size_t)(end - p - 2) >= n || end == p + 2)
        return 0;
    memcpy(out, p + 2, (size_t)(end - p - 2));
    out[end - p - 2] = '\0';
    *len = (size_t)(end - p) + 1;
    return 1;
}

/* The list whose placeholder is all of s, or NULL. */
static const char *whole_list(const struct policy_vars *v, const char *s, char *name, size_t n)
{
    size_t len;
    if (placeholder(s, name, n, &len) && s[len] == '\0' && is_list(v, name))
        return name;
    return NULL;
}

/* --- rendering ---------------------------------------------------------------------------- */

struct render {
    const char *template_name;
    const struct policy_vars *v;
    const char *rows[MAX_ROW_VARS];   /* the statement's row variables */
    size_t n_rows_vars;
    struct pw_error *err;
};

/* Collects the row variables of a statement: lists used inside longer strings. */
static int find_row_vars(struct render *rd, const cJSON *node)
{
    char name[128];
    size_t len;
    if (cJSON_IsString(node)) {
        const char *s = node->valuestring;
        if (whole_list(rd->v, s, name, sizeof name))
            return 0;
        for (const char *p = strstr(s, "${"); p; p = strstr(p + 1, "${")) {
            if (!placeholder(p, name, sizeof name, &len) || !is_list(rd->v, name))
                continue;
            size_t i = 0;
            while (i < rd->n_rows_vars && strcmp(rd->rows[i], name) != 0)
                i++;
            if (i < rd->n_rows_vars)
                continue;
            if (rd->n_rows_vars == MAX_ROW_VARS)
                return pw_fail(rd->err, PW_EXIT_FAILED, "iam template '%s': more than %d row "
                               "variables in one statement", rd->template_name, MAX_ROW_VARS);
            /* The declared list's own copy of the name: it outlives the render. */
            for (size_t k = 0; k < rd->v->declared.len; k++)
                if (strcmp(rd->v->declared.items[k].name, name) == 0)
                    rd->rows[rd->n_rows_vars++] = rd->v->declared.items[k].name;
        }
        return 0;
    }
    for (const cJSON *c = node->child; c; c = c->next)
        if (find_row_vars(rd, c) < 0)
            return -1;
    return 0;
}

/* s with every scalar and row variable substituted (row variables take element row). */
static char *substitute(struct render *rd, const char *s, size_t row)
{
    struct buf out;
    char name[128];
    size_t len;
    buf_init(&out, 0);
    for (const char *p = s; *p;) {
        if (p[0] != '$' || p[1] != '{') {
            size_t run = strcspn(p + 1, "$") + 1;
            if (buf_append(&out, p, run) < 0)
                goto oom;
            p += run;
            continue;
        }
        if (!placeholder(p, name, sizeof name, &len)) {
            pw_fail(rd->err, PW_EXIT_FAILED, "iam template '%s': unterminated placeholder in '%s'",
                    rd->template_name, s);
            goto fail;
        }
        const char *value = kvlist_get(&rd->v->scalars, name);
        if (!value && is_list(rd->v, name))
            value = list_at(rd->v, name, row);
        if (!value) {
            pw_fail(rd->err, PW_EXIT_FAILED, "iam template '%s': unknown variable '${%s}'",
                    rd->template_name, name);
            goto fail;
        }
        if (buf_appends(&out, value) < 0)
            goto oom;
        p += len;
    }
    return buf_detach(&out);
oom:
    pw_fail(rd->err, PW_EXIT_FAILED, "out of memory");
fail:
    buf_release(&out);
    return NULL;
}

static cJSON *list_array(const struct policy_vars *v, const char *name)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < v->lists.len; i++)
        if (strcmp(v->lists.items[i].name, name) == 0)
            cJSON_AddItemToArray(a, cJSON_CreateString(v->lists.items[i].value));
    return a;
}

/* Substitutes every string below node for the given row; *empty = 1 when a whole-string list
 * was empty (the statement grants nothing then). */
static int expand(struct render *rd, cJSON *node, size_t row, int *empty)
{
    char name[128];
    int index = 0;
    for (cJSON *c = node->child, *next; c; c = next, index++) {
        next = c->next;
        if (!cJSON_IsString(c)) {
            if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && expand(rd, c, row, empty) < 0)
                return -1;
            continue;
        }
        cJSON *with;
        if (whole_list(rd->v, c->valuestring, name, sizeof name)) {
            *empty |= list_len(rd->v, name) == 0;
            if (cJSON_IsArray(node)) {   /* spliced: ["a", "${l}"] -> ["a", l0, l1] */
                cJSON *arr = list_array(rd->v, name);
                if (!arr)
                    return pw_fail(rd->err, PW_EXIT_FAILED, "out of memory");
                int at = index;
                while (arr->child) {
                    cJSON_InsertItemInArray(node, at++, cJSON_DetachItemViaPointer(arr, arr->child));
                    index++;
                }
                cJSON_Delete(arr);
                cJSON_Delete(cJSON_DetachItemViaPointer(node, c));
                index--;
                continue;
            }
            with = list_array(rd->v, name);
        } else {
            char *text = substitute(rd, c->valuestring, row);
            if (!text)
                return -1;
            with = cJSON_CreateString(text);
            free(text);
        }
        if (!with)
            return pw_fail(rd->err, PW_EXIT_FAILED, "out of memory");
        if (c->string ? !cJSON_ReplaceItemInObjectCaseSensitive(node, c->string, with)
                      : !cJSON_ReplaceItemViaPointer(node, c, with)) {
            cJSON_Delete(with);
            return pw_fail(rd->err, PW_EXIT_FAILED, "out of memory");
        }
    }
    return 0;
}

/* Appends the statement's renderings (0, 1 or one per row) to out. */
static int render_statement(struct render *rd, const cJSON *st, cJSON *out)
{
    size_t rows = 1;
    rd->n_rows_vars = 0;
    if (find_row_vars(rd, st) < 0)
        return -1;
    for (size_t i = 0; i < rd->n_rows_vars; i++) {
        size_t n = list_len(rd->v, rd->rows[i]);
        if (i && n != rows)
            return pw_fail(rd->err, PW_EXIT_FAILED, "iam template '%s': the row variables '%s' "
                           "and '%s' of one statement differ in length (%zu and %zu)",
                           rd->template_name, rd->rows[0], rd->rows[i], rows, n);
        rows = n;
    }
    for (size_t r = 0; r < rows; r++) {
        cJSON *copy = cJSON_Duplicate(st, 1);
        int empty = 0;
        if (!copy)
            return pw_fail(rd->err, PW_EXIT_FAILED, "out of memory");
        if (expand(rd, copy, r, &empty) < 0) {
            cJSON_Delete(copy);
            return -1;
        }
        if (empty) {
            cJSON_Delete(copy);
            continue;
        }
        const char *sid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(copy, "Sid"));
        if (sid && rows > 1) {
            char numbered[256];
            snprintf(numbered, sizeof numbered, "%s%zu", sid, r + 1);
            cJSON_ReplaceItemInObjectCaseSensitive(copy, "Sid", cJSON_CreateString(numbered));
        }
        cJSON_AddItemToArray(out, copy);
    }
    return 0;
}

/* The embedded templates/iam/<name>.json, NULL when there is none. */
static const char *iam_template_text(const char *name)
{
    char path[200];
    size_t len;
    int w = snprintf(path, sizeof path, "iam/%s.json", name);
    return w < 0 || (size_t)w >= sizeof path ? NULL : template_text(path, &len);
}

char *policy_render(const char *template_name, const struct policy_vars *v, struct pw_error *err)
{
    struct render rd = {.template_name = template_name, .v = v, .err = err};
    const char *text = iam_template_text(template_name);
    cJSON *doc = NULL, *rendered = NULL;
    char *printed = NULL, *out = NULL;
    if (!text) {
        pw_fail(err, PW_EXIT_FAILED, "no iam template '%s'", template_name);
        goto done;
    }
    doc = cJSON_Parse(text);
    const cJSON *statements = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
    if (!cJSON_IsArray(statements)) {
        pw_fail(err, PW_EXIT_FAILED, "iam template '%s' is not a policy document with a Statement "
                "list", template_name);
        goto done;
    }
    rendered = cJSON_CreateArray();
    if (!rendered) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto done;
    }
    for (const cJSON *st = statements->child; st; st = st->next)
        if (render_statement(&rd, st, rendered) < 0)
            goto done;
    if (!rendered->child) {
        pw_fail(err, PW_EXIT_FAILED, "iam template '%s' grants nothing for this resource", template_name);
        goto done;
    }
    cJSON_ReplaceItemInObjectCaseSensitive(doc, "Statement", rendered);
    rendered = NULL;
    printed = cJSON_PrintUnformatted(doc);
    out = printed ? res_json_normalise(printed) : NULL;
    if (!out)
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
done:
    cJSON_Delete(doc);
    cJSON_Delete(rendered);
    cJSON_free(printed);
    return out;
}
