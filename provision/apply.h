/* apply.h — `up`: carry out a plan level by level (roles, then buckets/tables/topics, then
 * artifacts, then Glue, then schedules), the resources of one level in parallel. A resource
 * is usable when its create returns (a table ACTIVE on two reads in a row, its stream known).
 *
 * Nothing is changed when the plan cannot be carried out whole: a foreign resource without
 * --adopt, a replacement without --allow-replace, a change pipewright cannot make, a resource
 * that could not be read. When a level fails, later levels are not started: they may depend
 * on what failed. */
#ifndef PW_APPLY_H
#define PW_APPLY_H

#include "provision/plan.h"

enum apply_outcome {
    APPLY_NOTHING,       /* nothing to do (no change, foreign left alone, unsupported) */
    APPLY_DONE,
    APPLY_FAILED,
    APPLY_NOT_STARTED,   /* an earlier level failed */
};

struct apply_event {
    const struct plan_item *item;
    const char *what;            /* "creating", "created", "updating", ..., "failed" */
    int finished;                /* 0: starting ("creating"), 1: done or failed */
    long ms;                     /* for the finishing events */
    const struct pw_error *err;  /* for "failed" */
};

struct apply_options {
    int allow_replace;
    int threads;                 /* 0 = a default */
    /* Called from worker threads, one call per event; may be NULL. */
    void (*progress)(void *ctx, const struct apply_event *ev);
    void *progress_ctx;
};

struct apply_result {
    enum apply_outcome *outcome;  /* per plan item */
    struct pw_error *errs;        /* per plan item, for APPLY_FAILED */
    size_t done, failed, not_started;
};

void apply_result_init(struct apply_result *res);
void apply_result_release(struct apply_result *res);

/* Checks that the plan can be carried out whole; -1 with every reason in err when not. */
int apply_check(const struct plan *p, const struct apply_options *o, struct pw_error *err);

/* apply_check, then every change. 0 when every change was made; -1 when the check refused
 * (nothing changed) or some change failed (res says which, err names the first). */
int apply_run(struct aws_client *c, const struct plan *p, const struct apply_options *o,
              struct apply_result *res, struct pw_error *err);

/* The outcome per resource: text ("+ table.orders (OrderTable-dev): created") or JSON (the
 * plan's resources with "outcome" and "error", "ok", and "refused" with apply_check's reason).
 * res is NULL when nothing was run; refused is NULL unless apply_check refused. */
const char *apply_outcome_name(enum apply_outcome o);
int apply_render_text(const struct plan *p, const struct apply_result *res, struct buf *out);
int apply_render_json(const struct plan *p, const struct apply_result *res,
                      const struct pw_error *refused, struct buf *out);

#endif
