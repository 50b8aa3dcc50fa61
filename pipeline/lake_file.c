/* lake_file.c — a lake in a local directory (file://DIR), see lake.h and docs/transform.md §7.
 *
 *   DIR/<prefix>/<part>  ->  ../<stem>_versions/<part>/<version>     (a symbolic link)
 *   DIR/<stem>_versions/<part>/<version>/{part-*, _state.gz, _manifest.json}
 *   DIR/<stem>_versions/_meta/<name>
 *   DIR/<quarantine_prefix>/<name>, DIR/<changes_prefix>/<name>
 *
 * The link is what readers open; it is replaced with rename(2), which is atomic, so a reader
 * sees the old version or the new one, never a mix. The state syncs the file system (syncfs)
 * before it switches and after, once per batch rather than once per file, so a crash (even of
 * the machine) leaves either version whole. */
#define _GNU_SOURCE             /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/lake.h"

struct file_lake {
    struct lake base;
    char *table;        /* DIR/<prefix> without its '/', or DIR */
    char *store;        /* DIR/<stem>_versions */
    char *store_rel;    /* the store seen from the folder that holds the links */
    char *areas[3];     /* LAKE_META, LAKE_QUARANTINE, LAKE_CHANGES folders */
    char *root;         /* DIR */
    char *made;         /* the version folder created last (files of a version come together) */
    int lock_fd;        /* the writers' lock (flock on <store>/.lock), -1 when not held */
    int partitioned;
};

struct file_stream {
    struct lake_stream base;
    int fd;
    int writing;
    char *path;
};

static int sys_fail(struct pw_error *err, const char *what, const char *path)
{
    return pw_fail(err, PW_EXIT_FAILED, "%s '%s': %s", what, path, strerror(errno));
}

static char *path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = malloc(na + nb + 2);
    if (!p)
        return NULL;
    memcpy(p, a, na);
    size_t k = na;
    if (nb) {
        if (na && a[na - 1] != '/')
            p[k++] = '/';
        memcpy(p + k, b, nb);
        k += nb;
    }
    p[k] = '\0';
    return p;
}

static char *path3(const char *a, const char *b, const char *c)
{
    char *ab = path_join(a, b);
    char *abc = ab ? path_join(ab, c) : NULL;
    free(ab);
    return abc;
}

static int mkdir_p(const char *path, struct pw_error *err)
{
    /* Usually only the last folder is missing: one call, not one per level. */
    if (mkdir(path, 0755) == 0 || errno == EEXIST)
        return 0;
    char *p = strdup(path);
    if (!p)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    for (char *s = p + 1; ; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            int rc = sys_fail(err, "creating", p);
            free(p);
            return rc;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return 0;
}

static int sync_dir(const char *path, struct pw_error *err)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return sys_fail(err, "opening", path);
    int rc = fsync(fd) < 0 && errno != EINVAL ? sys_fail(err, "syncing", path) : 0;
    close(fd);
    return rc;
}

/* ---- streams ---- */

