/* state_spill.c — a whole input applied partition by partition (state_options.spill_dir).
 *
 * A batch rewrites every partition it touches, so when changes spread over every partition
 * the work is batches x lake size. When the whole input is known in advance (a file), each
 * change is instead transformed once, as it is read, and appended (key, partition, record,
 * rendered rows) to the spill file of the partition it now belongs to; a change whose old
 * image was in another partition is appended there too, as a removal (its key only). At the
 * end, each partition's spill is loaded (per key the last change wins, as in a batch), merged
 * with the partition's current items, and the partition is written once: work and disk are
 * linear in the input, and memory is the largest partition's changes plus the dimension.
 *
 * Why per partition equals one big batch: a key's last change that names partition P (as its
 * new or its old partition) says whether the key is in P. A later change of that key cannot
 * put it back into P without naming P (it would be its new partition), and one that moves it
 * out of P names P as its old partition. So P's spill alone decides P's content.
 *
 * What it needs: every change's old partition. A modify or remove without an old image (a
 * KEYS_ONLY or NEW_IMAGE stream) could have left rows in any partition; state_apply then
 * ends spilling (the spills are applied first, in stream order) and the rest of the input
 * goes through batches, which search the lake for such keys.
 *
 * The change log and the quarantine are not spilled: they are written while reading, in
 * stream order, at the batch limits (state_flush). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline/state_int.h"

/* A partition's spill is appended past PART_BUFFER, and every spill past ALL_BUFFERS in all:
 * the memory the buffers may hold, which tests/e2e/test_pipeline_spill.py keeps from growing
 * with the input. The first MAX_OPEN spill files stay open until the end, so an append is one
 * write, not open + write + close (100,000 records made 27,000 opens that way). */
#define PART_BUFFER ((size_t)64 << 10)
#define ALL_BUFFERS ((size_t)4 << 20)
#define MAX_OPEN 256

struct spill_part {
    struct buf data;                /* not yet appended to the file */
    char file[32];                  /* its name in the folder */
    int on_disk;                    /* the file exists */
    int fd;                         /* open for appending, or -1 */
};

struct spill {
    char *dir;                      /* the folder, removed at the end */
    struct strmap parts;            /* partition name -> struct spill_part */
    size_t buffered;
    size_t open;                    /* spill files kept open */
};

/* What each spilled change starts with; then the affinity values (length, bytes), the key,
 * the partition, the record and the rows. part_len 0: the key leaves the partition. */
struct spill_head {
    uint32_t key_len, part_len, record_len, n_affinity;
    uint64_t rows_len, n_rows, dim_gen;
};

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

static int sys_fail(struct pw_error *err, const char *what, const char *path)
{
    return pw_fail(err, PW_EXIT_FAILED, "%s '%s': %s", what, path, strerror(errno));
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[4200];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

void state_spill_free(struct spill *sp)
{
    if (!sp)
        return;
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sp->parts, &i, &slot);) {
        struct spill_part *p = slot->value;
        if (p) {
            buf_release(&p->data);
            if (p->fd >= 0)
                close(p->fd);
        }
        free(p);
    }
    strmap_release(&sp->parts);
    if (sp->dir)
        remove_dir(sp->dir);
    free(sp->dir);
    free(sp);
}

int state_spill_begin(struct state *s, const char *dir, struct pw_error *err)
{
    struct spill *sp = calloc(1, sizeof *sp);
    struct buf path;
    buf_init(&path, 0);
    if (!sp || buf_appendf(&path, "%s/.pipewright-spill-XXXXXX", dir) < 0) {
        free(sp);
        buf_release(&path);
        return oom(err);
    }
    strmap_init(&sp->parts);
    sp->dir = buf_detach(&path);
    if (!mkdtemp(sp->dir)) {
        int rc = sys_fail(err, "creating a folder for the spill in", dir);
        free(sp->dir);
        free(sp);
        return rc;
    }
    s->spill = sp;
    return 0;
}

static int part_append(struct spill *sp, struct spill_part *p, struct pw_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", sp->dir, p->file);
    int fd = p->fd >= 0 ? p->fd : open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return sys_fail(err, "creating", path);
    if (p->fd < 0 && sp->open < MAX_OPEN) {
        p->fd = fd;
        sp->open++;
    }
    int rc = 0;
    for (const char *d = p->data.data; rc == 0 && d < p->data.data + p->data.len;) {
        ssize_t w = write(fd, d, (size_t)(p->data.data + p->data.len - d));
        if (w < 0 && errno != EINTR)
            rc = sys_fail(err, "writing", path);
        d += w > 0 ? w : 0;
    }
    if (fd != p->fd && close(fd) < 0 && rc == 0)
        rc = sys_fail(err, "writing", path);
    sp->buffered -= p->data.len;
    buf_reset(&p->data);
    p->on_disk = 1;
    return rc;
}

static int append_all(struct spill *sp, struct pw_error *err)
{
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sp->parts, &i, &slot);) {
        struct spill_part *p = slot->value;
        if (p->data.len && part_append(sp, p, err) < 0)
            return -1;
    }
    return 0;
}

