/* seed.h — `pipewright seed`: load data into a table the spec declares (docs/seed.md).
 *
 * Two steps, so that nothing is sent before everything is known to be right:
 *   seed_prepare  reads the input (JSON, JSON Lines, DynamoDB JSON, CSV) or runs the table's
 *                 generator, and checks every item against DynamoDB's rules and the table's key
 *                 (ddb_check.h) and for keys given twice. Offline: no AWS call at all.
 *   seed_run      checks that the table exists, is the stack's and has the spec's key, writes
 *                 the items with BatchWriteItem (25 per request, several requests in flight,
 *                 UnprocessedItems resent with capped exponential backoff), then applies the
 *                 requested modifications and deletions (--mutate). */
#ifndef PW_SEED_H
#define PW_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "provision/aws/client.h"
#include "provision/spec/diag.h"
#include "provision/spec/spec.h"
#include "provision/stack.h"

#define SEED_BATCH 25               /* BatchWriteItem's limit */
#define SEED_DEFAULT_PARALLEL 8
#define SEED_MAX_PARALLEL 64
#define SEED_DEFAULT_RETRY_MS 120000
#define SEED_MAX_PROBLEMS 20        /* kept for display; every one is counted */
#define SEED_MAX_INPUT ((size_t)4 << 30)

enum seed_format {
    SEED_FORMAT_AUTO,               /* from the file's extension, then its content */
    SEED_FORMAT_JSON,               /* plain values: an array, or objects one after another */
    SEED_FORMAT_JSONL,              /* the same reader: one object per line is JSON Lines */
    SEED_FORMAT_DDB_JSON,           /* DynamoDB JSON: items, {"Item": ...} lines, {"Items": [...]} */
    SEED_FORMAT_CSV,                /* a header row, then one item per row, typed by seed.columns */
};

/* "json", "jsonl", "ddb-json", "csv" → format; -1 for anything else. */
int seed_format_parse(const char *name, enum seed_format *out);
const char *seed_format_name(enum seed_format f);

struct seed_progress {
    const char *phase;              /* "writing", "mutating" */
    size_t done, total;
    long elapsed_ms;
};

struct seed_options {
    const char *table;              /* the table's id in the spec (--table) */
    const char *from;               /* file to load, "-" for standard input, NULL for none */
    enum seed_format format;
    long generate;                  /* items to make with the table's generator; 0: none */
    uint64_t seed;                  /* the generator's and the mutations' seed */
    long mutate;                    /* modifications and deletions to apply; 0: none */
    int parallel;                   /* requests in flight; 0: SEED_DEFAULT_PARALLEL */
    long retry_ms;                  /* a batch that makes no progress this long fails; 0: default */
    /* Called from the writing threads, one call at a time, at most every 100 ms and at the end. */
    void (*progress)(void *ctx, const struct seed_progress *p);
    void *progress_ctx;
};

/* The checked items, ready to send. */
struct seed_data {
    const struct spec_table *table;
    enum seed_format format;        /* what the input was read as; AUTO for generated items */
    char source[512];               /* "data/us.csv", "standard input", "the orders generator" */
    struct buf items;               /* every item's DynamoDB JSON, each NUL-terminated */
    size_t *offs;                   /* item i starts at items.data + offs[i] */
    size_t n, cap;
    uint64_t bytes;                 /* the items' sizes by DynamoDB's rule, summed */
    struct diag_list problems;      /* what is wrong with the input, at FILE:LINE:COL */
    size_t n_problems;              /* every problem found; the list keeps SEED_MAX_PROBLEMS */
};

void seed_data_init(struct seed_data *d);
void seed_data_release(struct seed_data *d);

/* 0 when every item is valid. -1 with err: problems in the data (d->problems lists them;
 * PW_EXIT_FAILED, "N problems in FILE: nothing was written"), an unreadable file, an unknown
 * table or a generator the table has not declared (PW_EXIT_USAGE), out of memory. */
int seed_prepare(const struct spec *spec, const struct seed_options *o, struct seed_data *d,
                 struct pw_error *err);

struct seed_report {
    char table[256];                /* the table's AWS name */
    size_t items;                   /* to write */
    size_t written, failed;         /* failed: not written when the run ended */
    size_t requests;                /* BatchWriteItem requests that got an answer or failed */
    size_t resent;                  /* items sent again after an UnprocessedItems answer */
    size_t throttled;               /* requests refused whole (throttling, 5xx), then resent */
    long write_ms;
    size_t scanned;                 /* --mutate: items read */
    size_t modified, deleted;
    size_t gone;                    /* --mutate: items deleted by someone else meanwhile */
    size_t mutate_failed;
    long mutate_ms;
    char error[1200];               /* the first failure, "" when none */
};

/* 0 when everything was written and applied. -1 with err when the table cannot be used (missing,
 * not the stack's, another key) — nothing was sent then — or when items or mutations failed:
 * rep says how many, err gives the first cause. */
int seed_run(struct aws_client *c, const struct stack *st, const struct seed_data *d,
             const struct seed_options *o, struct seed_report *rep, struct pw_error *err);

/* The result for people (one line per step) and as one JSON object. rep NULL: a dry run. */
int seed_render_text(const struct seed_data *d, const struct seed_options *o,
                     const struct seed_report *rep, struct buf *out);
int seed_render_json(const struct seed_data *d, const struct seed_options *o,
                     const struct seed_report *rep, const struct pw_error *err, struct buf *out);

#endif
