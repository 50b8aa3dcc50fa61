/* trigger.h — Glue triggers, shared by the schedule kind (via: glue-trigger, a standalone
 * SCHEDULED trigger) and the workflow kind (a starting trigger and one CONDITIONAL trigger
 * per later step).
 *
 * A trigger's properties, under a prefix ("" or "trigger[NAME]."):
 *   type = SCHEDULED | CONDITIONAL | ON_DEMAND
 *   schedule = cron(...)                       SCHEDULED only
 *   actions = crawler:NAME, job:NAME           sorted
 *   when = crawler:NAME SUCCEEDED, job:NAME SUCCEEDED   CONDITIONAL only: all of them, sorted
 *   enabled = true | false                      not for ON_DEMAND, which is never "started"
 *   workflow = NAME                             only when AWS says it is in one and the
 *                                               declaration is not (or another one)
 *
 * Changing a trigger: Glue's UpdateTrigger answers 500 on moto, and a trigger holds no data
 * (its jobs and crawlers and their runs are untouched), so a trigger that differs in anything
 * but its state is deleted and created again; a change of `enabled` alone is StartTrigger or
 * StopTrigger. Triggers carry the tags of the resource that declares them. */
#ifndef PW_TRIGGER_H
#define PW_TRIGGER_H

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

struct trigger_def {
    const char *name;
    const char *workflow;               /* NULL: standalone */
    const char *type;                   /* "SCHEDULED", "CONDITIONAL", "ON_DEMAND" */
    const char *schedule;               /* SCHEDULED */
    const struct spec_ref *actions;
    size_t n_actions;
    const struct spec_ref *after;       /* CONDITIONAL: each must have succeeded */
    size_t n_after;
    int enabled;
};

/* The declared properties, under prefix. */
int trigger_desired(const struct trigger_def *t, const char *prefix, struct kvlist *props);
/* The properties of a Trigger object as GetTrigger and GetTriggers answer it; workflow is
 * the declared one (NULL: standalone), to report a trigger that lives elsewhere. */
int trigger_actual(const cJSON *trigger, const char *workflow, const char *prefix,
                   struct kvlist *props);

/* CreateTrigger, tagged as r, activated unless ON_DEMAND or disabled. */
int trigger_create(struct aws_client *c, const struct resource *r, const struct trigger_def *t,
                   struct pw_error *err);
/* DeleteTrigger; a trigger already gone is not an error. */
int trigger_delete(struct aws_client *c, const char *name, struct pw_error *err);
/* StartTrigger or StopTrigger. */
int trigger_set_enabled(struct aws_client *c, const char *name, int enabled, struct pw_error *err);

#endif
