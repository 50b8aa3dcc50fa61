/* readahead.c — records read and parsed ahead on a thread (see readahead.h).
 *
 * The thread fills slots of a small ring in order, RA_RECORDS records (or RA_TEXT bytes of
 * text) each, and the caller empties them in the same order; a slot is the thread's while
 * free and the caller's while full, handed over under the mutex. A few slots bound the memory
 * (parsed trees are about ten times their text) and keep both sides busy. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/input.h"
#include "pipeline/readahead.h"
#include "provision/aws/buf.h"

#define RA_SLOTS 4
#define RA_RECORDS 64
#define RA_TEXT ((size_t)1 << 20)

struct ra_entry {
    size_t off, len;
    long lineno;
    int over;
    cJSON *json;
    void *prep;
};

struct ra_slot {
    struct buf text;
    struct ra_entry e[RA_RECORDS];
    size_t n;
    int full;               /* the caller's */
    int last;               /* the input ends after this slot (at its end or at an error) */
    int failed;
    struct pw_error err;
};

struct readahead {
    struct input in;
    struct ra_prepare prep;     /* .prepare NULL: parsing only */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;               /* the caller is closing */
    struct ra_slot slot[RA_SLOTS];
    size_t take;            /* the slot the caller reads, and its next entry */
    size_t next;
    int holding;            /* the caller holds slot[take] (its lines are being used) */
};

/* The thread's side: fills slot s, preparing its records when prepare; 1 when the input
 * ended (or failed) in it. */
static int fill(struct readahead *ra, struct ra_slot *s, int prepare)
{
    const char *line;
    size_t len;
    int got = 1;
    for (size_t k = 0; k < s->n; k++)       /* the trees the caller had from this slot */
        cJSON_Delete(s->e[k].json);
    buf_reset(&s->text);
    s->n = 0;
    while (s->n < RA_RECORDS && s->text.len < RA_TEXT &&
           (got = input_next(&ra->in, &line, &len, &s->err)) > 0) {
        struct ra_entry *e = &s->e[s->n];
        e->off = s->text.len;
        e->len = len;
        e->lineno = ra->in.line;
        e->over = got == 2;
        if (buf_append(&s->text, line, len) < 0) {
            got = pw_fail(&s->err, PW_EXIT_FAILED, "out of memory");
            break;
        }
        e->json = e->over ? NULL : cJSON_ParseWithLength(line, len);
        e->prep = prepare && e->json ? ra->prep.prepare(ra->prep.ctx, e->json) : NULL;
        s->n++;
    }
    s->failed = got < 0;
    s->last = got <= 0;
    return s->last;
}

static void *reader(void *arg)
{
    struct readahead *ra = arg;
    for (size_t i = 0;; i = (i + 1) % RA_SLOTS) {
        struct ra_slot *s = &ra->slot[i];
        pthread_mutex_lock(&ra->mu);
        while (s->full && !ra->stop)
            pthread_cond_wait(&ra->cv, &ra->mu);
        int stop = ra->stop;
        size_t waiting = 0;
        for (size_t k = 0; k < RA_SLOTS; k++)
            waiting += ra->slot[k].full;
        pthread_mutex_unlock(&ra->mu);
        if (stop)
            break;
        /* The work balances itself: while the caller has full slots waiting it is the slower
         * side, so this slot is prepared here too; when it has none, it is waiting for
         * records, and gets them as soon as they are parsed. */
        int last = fill(ra, s, ra->prep.prepare && waiting > 0);
        pthread_mutex_lock(&ra->mu);
        s->full = 1;
        pthread_cond_broadcast(&ra->cv);
        pthread_mutex_unlock(&ra->mu);
        if (last)
            break;
    }
    return NULL;
}

int readahead_open(const char *path, const struct ra_prepare *prep, struct readahead **out,
                   struct pw_error *err)
{
    struct readahead *ra = calloc(1, sizeof *ra);
    if (!ra)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (prep)
        ra->prep = *prep;
    if (input_open(&ra->in, path, err) < 0) {
        free(ra);
        return -1;
    }
    for (size_t i = 0; i < RA_SLOTS; i++)
        buf_init(&ra->slot[i].text, SIZE_MAX);
    pthread_mutex_init(&ra->mu, NULL);
    pthread_cond_init(&ra->cv, NULL);
    if (pthread_create(&ra->thread, NULL, reader, ra) != 0) {
        pthread_mutex_destroy(&ra->mu);
        pthread_cond_destroy(&ra->cv);
        input_close(&ra->in);
        free(ra);
        return pw_fail(err, PW_EXIT_FAILED, "cannot start a thread to read '%s'", path);
    }
    *out = ra;
    return 0;
}

/* Gives the slot the caller finished back to the thread. */
static void release(struct readahead *ra)
{
    struct ra_slot *s = &ra->slot[ra->take];
    pthread_mutex_lock(&ra->mu);
    s->full = 0;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    ra->holding = 0;
    ra->next = 0;
    ra->take = (ra->take + 1) % RA_SLOTS;
}

int readahead_next(struct readahead *ra, struct ra_record *rec, struct pw_error *err)
{
    for (;;) {
        struct ra_slot *s = &ra->slot[ra->take];
        if (!ra->holding) {
            pthread_mutex_lock(&ra->mu);
            while (!s->full)
                pthread_cond_wait(&ra->cv, &ra->mu);
            pthread_mutex_unlock(&ra->mu);
            ra->holding = 1;
        }
        if (ra->next < s->n) {
            struct ra_entry *e = &s->e[ra->next++];
            rec->line = s->text.data + e->off;
            rec->len = e->len;
            rec->lineno = e->lineno;
            rec->over = e->over;
            rec->json = e->json;
            rec->prep = e->prep;
            e->prep = NULL;         /* the caller's now; the tree stays the slot's */
            return 1;
        }
        if (s->last) {
            if (s->failed)
                *err = s->err;
            return s->failed ? -1 : 0;
        }
        release(ra);
    }
}

void readahead_close(struct readahead *ra)
{
    if (!ra)
        return;
    pthread_mutex_lock(&ra->mu);
    ra->stop = 1;
    pthread_cond_broadcast(&ra->cv);
    pthread_mutex_unlock(&ra->mu);
    pthread_join(ra->thread, NULL);
    for (size_t i = 0; i < RA_SLOTS; i++) {
        struct ra_slot *s = &ra->slot[i];
        for (size_t k = 0; k < s->n; k++) {
            cJSON_Delete(s->e[k].json);
            /* what the caller did not take */
            if (s->e[k].prep)
                ra->prep.discard(ra->prep.ctx, s->e[k].prep);
        }
        buf_release(&s->text);
    }
    pthread_mutex_destroy(&ra->mu);
    pthread_cond_destroy(&ra->cv);
    input_close(&ra->in);
    free(ra);
}
