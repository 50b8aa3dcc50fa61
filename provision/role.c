/* role.c — IAM roles: read (four requests, then every inline policy, each round in
 * parallel), create, update, delete, and the bounded wait for a new role to be assumable.
 *
 * IAM sends policy documents URL-encoded (RFC 3986) and keeps them as they were put; both
 * sides are compared normalised (res_json_normalise), so formatting never shows as drift.
 * IAM is not in the Resource Groups Tagging API: a role the spec no longer declares is not
 * found as an orphan (docs/iam.md). */
#include "provision/role.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/aws/uri.h"
#include "provision/calls.h"

/* Lists are asked for in one page this long; IAM allows 10 managed policies and inline
 * policies within a 10 240-byte quota per role, so a longer list cannot happen. */
#define IAM_MAX_ITEMS "1000"

int role_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    char *trust = NULL, *policy = NULL;
    if (role_documents(r, &trust, &policy, err) < 0)
        return -1;
    int rc = kvlist_add(props, "trust_policy", trust) | kvlist_add(props, "policy[" ROLE_POLICY_NAME "]", policy) |
             res_desired_tags(r, props);
    free(trust);
    free(policy);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
}

/* A URL-encoded policy document, decoded and normalised; the text as is when it is not JSON
 * (it then differs from what is declared, and plan shows it). */
static int add_document(struct kvlist *props, const char *path, const char *encoded)
{
    struct buf raw;
    buf_init(&raw, 0);
    int rc = -1;
    if (uri_decode(&raw, encoded, strlen(encoded)) == 0) {
        char *norm = res_json_normalise(buf_cstr(&raw));
        rc = kvlist_add(props, path, norm ? norm : buf_cstr(&raw));
        free(norm);
    } else {
        rc = kvlist_add(props, path, encoded);
    }
    buf_release(&raw);
    return rc;
}

int role_actual(const struct resource *r, const struct role_answers *ans, struct res_actual *a)
{
    char path[1200];
    int rc = 0;
    a->presence = RES_FOREIGN;
    const char *trust = xml_text(ans->role, "AssumeRolePolicyDocument");
    if (trust)
        rc |= add_document(&a->props, "trust_policy", trust);
    for (size_t i = 0; i < ans->n_policies; i++) {
        snprintf(path, sizeof path, "policy[%s]", ans->names[i]);
        rc |= add_document(&a->props, path, ans->docs[i] ? ans->docs[i] : "");
    }
    for (const struct xml_node *m = xml_child(ans->attached, "member"); m; m = xml_next_named(m)) {
        const char *arn = xml_text(m, "PolicyArn");
        if (!arn)
            continue;
        snprintf(path, sizeof path, "managed_policy[%s]", arn);
        rc |= kvlist_add(&a->props, path, "attached");
    }
    for (const struct xml_node *t = xml_child(ans->tags, "member"); t; t = xml_next_named(t)) {
        const char *k = xml_text(t, "Key");
        if (k)
            rc |= res_actual_tag(r, &a->props, k, xml_text(t, "Value"), &a->presence);
    }
    const char *arn = xml_text(ans->role, "Arn");
    if (arn)
        rc |= kvlist_add(&a->ids, "arn", arn);
    return rc ? -1 : 0;
}

/* --- reading ------------------------------------------------------------------------------ */

/* GetRole answers the role's tags too (all of them: a role has at most 50), so there is no
 * ListRoleTags call. */
enum { RD_ROLE, RD_ATTACHED, RD_INLINE, RD_N };

static int truncated(const struct xml_node *result)
{
    const char *t = xml_text(result, "IsTruncated");
    return t && strcmp(t, "true") == 0;
}

