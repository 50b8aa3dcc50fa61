/* database.h — the Glue catalog database kind (res_kind_database); the pure parts, for unit
 * tests. */
#ifndef PW_DATABASE_H
#define PW_DATABASE_H

#include <cjson/cJSON.h>

#include "provision/resource.h"

int database_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);
/* db: GetDatabase's "Database"; tags: GetTags' "Tags". */
int database_actual(const struct resource *r, const cJSON *db, const cJSON *tags,
                    struct res_actual *a);

#endif
