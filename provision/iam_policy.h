/* iam_policy.h — IAM policy documents made from the templates in templates/iam/, which are
 * embedded in the binary at build time (provision/embed_templates.py writes templates.c), so an
 * installed pipewright needs no source tree to generate a role.
 *
 * A template is a policy document whose strings may hold ${name} placeholders. A variable is
 * a scalar or a list:
 *   - a scalar is substituted where it appears: "arn:${partition}:s3:::x";
 *   - a list that is a whole string ("Resource": "${tables}") becomes a JSON array of its
 *     elements (spliced in place inside an array); when it is empty, the statement holding it
 *     is dropped: nothing to grant;
 *   - a list used inside a longer string ("arn:${partition}:s3:::${bucket}") is a *row*
 *     variable: the statement is repeated once per element, every row variable of the
 *     statement taking its element of that row (they must be of one length); with no rows the
 *     statement is dropped. Repeated statements get the row number appended to their Sid,
 *     which IAM wants unique.
 * An unknown placeholder is an error, so a template and its caller cannot drift apart. */
#ifndef PW_IAM_POLICY_H
#define PW_IAM_POLICY_H

#include "provision/aws/error.h"
#include "provision/aws/kv.h"

struct policy_vars {
    struct kvlist scalars;      /* name -> value */
    struct kvlist lists;        /* name -> element, one entry per element, in order */
    struct kvlist declared;     /* every list's name once, empty lists included */
};

void policy_vars_init(struct policy_vars *v);
void policy_vars_release(struct policy_vars *v);

/* Each returns -1 when out of memory. */
int policy_var(struct policy_vars *v, const char *name, const char *value);
/* Declares an empty list (a template may use a list that has nothing in it). */
int policy_list(struct policy_vars *v, const char *name);
/* Appends to a list (declaring it); policy_set_add leaves out a value already there. */
int policy_list_add(struct policy_vars *v, const char *name, const char *value);
int policy_set_add(struct policy_vars *v, const char *name, const char *value);

/* The named template ("crawler", "trust-glue") rendered, as normalised JSON text (keys
 * sorted, no spaces: what res_json_normalise makes of what IAM answers). The caller frees it.
 * NULL with err on an unknown template or variable, mismatched rows, a policy left without
 * any statement, or no memory. */
char *policy_render(const char *template_name, const struct policy_vars *v, struct pw_error *err);


#endif
