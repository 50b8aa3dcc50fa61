/* scan.c — a parallel Scan, segment pages in rounds (see scan.h). */
#include "pipeline/scan.h"

#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

cJSON *scan_input(const char *table, int segment, int segments, long limit, const cJSON *start)
{
    cJSON *in = cJSON_CreateObject();
    if (!in || !cJSON_AddStringToObject(in, "TableName", table) ||
        !cJSON_AddBoolToObject(in, "ConsistentRead", 1) ||
        !cJSON_AddNumberToObject(in, "Segment", segment) ||
        !cJSON_AddNumberToObject(in, "TotalSegments", segments) ||
        (limit > 0 && !cJSON_AddNumberToObject(in, "Limit", (double)limit)))
        goto fail;
    if (start) {
        cJSON *copy = cJSON_Duplicate(start, 1);
        if (!copy || !cJSON_AddItemToObject(in, "ExclusiveStartKey", copy)) {
            cJSON_Delete(copy);
            goto fail;
        }
    }
    return in;
fail:
    cJSON_Delete(in);
    return NULL;
}

/* The items of one answer to fn; the next input of the segment in *next (NULL: it is done). */
static int one_page(const char *table, int segment, int segments, long limit, const cJSON *page,
                    scan_item_fn fn, void *ctx, struct scan_stats *st, cJSON **next,
                    struct pw_error *err)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(page, "Items"), *item;
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(page, "LastEvaluatedKey");
    *next = NULL;
    if (items && !cJSON_IsArray(items))
        return pw_fail(err, PW_EXIT_FAILED, "dynamodb Scan of '%s': an answer whose Items is not "
                       "a list", table);
    cJSON_ArrayForEach(item, items) {
        if (fn(ctx, item, err) < 0)
            return -1;
        st->items++;
    }
    if (cJSON_IsObject(last) && last->child &&
        !(*next = scan_input(table, segment, segments, limit, last)))
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return 0;
}

int scan_table(struct aws_client *c, const char *table, int segments, long limit,
               scan_item_fn fn, void *ctx, struct scan_stats *stats, struct pw_error *err)
{
    struct scan_stats local;
    struct scan_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    if (segments < 1 || segments > SCAN_MAX_SEGMENTS)
        return pw_fail(err, PW_EXIT_USAGE, "a scan takes 1 to %d segments, not %d",
                       SCAN_MAX_SEGMENTS, segments);
    st->segments = (size_t)segments;
    /* One slot per segment; a segment whose input is NULL is done. */
    cJSON **pending = calloc((size_t)segments, sizeof *pending);
    int *which = calloc((size_t)segments, sizeof *which);
    struct json_call *calls = calloc((size_t)segments, sizeof *calls);
    int rc = -1;
    if (!pending || !which || !calls) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (int i = 0; i < segments; i++)
        if (!(pending[i] = scan_input(table, i, segments, limit, NULL))) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
    for (;;) {
        size_t n = 0;
        for (int i = 0; i < segments; i++)
            if (pending[i]) {
                memset(&calls[n], 0, sizeof calls[n]);
                calls[n].operation = "Scan";
                calls[n].input = pending[i];
                which[n++] = i;
            }
        if (!n)
            break;
        json_calls_run(c, "dynamodb", calls, n);
        int failed = 0;
        for (size_t k = 0; k < n; k++) {
            int seg = which[k];
            cJSON_Delete(pending[seg]);
            pending[seg] = NULL;
            if (calls[k].rc < 0) {
                if (!failed)
                    *err = calls[k].err;
                failed = 1;
                continue;
            }
            st->requests++;
            if (!failed && one_page(table, seg, segments, limit, calls[k].output, fn, ctx, st,
                                    &pending[seg], err) < 0)
                failed = 1;
        }
        json_calls_release(calls, n);
        if (failed) {
            pw_error_prefix(err, "scanning table '%s'", table);
            goto out;
        }
    }
    rc = 0;
out:
    for (int i = 0; pending && i < segments; i++)
        cJSON_Delete(pending[i]);
    free(pending);
    free(which);
    free(calls);
    return rc;
}
