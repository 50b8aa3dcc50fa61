/* jsonl_batch.c — JSON lines of a batch, written as one object (see jsonl_batch.h). */
#include <stdio.h>

#include "pipeline/gzstream.h"
#include "pipeline/jsonl_batch.h"
#include "provision/aws/sigv4.h"

void jsonl_batch_init(struct jsonl_batch *b, enum lake_area area, const char *stem)
{
    buf_init(&b->lines, (size_t)1 << 30);
    b->n = 0;
    b->area = area;
    b->stem = stem;
}

void jsonl_batch_release(struct jsonl_batch *b)
{
    if (b)
        buf_release(&b->lines);
}

int jsonl_batch_add(struct jsonl_batch *b, const cJSON *obj)
{
    char *out = cJSON_PrintUnformatted(obj);
    int rc = out && buf_appends(&b->lines, out) == 0 && buf_appendc(&b->lines, '\n') == 0 ? 0 : -1;
    cJSON_free(out);
    b->n += rc == 0;
    return rc;
}

int jsonl_batch_flush(struct jsonl_batch *b, struct lake *lake, const char *name,
                      struct pw_error *err)
{
    if (!b->n)
        return 0;
    char hex[65], object[300];
    if (!name) {
        sigv4_sha256_hex(b->lines.data, b->lines.len, hex);
        hex[16] = '\0';
        name = hex;
    }
    snprintf(object, sizeof object, "%s-%s.jsonl.gz", b->stem, name);
    struct buf gz;
    buf_init(&gz, (size_t)2 << 30);
    int rc = gz_compress(b->lines.data, b->lines.len, 6, &gz, err);
    if (rc == 0)
        rc = lake->ops->put(lake, b->area, object, gz.data, gz.len, err);
    buf_release(&gz);
    if (rc == 0) {
        buf_reset(&b->lines);
        b->n = 0;
    }
    return rc;
}
