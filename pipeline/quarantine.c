/* quarantine.c — the quarantine's record of a bad record (see quarantine.h). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/quarantine.h"

int quarantine_add(struct jsonl_batch *q, const char *reason, const char *text, size_t len,
                   const char *source, long line, const char *seq)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *record = text ? cJSON_ParseWithLength(text, len) : NULL;
    int rc = -1;
    if (!o)
        goto done;
    if (!record && text) {
        char *copy = strndup(text, len);
        record = copy ? cJSON_CreateString(copy) : NULL;
        free(copy);
    }
    if (!cJSON_AddStringToObject(o, "reason", reason) ||
        (source && !cJSON_AddStringToObject(o, "source", source)) ||
        (line > 0 && !cJSON_AddNumberToObject(o, "line", (double)line)) ||
        (seq && !cJSON_AddStringToObject(o, "sequenceNumber", seq)))
        goto done;
    if (record) {
        cJSON_AddItemToObject(o, "record", record);
        record = NULL;
    }
    rc = jsonl_batch_add(q, o);
done:
    cJSON_Delete(record);
    cJSON_Delete(o);
    return rc;
}
