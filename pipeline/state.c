/* state.c — the batch and the partitions (see state.h; the dimension side is state_dim.c).
 *
 * Invariants, between flushes:
 *  - every published partition P holds exactly the valid current items whose partition is P,
 *    as of the last flush, in its state file, and their rows (docs/transform.md §6);
 *  - the batch holds, per key, the item as the last change left it (or "gone"), and every
 *    partition that may hold the key's rows from before (the old images' partitions), so a
 *    flush rewrites all of them and no stale row survives. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/partition.h"
#include "pipeline/state_int.h"

#define META_PIPELINE "pipeline.json"
#define DEFAULT_BATCH_BYTES ((size_t)64 << 20)

static int oom(struct pw_error *err)
{
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

int64_t state_now_us(const struct state *s)
{
    if (s->o.now_us)
        return s->o.now_us(s->o.clock_ctx);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the transform's fingerprint in the lake ---- */

static int write_meta(struct state *s, struct pw_error *err);

static int read_meta(struct state *s, struct pw_error *err)
{
    struct buf b;
    buf_init(&b, 0);
    int rc = s->lake->ops->get(s->lake, LAKE_META, META_PIPELINE, &b, err);
    if (rc) {
        buf_release(&b);
        return rc < 0 ? -1 : 0;         /* a new lake */
    }
    cJSON *j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    buf_release(&b);
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(j, "fingerprint");
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(j, "partition_fingerprint");
    const cJSON *pd = cJSON_GetObjectItemCaseSensitive(j, "partitioning");
    if (!cJSON_IsString(fp) || !cJSON_IsString(pf)) {
        cJSON_Delete(j);
        return pw_fail(err, PW_EXIT_FAILED, "the pipeline metadata of %s is damaged", s->lake->where);
    }
    if (strcmp(pf->valuestring, s->tf->part_fingerprint) != 0 && !s->o.snapshot) {
        rc = pw_fail(err, PW_EXIT_FAILED, "the lake at %s was partitioned differently (%s); write "
                     "to a new location, or rebuild it from a DynamoDB export (a backfill)",
                     s->lake->where, cJSON_IsString(pd) ? pd->valuestring : "another key");
        cJSON_Delete(j);
        return rc;
    }
    if (strcmp(fp->valuestring, s->tf->fingerprint) != 0 ||
        strcmp(pf->valuestring, s->tf->part_fingerprint) != 0)
        s->rerender_all = 1;
    else
        s->meta_written = 1;
    cJSON_Delete(j);
    return 0;
}

/* The fingerprint, when it is not the lake's yet. */
int state_write_meta(struct state *s, struct pw_error *err)
{
    return s->meta_written && !s->rerender_all ? 0 : write_meta(s, err);
}

static int write_meta(struct state *s, struct pw_error *err)
{
    const struct transform *tf = s->tf;
    char part[512];
    if (tf->partitioned)
        snprintf(part, sizeof part, "%s by %s of '%s'", tf->part_as,
                 spec_granularity_name(tf->granularity), tf->part.from);
    else
        snprintf(part, sizeof part, "not partitioned");
    cJSON *j = cJSON_CreateObject();
    char *text = NULL;
    if (j && cJSON_AddStringToObject(j, "fingerprint", tf->fingerprint) &&
        cJSON_AddStringToObject(j, "partition_fingerprint", tf->part_fingerprint) &&
        cJSON_AddStringToObject(j, "partitioning", part))
        text = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    if (!text)
        return oom(err);
    int rc = s->lake->ops->put(s->lake, LAKE_META, META_PIPELINE, text, strlen(text), err);
    cJSON_free(text);
    if (rc == 0)
        s->meta_written = 1;
    return rc;
}

/* ---- life ---- */

