/* glue.h — what the Glue kinds (database, crawler, job, catalog table) share: ARNs, a read of
 * a resource with its tags, tags on create and update, role ARNs, Glue's enum spellings, and
 * the one emulator gap every Update* call has to know about. */
#ifndef PW_GLUE_H
#define PW_GLUE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

struct stack;

/* "arn:aws:glue:eu-west-1:123456789012:<type>/<name>" (type: database, crawler, job). */
int glue_arn(const struct resource *r, const char *type, char *out, size_t n);
/* The name in a Glue ARN of that type; 0 when the ARN is anything else. */
int glue_name_from_arn(const char *arn, const char *type, char *name, size_t n);

/* The ARN of the role a crawler or job runs under: the one the spec names, or the generated
 * role's, arn:<partition>:iam::<account>:role/<name> (role.c creates it). */
int glue_role_arn(const struct stack *st, const struct spec_role *role, char *out, size_t n);
/* A role as Glue answers it (an ARN, or the bare name Glue also accepts) as an ARN. */
int glue_role_normalise(const struct stack *st, const char *role, char *out, size_t n);

/* Where the pipeline writes its table: "s3://<bucket>/<prefix>", or "<file:// url>/<prefix>"
 * for a local lake. */
int glue_output_location(const struct spec *s, char *out, size_t n);

/* "UPDATE_IN_DATABASE" -> "update-in-database": the spec's spelling of an AWS enum value. */
void glue_spelling(const char *aws, char *out, size_t n);

/* Reads a resource and its tags in one parallel round: operation (GetCrawler, GetJob,
 * GetDatabase, ...) with input, and GetTags of arn (NULL: no tags, tables have none).
 * 0 with *answer NULL: the resource does not exist (EntityNotFoundException). Otherwise
 * *answer is the answer and *tags GetTags' "Tags" object; the caller frees both. */
int glue_read(struct aws_client *c, const char *operation, const cJSON *input, const char *arn,
              cJSON **answer, cJSON **tags, struct pw_error *err);

/* {"<field>": "<name>"}: the input of Get*, Delete* and friends; NULL when out of memory. */
cJSON *glue_name_input(const char *field, const char *name);

/* What a kind makes of its Get* answer's member (obj) and GetTags' "Tags". */
typedef int (*glue_actual_fn)(const struct resource *r, const cJSON *obj, const cJSON *tags,
                              struct res_actual *a);

/* The read of a database, crawler or job: operation with {field: r->name}, GetTags of its ARN
 * (arn:...:<type>/<name>, kept in a->ids as "arn"), the answer's member given to actual. */
int glue_read_resource(struct aws_client *c, const struct resource *r, const char *operation,
                       const char *field, const char *type, const char *member,
                       glue_actual_fn actual, struct res_actual *a, struct pw_error *err);

/* The resource's tags (stack_tags) as the JSON object Create* and TagResource take. */
cJSON *glue_tags_object(const struct resource *r);
/* tags[K] properties and the ownership decision from GetTags' "Tags" object. */
int glue_actual_tags(const struct resource *r, const cJSON *tags, struct res_actual *a);
/* TagResource / UntagResource for the tags[...] changes of d. */
int glue_update_tags(struct aws_client *c, const char *arn, const struct res_diff *d,
                     struct pw_error *err);

/* One call; input is consumed, the answer dropped. */
int glue_call(struct aws_client *c, const char *operation, cJSON *input, struct pw_error *err);
/* A Create* call (input consumed), retried for a bounded time while Glue refuses a role that
 * IAM has just created and not yet propagated ("unable to assume provided role"). */
int glue_create(struct aws_client *c, const struct resource *r, const char *operation,
                cJSON *input, struct pw_error *err);
/* A Delete* call (input consumed); a resource that is already gone is not an error. */
int glue_delete(struct aws_client *c, const char *operation, cJSON *input, struct pw_error *err);

/* 1 when err is an endpoint's "I do not implement this operation": HTTP 500 with a body that
 * is not an AWS error. moto 5 answers UpdateCrawler, UpdateCrawlerSchedule and UpdateJob so;
 * AWS's own 500s carry an error code (InternalServiceException). */
int glue_not_implemented(const struct pw_error *err);

#endif