static long fs_io(struct lake_stream *s, void *data, size_t n, struct pw_error *err)
{
    struct file_stream *f = (struct file_stream *)s;
    if (!f->writing) {
        ssize_t r;
        while ((r = read(f->fd, data, n)) < 0 && errno == EINTR)
            ;
        return r < 0 ? sys_fail(err, "reading", f->path) : (long)r;
    }
    for (const char *p = data; n;) {
        ssize_t w = write(f->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return sys_fail(err, "writing", f->path);
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fs_close(struct lake_stream *s, int ok, struct pw_error *err)
{
    struct file_stream *f = (struct file_stream *)s;
    int rc = 0;
    if (close(f->fd) < 0 && f->writing && ok)
        rc = sys_fail(err, "closing", f->path);
    if (f->writing && (!ok || rc < 0))
        unlink(f->path);
    free(f->path);
    free(f);
    return rc;
}

static int stream_open(char *path, int writing, struct lake_stream **out, struct pw_error *err)
{
    int fd = writing ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                     : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int rc = !writing && errno == ENOENT ? 1 : sys_fail(err, writing ? "creating" : "opening", path);
        free(path);
        return rc;
    }
    struct file_stream *f = calloc(1, sizeof *f);
    if (!f) {
        close(fd);
        free(path);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    f->base.io = fs_io;
    f->base.close = fs_close;
    f->fd = fd;
    f->writing = writing;
    f->path = path;
    *out = &f->base;
    return 0;
}

/* ---- paths ---- */

/* The link readers see for part. */
static char *link_path(const struct file_lake *fl, const char *part)
{
    return fl->partitioned ? path_join(fl->table, part) : strdup(fl->table);
}

static char *version_dir(const struct file_lake *fl, const char *part, const char *version)
{
    return path3(fl->store, part, version);
}

/* ---- operations ---- */

static int fl_current(struct lake *l, const char *part, struct buf *version, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char target[4096];
    char *link = link_path(fl, part);
    if (!link)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    ssize_t n = readlink(link, target, sizeof target - 1);
    int rc = 0;
    if (n < 0 && errno == ENOENT) {
        rc = 0;
    } else if (n < 0 && errno == EINVAL) {
        rc = pw_fail(err, PW_EXIT_FAILED, "'%s' is not a partition link written by pipewright; "
                     "move it away or write to another directory", link);
    } else if (n < 0) {
        rc = sys_fail(err, "reading the link", link);
    } else {
        target[n] = '\0';
        const char *slash = strrchr(target, '/');
        rc = buf_appends(version, slash ? slash + 1 : target) < 0
           ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
    }
    free(link);
    return rc;
}

/* Names in dir (not starting with '.' or '_'); links only, or folders only. */
static int list_dir(const char *dir, int links, struct lake_names *out, struct pw_error *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : sys_fail(err, "listing", dir);
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (links ? S_ISLNK(st.st_mode) : S_ISDIR(st.st_mode))
            if (lake_names_add(out, e->d_name) < 0)
                rc = pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    closedir(d);
    lake_names_sort(out);
    return rc;
}

static int fl_partitions(struct lake *l, int stored, struct lake_names *out, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    if (!fl->partitioned) {
        struct stat st;
        int has = 0;
        if (stored) {
            struct lake_names v = {0};
            if (list_dir(fl->store, 0, &v, err) < 0)
                return -1;
            has = v.n > 0;
            lake_names_release(&v);
        } else {
            has = lstat(fl->table, &st) == 0 && S_ISLNK(st.st_mode);
        }
        return has && lake_names_add(out, "") < 0 ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
    }
    return list_dir(stored ? fl->store : fl->table, !stored, out, err);
}

static int fl_versions(struct lake *l, const char *part, struct lake_names *out, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *dir = path_join(fl->store, part);
    if (!dir)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    int rc = list_dir(dir, 0, out, err);
    free(dir);
    return rc;
}

static int fl_create(struct lake *l, const char *part, const char *version, const char *name,
                     struct lake_stream **out, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *dir = version_dir(fl, part, version);
    char *path = dir ? path_join(dir, name) : NULL;
    int rc = !path ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
    if (rc == 0 && (!fl->made || strcmp(fl->made, dir) != 0)) {
        rc = mkdir_p(dir, err);
        free(fl->made);
        fl->made = rc == 0 ? dir : NULL;
        dir = NULL;
    }
    free(dir);
    if (rc < 0) {
        free(path);
        return -1;
    }
    return stream_open(path, 1, out, err);
}

static int fl_open(struct lake *l, const char *part, const char *version, const char *name,
                   struct lake_stream **out, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *dir = version_dir(fl, part, version);
    char *path = dir ? path_join(dir, name) : NULL;
    free(dir);
    if (!path)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return stream_open(path, 0, out, err);
}

/* A tombstone: an empty version holding only _removed, so the grace period of the versions
 * it retires is counted from the removal. */
static int tombstone(struct file_lake *fl, const char *part, const char *name, struct pw_error *err)
{
    char *dir = version_dir(fl, part, name);
    char *path = dir ? path_join(dir, "_removed") : NULL;
    int rc = !path ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : mkdir_p(dir, err);
    if (rc == 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        rc = fd < 0 ? sys_fail(err, "creating", path) : close(fd);
    }
    free(dir);
    free(path);
    return rc;
}

static int fl_publish(struct lake *l, const char *part, const char *version, const char *tomb,
                      struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *link = link_path(fl, part), *vdir = NULL, *target = NULL, *tmp = NULL, *parent = NULL;
    int rc = -1;
    if (!link)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    char *slash = strrchr(link, '/');
    parent = slash ? strndup(link, (size_t)(slash - link)) : strdup(".");
    if (!parent)
        goto oom;
    if (!version) {
        if (unlink(link) < 0 && errno != ENOENT) {
            sys_fail(err, "removing", link);
            goto done;
        }
        rc = tomb && tombstone(fl, part, tomb, err) < 0 ? -1 : 0;
        goto done;
    }
    vdir = version_dir(fl, part, version);
    target = fl->partitioned ? path3(fl->store_rel, part, version) : path_join(fl->store_rel, version);
    size_t n = strlen(parent) + strlen(slash ? slash + 1 : link) + 16;
    tmp = malloc(n);
    if (!vdir || !target || !tmp)
        goto oom;
    snprintf(tmp, n, "%s/.%s.tmp", parent, slash ? slash + 1 : link);
    if (mkdir_p(parent, err) < 0)
        goto done;
    if (unlink(tmp) < 0 && errno != ENOENT) {
        sys_fail(err, "removing", tmp);
        goto done;
    }
    if (symlink(target, tmp) < 0) {
        sys_fail(err, "creating the link", tmp);
        goto done;
    }
    if (rename(tmp, link) < 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        if (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
            pw_fail(err, PW_EXIT_FAILED, "'%s' is a folder, not a partition link written by "
                    "pipewright; move it away or write to another directory", link);
        else
            sys_fail(err, "switching", link);
        goto done;
    }
    rc = 0;
    goto done;
oom:
    pw_fail(err, PW_EXIT_FAILED, "out of memory");
done:
    free(link);
    free(parent);
    free(vdir);
    free(target);
    free(tmp);
    return rc;
}

static int fl_lock(struct lake *l, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    if (fl->lock_fd >= 0)
        return 0;
    char *path = path_join(fl->store, ".lock");
    if (!path)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    int rc = mkdir_p(fl->store, err);
    int fd = rc == 0 ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
    if (rc == 0 && fd < 0)
        rc = sys_fail(err, "opening", path);
    while (rc == 0 && flock(fd, LOCK_EX) < 0)
        if (errno != EINTR)
            rc = sys_fail(err, "locking", path);
    if (rc < 0 && fd >= 0)
        close(fd);
    else if (rc == 0)
        fl->lock_fd = fd;
    free(path);
    return rc;
}

static void fl_unlock(struct lake *l)
{
    struct file_lake *fl = (struct file_lake *)l;
    if (fl->lock_fd >= 0)
        close(fl->lock_fd);     /* closing the descriptor releases the flock */
    fl->lock_fd = -1;
}

static int fl_sync(struct lake *l, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    int fd = open(fl->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return sys_fail(err, "opening", fl->root);
    int rc = syncfs(fd) < 0 ? sys_fail(err, "syncing the file system of", fl->root) : 0;
    close(fd);
    return rc;
}

static int fl_discard(struct lake *l, const char *part, const char *version, struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *dir = version_dir(fl, part, version);
    if (!dir)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    DIR *d = opendir(dir);
    int rc = 0;
    if (!d) {
        rc = errno == ENOENT ? 0 : sys_fail(err, "listing", dir);
        free(dir);
        return rc;
    }
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT)
            rc = sys_fail(err, "removing a file of", dir);
    closedir(d);
    if (rc == 0 && rmdir(dir) < 0 && errno != ENOENT)
        rc = sys_fail(err, "removing", dir);
    if (fl->made && strcmp(fl->made, dir) == 0) {
        free(fl->made);
        fl->made = NULL;
    }
    if (rc == 0 && fl->partitioned) {
        char *pdir = path_join(fl->store, part);
        if (pdir)
            rmdir(pdir);        /* only when it became empty: ENOTEMPTY is fine */
        free(pdir);
    }
    free(dir);
    return rc;
}

/* Written whole, synced, then renamed into place: the object is there whole or not at all. */
static int fl_put(struct lake *l, enum lake_area area, const char *name, const void *data, size_t n,
                  struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    const char *dir = fl->areas[area];
    char *path = path_join(dir, name);
    size_t tn = strlen(dir) + strlen(name) + 8;
    char *tmp = malloc(tn);
    int rc = -1, fd = -1;
    if (!path || !tmp) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto done;
    }
    snprintf(tmp, tn, "%s/.%s.tmp", dir, name);
    if (mkdir_p(dir, err) < 0)
        goto done;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        sys_fail(err, "creating", tmp);
        goto done;
    }
    for (const char *p = data; n;) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            sys_fail(err, "writing", tmp);
            goto done;
        }
        p += w;
        n -= (size_t)w;
    }
    if (fdatasync(fd) < 0) {
        sys_fail(err, "syncing", tmp);
        goto done;
    }
    if (close(fd) < 0) {
        fd = -1;
        sys_fail(err, "writing", tmp);
        goto done;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        sys_fail(err, "writing", path);
        goto done;
    }
    rc = sync_dir(dir, err);
done:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(path);
    free(tmp);
    return rc;
}

