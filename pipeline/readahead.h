/* readahead.h — the records of an input file, read and parsed as JSON on a thread of their
 * own while the caller applies the ones before: parsing is a fifth of a file run's work, and
 * this way it runs on the second core. Records come out in file order, exactly as input_next
 * gives them; the caller sees no thread.
 *
 * cJSON parses on two threads at once here (the caller parses too: quarantine, state). Its
 * README's terms for that hold: no cJSON_InitHooks after start, no setlocale, and no
 * cJSON_GetErrorPtr (only `pipewright api` uses it, and it never reads ahead). */
#ifndef PW_READAHEAD_H
#define PW_READAHEAD_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/error.h"

struct readahead;

/* More work for the thread than parsing: prepare(ctx, json) makes what the caller gets as the
 * record's prep (NULL: nothing made, the caller does the work itself); discard frees one the
 * caller never took. The thread prepares a slot's records when the caller has others
 * waiting (it is the slower side then), so the two share the work; prepare runs on the thread
 * only, and must give what the caller would compute itself. */
struct ra_prepare {
    void *(*prepare)(void *ctx, const cJSON *json);
    void (*discard)(void *ctx, void *prep);
    void *ctx;
};

struct ra_record {
    const char *line;       /* the record (without its line end), valid until the next call */
    size_t len;
    long lineno;
    int over;               /* longer than INPUT_MAX_RECORD: line is its start only */
    const cJSON *json;      /* its parse, valid until the next call (the thread frees it,
                             * in its own heap arena); NULL: not valid JSON (or over) */
    void *prep;             /* what ra_prepare made of it, the caller's; or NULL */
};

/* prep may be NULL (parsing only). */
int readahead_open(const char *path, const struct ra_prepare *prep, struct readahead **ra,
                   struct pw_error *err);
/* 1 with the next record, 0 at the end, -1 when the file could not be read (err says why). */
int readahead_next(struct readahead *ra, struct ra_record *rec, struct pw_error *err);
/* Stops the thread (at any point) and frees what the caller did not take. NULL is fine. */
void readahead_close(struct readahead *ra);

#endif
