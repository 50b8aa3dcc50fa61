/* report.h — what a pipeline run did: the counters of docs/transform.md §8, rendered as text
 * (the summary a run prints, and the body of its notification) or as JSON. */
#ifndef PW_REPORT_H
#define PW_REPORT_H

#include <stdint.h>

#include "provision/aws/buf.h"

#define REPORT_SHARDS_MAX 32

struct pipeline_report {
    uint64_t records;               /* records read */
    uint64_t inserted, modified, removed;
    uint64_t quarantined;
    uint64_t empty;                 /* items with a missing or empty array */
    uint64_t unmatched;             /* rows without a dimension match */
    uint64_t rows_written;
    uint64_t partitions_written, partitions_removed, partitions_unchanged;
    uint64_t files_written, bytes_written;
    uint64_t dimension_items, dimension_changes;
    uint64_t versions_removed;      /* old versions whose grace period was over */
    uint64_t batches;
    int64_t duration_ms;
    char first_seq[64], last_seq[64];  /* sequence numbers of the first and last records, or "" */
    /* Reading the stream: the checkpoint range of each shard this run took (from: the checkpoint
     * it started at, "" for the shard's start; to: the last one it committed, "" for none). A
     * run over more shards than fit lists the first ones and counts the rest. */
    struct report_shard {
        char shard[80];
        char from[48], to[48];
        uint64_t records;
    } shards[REPORT_SHARDS_MAX];
    size_t n_shards, shards_more;
};

/* "name  value" lines, one per counter. */
int pipeline_report_text(const struct pipeline_report *r, struct buf *out);
/* One JSON object; the keys of docs/transform.md §8. */
int pipeline_report_json(const struct pipeline_report *r, struct buf *out);

#endif