static int role_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                     struct pw_error *err)
{
    static const char *const actions[RD_N] = {"GetRole", "ListAttachedRolePolicies",
                                              "ListRolePolicies"};
    struct query_call q[RD_N], *pq = NULL;
    const char **names = NULL, **docs = NULL;
    size_t np = 0;
    int rc = -1, bad = 0;
    for (int i = 0; i < RD_N; i++) {
        query_call_init(&q[i], actions[i]);
        bad |= kvlist_add(&q[i].params, "RoleName", r->name);
        if (i != RD_ROLE)
            bad |= kvlist_add(&q[i].params, "MaxItems", IAM_MAX_ITEMS);
    }
    if (bad) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    query_calls_run(c, "iam", q, RD_N);
    if (q[RD_ROLE].rc < 0) {
        if (strcmp(q[RD_ROLE].err.code, "NoSuchEntity") == 0) {
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = q[RD_ROLE].err;
        }
        goto out;
    }
    for (int i = RD_ATTACHED; i < RD_N; i++) {
        if (q[i].rc < 0) {
            *err = q[i].err;
            goto out;
        }
        char result[64];
        snprintf(result, sizeof result, "%sResult", actions[i]);
        if (truncated(xml_child(q[i].output, result))) {
            pw_fail(err, PW_EXIT_FAILED, "iam %s '%s': more than %s entries", actions[i], r->name,
                    IAM_MAX_ITEMS);
            goto out;
        }
    }
    /* Every inline policy, in parallel: one the spec does not declare is drift too. */
    const struct xml_node *list = xml_find(q[RD_INLINE].output, "ListRolePoliciesResult/PolicyNames");
    for (const struct xml_node *m = xml_child(list, "member"); m; m = xml_next_named(m))
        np++;
    pq = calloc(np ? np : 1, sizeof *pq);
    names = calloc(np ? np : 1, sizeof *names);
    docs = calloc(np ? np : 1, sizeof *docs);
    if (!pq || !names || !docs) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    np = 0;
    for (const struct xml_node *m = xml_child(list, "member"); m; m = xml_next_named(m)) {
        query_call_init(&pq[np], "GetRolePolicy");
        names[np] = m->text;
        bad |= kvlist_add(&pq[np].params, "RoleName", r->name);
        bad |= kvlist_add(&pq[np].params, "PolicyName", names[np] ? names[np] : "");
        np++;
    }
    if (bad) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    query_calls_run(c, "iam", pq, np);
    for (size_t i = 0; i < np; i++) {
        if (pq[i].rc < 0) {
            *err = pq[i].err;
            goto out;
        }
        docs[i] = xml_text(pq[i].output, "GetRolePolicyResult/PolicyDocument");
    }
    struct role_answers ans = {
        .role = xml_find(q[RD_ROLE].output, "GetRoleResult/Role"),
        .tags = xml_find(q[RD_ROLE].output, "GetRoleResult/Role/Tags"),
        .attached = xml_find(q[RD_ATTACHED].output, "ListAttachedRolePoliciesResult/AttachedPolicies"),
        .names = names,
        .docs = docs,
        .n_policies = np,
    };
    if (role_actual(r, &ans, a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    query_calls_release(q, RD_N);
    query_calls_release(pq, np);
    free(pq);
    free(names);
    free(docs);
    return rc;
}

/* --- changing ----------------------------------------------------------------------------- */

/* One IAM call on the role: RoleName, then name=value pairs (NULL-terminated). */
static int iam(struct aws_client *c, const char *action, const struct resource *r,
               struct pw_error *err, ...)
{
    struct kvlist p;
    struct xml_node *x = NULL;
    va_list ap;
    kvlist_init(&p);
    int bad = kvlist_add(&p, "RoleName", r->name);
    va_start(ap, err);
    for (const char *name; (name = va_arg(ap, const char *)) != NULL;)
        bad |= kvlist_add(&p, name, va_arg(ap, const char *));
    va_end(ap);
    int rc = bad ? pw_fail(err, PW_EXIT_FAILED, "out of memory")
                 : aws_query_call(c, "iam", action, &p, &x, err);
    xml_free(x);
    kvlist_release(&p);
    return rc;
}

static int add_indexed(struct kvlist *p, const char *fmt, size_t i, const char *value)
{
    char name[96];
    snprintf(name, sizeof name, fmt, i);
    return kvlist_add(p, name, value);
}

/* TagRole with every tag that changed or is new, UntagRole with every one to remove. */
static int update_tags(struct aws_client *c, const struct resource *r, const struct res_diff *d,
                       struct pw_error *err)
{
    struct kvlist tag, untag;
    char key[400];
    size_t nt = 0, nu = 0;
    struct xml_node *x = NULL;
    kvlist_init(&tag);
    kvlist_init(&untag);
    int rc = kvlist_add(&tag, "RoleName", r->name) | kvlist_add(&untag, "RoleName", r->name);
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new) {
            nt++;
            rc |= add_indexed(&tag, "Tags.member.%zu.Key", nt, key) |
                  add_indexed(&tag, "Tags.member.%zu.Value", nt, d->items[i].new);
        } else {
            rc |= add_indexed(&untag, "TagKeys.member.%zu", ++nu, key);
        }
    }
    if (rc)
        rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (rc == 0 && nt)
        rc = aws_query_call(c, "iam", "TagRole", &tag, &x, err);
    xml_free(x);
    x = NULL;
    if (rc == 0 && nu)
        rc = aws_query_call(c, "iam", "UntagRole", &untag, &x, err);
    xml_free(x);
    kvlist_release(&tag);
    kvlist_release(&untag);
    return rc;
}

