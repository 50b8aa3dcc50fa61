/* role.h — the IAM role kind (res_kind_role): the roles a stack generates for its crawlers,
 * jobs and scheduler schedules, least privilege, from the templates in templates/iam/
 * (docs/iam.md says what each may do and why). A role the spec names by ARN is used as is:
 * it is no instance of the stack, so nothing here ever creates, changes or deletes it.
 *
 * Properties: trust_policy (normalised JSON), policy[NAME] (each inline policy, normalised
 * JSON; the spec declares policy[pipewright]), managed_policy[ARN] = attached (never
 * declared: one attached out of band is drift that up detaches), tags[KEY]. */
#ifndef PW_ROLE_H
#define PW_ROLE_H

#include "provision/aws/xml.h"
#include "provision/resource.h"
#include "provision/spec/spec.h"
#include "provision/stack.h"

#define ROLE_POLICY_NAME "pipewright"

/* The ARN of the role a crawler, job or schedule runs under: the named one, or the
 * generated one's "arn:<partition>:iam::<account>:role/<name>". -1 when it does not fit. */
int role_arn(const struct stack *st, const struct spec_role *role, char *out, size_t n);

/* The trust policy and the inline policy a generated role is declared with, as normalised
 * JSON (both owned by the caller), from the crawler, job or schedule that uses the role. */
int role_documents(const struct resource *r, char **trust, char **policy, struct pw_error *err);

int role_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);

/* The answers of one read: GetRole (with the tags), ListAttachedRolePolicies and each
 * GetRolePolicy (names[i] with docs[i]). Documents arrive URL-encoded, as IAM sends them. */
struct role_answers {
    const struct xml_node *role;        /* GetRoleResult/Role */
    const struct xml_node *tags;        /* GetRoleResult/Role/Tags */
    const struct xml_node *attached;    /* ListAttachedRolePoliciesResult/AttachedPolicies */
    const char *const *names;
    const char *const *docs;
    size_t n_policies;
};
int role_actual(const struct resource *r, const struct role_answers *ans, struct res_actual *a);

/* --- a new role is not usable at once ------------------------------------------------------
 * IAM is global and eventually consistent: for some seconds after CreateRole (or a change of
 * its trust policy) Glue and Scheduler may refuse the role because they cannot assume it yet.
 * role_propagating() recognises exactly that refusal; role_retry() calls fn again while fn
 * fails with it, waiting 1 s, then twice as long each time (at most 8 s), until timeout_ms
 * has passed. Any other failure, or success, ends it at once. */
int role_propagating(const struct pw_error *err);
typedef int (*role_call_fn)(struct aws_client *c, void *ctx, struct pw_error *err);
int role_retry(struct aws_client *c, role_call_fn fn, void *ctx, long timeout_ms,
               struct pw_error *err);
/* How long up waits for a new role: two minutes, or the stack's wait timeout when shorter. */
long role_propagation_timeout_ms(const struct stack *st);

#endif
