/* notify.c — the run's SNS message (see notify.h). */
#include <stdio.h>
#include <string.h>

#include "pipeline/notify.h"
#include "provision/topic.h"

static int nothing_changed(const struct pipeline_report *rep)
{
    return rep->records == 0 && rep->dimension_changes == 0 && rep->partitions_written == 0 &&
           rep->partitions_removed == 0;
}

int notify_render(const struct spec_pipeline *pl, const struct pipeline_report *rep,
                  const struct pw_error *failure, struct buf *subject, struct buf *body)
{
    const char *name = pl->name.v;
    int rc;
    if (failure) {
        char why[1600];
        pw_error_format(failure, why, sizeof why);
        rc = buf_appendf(subject, "pipewright pipeline %.40s: run failed", name);
        if (rc == 0)
            rc = buf_appendf(body, "pipeline %s: the run failed: %s\n\nNothing after the last "
                             "committed checkpoint is lost: the next run reads it again.\n\n"
                             "What the run did before it failed:\n", name, why);
    } else if (nothing_changed(rep)) {
        rc = buf_appendf(subject, "pipewright pipeline %.40s: nothing changed", name);
        if (rc == 0)
            rc = buf_appendf(body, "pipeline %s: nothing changed (no new records in the stream, "
                             "no change in the dimension).\n\n", name);
    } else {
        rc = buf_appendf(subject, "pipewright pipeline %.40s: %llu new, %llu deleted, %llu "
                         "modified", name, (unsigned long long)rep->inserted,
                         (unsigned long long)rep->removed, (unsigned long long)rep->modified);
        if (rc == 0)
            rc = buf_appendf(body, "pipeline %s: %llu new items, %llu deleted items, %llu modified "
                             "items; %llu rows written to %llu partitions, %llu partitions "
                             "removed, %llu unmatched, %llu quarantined.\n\n", name,
                             (unsigned long long)rep->inserted, (unsigned long long)rep->removed,
                             (unsigned long long)rep->modified,
                             (unsigned long long)rep->rows_written,
                             (unsigned long long)rep->partitions_written,
                             (unsigned long long)rep->partitions_removed,
                             (unsigned long long)rep->unmatched,
                             (unsigned long long)rep->quarantined);
    }
    if (rc == 0)
        rc = pipeline_report_text(rep, body);
    return rc;
}

int notify_publish(struct aws_client *c, const struct stack *st, const struct spec_pipeline *pl,
                   const struct pipeline_report *rep, const struct pw_error *failure,
                   struct pw_error *err)
{
    char address[300], arn[512];
    if (!pl->notify)
        return 0;
    snprintf(address, sizeof address, "topic.%s", pl->notify->id.v);
    const struct resource *r = st ? stack_find(st, address) : NULL;
    if (!r || topic_arn(r, arn, sizeof arn) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "notifying: no topic '%s' in the stack",
                       pl->notify->id.v);
    struct buf subject, body;
    struct kvlist params;
    struct xml_node *x = NULL;
    buf_init(&subject, 0);
    buf_init(&body, 0);
    kvlist_init(&params);
    int rc = notify_render(pl, rep, failure, &subject, &body) < 0 ||
             kvlist_add(&params, "TopicArn", arn) < 0 ||
             kvlist_add(&params, "Subject", buf_cstr(&subject)) < 0 ||
             kvlist_add(&params, "Message", buf_cstr(&body)) < 0
             ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
    if (rc == 0 && (rc = aws_query_call(c, "sns", "Publish", &params, &x, err)) < 0)
        pw_error_prefix(err, "notifying topic '%s'", pl->notify->name.v);
    xml_free(x);
    kvlist_release(&params);
    buf_release(&subject);
    buf_release(&body);
    return rc;
}
