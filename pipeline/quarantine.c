/* quarantine.c — bad records collected and written (see quarantine.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pipeline/gzstream.h"
#include "pipeline/quarantine.h"
#include "provision/aws/sigv4.h"

void quarantine_init(struct quarantine *q)
{
    buf_init(&q->lines, (size_t)1 << 30);
    q->n = 0;
}

void quarantine_release(struct quarantine *q)
{
    if (q)
        buf_release(&q->lines);
}

int quarantine_add(struct quarantine *q, const char *reason, const char *text, size_t len,
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
    char *out = cJSON_PrintUnformatted(o);
    if (out) {
        rc = buf_appends(&q->lines, out) == 0 && buf_appendc(&q->lines, '\n') == 0 ? 0 : -1;
        cJSON_free(out);
        q->n += rc == 0;
    }
done:
    cJSON_Delete(record);
    cJSON_Delete(o);
    return rc;
}

int quarantine_flush(struct quarantine *q, struct lake *lake, struct pw_error *err)
{
    if (!q->n)
        return 0;
    char hex[65], name[64];
    sigv4_sha256_hex(q->lines.data, q->lines.len, hex);
    snprintf(name, sizeof name, "q-%.16s.jsonl.gz", hex);
    struct buf gz;
    buf_init(&gz, (size_t)2 << 30);
    int rc = gz_compress(q->lines.data, q->lines.len, 6, &gz, err);
    if (rc == 0)
        rc = lake->ops->put(lake, LAKE_QUARANTINE, name, gz.data, gz.len, err);
    buf_release(&gz);
    if (rc == 0) {
        buf_reset(&q->lines);
        q->n = 0;
    }
    return rc;
}
