/* glue.h — what the Glue kinds share: one call, ARNs, and tags (GetTags, TagResource and
 * UntagResource, with tags as a {key: value} object). */
#ifndef PW_GLUE_H
#define PW_GLUE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/stack.h"

/* One Glue call; in is consumed (NULL: out of memory, reported as such). *out may be NULL
 * when the answer is not wanted. */
int glue_call(struct aws_client *c, const char *operation, cJSON *in, cJSON **out,
              struct pw_error *err);
/* A call that takes only {"Name": name}: GetWorkflow, DeleteTrigger, StartTrigger, ... */
int glue_named_call(struct aws_client *c, const char *operation, const char *name,
                    struct pw_error *err);
/* 1 when err says the thing does not exist. */
int glue_missing(const struct pw_error *err);

/* "arn:<partition>:glue:<region>:<account>:<type>/<name>" */
int glue_arn(const struct stack *st, const char *type, const char *name, char *out, size_t n);
/* The resource's tags (declared, then ours) as Glue's {key: value} object; NULL: no memory. */
cJSON *glue_tags(const struct resource *r);
/* The tags of a GetTags answer into a's properties, deciding ownership (res_actual_tag). */
int glue_tags_actual(const struct resource *r, const cJSON *answer, struct res_actual *a);
/* TagResource with the tags of d to set, UntagResource with those to remove. */
int glue_tags_update(struct aws_client *c, const char *arn, const struct res_diff *d,
                     struct pw_error *err);

#endif
