/* artifact.h — the job script kind (res_kind_artifact): a job's script uploaded to its
 * bucket; the parts other files and the unit tests use. */
#ifndef PW_ARTIFACT_H
#define PW_ARTIFACT_H

#include <stddef.h>

#include "provision/aws/buf.h"
#include "provision/aws/client.h"
#include "provision/resource.h"

struct stack;

/* The script's bytes (r->decl is its job): the file named by `script`, looked up in the
 * spec's directory (or as written, when absolute), then among pipewright's own templates
 * (templates/<path>, built into the binary). *from says which ("examples/x/job.py",
 * "built-in templates/glue/flatten_join.py"). */
int artifact_source(const struct resource *r, struct buf *out, char *from, size_t n,
                    struct pw_error *err);

int artifact_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);

/* *ours = 1 when the object at bucket/key carries the stack's tag (its current version; a
 * deleted object is not ours). The bucket kind asks before it calls a script data. */
int artifact_object_ours(struct aws_client *c, const struct stack *st, const char *bucket,
                         const char *key, int *ours, struct pw_error *err);

#endif
