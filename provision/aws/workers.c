#include "provision/aws/workers.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct pool {
    pthread_mutex_t lock;
    size_t next;              /* next task to take; guarded by lock */
    size_t n;
    worker_fn fn;
    void *const *tasks;
    struct worker_result *results;
};

struct worker {
    struct pool *pool;
    struct aws_client client;
    pthread_t thread;
};

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;
    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i == p->n)
            return NULL;
        pw_error_clear(&p->results[i].err);
        p->results[i].rc = p->fn(&w->client, p->tasks[i], &p->results[i].err);
    }
}

int workers_run(struct aws_client *base, int nthreads, worker_fn fn, void *const *tasks, size_t n,
                struct worker_result *results, struct pw_error *err)
{
    const struct aws_credentials *creds;
    if (aws_client_credentials(base, &creds, err) < 0)
        return -1;
    if (nthreads < 1)
        nthreads = 1;
    if ((size_t)nthreads > n)
        nthreads = n ? (int)n : 1;

    struct pool p = {.n = n, .fn = fn, .tasks = tasks, .results = results};
    struct worker *ws = calloc((size_t)nthreads, sizeof *ws);
    int made = 0, started = 0, rc = -1;
    if (!ws)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    pthread_mutex_init(&p.lock, NULL);
    /* Clients are made here, on one thread: curl's global set-up is not thread-safe. */
    for (; made < nthreads; made++) {
        ws[made].pool = &p;
        if (aws_client_init(&ws[made].client, base->cfg, err) < 0 ||
            aws_client_use_credentials(&ws[made].client, creds, err) < 0) {
            aws_client_release(&ws[made].client);
            goto out;
        }
    }
    for (; started < nthreads; started++)
        if (pthread_create(&ws[started].thread, NULL, worker_main, &ws[started]) != 0) {
            pw_fail(err, PW_EXIT_FAILED, "cannot start a worker thread");
            break;
        }
    if (started == 0)
        goto out;
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    rc = 0;
out:
    for (int i = 0; i < made; i++)
        aws_client_release(&ws[i].client);
    pthread_mutex_destroy(&p.lock);
    free(ws);
    return rc;
}