int state_new(const struct state_options *o, struct state **out, struct pw_error *err)
{
    *out = NULL;
    struct state *s = calloc(1, sizeof *s);
    if (!s)
        return oom(err);
    s->o = *o;
    if (!s->o.batch_bytes)      /* a count of records, when given, is the only limit */
        s->o.batch_bytes = s->o.batch_records ? SIZE_MAX : DEFAULT_BATCH_BYTES;
    s->tf = o->tf;
    s->lake = o->lake;
    strmap_init(&s->batch);
    strmap_init(&s->dim_changed);
    strmap_init(&s->seen);
    row_renderer_init(&s->rr, s->tf->pl->output.format);
    jsonl_batch_init(&s->q, LAKE_QUARANTINE, "q");
    jsonl_batch_init(&s->log, LAKE_CHANGES, "c");
    if (s->tf->has_join)
        dim_init(&s->dim, s->tf);
    if (read_meta(s, err) < 0 || (o->spill_dir && state_spill_begin(s, o->spill_dir, err) < 0)) {
        state_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void state_entry_clear(struct entry *e)
{
    free(e->record);
    free(e->part);
    free(e->rows);
    for (size_t i = 0; i < e->n_affinity; i++)
        free(e->affinity[i]);
    free(e->affinity);
    e->record = e->part = e->rows = NULL;
    e->affinity = NULL;
    e->record_len = e->rows_len = e->n_rows = e->n_affinity = 0;
}

void state_entries_clear(struct state *s)
{
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&s->batch, &i, &slot);) {
        struct entry *e = slot->value;
        state_entry_clear(e);
        lake_names_release(&e->old);
        free(e);
    }
    strmap_release(&s->batch);
}

static void batch_clear(struct state *s)
{
    state_entries_clear(s);
    strmap_release(&s->dim_changed);
    s->batch_bytes = s->batch_records = 0;
}

void state_free(struct state *s)
{
    if (!s)
        return;
    batch_clear(s);
    state_spill_free(s->spill);
    strmap_release(&s->seen);
    if (s->tf->has_join)
        dim_release(&s->dim);
    row_renderer_release(&s->rr);
    jsonl_batch_release(&s->q);
    jsonl_batch_release(&s->log);
    free(s);
}

/* ---- applying changes ---- */

static void note_seq(struct pipeline_report *rep, const char *seq)
{
    if (!seq)
        return;
    if (!rep->first_seq[0])
        snprintf(rep->first_seq, sizeof rep->first_seq, "%s", seq);
    snprintf(rep->last_seq, sizeof rep->last_seq, "%s", seq);
}

static int quarantine(struct state *s, const char *why, const struct change *c,
                      struct pipeline_report *rep, struct pw_error *err)
{
    rep->quarantined++;
    if (quarantine_add(&s->q, why, c->record, c->record_len, c->source, c->line, c->seq) < 0)
        return oom(err);
    return 0;
}

int state_reject(struct state *s, const char *reason, const char *text, size_t len,
                 const char *source, long line, struct pipeline_report *rep, struct pw_error *err)
{
    struct change c = {.record = text, .record_len = len, .source = source, .line = line};
    return quarantine(s, reason, &c, rep, err);
}

static int log_change(struct state *s, const struct change *c)
{
    if (c->seq) {
        if (!s->log.n)
            snprintf(s->log_first, sizeof s->log_first, "%s", c->seq);
        snprintf(s->log_last, sizeof s->log_last, "%s", c->seq);
    }
    return changelog_add(&s->log, c);
}

/* The batch's change log, named by its sequence range (or its content, without one). */
int state_flush_log(struct state *s, struct pw_error *err)
{
    char name[140];
    snprintf(name, sizeof name, "%s-%s", s->log_first, s->log_last);
    int rc = jsonl_batch_flush(&s->log, s->lake, s->log_first[0] ? name : NULL, err);
    if (rc == 0)
        s->log_first[0] = s->log_last[0] = '\0';
    return rc;
}

static int add_name(struct lake_names *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], name) == 0)
            return 0;
    return lake_names_add(l, name);
}

