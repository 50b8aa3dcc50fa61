/* changelog.h — the change log of `output.mode: changes`: every change of the source table as
 * one line, append-only, beside the current-state table (docs/transform.md §7):
 *
 *   {"op":"MODIFY","sequenceNumber":"...","approximateCreationDateTime":1704067200,
 *    "keys":{"orderid":"o1"},"newImage":{...}}
 *
 * keys and newImage are plain JSON (numbers exact); newImage is null for REMOVE. One object per
 * batch, named by the batch's first and last sequence numbers, so a batch replayed the same way
 * rewrites the same object. */
#ifndef PW_CHANGELOG_H
#define PW_CHANGELOG_H

#include "pipeline/change.h"
#include "pipeline/jsonl_batch.h"

/* One change; -1 only when out of memory. */
int changelog_add(struct jsonl_batch *log, const struct change *c);

#endif
