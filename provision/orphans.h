/* orphans.h — resources the stack owns (both of its tags, stack and env) that its spec no
 * longer declares: one paginated Resource Groups Tagging API query for every kind that can be
 * looked up that way, in the stack's region. plan shows them as "- delete"; up deletes them. */
#ifndef PW_ORPHANS_H
#define PW_ORPHANS_H

#include "provision/stack.h"

struct orphan {
    const struct res_kind *kind;
    char *name;
};

/* Every tagged resource of the stack's kinds whose (kind, name) the stack does not declare. */
int orphans_find(struct aws_client *c, const struct stack *st, struct orphan **out, size_t *n,
                 struct pw_error *err);
void orphans_free(struct orphan *o, size_t n);

/* The kind and name an ARN names, among the kinds that can be looked up; 0 when none. */
int orphan_from_arn(const char *arn, const struct res_kind **kind, char *name, size_t n);

#endif