/* The new image's rows into e (or e left "gone" and the record quarantined). */
static int take_image(struct state *s, struct entry *e, const struct change *c,
                      struct pipeline_report *rep, struct pw_error *err)
{
    struct buf rows, part;
    struct tf_result res;
    char why[512];
    buf_init(&rows, (size_t)1 << 30);
    buf_init(&part, 0);
    int rc = transform_item(s->tf, c->new_image, s->has_dim ? &s->dim : NULL, &s->rr, &rows, &res);
    if (rc == 1) {
        rc = quarantine(s, res.why, c, rep, err);
        goto done;
    }
    if (rc == 0)
        rc = transform_partition(s->tf, c->new_image, &part, why, sizeof why);
    if (rc == 1) {
        rc = quarantine(s, why, c, rep, err);
        goto done;
    }
    if (rc < 0) {
        rc = oom(err);
        goto done;
    }
    e->record = malloc(c->record_len + 1);
    e->affinity = calloc(res.n_affinity ? res.n_affinity : 1, sizeof *e->affinity);
    if (!e->record || !e->affinity) {
        rc = oom(err);
        goto done;
    }
    memcpy(e->record, c->record, c->record_len);
    e->record[c->record_len] = '\0';
    e->record_len = c->record_len;
    for (size_t i = 0; i < res.n_affinity; i++) {
        if (!(e->affinity[i] = strdup(res.affinity[i]))) {
            rc = oom(err);
            goto done;
        }
        e->n_affinity++;
    }
    e->part = buf_detach(&part);
    e->rows_len = rows.len;
    e->rows = buf_detach(&rows);
    e->n_rows = res.rows;
    e->dim_gen = s->dim_gen;
    rep->empty += (uint64_t)res.empty;
    rep->unmatched += res.unmatched;
    s->batch_bytes += e->record_len + e->rows_len;
done:
    if (rc < 0)
        state_entry_clear(e);
    buf_release(&rows);
    buf_release(&part);
    return rc;
}

int state_with_record(struct state *s, const struct change *c, state_apply_fn fn,
                      struct pipeline_report *rep, struct pw_error *err)
{
    if (c->record)
        return fn(s, c, rep, err);
    if (!c->json)
        return pw_fail(err, PW_EXIT_FAILED, "internal: a change without its record");
    char *text = cJSON_PrintUnformatted(c->json);
    if (!text)
        return oom(err);
    struct change copy = *c;
    copy.record = text;
    copy.record_len = strlen(text);
    int rc = fn(s, &copy, rep, err);
    cJSON_free(text);
    return rc;
}

static int apply(struct state *s, const struct change *c, struct pipeline_report *rep,
                 struct pw_error *err);

int state_apply(struct state *s, const struct change *c, struct pipeline_report *rep,
                struct pw_error *err)
{
    /* Spilling needs each change's old partition: a change without an old image ends it (what
     * was spilled is applied), and the batches take over, searching for the old rows. */
    if (s->spill && !c->old_image && (c->op == CHANGE_MODIFY || c->op == CHANGE_REMOVE) &&
        state_spill_end(s, rep, err) < 0)
        return -1;
    return state_with_record(s, c, apply, rep, err);
}

static int apply(struct state *s, const struct change *c, struct pipeline_report *rep,
                 struct pw_error *err)
{
    char why[512];
    struct buf key;
    switch (c->op) {
    case CHANGE_INSERT:
    case CHANGE_ITEM:
        rep->inserted++;
        break;
    case CHANGE_MODIFY:
        rep->modified++;
        break;
    case CHANGE_REMOVE:
        rep->removed++;
        break;
    }
    note_seq(rep, c->seq);
    s->batch_records++;
    if (ddb_check_item(c->keys, why, sizeof why) < 0)
        return quarantine(s, why, c, rep, err);
    buf_init(&key, 0);
    int rc = transform_key(s->tf, c->keys, &key, why, sizeof why);
    if (rc) {
        buf_release(&key);
        return rc < 0 ? oom(err) : quarantine(s, why, c, rep, err);
    }
    if (s->tf->pl->output.mode == SPEC_MODE_CHANGES && c->op != CHANGE_ITEM &&
        log_change(s, c) < 0) {
        buf_release(&key);
        return oom(err);
    }
    int created;
    struct strmap_slot *slot = strmap_put(&s->batch, key.data, key.len, &created);
    struct entry *e = slot ? (created ? calloc(1, sizeof *e) : slot->value) : NULL;
    if (!e) {
        if (slot)
            strmap_remove(&s->batch, key.data, key.len);
        buf_release(&key);
        return oom(err);
    }
    if (created) {
        slot->value = e;
        e->key = slot->key;
        e->key_len = slot->len;
        s->batch_bytes += key.len + sizeof *e;
    }
    buf_release(&key);
    /* Where the item's rows were: the old image's partition; without an old image (a stream
     * of new images only), anywhere. An old image that does not transform was quarantined
     * when it was new, so it has no rows to remove. */
    if (c->old_image) {
        struct buf part;
        buf_init(&part, 0);
        if (ddb_check_item(c->old_image, why, sizeof why) == 0 &&
            transform_partition(s->tf, c->old_image, &part, why, sizeof why) == 0 &&
            add_name(&e->old, buf_cstr(&part)) < 0) {
            buf_release(&part);
            return oom(err);
        }
        buf_release(&part);
    } else if (c->op == CHANGE_MODIFY || c->op == CHANGE_REMOVE) {
        e->old_unknown = 1;
    }
    s->batch_bytes -= e->record_len + e->rows_len;
    state_entry_clear(e);
    rc = c->op == CHANGE_REMOVE ? 0 : take_image(s, e, c, rep, err);
    return rc == 0 && s->spill ? state_spill_entry(s, e, err) : rc;
}

