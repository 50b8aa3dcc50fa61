/* notify.h — the one SNS message of a `pipeline run`, to the pipeline's `notify` topic: what
 * the run did (its counters and the checkpoint range of each shard), "nothing changed" when
 * it read nothing new, or why it failed, in plain words. */
#ifndef PW_NOTIFY_H
#define PW_NOTIFY_H

#include "pipeline/report.h"
#include "provision/aws/client.h"
#include "provision/spec/spec.h"
#include "provision/stack.h"

#define NOTIFY_SUBJECT_MAX 100      /* SNS's limit */

/* The subject (short, one line, at most NOTIFY_SUBJECT_MAX characters) and body of the
 * message. failure: the run's error, or NULL when it succeeded. The first line of the body
 * reads "N new items, M deleted items, K modified items". */
int notify_render(const struct spec_pipeline *pl, const struct pipeline_report *rep,
                  const struct pw_error *failure, struct buf *subject, struct buf *body);

/* Publishes the message to the pipeline's topic (the stack gives its ARN); 0 when the pipeline
 * declares no topic. */
int notify_publish(struct aws_client *c, const struct stack *st, const struct spec_pipeline *pl,
                   const struct pipeline_report *rep, const struct pw_error *failure,
                   struct pw_error *err);

#endif
