/* change.h — one change of a table, whatever it came from: a DynamoDB Streams record (as
 * GetRecords returns it, or as a line of a file of such records) or a line of a DynamoDB
 * export. The state applies changes; it never sees the shape they arrived in.
 *
 * Everything points into the parsed record and the caller's text: a change lives as long as
 * they do. */
#ifndef PW_CHANGE_H
#define PW_CHANGE_H

#include <stddef.h>

#include <cjson/cJSON.h>

enum change_op {
    CHANGE_INSERT,
    CHANGE_MODIFY,
    CHANGE_REMOVE,
    CHANGE_ITEM,        /* an export line: the item as it is (a backfill) */
};

struct change {
    enum change_op op;
    const cJSON *keys;          /* attributes holding the key: Keys, or the item */
    const cJSON *new_image;     /* NULL for REMOVE */
    const cJSON *old_image;     /* NULL when the stream carries none */
    const char *seq;            /* SequenceNumber, or NULL */
    double approx_time;         /* ApproximateCreationDateTime (seconds), 0 when absent */
    /* The record: json as parsed; record its text, kept in the lake's state and quoted in the
     * quarantine. Without the text (a record of a GetRecords answer), the state prints json. */
    const cJSON *json;
    const char *record;
    size_t record_len;
    /* where it came from, for the quarantine: a file and line, or a shard */
    const char *source;
    long line;                  /* 0 when not from a file */
};

/* "INSERT", "MODIFY", "REMOVE", "ITEM". */
const char *change_op_name(enum change_op op);

/* Reads a parsed record (a stream record or an export line) into c (c->json = rec); record,
 * source and line are left for the caller. 0, or 1 with why when it is neither. */
int change_from_json(const cJSON *rec, struct change *c, char *why, size_t n_why);

#endif
