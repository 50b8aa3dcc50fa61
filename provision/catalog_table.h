/* catalog_table.h — the Glue catalog table the pipeline writes (res_kind_catalog_table); the
 * pure parts, for unit tests. */
#ifndef PW_CATALOG_TABLE_H
#define PW_CATALOG_TABLE_H

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

/* The Glue type of a pipeline column type: string, bigint, decimal(38,18), boolean, timestamp. */
const char *catalog_glue_type(enum spec_col_type t);

/* The TableInput of CreateTable and UpdateTable, from the pipeline (r->decl). */
cJSON *catalog_table_input(const struct resource *r);

int catalog_table_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);
/* table: GetTable's "Table". */
int catalog_table_actual(const struct resource *r, const cJSON *table, struct res_actual *a);

#endif
