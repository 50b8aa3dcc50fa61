/* changelog.c — the change log's record of a change (see changelog.h). */
#include "pipeline/changelog.h"
#include "pipeline/ddb_decode.h"

static cJSON *plain_map(const cJSON *attrs)
{
    struct ddb_val v = {.type = DDB_M, .body = attrs};
    return attrs ? ddb_plain_tree(&v) : cJSON_CreateNull();
}

int changelog_add(struct jsonl_batch *log, const struct change *c)
{
    cJSON *o = cJSON_CreateObject(), *keys = plain_map(c->keys),
          *img = plain_map(c->op == CHANGE_REMOVE ? NULL : c->new_image);
    int rc = -1;
    if (o && keys && img && cJSON_AddStringToObject(o, "op", change_op_name(c->op)) &&
        (!c->seq || cJSON_AddStringToObject(o, "sequenceNumber", c->seq)) &&
        (!c->approx_time || cJSON_AddNumberToObject(o, "approximateCreationDateTime", c->approx_time))) {
        cJSON_AddItemToObject(o, "keys", keys);
        cJSON_AddItemToObject(o, "newImage", img);
        keys = img = NULL;
        rc = jsonl_batch_add(log, o);
    }
    cJSON_Delete(keys);
    cJSON_Delete(img);
    cJSON_Delete(o);
    return rc;
}
