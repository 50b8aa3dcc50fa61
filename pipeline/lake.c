/* lake.c — what every lake shares: version ids, the grace-period collector, small helpers
 * (see lake.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/lake.h"

void lake_names_release(struct lake_names *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

int lake_names_add(struct lake_names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return -1;
    l->items[l->n++] = copy;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void lake_names_sort(struct lake_names *l)
{
    if (l->n)
        qsort(l->items, l->n, sizeof *l->items, name_cmp);
}

void lake_free(struct lake *l)
{
    if (l)
        l->ops->free(l);
}

int lake_version_id(int64_t t_us, char *out, size_t n)
{
    time_t secs = (time_t)(t_us / 1000000);
    struct tm tm;
    if (!gmtime_r(&secs, &tm))
        return -1;
    int w = snprintf(out, n, "v=%04d%02d%02dT%02d%02d%02d%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(t_us % 1000000));
    return w > 0 && (size_t)w < n ? 0 : -1;
}

int64_t lake_version_time(const char *v)
{
    struct tm tm;
    int us;
    char z;
    memset(&tm, 0, sizeof tm);
    if (strlen(v) != 24 || sscanf(v, "v=%4d%2d%2dT%2d%2d%2d%6d%c", &tm.tm_year, &tm.tm_mon,
                                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &us, &z) != 8 ||
        z != 'Z')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t secs = timegm(&tm);
    return secs < 0 ? -1 : (int64_t)secs * 1000000 + us;
}

/* The reference time of a partition's old versions: when they stopped being current. */
static int64_t retired_at(const struct lake_names *versions, const char *current)
{
    if (current[0])
        return lake_version_time(current);
    int64_t newest = -1;
    for (size_t i = 0; i < versions->n; i++) {
        int64_t t = lake_version_time(versions->items[i]);
        newest = t > newest ? t : newest;
    }
    return newest;
}

int lake_gc(struct lake *l, int64_t now_us, int64_t grace_us, size_t *removed, struct pw_error *err)
{
    struct lake_names parts = {0}, versions = {0};
    struct buf current;
    int rc = 0;
    buf_init(&current, 0);
    if (removed)
        *removed = 0;
    if (l->ops->partitions(l, 1, &parts, err) < 0)
        return -1;
    for (size_t p = 0; p < parts.n && rc == 0; p++) {
        buf_reset(&current);
        lake_names_release(&versions);
        if (l->ops->current(l, parts.items[p], &current, err) < 0 ||
            l->ops->versions(l, parts.items[p], &versions, err) < 0) {
            rc = -1;
            break;
        }
        const char *cur = buf_cstr(&current);
        int64_t retired = retired_at(&versions, cur);
        for (size_t i = 0; i < versions.n && rc == 0; i++) {
            const char *v = versions.items[i];
            int64_t t = lake_version_time(v);
            if (strcmp(v, cur) == 0 || t < 0)
                continue;       /* the current version, or a folder that is not ours */
            int64_t since = t > retired ? t : retired;
            if (since + grace_us > now_us)
                continue;
            rc = l->ops->discard(l, parts.items[p], v, err);
            if (rc == 0 && removed)
                (*removed)++;
        }
    }
    buf_release(&current);
    lake_names_release(&versions);
    lake_names_release(&parts);
    return rc;
}

int lake_write_file(struct lake *l, const char *part, const char *version, const char *name,
                    const void *data, size_t n, struct pw_error *err)
{
    struct lake_stream *s;
    if (l->ops->create(l, part, version, name, &s, err) < 0)
        return -1;
    if (s->io(s, (void *)data, n, err) < 0) {
        s->close(s, 0, err);
        return -1;
    }
    return s->close(s, 1, err);
}

int lake_read_file(struct lake *l, const char *part, const char *version, const char *name,
                   struct buf *out, struct pw_error *err)
{
    struct lake_stream *s;
    char chunk[65536];
    int rc = l->ops->open(l, part, version, name, &s, err);
    if (rc)
        return rc;
    for (;;) {
        long n = s->io(s, chunk, sizeof chunk, err);
        if (n < 0 || (n > 0 && buf_append(out, chunk, (size_t)n) < 0)) {
            if (n >= 0)
                pw_fail(err, PW_EXIT_FAILED, "reading '%s' of %s: too large or out of memory", name,
                        part);
            s->close(s, 0, err);
            return -1;
        }
        if (n == 0)
            break;
    }
    return s->close(s, 1, err);
}