static int fl_get(struct lake *l, enum lake_area area, const char *name, struct buf *out,
                  struct pw_error *err)
{
    struct file_lake *fl = (struct file_lake *)l;
    char *path = path_join(fl->areas[area], name);
    if (!path)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    struct lake_stream *s;
    int rc = stream_open(path, 0, &s, err);
    if (rc)
        return rc;
    char chunk[65536];
    for (;;) {
        long n = s->io(s, chunk, sizeof chunk, err);
        if (n < 0 || (n > 0 && buf_append(out, chunk, (size_t)n) < 0)) {
            if (n > 0)
                pw_fail(err, PW_EXIT_FAILED, "reading '%s': too large or out of memory", name);
            s->close(s, 0, err);
            return -1;
        }
        if (n == 0)
            return s->close(s, 1, err);
    }
}

static void fl_free(struct lake *l)
{
    struct file_lake *fl = (struct file_lake *)l;
    fl_unlock(l);
    free(fl->base.where);
    free(fl->root);
    free(fl->made);
    free(fl->table);
    free(fl->store);
    free(fl->store_rel);
    for (size_t i = 0; i < 3; i++)
        free(fl->areas[i]);
    free(fl);
}

static const struct lake_ops file_ops = {
    .scheme = "file",
    .current = fl_current,
    .partitions = fl_partitions,
    .versions = fl_versions,
    .create = fl_create,
    .open = fl_open,
    .lock = fl_lock,
    .unlock = fl_unlock,
    .sync = fl_sync,
    .publish = fl_publish,
    .discard = fl_discard,
    .put = fl_put,
    .get = fl_get,
    .free = fl_free,
};

