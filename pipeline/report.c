/* report.c — a run's counters as text or JSON (see report.h). */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "pipeline/report.h"

struct counter {
    const char *label;      /* text */
    const char *key;        /* json */
    uint64_t value;
};

/* The one list both renderings walk, so they never disagree. */
static size_t counters(const struct pipeline_report *r, struct counter out[24])
{
    size_t n = 0;
#define C(label, key, v) out[n++] = (struct counter){label, key, (uint64_t)(v)}
    C("records", "records", r->records);
    C("inserted", "inserted", r->inserted);
    C("modified", "modified", r->modified);
    C("removed", "removed", r->removed);
    C("quarantined", "quarantined", r->quarantined);
    C("empty", "empty", r->empty);
    C("unmatched", "unmatched", r->unmatched);
    C("rows written", "rows_written", r->rows_written);
    C("partitions written", "partitions_written", r->partitions_written);
    C("partitions removed", "partitions_removed", r->partitions_removed);
    C("partitions unchanged", "partitions_unchanged", r->partitions_unchanged);
    C("files written", "files_written", r->files_written);
    C("bytes written", "bytes_written", r->bytes_written);
    C("dimension items", "dimension_items", r->dimension_items);
    C("dimension changes", "dimension_changes", r->dimension_changes);
    C("old versions removed", "versions_removed", r->versions_removed);
    C("batches", "batches", r->batches);
#undef C
    return n;
}

int pipeline_report_text(const struct pipeline_report *r, struct buf *out)
{
    struct counter c[24];
    size_t n = counters(r, c);
    for (size_t i = 0; i < n; i++)
        if (buf_appendf(out, "%-22s %llu\n", c[i].label, (unsigned long long)c[i].value) < 0)
            return -1;
    if (r->first_seq[0] &&
        buf_appendf(out, "%-22s %s .. %s\n", "sequence numbers", r->first_seq, r->last_seq) < 0)
        return -1;
    for (size_t i = 0; i < r->n_shards; i++) {
        const struct report_shard *s = &r->shards[i];
        if (buf_appendf(out, "shard %s  %s .. %s (%llu records)\n", s->shard,
                        s->from[0] ? s->from : "start", s->to[0] ? s->to : "(nothing new)",
                        (unsigned long long)s->records) < 0)
            return -1;
    }
    if (r->shards_more && buf_appendf(out, "and %zu more shards\n", r->shards_more) < 0)
        return -1;
    return buf_appendf(out, "%-22s %.3f s\n", "duration", (double)r->duration_ms / 1000.0);
}

/* [{"shard", "from", "to", "records"}]: from "" is the shard's start, to "" nothing committed. */
static int shards_json(const struct pipeline_report *r, cJSON *j)
{
    cJSON *arr = cJSON_AddArrayToObject(j, "shards");
    for (size_t i = 0; arr && i < r->n_shards; i++) {
        const struct report_shard *s = &r->shards[i];
        cJSON *o = cJSON_CreateObject();
        if (!o)
            return -1;
        cJSON_AddItemToArray(arr, o);
        if (!cJSON_AddStringToObject(o, "shard", s->shard) ||
            !cJSON_AddStringToObject(o, "from", s->from) ||
            !cJSON_AddStringToObject(o, "to", s->to) ||
            !cJSON_AddNumberToObject(o, "records", (double)s->records))
            return -1;
    }
    return arr && cJSON_AddNumberToObject(j, "shards_more", (double)r->shards_more) ? 0 : -1;
}

int pipeline_report_json(const struct pipeline_report *r, struct buf *out)
{
    struct counter c[24];
    size_t n = counters(r, c);
    cJSON *j = cJSON_CreateObject();
    int rc = j ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (!cJSON_AddNumberToObject(j, c[i].key, (double)c[i].value))
            rc = -1;
    if (rc == 0 && (!cJSON_AddNumberToObject(j, "duration_ms", (double)r->duration_ms) ||
                    !cJSON_AddStringToObject(j, "first_sequence_number", r->first_seq) ||
                    !cJSON_AddStringToObject(j, "last_sequence_number", r->last_seq) ||
                    shards_json(r, j) < 0))
        rc = -1;
    char *text = rc == 0 ? cJSON_PrintUnformatted(j) : NULL;
    rc = text ? buf_appends(out, text) : -1;
    cJSON_free(text);
    cJSON_Delete(j);
    return rc;
}
