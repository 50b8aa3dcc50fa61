/* stack.h — the resource instances of a spec, in dependency order, and the context every kind
 * needs to build names, ARNs and tags: stack, env, region, account, partition.
 *
 * Every declared resource is an instance, including those of kinds the engine does not
 * provision yet: plan, up and drift then say "not supported yet" about each of them by name,
 * so nothing declared is silently skipped. */
#ifndef PW_STACK_H
#define PW_STACK_H

#include <stddef.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

struct stack {
    const struct spec *spec;
    const char *name;           /* spec->stack */
    const char *env;            /* spec->env */
    const char *region;         /* spec->region: the stack lives there, whatever AWS_REGION says */
    char account[32];
    char partition[16];         /* "aws", "aws-cn", "aws-us-gov": for ARNs */
    long wait_timeout_s;        /* how long create/update/delete wait for a usable resource */
    struct resource *items;     /* sorted by level, then in spec order */
    size_t n;
};

/* spec must be bound to account already (spec_bind_account) when it uses ${account}. */
int stack_init(struct stack *st, const struct spec *spec, const char *account,
               struct pw_error *err);
void stack_release(struct stack *st);

/* The resource at an address ("table.orders"), or NULL. */
const struct resource *stack_find(const struct stack *st, const char *address);

/* The tags of a resource as declared (the spec's top-level ones merged in), then
 * pipewright:stack and pipewright:env, which always win. */
int stack_tags(const struct resource *r, struct kvlist *out);

#endif
