/* table.h — the DynamoDB table kind. The vtable is res_kind_table (resource.h); what is here
 * is the pure part, exposed so unit tests pin the normalisation without a server. */
#ifndef PW_TABLE_H
#define PW_TABLE_H

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

/* The desired properties of a table declaration (tags included). */
int table_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);

/* Normalises what AWS answered into a->props (and a->ids, a->presence):
 * table: DescribeTable's "Table"; backups: DescribeContinuousBackups' answer; ttl:
 * DescribeTimeToLive's answer; tags: the "Tags" array of ListTagsOfResource (all pages). */
int table_actual(const struct resource *r, const cJSON *table, const cJSON *backups,
                 const cJSON *ttl, const cJSON *tags, struct res_actual *a);

#endif