/* "a/b/" -> "a/b"; "" stays "". */
static char *strip_slash(const char *p)
{
    size_t n = strlen(p);
    while (n && p[n - 1] == '/')
        n--;
    return strndup(p, n);
}

int lake_file_open(const char *url, const char *prefix, const char *quarantine_prefix,
                   const char *changes_prefix, int partitioned, struct lake **out,
                   struct pw_error *err)
{
    *out = NULL;
    if (strncmp(url, "file://", 7) != 0 || !url[7])
        return pw_fail(err, PW_EXIT_USAGE, "'%s' is not a file:// url (file:///path or "
                       "file://relative/path)", url);
    const char *dir = url + 7;
    char *stem = strip_slash(prefix);
    if (!stem)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (!partitioned && !stem[0]) {
        free(stem);
        return pw_fail(err, PW_EXIT_SPEC, "an unpartitioned pipeline writing to %s needs "
                       "'output.prefix': the table is switched as a whole, as a link", url);
    }
    struct file_lake *fl = calloc(1, sizeof *fl);
    if (!fl) {
        free(stem);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    fl->base.ops = &file_ops;
    fl->partitioned = partitioned;
    fl->lock_fd = -1;
    const char *base = strrchr(stem, '/') ? strrchr(stem, '/') + 1 : stem;
    size_t n = strlen(stem) + 16;
    char *store_name = malloc(n), *rel = malloc(strlen(base) + 16);
    if (store_name && rel) {
        snprintf(store_name, n, "%s_versions", stem);
        if (!stem[0])
            snprintf(rel, strlen(base) + 16, "_versions");
        else if (partitioned)
            snprintf(rel, strlen(base) + 16, "../%s_versions", base);
        else
            snprintf(rel, strlen(base) + 16, "%s_versions", base);
    }
    fl->table = path_join(dir, stem);
    fl->root = strdup(dir);
    fl->store = store_name ? path_join(dir, store_name) : NULL;
    fl->store_rel = rel;
    fl->areas[LAKE_META] = fl->store ? path_join(fl->store, "_meta") : NULL;
    fl->areas[LAKE_QUARANTINE] = path_join(dir, quarantine_prefix);
    fl->areas[LAKE_CHANGES] = path_join(dir, changes_prefix);
    size_t wn = strlen(url) + strlen(prefix) + 2;
    fl->base.where = malloc(wn);
    if (fl->base.where)
        snprintf(fl->base.where, wn, "%s%s%s", url, url[strlen(url) - 1] == '/' ? "" : "/", prefix);
    free(stem);
    free(store_name);
    if (!fl->table || !fl->root || !fl->store || !rel || !fl->areas[0] || !fl->areas[1] || !fl->areas[2] ||
        !fl->base.where) {
        fl_free(&fl->base);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    fl->base.local = fl->root;
    if (mkdir_p(fl->root, err) < 0) {
        fl_free(&fl->base);
        return -1;
    }
    *out = &fl->base;
    return 0;
}
