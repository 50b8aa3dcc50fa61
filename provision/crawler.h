/* crawler.h — the Glue crawler kind (res_kind_crawler); the pure parts, for unit tests. */
#ifndef PW_CRAWLER_H
#define PW_CRAWLER_H

#include <cjson/cJSON.h>

#include "provision/resource.h"

int crawler_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);
/* crawler: GetCrawler's "Crawler"; tags: GetTags' "Tags". */
int crawler_actual(const struct resource *r, const cJSON *crawler, const cJSON *tags,
                   struct res_actual *a);
/* The CreateCrawler input (for_create) or the UpdateCrawler one (no Tags; an empty Schedule
 * and TablePrefix clear what the spec no longer sets). */
cJSON *crawler_input(const struct resource *r, int for_create);

#endif