static int role_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                       struct pw_error *err)
{
    struct kvlist p, tags;
    struct xml_node *x = NULL;
    char description[512];
    kvlist_init(&p);
    kvlist_init(&tags);
    snprintf(description, sizeof description, "pipewright %s of stack %s (%s): least privilege, "
             "generated", r->address, r->stack->name, r->stack->env);
    int bad = kvlist_add(&p, "RoleName", r->name) |
              kvlist_add(&p, "AssumeRolePolicyDocument", kvlist_get(desired, "trust_policy")) |
              kvlist_add(&p, "Description", description) | stack_tags(r, &tags);
    for (size_t i = 0; !bad && i < tags.len; i++)
        bad |= add_indexed(&p, "Tags.member.%zu.Key", i + 1, tags.items[i].name) |
               add_indexed(&p, "Tags.member.%zu.Value", i + 1, tags.items[i].value);
    kvlist_release(&tags);
    /* Tagged in the same call that creates it: never a moment when it looks foreign. */
    int rc = bad ? pw_fail(err, PW_EXIT_FAILED, "out of memory")
                 : aws_query_call(c, "iam", "CreateRole", &p, &x, err);
    xml_free(x);
    kvlist_release(&p);
    if (rc < 0)
        return -1;
    return iam(c, "PutRolePolicy", r, err, "PolicyName", ROLE_POLICY_NAME, "PolicyDocument",
               kvlist_get(desired, "policy[" ROLE_POLICY_NAME "]"), (const char *)NULL);
}

static int role_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                       const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    char member[1100];
    (void)a;
    /* Tags first: an adopted role is ours before anything else changes. */
    if (res_diff_touches(d, "tags") && update_tags(c, r, d, err) < 0)
        return -1;
    if (res_diff_touches(d, "trust_policy") &&
        iam(c, "UpdateAssumeRolePolicy", r, err, "PolicyDocument", kvlist_get(desired, "trust_policy"),
            (const char *)NULL) < 0)
        return -1;
    for (size_t i = 0; i < d->len; i++) {
        const struct res_change *ch = &d->items[i];
        int rc = 0;
        if (res_path_member(ch->path, "policy", member, sizeof member))
            rc = ch->new ? iam(c, "PutRolePolicy", r, err, "PolicyName", member, "PolicyDocument",
                               ch->new, (const char *)NULL)
                         : iam(c, "DeleteRolePolicy", r, err, "PolicyName", member, (const char *)NULL);
        else if (res_path_member(ch->path, "managed_policy", member, sizeof member) && !ch->new)
            rc = iam(c, "DetachRolePolicy", r, err, "PolicyArn", member, (const char *)NULL);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int ignore_missing(int rc, struct pw_error *err)
{
    if (rc < 0 && strcmp(err->code, "NoSuchEntity") == 0) {
        pw_error_clear(err);
        return 0;
    }
    return rc;
}

/* IAM deletes a role only without policies: the inline ones go, the managed ones are
 * detached (they belong to whoever made them), then the role. */
static int role_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        struct pw_error *err)
{
    char member[1100];
    for (size_t i = 0; i < a->props.len; i++) {
        const char *path = a->props.items[i].name;
        int rc = 0;
        if (res_path_member(path, "policy", member, sizeof member))
            rc = iam(c, "DeleteRolePolicy", r, err, "PolicyName", member, (const char *)NULL);
        else if (res_path_member(path, "managed_policy", member, sizeof member))
            rc = iam(c, "DetachRolePolicy", r, err, "PolicyArn", member, (const char *)NULL);
        if (ignore_missing(rc, err) < 0)
            return -1;
    }
    return ignore_missing(iam(c, "DeleteRole", r, err, (const char *)NULL), err);
}

/* --- a new role is not usable at once ----------------------------------------------------- */

int role_propagating(const struct pw_error *err)
{
    /* Glue: InvalidInputException "Service is unable to assume provided role. Please verify
     * role's TrustPolicy" (CreateCrawler, CreateJob's first run); Scheduler: ValidationException
     * "The execution role you provide must allow AWS EventBridge Scheduler to assume the role." */
    if (strcmp(err->code, "InvalidInputException") == 0 || strcmp(err->code, "ValidationException") == 0)
        return strstr(err->message, "assume") != NULL &&
               (strstr(err->message, "role") != NULL || strstr(err->message, "Role") != NULL);
    return 0;
}

long role_propagation_timeout_ms(const struct stack *st)
{
    long ms = 120 * 1000L, wait = st->wait_timeout_s * 1000L;
    return wait > 0 && wait < ms ? wait : ms;
}

int role_retry(struct aws_client *c, role_call_fn fn, void *ctx, long timeout_ms, struct pw_error *err)
{
    long deadline = calls_now_ms() + timeout_ms, delay = 1000;
    for (;;) {
        if (fn(c, ctx, err) == 0)
            return 0;
        if (!role_propagating(err))
            return -1;
        if (calls_now_ms() + delay > deadline) {
            pw_error_prefix(err, "the role was still not assumable after %ld s (IAM is eventually "
                            "consistent; run up again in a minute)", timeout_ms / 1000);
            return -1;
        }
        calls_sleep_ms(delay);
        delay = delay * 2 > 8000 ? 8000 : delay * 2;
    }
}

const struct res_kind res_kind_role = {
    .name = "role",
    .noun = "IAM role",
    .level = RES_LEVEL_ROLES,
    .supported = 1,
    .desired = role_desired,
    .read = role_read,
    .mode = NULL,
    .create = role_create,
    .update = role_update,
    .destroy = role_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = NULL,
    .name_from_arn = NULL,
};
