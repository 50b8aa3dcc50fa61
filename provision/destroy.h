/* destroy.h — `down`: delete what the stack owns, in reverse dependency order, each level in
 * parallel.
 *
 * Before deleting anything: every resource is read, and down refuses — deleting nothing — when
 * one could not be read, when a bucket holds objects (or versions, or delete markers) or a table
 * holds items, or when a table has deletion protection, unless delete_data. With delete_data,
 * buckets are emptied of every version and delete marker (batches of 1000) and deletion
 * protection is turned off first. A resource without the stack's tag is never deleted. */
#ifndef PW_DESTROY_H
#define PW_DESTROY_H

#include "provision/apply.h"
#include "provision/plan.h"

enum destroy_state {
    DESTROY_ABSENT,          /* nothing with that name */
    DESTROY_FOREIGN,         /* exists without our tag: left alone */
    DESTROY_UNSUPPORTED,     /* a kind pipewright does not provision: not looked at */
    DESTROY_UNREAD,          /* could not be read: down refuses */
    DESTROY_PENDING,         /* ours, to delete */
    DESTROY_DELETED,
    DESTROY_FAILED,
    DESTROY_NOT_STARTED,     /* a later level failed (so what depends on this may still exist) */
};

struct destroy_options {
    int delete_data;
    int threads;
    void (*progress)(void *ctx, const struct apply_event *ev);   /* from worker threads */
    void *progress_ctx;
};

struct destroy_report {
    struct plan plan;
    enum destroy_state *state;   /* per plan item */
    int *holds_data;             /* per item: 1 when it held data */
    int *protected;              /* per item: 1 when deletion protection was on */
    struct pw_error *errs;       /* per item: why DESTROY_UNREAD / DESTROY_FAILED */
    int refused;                 /* 1: nothing was deleted, err says why */
    size_t deleted, failed;
};

/* 0 when every owned resource was deleted; -1 when down refused (rep->refused, nothing deleted)
 * or some deletion failed; err says which. rep is filled in both cases when it could be made. */
int destroy_run(struct aws_client *c, const struct stack *st, const struct destroy_options *o,
                struct destroy_report *rep, struct pw_error *err);
void destroy_report_release(struct destroy_report *rep);

const char *destroy_state_name(enum destroy_state s);
int destroy_render_text(const struct destroy_report *rep, struct buf *out);
int destroy_render_json(const struct destroy_report *rep, struct buf *out);

#endif
