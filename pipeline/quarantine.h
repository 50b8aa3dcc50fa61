/* quarantine.h — bad records, with the reason and where they came from, collected per batch
 * and written as one file to the lake's quarantine area (docs/transform.md §7). The file is
 * named by the digest of its content, so a replayed batch rewrites the same file instead of
 * adding a second one. */
#ifndef PW_QUARANTINE_H
#define PW_QUARANTINE_H

#include <stddef.h>

#include "pipeline/lake.h"

struct quarantine {
    struct buf lines;
    size_t n;
};

void quarantine_init(struct quarantine *q);
void quarantine_release(struct quarantine *q);

/* One bad record: text is the record (quoted as JSON when it parses as JSON, else as a
 * string); source/line/seq say where it was (any may be NULL/0). -1 only when out of memory. */
int quarantine_add(struct quarantine *q, const char *reason, const char *text, size_t len,
                   const char *source, long line, const char *seq);

/* Writes what was collected (nothing when empty) and empties it. */
int quarantine_flush(struct quarantine *q, struct lake *lake, struct pw_error *err);

#endif
