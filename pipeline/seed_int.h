/* seed_int.h — private to the seed_*.c files: the checking context the readers and generators
 * hand their items to, and the steps seed_run chains. */
#ifndef PW_SEED_INT_H
#define PW_SEED_INT_H

#include <pthread.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pipeline/ddb_check.h"
#include "pipeline/seed.h"

/* One key seen, to find the same key given twice. */
struct seed_key {
    size_t off;                     /* in seed_ctx.keys */
    size_t len;
    int line;
    long record;
};

struct seed_ctx {
    struct seed_data *d;
    const struct spec_table *t;
    struct ddb_key_schema ks;
    const char *src;                /* the input's text, shown under problems (NULL: generated) */
    size_t src_len;
    int src_shown;                  /* the diagnostics list holds it already */
    struct buf keys;                /* every canonical key, one after another */
    struct seed_key *seen;
    size_t n_seen, cap_seen;
    size_t *slots;                  /* open addressing over seen: index + 1, 0 is empty */
    size_t n_slots;
    struct buf key;                 /* scratch: the key of the item being added */
    const char *record_word;        /* "record", "row", "item": how problems name an item */
};

/* The table's key as ddb_check wants it. */
void seed_key_schema(const struct spec_table *t, struct ddb_key_schema *ks);

int seed_ctx_init(struct seed_ctx *x, struct seed_data *d, const struct spec_table *t);
void seed_ctx_release(struct seed_ctx *x);

/* Records a problem at loc (line 0: no position), prefixed with the item's number when record
 * is > 0. Counted always, kept while fewer than SEED_MAX_PROBLEMS are. */
void seed_problem(struct seed_ctx *x, struct spec_loc loc, long record, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Checks an item in DynamoDB JSON and stores its text; a problem (invalid value, key given
 * before) is recorded at loc and reading goes on. -1 only when out of memory. */
int seed_add(struct seed_ctx *x, const cJSON *item, struct spec_loc loc, long record);

/* seed_input.c: JSON, JSON Lines and DynamoDB JSON. */
int seed_read_json(struct seed_ctx *x, const char *text, size_t len, enum seed_format f,
                   struct pw_error *err);
/* seed_csv.c: a header row, then items typed by the table's seed.columns and key. */
int seed_read_csv(struct seed_ctx *x, const char *text, size_t len, struct pw_error *err);
/* Line and character column (1-based) of byte offsets into an input, for offsets that mostly
 * grow: seed_pos_at(p, off) moves p forward to off. */
struct seed_pos {
    const char *text;
    size_t off;                     /* where line and col are */
    int line, col;
    size_t start;                   /* the first byte of line 1 (after a byte-order mark) */
};
struct spec_loc seed_pos_at(struct seed_pos *p, size_t off);

/* seed_gen.c: n items from the table's generator. */
int seed_generate(struct seed_ctx *x, long n, uint64_t seed, struct pw_error *err);
/* Days since 1970-01-01 of a valid "YYYY-MM-DD". */
long seed_days_from_date(const char *ymd);
/* 1 when text is an ISO 8601 date or date-time (YYYY-MM-DD, optionally followed by T or a
 * space, HH:MM[:SS[.fraction]] and Z or an offset). */
int seed_iso8601_valid(const char *text);

/* seed_write.c: every item of d, BatchWriteItem, o->parallel requests in flight. */
int seed_write(struct aws_client *c, const char *table, const struct seed_data *d,
               const struct seed_options *o, struct seed_report *rep, struct pw_error *err);

/* seed_mutate.c: o->mutate modifications and deletions of the table's items. */
int seed_mutate(struct aws_client *c, const char *table, const struct spec_table *t,
                const struct seed_options *o, struct seed_report *rep, struct pw_error *err);

/* Shared by the writer and the mutator: the worker threads' progress, one call at a time. */
struct seed_meter {
    pthread_mutex_t lock;
    const struct seed_options *o;
    const char *phase;
    size_t done, total;
    long start_ms, last_ms;
};
void seed_meter_init(struct seed_meter *m, const struct seed_options *o, const char *phase,
                     size_t total);
void seed_meter_add(struct seed_meter *m, size_t n);   /* n more done; reports at most every 100 ms */
void seed_meter_finish(struct seed_meter *m);          /* the last report */
void seed_meter_release(struct seed_meter *m);

/* Sleeps before resend `attempt` (1, 2, ...): full jitter over 50 ms * 2^attempt, capped at 5 s. */
void seed_backoff(uint64_t *state, int attempt);

#endif