int state_batch_full(const struct state *s)
{
    return s->batch_bytes >= s->o.batch_bytes ||
           (s->o.batch_records && s->batch_records >= s->o.batch_records);
}

/* ---- flushing: one job per partition to rewrite ---- */

struct job *state_job_of(struct strmap *jobs, const char *part)
{
    int created;
    struct strmap_slot *slot = strmap_put(jobs, part, strlen(part), &created);
    if (!slot)
        return NULL;
    if (created && !(slot->value = calloc(1, sizeof(struct job))))
        strmap_remove(jobs, part, strlen(part));
    return slot ? slot->value : NULL;
}

int state_job_add(struct job *j, struct entry *e)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        struct entry **a = realloc(j->entries, cap * sizeof *a);
        if (!a)
            return -1;
        j->entries = a;
        j->cap = cap;
    }
    j->entries[j->n++] = e;
    return 0;
}

void state_jobs_release(struct strmap *jobs)
{
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(jobs, &i, &slot);) {
        struct job *j = slot->value;
        if (j)
            free(j->entries);
        free(j);
    }
    strmap_release(jobs);
}

static int key_cmp(const char *a, size_t na, const char *b, size_t nb)
{
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static int entry_cmp(const void *x, const void *y)
{
    const struct entry *a = *(struct entry *const *)x, *b = *(struct entry *const *)y;
    return key_cmp(a->key, a->key_len, b->key, b->key_len);
}

/* Whether the dimension changed, for one of the entry's affinity values, after the entry's rows
 * were rendered (changes before, like loading the dimension, are already in them). */
static int entry_stale(const struct state *s, const struct entry *e)
{
    for (size_t i = 0; i < e->n_affinity; i++) {
        uintptr_t gen = (uintptr_t)strmap_get(&s->dim_changed, e->affinity[i], strlen(e->affinity[i]));
        if (gen > e->dim_gen)
            return 1;
    }
    return 0;
}

/* Renders a stored record again (with the dimension as it is now) into w. 0, 1 when it no
 * longer transforms (quarantined, left out), -1. */
static int render_again(struct state *s, struct part_writer *w, const char *key, size_t key_len,
                        const char *record, size_t record_len, const char *where,
                        struct pipeline_report *rep, struct pw_error *err)
{
    cJSON *j = cJSON_ParseWithLength(record, record_len);
    struct change c;
    struct tf_result res;
    struct buf rows;
    char why[512];
    int rc = !j ? 1 : change_from_json(j, &c, why, sizeof why);
    buf_init(&rows, (size_t)1 << 30);
    if (rc == 0 && !c.new_image) {
        snprintf(why, sizeof why, "a stored record without an image");
        rc = 1;
    }
    if (rc == 0) {
        rc = transform_item(s->tf, c.new_image, s->has_dim ? &s->dim : NULL, &s->rr, &rows, &res);
        if (rc == 1)
            snprintf(why, sizeof why, "%s", res.why);
    }
    if (rc == 0)
        rc = part_writer_item(w, key, key_len, record, record_len, rows.data ? rows.data : "",
                              rows.len, res.rows, res.affinity, res.n_affinity, err);
    else if (rc == 1) {
        char reason[700];
        snprintf(reason, sizeof reason, "%s no longer transforms: %s", where, j ? why : "not JSON");
        struct change q = {.record = record, .record_len = record_len, .source = where};
        rc = quarantine(s, reason, &q, rep, err) < 0 ? -1 : 1;
    } else {
        oom(err);
    }
    buf_release(&rows);
    cJSON_Delete(j);
    return rc;
}

static int emit_entry(struct state *s, struct part_writer *w, struct entry *e,
                      struct pipeline_report *rep, struct pw_error *err)
{
    if (s->dim_changed.len && entry_stale(s, e))
        return render_again(s, w, e->key, e->key_len, e->record, e->record_len, "a changed item",
                            rep, err) < 0 ? -1 : 0;
    return part_writer_item(w, e->key, e->key_len, e->record, e->record_len,
                            e->rows ? e->rows : "", e->rows_len, e->n_rows,
                            (const char *const *)e->affinity, e->n_affinity, err);
}

/* Writes the new version of one partition: the items kept from the current version, merged
 * in key order with the batch's items that now belong here. What to switch is added to
 * publish or remove; the switch itself comes after every version is written and synced. */
int state_rewrite(struct state *s, const char *part, struct job *job, const char *version,
                   struct lake_names *publish, struct lake_names *remove,
                   struct pipeline_report *rep, struct pw_error *err)
{
    struct buf cur, rows;
    struct part_manifest m;
    struct part_writer w;
    struct part_reader r;
    int have_m = 0, reading = 0, rc = -1;
    char digest[65];
    buf_init(&cur, 0);
    buf_init(&rows, (size_t)1 << 30);
    memset(&m, 0, sizeof m);
    memset(&w, 0, sizeof w);
    memset(&r, 0, sizeof r);
    if (s->lake->ops->current(s->lake, part, &cur, err) < 0)
        goto done;
    const char *cv = buf_cstr(&cur);
    if (cv[0]) {
        int mr = part_manifest_read(s->lake, part, cv, &m, err);
        if (mr == 1)
            pw_fail(err, PW_EXIT_FAILED, "%s/%s in %s has no manifest; rebuild the lake with a "
                    "backfill", part, cv, s->lake->where);
        if (mr)
            goto done;
        have_m = 1;
    }
    /* A snapshot starts each partition empty, the first time it writes it. */
    int keep_old = have_m && !(s->o.snapshot && !strmap_has(&s->seen, part, strlen(part)));
    int redo = job->redo || (keep_old && strcmp(m.fingerprint, s->tf->fingerprint) != 0);
    if (job->n)
        qsort(job->entries, job->n, sizeof *job->entries, entry_cmp);
    if (part_writer_begin(&w, s->lake, s->tf, part, version, err) < 0)
        goto done;
    if (keep_old && !redo)          /* copied rows keep their affinity: a superset is safe */
        for (size_t i = 0; i < m.affinity.n; i++)
            if (!strmap_put(&w.affinity, m.affinity.items[i], strlen(m.affinity.items[i]), NULL)) {
                oom(err);
                goto done;
            }
    struct part_item it;
    int have_it = 0;
    if (keep_old) {
        if (part_reader_open(&r, s->lake, s->tf, part, cv, &m, err) < 0)
            goto done;
        reading = 1;
        if ((have_it = part_reader_next(&r, &it, err)) < 0)
            goto done;
    }
    size_t ni = 0;
    while (have_it || ni < job->n) {
        struct entry *e = ni < job->n ? job->entries[ni] : NULL;
        if (e && (!have_it || key_cmp(e->key, e->key_len, it.key, it.key_len) <= 0)) {
            if (emit_entry(s, &w, e, rep, err) < 0)
                goto done;
            ni++;
            continue;
        }
        if (strmap_get(&s->batch, it.key, it.key_len)) {
            /* Replaced or removed by the batch: its rows are not copied. */
            if (!redo && part_reader_rows(&r, it.rows, NULL, err) < 0)
                goto done;
        } else if (redo) {
            char where[600];
            snprintf(where, sizeof where, "the lake's item %.*s in %s", (int)it.key_len, it.key, part);
            if (render_again(s, &w, it.key, it.key_len, it.record, it.record_len, where, rep, err) < 0)
                goto done;
        } else {
            buf_reset(&rows);
            if (part_reader_rows(&r, it.rows, &rows, err) < 0 ||
                part_writer_item(&w, it.key, it.key_len, it.record, it.record_len,
                                 rows.data ? rows.data : "", rows.len, it.rows, NULL, 0, err) < 0)
                goto done;
        }
        if ((have_it = part_reader_next(&r, &it, err)) < 0)
            goto done;
    }
    if (part_writer_finish(&w, digest, err) < 0)
        goto done;
    if (s->o.snapshot && !strmap_put(&s->seen, part, strlen(part), NULL)) {
        oom(err);
        goto done;
    }
    if (have_m && strcmp(digest, m.digest) == 0) {
        rc = s->lake->ops->discard(s->lake, part, version, err);
        rep->partitions_unchanged++;
    } else if (w.items == 0) {
        rc = s->lake->ops->discard(s->lake, part, version, err);
        if (rc == 0 && cv[0]) {
            rc = lake_names_add(remove, part) < 0 ? oom(err) : 0;
            rep->partitions_removed++;
        }
    } else {
        rc = lake_names_add(publish, part) < 0 ? oom(err) : 0;
        rep->partitions_written++;
        rep->rows_written += w.rows;
        rep->files_written += w.files.n;
        rep->bytes_written += w.bytes;
    }
done:
    if (reading)
        part_reader_release(&r);
    part_writer_release(&w);
    part_manifest_release(&m);
    buf_release(&cur);
    buf_release(&rows);
    return rc;
}

/* Partitions to rewrite beyond the batch's own: those whose rows the dimension changed, those
 * written with another transform, and those that hold a key whose old image is unknown. */
int state_sweep(struct state *s, struct strmap *jobs, int unknown, struct pw_error *err)
{
    struct lake_names parts = {0};
    struct buf cur;
    int rc = s->lake->ops->partitions(s->lake, 0, &parts, err);
    buf_init(&cur, 0);
    for (size_t i = 0; rc == 0 && i < parts.n; i++) {
        const char *p = parts.items[i];
        struct part_manifest m;
        buf_reset(&cur);
        if ((rc = s->lake->ops->current(s->lake, p, &cur, err)) < 0 || !buf_cstr(&cur)[0])
            continue;
        if ((rc = part_manifest_read(s->lake, p, buf_cstr(&cur), &m, err)) != 0) {
            rc = rc < 0 ? -1 : 0;       /* no manifest: nothing of ours to recompute */
            continue;
        }
        int redo = (s->rerender_all && strcmp(m.fingerprint, s->tf->fingerprint) != 0) ||
                   (s->dim_changed.len && part_manifest_affine(&m, &s->dim_changed));
        int touch = redo;
        if (unknown && !touch) {
            struct part_reader r;
            struct part_item it;
            int more = 0;
            rc = part_reader_open(&r, s->lake, s->tf, p, buf_cstr(&cur), &m, err);
            while (rc == 0 && (more = part_reader_next(&r, &it, err)) == 1) {
                struct entry *e = strmap_get(&s->batch, it.key, it.key_len);
                if (e && e->old_unknown) {
                    touch = 1;
                    break;
                }
            }
            if (rc == 0 && more < 0)
                rc = -1;
            part_reader_release(&r);
        }
        part_manifest_release(&m);
        if (rc == 0 && touch) {
            struct job *j = state_job_of(jobs, p);
            if (!j)
                rc = oom(err);
            else
                j->redo |= redo;
        }
    }
    buf_release(&cur);
    lake_names_release(&parts);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The new versions' files are made durable before any is published, and the switches after,
 * once per batch rather than once per file. */
int state_switch_all(struct state *s, const struct lake_names *publish,
                      const struct lake_names *remove, const char *version, struct pw_error *err)
{
    if (!publish->n && !remove->n)
        return 0;
    if (s->lake->ops->sync(s->lake, err) < 0)
        return -1;
    if (s->lake->ops->publish_all && publish->n) {
        if (s->lake->ops->publish_all(s->lake, publish, version, err) < 0)
            return -1;
    } else {
        for (size_t i = 0; i < publish->n; i++)
            if (s->lake->ops->publish(s->lake, publish->items[i], version, NULL, err) < 0)
                return -1;
    }
    for (size_t i = 0; i < remove->n; i++)
        if (s->lake->ops->publish(s->lake, remove->items[i], NULL, version, err) < 0)
            return -1;
    return s->lake->ops->sync(s->lake, err);
}

int state_next_version(struct state *s, char *out, size_t n)
{
    int64_t t = state_now_us(s);
    if (t <= s->last_version_us)
        t = s->last_version_us + 1;
    s->last_version_us = t;
    return lake_version_id(t, out, n);
}

int state_flush(struct state *s, struct pipeline_report *rep, struct pw_error *err)
{
    struct strmap jobs;
    struct lake_names publish = {0}, remove = {0};
    char **names = NULL;
    char version[40];
    int rc = -1, unknown = 0;
    strmap_init(&jobs);
    if (s->spill) {                 /* the partitions wait for state_spill_end */
        s->batch_bytes = s->batch_records = 0;
        rc = jsonl_batch_flush(&s->q, s->lake, NULL, err) < 0 ? -1 : state_flush_log(s, err);
        goto done;
    }
    if (!s->batch.len && !s->dim_changed.len && !s->rerender_all) {
        rc = jsonl_batch_flush(&s->q, s->lake, NULL, err) < 0 ? -1 : state_flush_log(s, err);
        goto done;
    }
    if (s->lake->ops->lock(s->lake, err) < 0)
        goto done;
    struct strmap_slot *slot;
    for (size_t i = 0; strmap_next(&s->batch, &i, &slot);) {
        struct entry *e = slot->value;
        struct job *j;
        if (e->part && (!(j = state_job_of(&jobs, e->part)) || state_job_add(j, e) < 0)) {
            oom(err);
            goto done;
        }
        for (size_t k = 0; k < e->old.n; k++)
            if (!state_job_of(&jobs, e->old.items[k])) {
                oom(err);
                goto done;
            }
        unknown |= e->old_unknown;
    }
    if ((unknown || s->dim_changed.len || s->rerender_all) && state_sweep(s, &jobs, unknown, err) < 0)
        goto done;
    if (state_next_version(s, version, sizeof version) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "the clock is out of range");
        goto done;
    }
    names = malloc((jobs.len ? jobs.len : 1) * sizeof *names);
    if (!names) {
        oom(err);
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; strmap_next(&jobs, &i, &slot);)
        names[n++] = slot->key;
    qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n; i++)
        if (state_rewrite(s, names[i], strmap_get(&jobs, names[i], strlen(names[i])), version, &publish,
                    &remove, rep, err) < 0)
            goto done;
    if (state_switch_all(s, &publish, &remove, version, err) < 0)
        goto done;
    if (jsonl_batch_flush(&s->q, s->lake, NULL, err) < 0 || state_flush_log(s, err) < 0 ||
        state_save_dimension(s, err) < 0)
        goto done;
    if (state_write_meta(s, err) < 0)
        goto done;
    s->rerender_all = 0;
    rep->batches++;
    batch_clear(s);
    rc = 0;
done:
    s->lake->ops->unlock(s->lake);
    free(names);
    state_jobs_release(&jobs);
    lake_names_release(&publish);
    lake_names_release(&remove);
    return rc;
}

