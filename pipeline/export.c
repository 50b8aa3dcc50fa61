/* export.c — the lines of a DynamoDB export, from disk or S3 (see export.h). */
#include "pipeline/export.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pipeline/gzstream.h"
#include "pipeline/input.h"
#include "pipeline/lake.h"
#include "provision/s3.h"

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

int export_is_s3(const char *location)
{
    return strncmp(location, "s3://", 5) == 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

int export_data_name(const char *name)
{
    const char *b = base_name(name);
    return b[0] && b[0] != '.' && b[0] != '_' && strncmp(b, "manifest", 8) != 0 &&
           (ends_with(b, ".json.gz") || ends_with(b, ".json"));
}

/* ---- on disk ---- */

static int read_file(const char *path, export_line_fn fn, void *ctx, struct export_stats *st,
                     struct pw_error *err)
{
    struct input in;
    const char *line;
    size_t len;
    struct stat sb;
    int got, rc = 0;
    if (input_open(&in, path, err) < 0)
        return -1;
    if (stat(path, &sb) == 0)
        st->bytes += (size_t)sb.st_size;
    st->files++;
    while (rc == 0 && (got = input_next(&in, &line, &len, err)) > 0) {
        struct export_line l = {line, len, got == 2, base_name(path), in.line};
        st->lines++;
        rc = fn(ctx, &l, err);
    }
    if (rc == 0 && got < 0)
        rc = -1;
    input_close(&in);
    return rc;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int read_dir(const char *location, export_line_fn fn, void *ctx, struct export_stats *st,
                    struct pw_error *err)
{
    struct lake_names names = {0};
    struct buf dir, path;
    buf_init(&dir, 0);
    buf_init(&path, 0);
    int rc = buf_appendf(&dir, "%s/data", location) < 0 ? oom(err) : 0;
    if (rc == 0 && !is_dir(buf_cstr(&dir))) {
        buf_reset(&dir);
        rc = buf_appends(&dir, location) < 0 ? oom(err) : 0;
    }
    DIR *d = rc == 0 ? opendir(buf_cstr(&dir)) : NULL;
    if (rc == 0 && !d)
        rc = pw_fail(err, PW_EXIT_FAILED, "reading the export '%s': cannot list its files",
                     buf_cstr(&dir));
    for (struct dirent *e; rc == 0 && (e = readdir(d));)
        if (export_data_name(e->d_name) && lake_names_add(&names, e->d_name) < 0)
            rc = oom(err);
    if (d)
        closedir(d);
    if (rc == 0 && !names.n)
        rc = pw_fail(err, PW_EXIT_FAILED, "reading the export '%s': no data files (*.json.gz) "
                     "in it", buf_cstr(&dir));
    lake_names_sort(&names);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        buf_reset(&path);
        rc = buf_appendf(&path, "%s/%s", buf_cstr(&dir), names.items[i]) < 0
                 ? oom(err) : read_file(buf_cstr(&path), fn, ctx, st, err);
    }
    lake_names_release(&names);
    buf_release(&dir);
    buf_release(&path);
    return rc;
}

/* ---- in S3 ---- */

struct s3_export {
    struct aws_client *client;
    char *bucket;
    const char *prefix;             /* into bucket's allocation */
    struct lake_names keys;
    int in_data;                    /* some key is under a data/ folder: only those count */
};

static int under_data(const char *key)
{
    return strncmp(key, "data/", 5) == 0 || strstr(key, "/data/") != NULL;
}

static int keep_key(void *ctx, const char *key, struct pw_error *err)
{
    struct s3_export *x = ctx;
    if (!export_data_name(key))
        return 0;
    x->in_data |= under_data(key);
    return lake_names_add(&x->keys, key) < 0 ? oom(err) : 0;
}

/* The lines of one object held in memory (decompressed when gzip). */
static int read_text(const char *name, const struct buf *text, export_line_fn fn, void *ctx,
                     struct export_stats *st, struct pw_error *err)
{
    const char *p = text->data ? text->data : "", *end = p + text->len;
    long lineno = 0;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl ? nl : end) - p);
        lineno++;
        if (len && p[len - 1] == '\r')
            len--;
        if (len) {
            struct export_line l = {p, len, len > INPUT_MAX_RECORD, name, lineno};
            if (l.too_long)
                l.len = 256;
            st->lines++;
            rc = fn(ctx, &l, err);
        }
        p = nl ? nl + 1 : end;
    }
    return rc;
}

static int read_s3(struct aws_client *client, const char *location, export_line_fn fn, void *ctx,
                   struct export_stats *st, struct pw_error *err)
{
    struct s3_export x = {.client = client};
    struct buf raw, text;
    buf_init(&raw, EXPORT_MAX_OBJECT);
    buf_init(&text, EXPORT_MAX_OBJECT);
    int rc = 0;
    if (!client)
        return pw_fail(err, PW_EXIT_USAGE, "reading the export '%s' needs AWS", location);
    if (!(x.bucket = strdup(location + 5)))
        return oom(err);
    char *slash = strchr(x.bucket, '/');
    x.prefix = "";
    if (slash) {
        *slash = '\0';
        x.prefix = slash + 1;
    }
    if (!x.bucket[0])
        rc = pw_fail(err, PW_EXIT_USAGE, "'%s' names no bucket (s3://BUCKET/PREFIX)", location);
    if (rc == 0)
        rc = s3_list(client, x.bucket, x.prefix, 0, keep_key, &x, err);
    if (rc == 0) {
        lake_names_sort(&x.keys);
        size_t kept = 0;
        for (size_t i = 0; i < x.keys.n; i++) {
            if (x.in_data && !under_data(x.keys.items[i] + strlen(x.prefix))) {
                free(x.keys.items[i]);
                continue;
            }
            x.keys.items[kept++] = x.keys.items[i];
        }
        x.keys.n = kept;
        if (!kept)
            rc = pw_fail(err, PW_EXIT_FAILED, "reading the export '%s': no data files (*.json.gz) "
                         "under it", location);
    }
    for (size_t i = 0; rc == 0 && i < x.keys.n; i++) {
        buf_reset(&raw);
        buf_reset(&text);
        rc = s3_get_object(client, x.bucket, x.keys.items[i], &raw, err);
        if (rc == 1)                /* listed a moment ago: an export does not change */
            rc = pw_fail(err, PW_EXIT_FAILED, "s3://%s/%s disappeared while it was read",
                         x.bucket, x.keys.items[i]);
        if (rc == 0) {
            st->files++;
            st->bytes += raw.len;
            rc = gz_decompress(raw.data ? raw.data : "", raw.len, &text, err);
        }
        if (rc == 0)
            rc = read_text(base_name(x.keys.items[i]), &text, fn, ctx, st, err);
        if (rc < 0)
            pw_error_prefix(err, "s3://%s/%s", x.bucket, x.keys.items[i]);
    }
    lake_names_release(&x.keys);
    free(x.bucket);
    buf_release(&raw);
    buf_release(&text);
    return rc;
}

int export_read(struct aws_client *client, const char *location, export_line_fn fn, void *ctx,
                struct export_stats *stats, struct pw_error *err)
{
    struct export_stats local;
    struct export_stats *st = stats ? stats : &local;
    memset(st, 0, sizeof *st);
    if (export_is_s3(location))
        return read_s3(client, location, fn, ctx, st, err);
    return is_dir(location) ? read_dir(location, fn, ctx, st, err)
                            : read_file(location, fn, ctx, st, err);
}
