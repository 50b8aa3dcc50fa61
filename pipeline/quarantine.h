/* quarantine.h — bad records, with the reason and where they came from (docs/transform.md §7):
 * one line each, collected per batch and written as q-<digest>.jsonl.gz to the lake's
 * quarantine area. */
#ifndef PW_QUARANTINE_H
#define PW_QUARANTINE_H

#include <stddef.h>

#include "pipeline/jsonl_batch.h"

/* One bad record: text is the record (quoted as JSON when it parses as JSON, else as a
 * string); source/line/seq say where it was (any may be NULL/0). -1 only when out of memory. */
int quarantine_add(struct jsonl_batch *q, const char *reason, const char *text, size_t len,
                   const char *source, long line, const char *seq);

#endif