static struct spill_part *part_of(struct spill *sp, const char *name)
{
    int created;
    struct strmap_slot *slot = strmap_put(&sp->parts, name, strlen(name), &created);
    if (!slot || !created)
        return slot ? slot->value : NULL;
    struct spill_part *p = calloc(1, sizeof *p);
    if (!p) {
        strmap_remove(&sp->parts, name, strlen(name));
        return NULL;
    }
    buf_init(&p->data, SIZE_MAX);
    p->fd = -1;
    snprintf(p->file, sizeof p->file, "p%zu", sp->parts.len);
    slot->value = p;
    return p;
}

/* Appends e to part's spill: whole when whole, else its key only (a removal). */
static int spill_to(struct spill *sp, const char *part, const struct entry *e, int whole,
                    struct pw_error *err)
{
    struct spill_part *p = part_of(sp, part);
    if (!p)
        return oom(err);
    struct spill_head h = {.key_len = (uint32_t)e->key_len};
    if (whole) {
        h.part_len = (uint32_t)strlen(e->part);
        h.record_len = (uint32_t)e->record_len;
        h.n_affinity = (uint32_t)e->n_affinity;
        h.rows_len = e->rows_len;
        h.n_rows = e->n_rows;
        h.dim_gen = e->dim_gen;
    }
    size_t before = p->data.len;
    int rc = buf_append(&p->data, &h, sizeof h);
    for (size_t i = 0; rc == 0 && i < h.n_affinity; i++) {
        uint32_t n = (uint32_t)strlen(e->affinity[i]);
        rc = buf_append(&p->data, &n, sizeof n) < 0 ? -1 : buf_append(&p->data, e->affinity[i], n);
    }
    if (rc == 0)
        rc = buf_append(&p->data, e->key, e->key_len);
    if (rc == 0 && whole)
        rc = buf_append(&p->data, e->part, h.part_len) < 0 ||
             buf_append(&p->data, e->record, e->record_len) < 0 ||
             buf_append(&p->data, e->rows ? e->rows : "", e->rows_len) < 0 ? -1 : 0;
    if (rc < 0)
        return oom(err);
    sp->buffered += p->data.len - before;
    if (p->data.len >= PART_BUFFER && part_append(sp, p, err) < 0)
        return -1;
    return sp->buffered >= ALL_BUFFERS ? append_all(sp, err) : 0;
}

int state_spill_entry(struct state *s, struct entry *e, struct pw_error *err)
{
    int rc = 0;
    if (e->part)
        rc = spill_to(s->spill, e->part, e, 1, err);
    for (size_t i = 0; rc == 0 && i < e->old.n; i++)
        if (!e->part || strcmp(e->old.items[i], e->part) != 0)
            rc = spill_to(s->spill, e->old.items[i], e, 0, err);
    /* The entry is in the spills now: the batch stays empty. */
    char *key = malloc(e->key_len ? e->key_len : 1);
    size_t key_len = e->key_len;
    if (!key)
        return oom(err);
    memcpy(key, e->key, key_len);
    state_entry_clear(e);
    lake_names_release(&e->old);
    free(e);
    strmap_remove(&s->batch, key, key_len);
    free(key);
    return rc;
}

/* ---- the end: each partition loaded and written once ---- */

static int take(const char **p, const char *end, size_t n, const char **out)
{
    if ((size_t)(end - *p) < n)
        return -1;
    *out = *p;
    *p += n;
    return 0;
}

static char *copy(const char *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, p, n);
        c[n] = '\0';
    }
    return c;
}

/* One spilled change into the batch (the key's last change wins) and, when it belongs to part,
 * into job. */
