/* reset.h — `pipeline reset`: forget where the pipeline stands. Every checkpoint item of the
 * pipeline is deleted, so the next run reads each shard from its oldest record (or a backfill
 * sets new positions). A runner that still holds a lease notices at its next commit, which is
 * refused because its item is gone, and stops without committing. */
#ifndef PW_RESET_H
#define PW_RESET_H

#include <stddef.h>

#include "pipeline/checkpoint.h"
#include "provision/aws/buf.h"
#include "provision/aws/client.h"
#include "provision/spec/spec.h"

struct reset_report {
    char pipeline[256];
    char table[256];                /* the checkpoint table */
    size_t deleted;
    struct checkpoint *live;        /* leases that had not run out when they were deleted */
    size_t n_live;
};

int pipeline_reset(struct aws_client *c, const struct spec_pipeline *pl,
                   struct reset_report *out, struct pw_error *err);
void reset_report_release(struct reset_report *r);

/* "deleted N checkpoints of pipeline P from table T", then one line per live lease. */
int reset_render_text(const struct reset_report *r, struct buf *out);
/* {"pipeline", "checkpoint_table", "deleted", "live_leases": [{"shard", "owner", "expires_at"}]} */
int reset_render_json(const struct reset_report *r, struct buf *out);

#endif
