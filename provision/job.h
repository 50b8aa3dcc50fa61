/* job.h — the Glue job kind (res_kind_job); the pure parts, for unit tests. */
#ifndef PW_JOB_H
#define PW_JOB_H

#include <cjson/cJSON.h>

#include "provision/resource.h"
#include "provision/spec/spec.h"

/* The arguments the spec's pipeline section gives the flatten/join script
 * (templates/glue/flatten_join.py reads them): --source_table, --explode, --explode_empty,
 * --dimension_table, --dimension_explode, --dimension_explode_empty, --join_on and
 * --join_columns (JSON lists), --join_kind, --columns (a JSON list of {name, from, type,
 * format, required}), --partition_column, --partition_granularity, --partition_as,
 * --output_path, --output_format, --output_compression, --output_header. Nothing without a
 * pipeline. This is the one place that derives them. */
int job_pipeline_arguments(const struct spec *s, struct kvlist *out);

/* Every DefaultArgument of a job: the pipeline's, then --job-bookmark-option, then the
 * declared ones, a later one replacing an earlier one of the same name. */
int job_arguments(const struct spec *s, const struct spec_job *j, struct kvlist *out);

int job_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);
/* job: GetJob's "Job"; tags: GetTags' "Tags". */
int job_actual(const struct resource *r, const cJSON *job, const cJSON *tags, struct res_actual *a);

#endif
