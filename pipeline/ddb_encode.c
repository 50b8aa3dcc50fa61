/* ddb_encode.c — plain JSON to DynamoDB JSON (see ddb_encode.h). */
#include "pipeline/ddb_encode.h"

#include <stdio.h>

#include "pipeline/json_exact.h"

const char *ddb_number_text(const cJSON *n, char *buf, size_t size)
{
    const char *exact = json_exact_text(n);
    if (exact)
        return exact;
    snprintf(buf, size, "%.17g", n->valuedouble);
    return buf;
}

/* {"<type>": value}, taking ownership of value (freed on failure). */
static cJSON *typed(const char *type, cJSON *value)
{
    cJSON *o = value ? cJSON_CreateObject() : NULL;
    if (!o || !cJSON_AddItemToObject(o, type, value)) {
        cJSON_Delete(o);
        cJSON_Delete(value);
        return NULL;
    }
    return o;
}

cJSON *ddb_encode_value(const cJSON *v)
{
    char num[40];
    if (cJSON_IsString(v))
        return typed("S", cJSON_CreateString(v->valuestring));
    if (cJSON_IsNumber(v))
        return typed("N", cJSON_CreateString(ddb_number_text(v, num, sizeof num)));
    if (cJSON_IsBool(v))
        return typed("BOOL", cJSON_CreateBool(cJSON_IsTrue(v)));
    if (cJSON_IsNull(v))
        return typed("NULL", cJSON_CreateTrue());
    if (cJSON_IsArray(v)) {
        cJSON *list = cJSON_CreateArray(), *e;
        if (!list)
            return NULL;
        cJSON_ArrayForEach(e, v) {
            cJSON *enc = ddb_encode_value(e);
            if (!enc || !cJSON_AddItemToArray(list, enc)) {
                cJSON_Delete(enc);
                cJSON_Delete(list);
                return NULL;
            }
        }
        return typed("L", list);
    }
    if (cJSON_IsObject(v))
        return typed("M", ddb_encode_item(v));
    return NULL;                    /* cJSON_Raw / invalid: never made by a parser */
}

cJSON *ddb_encode_item(const cJSON *obj)
{
    if (!cJSON_IsObject(obj))
        return NULL;
    cJSON *item = cJSON_CreateObject(), *m;
    if (!item)
        return NULL;
    cJSON_ArrayForEach(m, obj) {
        cJSON *enc = ddb_encode_value(m);
        if (!enc || !cJSON_AddItemToObject(item, m->string, enc)) {
            cJSON_Delete(enc);
            cJSON_Delete(item);
            return NULL;
        }
    }
    return item;
}
