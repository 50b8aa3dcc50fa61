/* jsonl_batch.h — JSON lines collected during a batch and written as one gzip object beside the
 * table (the quarantine, the change log). The object's name comes from its content (or the
 * caller's range), so a batch replayed after a crash writes the same object again instead of
 * adding a second one. */
#ifndef PW_JSONL_BATCH_H
#define PW_JSONL_BATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "pipeline/lake.h"

struct jsonl_batch {
    struct buf lines;
    size_t n;
    enum lake_area area;
    const char *stem;           /* the object's name starts with it: "q", "c" */
};

void jsonl_batch_init(struct jsonl_batch *b, enum lake_area area, const char *stem);
void jsonl_batch_release(struct jsonl_batch *b);

/* One line: obj printed (obj stays the caller's). -1 only when out of memory. */
int jsonl_batch_add(struct jsonl_batch *b, const cJSON *obj);

/* Writes what was collected (nothing when empty) as "<stem>-<name>.jsonl.gz", name being the
 * first 16 hex digits of the content's sha-256 when NULL; then empties it. */
int jsonl_batch_flush(struct jsonl_batch *b, struct lake *lake, const char *name,
                      struct pw_error *err);

#endif