static int load_one(struct state *s, const char **p, const char *end, struct pw_error *err)
{
    struct spill_head h;
    const char *at;
    if (take(p, end, sizeof h, &at) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "internal: a damaged spill in %s", s->spill->dir);
    memcpy(&h, at, sizeof h);
    char **aff = calloc(h.n_affinity ? h.n_affinity : 1, sizeof *aff);
    if (!aff)
        return oom(err);
    size_t n_aff = 0;
    int rc = 0;
    for (; rc == 0 && n_aff < h.n_affinity; n_aff++) {
        uint32_t n;
        rc = take(p, end, sizeof n, &at);
        if (rc == 0) {
            memcpy(&n, at, sizeof n);
            rc = take(p, end, n, &at);
        }
        if (rc == 0 && !(aff[n_aff] = copy(at, n)))
            rc = -2;
    }
    const char *key = NULL, *part = NULL, *record = NULL, *rows = NULL;
    if (rc == 0 && (take(p, end, h.key_len, &key) < 0 || take(p, end, h.part_len, &part) < 0 ||
                    take(p, end, h.record_len, &record) < 0 || take(p, end, h.rows_len, &rows) < 0))
        rc = -1;
    int created = 0;
    struct strmap_slot *slot = rc == 0 ? strmap_put(&s->batch, key, h.key_len, &created) : NULL;
    struct entry *e = slot ? (created ? calloc(1, sizeof *e) : slot->value) : NULL;
    if (rc == 0 && !e) {
        if (slot)
            strmap_remove(&s->batch, key, h.key_len);
        rc = -2;
    }
    if (rc == 0) {
        if (created) {
            slot->value = e;
            e->key = slot->key;
            e->key_len = slot->len;
        }
        state_entry_clear(e);
        e->affinity = aff;
        e->n_affinity = n_aff;
        aff = NULL;
        if (h.part_len) {
            e->part = copy(part, h.part_len);
            e->record = copy(record, h.record_len);
            e->rows = copy(rows, h.rows_len);
            e->record_len = h.record_len;
            e->rows_len = h.rows_len;
            e->n_rows = h.n_rows;
            e->dim_gen = h.dim_gen;
            if (!e->part || !e->record || !e->rows)
                rc = -2;
        }
    }
    for (size_t i = 0; aff && i < n_aff; i++)
        free(aff[i]);
    free(aff);
    if (rc == -1)
        return pw_fail(err, PW_EXIT_FAILED, "internal: a damaged spill in %s", s->spill->dir);
    return rc < 0 ? oom(err) : 0;
}

/* Loads part's spill into the batch and writes the partition. */
static int apply_part(struct state *s, const char *part, struct job *job, const char *version,
                      struct lake_names *publish, struct lake_names *remove,
                      struct pipeline_report *rep, struct pw_error *err)
{
    struct spill_part *sp = strmap_get(&s->spill->parts, part, strlen(part));
    struct buf data;
    int rc = 0;
    buf_init(&data, SIZE_MAX);
    if (sp && sp->on_disk) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", s->spill->dir, sp->file);
        if (sp->fd >= 0) {          /* every append is a write(2): the file is complete */
            close(sp->fd);
            sp->fd = -1;
        }
        rc = buf_read_file(&data, path, err);
        unlink(path);
    }
    if (rc == 0 && sp && buf_append(&data, sp->data.data ? sp->data.data : "", sp->data.len) < 0)
        rc = oom(err);
    if (sp)
        buf_release(&sp->data);
    const char *p = data.data, *end = data.data + data.len;
    while (rc == 0 && p < end)
        rc = load_one(s, &p, end, err);
    buf_release(&data);
    struct strmap_slot *slot;
    job->n = 0;
    for (size_t i = 0; rc == 0 && strmap_next(&s->batch, &i, &slot);) {
        struct entry *e = slot->value;
        if (e->part && strcmp(e->part, part) == 0 && state_job_add(job, e) < 0)
            rc = oom(err);
    }
    if (rc == 0)
        rc = state_rewrite(s, part, job, version, publish, remove, rep, err);
    state_entries_clear(s);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int state_spill_end(struct state *s, struct pipeline_report *rep, struct pw_error *err)
{
    struct spill *sp = s->spill;
    struct strmap jobs;
    struct lake_names publish = {0}, remove = {0};
    char **names = NULL;
    char version[40];
    int rc = -1;
    strmap_init(&jobs);
    if (s->lake->ops->lock(s->lake, err) < 0)
        goto done;
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&sp->parts, &i, &slot);)
        if (!state_job_of(&jobs, slot->key)) {
            oom(err);
            goto done;
        }
    if ((s->dim_changed.len || s->rerender_all) && state_sweep(s, &jobs, 0, err) < 0)
        goto done;
    if (!jobs.len) {
        rc = 0;
        goto done;
    }
    if (state_next_version(s, version, sizeof version) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "the clock is out of range");
        goto done;
    }
    if (!(names = malloc(jobs.len * sizeof *names))) {
        oom(err);
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; strmap_next(&jobs, &i, &slot);)
        names[n++] = slot->key;
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++)
        if (apply_part(s, names[i], strmap_get(&jobs, names[i], strlen(names[i])), version,
                       &publish, &remove, rep, err) < 0)
            goto done;
    if (state_switch_all(s, &publish, &remove, version, err) < 0)
        goto done;
    rep->batches++;
    rc = 0;
done:
    s->spill = NULL;                /* from here on, batches */
    state_spill_free(sp);
    /* Then what follows a batch's partitions: the quarantine, the change log, the dimension and
     * the fingerprint; the dimension's changes are in the partitions now. */
    if (rc == 0 && (jsonl_batch_flush(&s->q, s->lake, NULL, err) < 0 || state_flush_log(s, err) < 0 ||
                    state_save_dimension(s, err) < 0 || state_write_meta(s, err) < 0))
        rc = -1;
    if (rc == 0) {
        strmap_release(&s->dim_changed);
        s->rerender_all = 0;
        s->batch_bytes = s->batch_records = 0;
    }
    s->lake->ops->unlock(s->lake);
    free(names);
    state_jobs_release(&jobs);
    lake_names_release(&publish);
    lake_names_release(&remove);
    return rc;
}
