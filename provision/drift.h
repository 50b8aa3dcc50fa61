/* drift.h — does AWS still match the spec? Every resource read in parallel (through a plan) and
 * reported IN_SYNC, MODIFIED (property, expected, actual), MISSING or NOT_CHECKED. A read that
 * failed or was throttled, and a kind pipewright does not read yet, are NOT_CHECKED: never
 * "in sync". A resource that exists without the stack's tag is MODIFIED (its tags differ). */
#ifndef PW_DRIFT_H
#define PW_DRIFT_H

#include "provision/plan.h"

enum drift_status { DRIFT_IN_SYNC, DRIFT_MODIFIED, DRIFT_MISSING, DRIFT_NOT_CHECKED };

struct drift_report {
    struct plan plan;            /* items' diffs hold the drift, minus the ignored properties */
    enum drift_status *status;   /* per plan item */
    size_t ignored;              /* differences left out by --ignore */
};

/* ignores: "ADDRESS.PROPERTY" patterns (table.orders.billing, bucket.lake.tags[team],
 * topic.events.subscription); a property covers what is below it. An address the stack does not
 * have is a usage error (a typo must not silently ignore nothing). */
int drift_check(struct aws_client *c, const struct stack *st, const char *const *ignores,
                size_t n_ignores, struct drift_report *rep, struct pw_error *err);
void drift_report_release(struct drift_report *rep);

const char *drift_status_name(enum drift_status s);   /* "IN_SYNC", ... */
size_t drift_count(const struct drift_report *rep, enum drift_status s);
/* 0 in sync, 2 drift, 1 when something could not be checked (the answer is incomplete). */
int drift_exit(const struct drift_report *rep);

int drift_render_text(const struct drift_report *rep, struct buf *out);
int drift_render_json(const struct drift_report *rep, struct buf *out);
/* JUnit XML: one test case per resource, a failure per drifted one, an error per unchecked
 * one, so any CI shows the result natively. */
int drift_render_junit(const struct drift_report *rep, struct buf *out);

#endif
