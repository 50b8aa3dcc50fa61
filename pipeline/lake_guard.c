/* lake_guard.c — a lake whose writers share a lock across runners (see lake_guard.h). Every
 * operation is the inner lake's; the guard only takes its lock around the inner one and
 * renews leases before the calls that may take long. */
#include <stdlib.h>

#include "pipeline/lake_guard.h"

struct guarded {
    struct lake base;
    struct lake *inner;
    struct lake_guard g;
    int locked;             /* both locks are held */
};

static struct lake *inner_of(struct lake *l)
{
    return ((struct guarded *)l)->inner;
}

static int keep(struct lake *l, struct pw_error *err)
{
    struct guarded *gl = (struct guarded *)l;
    return gl->g.keep ? gl->g.keep(gl->g.ctx, err) : 0;
}

static int gl_current(struct lake *l, const char *part, struct buf *version, struct pw_error *err)
{
    return inner_of(l)->ops->current(inner_of(l), part, version, err);
}

static int gl_partitions(struct lake *l, int stored, struct lake_names *out, struct pw_error *err)
{
    return inner_of(l)->ops->partitions(inner_of(l), stored, out, err);
}

static int gl_versions(struct lake *l, const char *part, struct lake_names *out,
                       struct pw_error *err)
{
    return inner_of(l)->ops->versions(inner_of(l), part, out, err);
}

static int gl_create(struct lake *l, const char *part, const char *version, const char *name,
                     struct lake_stream **out, struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->create(inner_of(l), part, version, name, out, err);
}

static int gl_open(struct lake *l, const char *part, const char *version, const char *name,
                   struct lake_stream **out, struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->open(inner_of(l), part, version, name, out, err);
}

static int gl_lock(struct lake *l, struct pw_error *err)
{
    struct guarded *gl = (struct guarded *)l;
    if (gl->locked)
        return 0;
    if (gl->inner->ops->lock(gl->inner, err) < 0)
        return -1;
    if (gl->g.acquire && gl->g.acquire(gl->g.ctx, err) < 0) {
        gl->inner->ops->unlock(gl->inner);
        return -1;
    }
    gl->locked = 1;
    return 0;
}

static void gl_unlock(struct lake *l)
{
    struct guarded *gl = (struct guarded *)l;
    if (gl->locked && gl->g.release)
        gl->g.release(gl->g.ctx);
    gl->locked = 0;
    gl->inner->ops->unlock(gl->inner);
}

static int gl_sync(struct lake *l, struct pw_error *err)
{
    return inner_of(l)->ops->sync(inner_of(l), err);
}

/* The switch is where a lost lock would do harm (another writer may be switching the same
 * partition): keep fails first if the lock's lease is gone. */
static int gl_publish(struct lake *l, const char *part, const char *version, const char *tomb,
                      struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->publish(inner_of(l), part, version, tomb, err);
}

static int gl_publish_all(struct lake *l, const struct lake_names *parts, const char *version,
                          struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->publish_all(inner_of(l), parts, version, err);
}

static int gl_discard(struct lake *l, const char *part, const char *version, struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->discard(inner_of(l), part, version, err);
}

static int gl_put(struct lake *l, enum lake_area area, const char *name, const void *data,
                  size_t n, struct pw_error *err)
{
    if (keep(l, err) < 0)
        return -1;
    return inner_of(l)->ops->put(inner_of(l), area, name, data, n, err);
}

static int gl_get(struct lake *l, enum lake_area area, const char *name, struct buf *out,
                  struct pw_error *err)
{
    return inner_of(l)->ops->get(inner_of(l), area, name, out, err);
}

static void gl_free(struct lake *l)
{
    struct guarded *gl = (struct guarded *)l;
    gl_unlock(l);
    lake_free(gl->inner);
    free(gl);
}

#define GUARDED_OPS(publish_all_fn)                                                             \
    {                                                                                           \
        .scheme = "guarded", .current = gl_current, .partitions = gl_partitions,               \
        .versions = gl_versions, .create = gl_create, .open = gl_open, .lock = gl_lock,        \
        .unlock = gl_unlock, .sync = gl_sync, .publish = gl_publish,                           \
        .publish_all = publish_all_fn, .discard = gl_discard, .put = gl_put, .get = gl_get,    \
        .free = gl_free,                                                                        \
    }

/* publish_all is optional: the guard offers it exactly when the inner lake does. */
static const struct lake_ops guarded_ops = GUARDED_OPS(gl_publish_all);
static const struct lake_ops guarded_ops_single = GUARDED_OPS(NULL);

int lake_guard_wrap(struct lake *inner, const struct lake_guard *g, struct lake **out,
                    struct pw_error *err)
{
    *out = NULL;
    struct guarded *gl = calloc(1, sizeof *gl);
    if (!gl) {
        lake_free(inner);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    gl->base.ops = inner->ops->publish_all ? &guarded_ops : &guarded_ops_single;
    gl->base.where = inner->where;      /* the inner lake's: freed with it */
    gl->inner = inner;
    gl->g = *g;
    *out = &gl->base;
    return 0;
}
