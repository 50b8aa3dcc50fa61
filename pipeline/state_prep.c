/* state_prep.c — a change's rows computed ahead of applying it (see state.h, struct
 * state_prep): the transform of the new image, its partition, its dimension affinity. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/state_int.h"

int state_prepare(struct transform *tf, const struct dim *dim, struct row_renderer *rr,
                  const cJSON *item, struct state_prep *p)
{
    struct tf_result res;
    memset(p, 0, sizeof *p);
    buf_init(&p->rows, (size_t)1 << 30);
    buf_init(&p->part, 0);
    int rc = transform_item(tf, item, dim, rr, &p->rows, &res);
    if (rc == 1)
        snprintf(p->why, sizeof p->why, "%s", res.why);
    else if (rc == 0)
        rc = transform_partition(tf, item, &p->part, p->why, sizeof p->why);
    if (rc == 1) {
        buf_reset(&p->rows);
        p->bad = 1;
        return 0;
    }
    if (rc == 0 && !(p->affinity = calloc(res.n_affinity ? res.n_affinity : 1, sizeof *p->affinity)))
        rc = -1;
    for (size_t i = 0; rc == 0 && i < res.n_affinity; i++) {
        if (!(p->affinity[i] = strdup(res.affinity[i])))
            rc = -1;
        else
            p->n_affinity++;
    }
    if (rc < 0) {
        state_prep_release(p);
        return -1;
    }
    p->n_rows = res.rows;
    p->unmatched = res.unmatched;
    p->empty = res.empty;
    return 0;
}

void state_prep_release(struct state_prep *p)
{
    if (!p)
        return;
    buf_release(&p->rows);
    buf_release(&p->part);
    for (size_t i = 0; i < p->n_affinity; i++)
        free(p->affinity[i]);
    free(p->affinity);
    p->affinity = NULL;
    p->n_affinity = 0;
}

const struct dim *state_dimension(const struct state *s)
{
    return s->has_dim ? &s->dim : NULL;
}
