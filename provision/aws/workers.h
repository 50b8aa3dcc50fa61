/* workers.h — independent multi-request tasks in parallel: a few threads, each with its own
 * aws_client (its own connection pool: curl handles are not shared across threads), all
 * using credentials resolved once on the calling thread. Used where a task is a sequence of
 * dependent requests (read a table, then its TTL, then its tags), so a batch of single
 * requests (aws_send_all) does not fit. */
#ifndef PW_WORKERS_H
#define PW_WORKERS_H

#include <stddef.h>

#include "provision/aws/client.h"

typedef int (*worker_fn)(struct aws_client *c, void *task, struct pw_error *err);

struct worker_result {
    int rc;                  /* what fn returned */
    struct pw_error err;     /* filled when rc < 0 */
};

/* Runs fn(task[i]) for every i on up to nthreads threads (tasks are taken in order, so a
 * caller that orders tasks by cost gets the best packing). `base` supplies the configuration
 * and the credentials (resolved here, once, if not yet). Returns 0 when every task ran
 * (whatever each returned), -1 when the workers could not be started. */
int workers_run(struct aws_client *base, int nthreads, worker_fn fn, void *const *tasks, size_t n,
                struct worker_result *results, struct pw_error *err);

#endif
