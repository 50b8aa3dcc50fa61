/* table_props.c — DynamoDB table properties: the declaration's, and what DescribeTable,
 * DescribeContinuousBackups, DescribeTimeToLive and ListTagsOfResource answer, normalised.
 *
 * Properties: key.hash, key.range ("name:TYPE"), billing (on-demand | provisioned),
 * billing.read, billing.write, stream (a view type or false), point_in_time_recovery,
 * deletion_protection, ttl (the attribute, absent when off), index[NAME] ("hash=a:S
 * range=b:N projection=all"), index[NAME].read/.write, tags[KEY]. */
#include "provision/table.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"

static int attr_text(char *out, size_t n, const char *name, const char *type)
{
    int w = snprintf(out, n, "%s:%s", name, type);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* "hash=a:S range=b:N projection=include(x,y)": an index changes as a whole. */
static int index_text(struct buf *b, const struct spec_gsi *g)
{
    buf_reset(b);
    int rc = buf_appendf(b, "hash=%s:%s", g->key.hash.name.v, spec_attr_type_aws(g->key.hash.type));
    if (spec_str_set(g->key.range.name))
        rc |= buf_appendf(b, " range=%s:%s", g->key.range.name.v, spec_attr_type_aws(g->key.range.type));
    if (g->projection == SPEC_PROJECTION_INCLUDE) {
        /* Sorted: AWS does not promise to keep the order they were given in. */
        const char **names = calloc(g->n_include ? g->n_include : 1, sizeof *names);
        if (!names)
            return -1;
        for (size_t i = 0; i < g->n_include; i++)
            names[i] = g->include[i].v;
        for (size_t i = 1; i < g->n_include; i++)
            for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
                const char *t = names[j];
                names[j] = names[j - 1];
                names[j - 1] = t;
            }
        rc |= buf_appends(b, " projection=include(");
        for (size_t i = 0; i < g->n_include; i++)
            rc |= buf_appendf(b, "%s%s", i ? "," : "", names[i]);
        rc |= buf_appendc(b, ')');
        free(names);
    } else {
        rc |= buf_appends(b, g->projection == SPEC_PROJECTION_KEYS_ONLY ? " projection=keys-only"
                                                                         : " projection=all");
    }
    return rc ? -1 : 0;
}

int table_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_table *t = r->decl;
    char v[600], path[400];
    struct buf b;
    int rc = -1;
    buf_init(&b, 0);
    if (attr_text(v, sizeof v, t->key.hash.name.v, spec_attr_type_aws(t->key.hash.type)) < 0 ||
        kvlist_add(props, "key.hash", v) < 0)
        goto out;
    if (spec_str_set(t->key.range.name) &&
        (attr_text(v, sizeof v, t->key.range.name.v, spec_attr_type_aws(t->key.range.type)) < 0 ||
         kvlist_add(props, "key.range", v) < 0))
        goto out;
    int prov = t->billing.mode == SPEC_BILLING_PROVISIONED;
    if (kvlist_add(props, "billing", prov ? "provisioned" : "on-demand") < 0 ||
        (prov && (res_propf(props, "billing.read", "%ld", t->billing.read) < 0 ||
                  res_propf(props, "billing.write", "%ld", t->billing.write) < 0)) ||
        kvlist_add(props, "stream", spec_stream_name(t->stream)) < 0 ||
        kvlist_add(props, "point_in_time_recovery", res_bool(t->point_in_time_recovery)) < 0 ||
        kvlist_add(props, "deletion_protection", res_bool(t->deletion_protection)) < 0 ||
        (spec_str_set(t->ttl) && kvlist_add(props, "ttl", t->ttl.v) < 0))
        goto out;
    for (size_t i = 0; i < t->n_gsis; i++) {
        const struct spec_gsi *g = &t->gsis[i];
        snprintf(path, sizeof path, "index[%s]", g->name.v);
        if (index_text(&b, g) < 0 || kvlist_add(props, path, buf_cstr(&b)) < 0)
            goto out;
        if (prov) {
            snprintf(path, sizeof path, "index[%s].read", g->name.v);
            if (res_propf(props, path, "%ld", g->capacity.read) < 0)
                goto out;
            snprintf(path, sizeof path, "index[%s].write", g->name.v);
            if (res_propf(props, path, "%ld", g->capacity.write) < 0)
                goto out;
        }
    }
    if (res_desired_tags(r, props) < 0)
        goto out;
    rc = 0;
