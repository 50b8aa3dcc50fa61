/* change.c — a stream record or an export line as a change (see change.h). */
#include <stdio.h>
#include <string.h>

#include "pipeline/change.h"

const char *change_op_name(enum change_op op)
{
    static const char *const names[] = {"INSERT", "MODIFY", "REMOVE", "ITEM"};
    return (unsigned)op < 4 ? names[op] : "?";
}

static const cJSON *object(const cJSON *parent, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, name);
    return cJSON_IsObject(v) ? v : NULL;
}

int change_from_json(const cJSON *rec, struct change *c, char *why, size_t n_why)
{
    memset(c, 0, sizeof *c);
    c->json = rec;
    const cJSON *item = object(rec, "Item");
    if (item) {
        c->op = CHANGE_ITEM;
        c->keys = c->new_image = item;
        return 0;
    }
    const cJSON *d = object(rec, "dynamodb");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(rec, "eventName");
    if (!d || !cJSON_IsString(name)) {
        snprintf(why, n_why, "not a stream record ({\"eventName\": ..., \"dynamodb\": {...}}) "
                 "nor an export line ({\"Item\": {...}})");
        return 1;
    }
    if (strcmp(name->valuestring, "INSERT") == 0)
        c->op = CHANGE_INSERT;
    else if (strcmp(name->valuestring, "MODIFY") == 0)
        c->op = CHANGE_MODIFY;
    else if (strcmp(name->valuestring, "REMOVE") == 0)
        c->op = CHANGE_REMOVE;
    else {
        snprintf(why, n_why, "unknown eventName '%.32s' (INSERT, MODIFY or REMOVE)",
                 name->valuestring);
        return 1;
    }
    c->new_image = object(d, "NewImage");
    c->old_image = object(d, "OldImage");
    c->keys = object(d, "Keys");
    if (!c->keys)
        c->keys = c->new_image ? c->new_image : c->old_image;
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(d, "SequenceNumber");
    c->seq = cJSON_IsString(seq) ? seq->valuestring : NULL;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(d, "ApproximateCreationDateTime");
    c->approx_time = cJSON_IsNumber(at) ? at->valuedouble : 0;
    if (c->op != CHANGE_REMOVE && !c->new_image) {
        snprintf(why, n_why, "%s record without a NewImage: the stream must carry new images "
                 "(new-image or new-and-old-images)", name->valuestring);
        return 1;
    }
    if (!c->keys) {
        snprintf(why, n_why, "%s record without Keys", name->valuestring);
        return 1;
    }
    if (c->op == CHANGE_REMOVE)
        c->new_image = NULL;
    return 0;
}