int state_finish(struct state *s, struct pipeline_report *rep, struct pw_error *err)
{
    if (s->spill && state_spill_end(s, rep, err) < 0)
        return -1;
    if (state_flush(s, rep, err) < 0)
        return -1;
    if (s->o.snapshot) {
        /* The lake is the snapshot's transform: what it did not write goes. */
        struct lake_names parts = {0};
        char version[40];
        int rc = s->lake->ops->lock(s->lake, err);
        if (rc == 0)
            rc = s->lake->ops->partitions(s->lake, 0, &parts, err);
        if (rc == 0 && state_next_version(s, version, sizeof version) < 0)
            rc = pw_fail(err, PW_EXIT_FAILED, "the clock is out of range");
        struct lake_names gone = {0}, none = {0};
        for (size_t i = 0; rc == 0 && i < parts.n; i++) {
            if (strmap_has(&s->seen, parts.items[i], strlen(parts.items[i])))
                continue;
            rc = lake_names_add(&gone, parts.items[i]) < 0 ? oom(err) : 0;
            rep->partitions_removed += rc == 0;
        }
        if (rc == 0)
            rc = state_switch_all(s, &none, &gone, version, err);
        lake_names_release(&gone);
        lake_names_release(&parts);
        s->lake->ops->unlock(s->lake);
        if (rc < 0)
            return -1;
    }
    if (state_save_dimension(s, err) < 0)
        return -1;
    return s->meta_written ? 0 : write_meta(s, err);
}