out:
    buf_release(&b);
    if (rc < 0)
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return rc;
}

/* --- reading ------------------------------------------------------------------------------ */

/* "NEW_AND_OLD_IMAGES" -> "new-and-old-images": the spec's spelling. */
static void spec_spelling(char *out, size_t n, const char *aws)
{
    size_t i = 0;
    for (; aws[i] && i + 1 < n; i++)
        out[i] = aws[i] == '_' ? '-' : (char)tolower((unsigned char)aws[i]);
    out[i] = '\0';
}

static const char *attr_type_of(const cJSON *defs, const char *name)
{
    const cJSON *d;
    cJSON_ArrayForEach(d, defs)
        if (json_str(d, "AttributeName") && strcmp(json_str(d, "AttributeName"), name) == 0)
            return json_str(d, "AttributeType") ? json_str(d, "AttributeType") : "?";
    return "?";
}

/* Finds HASH and RANGE in a KeySchema array. */
static void key_schema(const cJSON *schema, const char **hash, const char **range)
{
    const cJSON *k;
    *hash = *range = NULL;
    cJSON_ArrayForEach(k, schema) {
        const char *type = json_str(k, "KeyType"), *name = json_str(k, "AttributeName");
        if (type && name && strcmp(type, "HASH") == 0)
            *hash = name;
        else if (type && name && strcmp(type, "RANGE") == 0)
            *range = name;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int index_actual(const cJSON *g, const cJSON *defs, int prov, struct kvlist *props)
{
    const char *name = json_str(g, "IndexName"), *hash, *range;
    char path[400];
    struct buf b;
    int rc = -1;
    if (!name)
        return 0;
    buf_init(&b, 0);
    key_schema(cJSON_GetObjectItemCaseSensitive(g, "KeySchema"), &hash, &range);
    buf_appendf(&b, "hash=%s:%s", hash ? hash : "?", hash ? attr_type_of(defs, hash) : "?");
    if (range)
        buf_appendf(&b, " range=%s:%s", range, attr_type_of(defs, range));
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(g, "Projection");
    const char *ptype = json_str(proj, "ProjectionType");
    if (ptype && strcmp(ptype, "INCLUDE") == 0) {
        const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(proj, "NonKeyAttributes"), *a;
        size_t n = (size_t)cJSON_GetArraySize(attrs), k = 0;
        const char **names = calloc(n ? n : 1, sizeof *names);
        if (!names)
            goto out;
        cJSON_ArrayForEach(a, attrs)
            if (cJSON_IsString(a))
                names[k++] = a->valuestring;
        qsort(names, k, sizeof *names, cmp_str);
        buf_appends(&b, " projection=include(");
        for (size_t i = 0; i < k; i++)
            buf_appendf(&b, "%s%s", i ? "," : "", names[i]);
        buf_appendc(&b, ')');
        free(names);
    } else {
        buf_appends(&b, ptype && strcmp(ptype, "KEYS_ONLY") == 0 ? " projection=keys-only"
                                                                 : " projection=all");
    }
    snprintf(path, sizeof path, "index[%s]", name);
    if (kvlist_add(props, path, buf_cstr(&b)) < 0)
        goto out;
    if (prov) {
        const cJSON *pt = cJSON_GetObjectItemCaseSensitive(g, "ProvisionedThroughput");
        snprintf(path, sizeof path, "index[%s].read", name);
        if (res_propf(props, path, "%.0f", json_num(pt, "ReadCapacityUnits")) < 0)
            goto out;
        snprintf(path, sizeof path, "index[%s].write", name);
        if (res_propf(props, path, "%.0f", json_num(pt, "WriteCapacityUnits")) < 0)
            goto out;
    }
    rc = 0;
out:
    buf_release(&b);
    return rc;
}

int table_actual(const struct resource *r, const cJSON *table, const cJSON *backups,
                 const cJSON *ttl, const cJSON *tags, struct res_actual *a)
{
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(table, "AttributeDefinitions");
    const char *hash, *range;
    char v[600];
    a->presence = RES_FOREIGN;
    key_schema(cJSON_GetObjectItemCaseSensitive(table, "KeySchema"), &hash, &range);
    if (hash && (attr_text(v, sizeof v, hash, attr_type_of(defs, hash)) < 0 ||
                 kvlist_add(&a->props, "key.hash", v) < 0))
        return -1;
    if (range && (attr_text(v, sizeof v, range, attr_type_of(defs, range)) < 0 ||
                  kvlist_add(&a->props, "key.range", v) < 0))
        return -1;

    /* A table made before on-demand existed has no BillingModeSummary: it is provisioned.
     * An on-demand table reports a throughput of 0/0, which is not a setting: left out. */
    const char *mode = json_str(cJSON_GetObjectItemCaseSensitive(table, "BillingModeSummary"), "BillingMode");
    int prov = !mode || strcmp(mode, "PAY_PER_REQUEST") != 0;
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(table, "ProvisionedThroughput");
    if (kvlist_add(&a->props, "billing", prov ? "provisioned" : "on-demand") < 0 ||
        (prov && (res_propf(&a->props, "billing.read", "%.0f", json_num(pt, "ReadCapacityUnits")) < 0 ||
                  res_propf(&a->props, "billing.write", "%.0f", json_num(pt, "WriteCapacityUnits")) < 0)))
        return -1;

    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(table, "StreamSpecification");
    const char *view = json_str(ss, "StreamViewType");
    if (json_bool(ss, "StreamEnabled") && view)
        spec_spelling(v, sizeof v, view);
    else
        snprintf(v, sizeof v, "false");
    if (kvlist_add(&a->props, "stream", v) < 0)
        return -1;

    const char *pitr = json_str(cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetObjectItemCaseSensitive(backups, "ContinuousBackupsDescription"),
                                    "PointInTimeRecoveryDescription"),
                                "PointInTimeRecoveryStatus");
    if (kvlist_add(&a->props, "point_in_time_recovery", res_bool(pitr && strcmp(pitr, "ENABLED") == 0)) < 0 ||
        kvlist_add(&a->props, "deletion_protection", res_bool(json_bool(table, "DeletionProtectionEnabled"))) < 0)
        return -1;

    /* ENABLING counts as on: it is what was asked for, and it gets there by itself. */
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(ttl, "TimeToLiveDescription");
    const char *tstatus = json_str(td, "TimeToLiveStatus"), *tattr = json_str(td, "AttributeName");
    if (tstatus && tattr && (strcmp(tstatus, "ENABLED") == 0 || strcmp(tstatus, "ENABLING") == 0) &&
        kvlist_add(&a->props, "ttl", tattr) < 0)
        return -1;

    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(table, "GlobalSecondaryIndexes"))
        if (index_actual(g, defs, prov, &a->props) < 0)
            return -1;

    const cJSON *t;
    cJSON_ArrayForEach(t, tags)
        if (json_str(t, "Key") &&
            res_actual_tag(r, &a->props, json_str(t, "Key"), json_str(t, "Value"), &a->presence) < 0)
            return -1;

    const char *arn = json_str(table, "TableArn"), *stream = json_str(table, "LatestStreamArn");
    const char *status = json_str(table, "TableStatus");
    if ((arn && kvlist_add(&a->ids, "arn", arn) < 0) ||
        (stream && json_bool(ss, "StreamEnabled") && kvlist_add(&a->ids, "stream_arn", stream) < 0) ||
        (status && kvlist_add(&a->ids, "status", status) < 0))
        return -1;
    return 0;
}

