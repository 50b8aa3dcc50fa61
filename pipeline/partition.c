/* partition.c — one version of a partition, written and read back (see partition.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "pipeline/partition.h"

#define STATE_FILE "_state.gz"
#define MANIFEST_FILE "_manifest.json"
#define STATE_LEVEL 1           /* the state is read back by us only: speed over size */
/* Data files too: every batch that touches a partition recompresses all of it, so the level
 * is paid again and again. Level 1 deflates about twice as fast as 6 on our rows for files
 * about a third larger; readers lose nothing (any gzip reader reads any level, at the same
 * speed), and Athena scans a third more bytes. */
#define DATA_LEVEL 1

/* ---- manifest ---- */

void part_manifest_release(struct part_manifest *m)
{
    if (!m)
        return;
    lake_names_release(&m->files);
    lake_names_release(&m->affinity);
    memset(m, 0, sizeof *m);
}

static int copy_hex(char out[65], const cJSON *v)
{
    if (!cJSON_IsString(v) || strlen(v->valuestring) != 64)
        return -1;
    memcpy(out, v->valuestring, 65);
    return 0;
}

static int names_of(const cJSON *arr, const char *field, struct lake_names *out)
{
    if (!cJSON_IsArray(arr))
        return -1;
    for (const cJSON *e = arr->child; e; e = e->next) {
        const cJSON *v = field ? cJSON_GetObjectItemCaseSensitive(e, field) : e;
        if (!cJSON_IsString(v) || lake_names_add(out, v->valuestring) < 0)
            return -1;
    }
    return 0;
}

int part_manifest_read(struct lake *lake, const char *part, const char *version,
                       struct part_manifest *m, struct pw_error *err)
{
    struct buf b;
    memset(m, 0, sizeof *m);
    buf_init(&b, 0);
    int rc = lake_read_file(lake, part, version, MANIFEST_FILE, &b, err);
    if (rc) {
        buf_release(&b);
        return rc;
    }
    cJSON *j = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    buf_release(&b);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "items");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
    if (!j || copy_hex(m->fingerprint, cJSON_GetObjectItemCaseSensitive(j, "fingerprint")) < 0 ||
        copy_hex(m->digest, cJSON_GetObjectItemCaseSensitive(j, "digest")) < 0 ||
        !cJSON_IsNumber(items) || !cJSON_IsNumber(rows) ||
        names_of(cJSON_GetObjectItemCaseSensitive(j, "files"), "name", &m->files) < 0 ||
        names_of(cJSON_GetObjectItemCaseSensitive(j, "affinity"), NULL, &m->affinity) < 0) {
        cJSON_Delete(j);
        part_manifest_release(m);
        return pw_fail(err, PW_EXIT_FAILED, "the manifest of %s/%s in %s is damaged; rebuild the "
                       "lake with a backfill", part, version, lake->where);
    }
    m->items = (uint64_t)items->valuedouble;
    m->rows = (uint64_t)rows->valuedouble;
    lake_names_sort(&m->affinity);
    cJSON_Delete(j);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int part_manifest_affine(const struct part_manifest *m, const struct strmap *set)
{
    for (size_t i = 0; i < m->affinity.n; i++)
        if (strmap_has(set, m->affinity.items[i], strlen(m->affinity.items[i])))
            return 1;
    return 0;
}

/* ---- writing ---- */

static const char *data_ext(const struct transform *tf)
{
    int csv = tf->pl->output.format == SPEC_FORMAT_CSV;
    if (tf->pl->output.compression == SPEC_COMPRESS_GZIP)
        return csv ? "csv.gz" : "jsonl.gz";
    return csv ? "csv" : "jsonl";
}

int part_writer_begin(struct part_writer *w, struct lake *lake, const struct transform *tf,
                      const char *part, const char *version, struct pw_error *err)
{
    memset(w, 0, sizeof *w);
    w->lake = lake;
    w->tf = tf;
    w->part = part;
    w->version = version;
    w->target = tf->pl->output.target_file_size;
    w->level = tf->pl->output.compression == SPEC_COMPRESS_GZIP ? DATA_LEVEL : -1;
    buf_init(&w->header, 0);
    strmap_init(&w->affinity);
    w->files_json = cJSON_CreateArray();
    w->md = EVP_MD_CTX_new();
    if (!w->files_json || !w->md || EVP_DigestInit_ex(w->md, EVP_sha256(), NULL) != 1)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    EVP_DigestUpdate(w->md, tf->fingerprint, 64);
    if (tf->pl->output.format == SPEC_FORMAT_CSV && tf->pl->output.header &&
        csv_render_header(tf->names, tf->n_cols, &w->header) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (lake->ops->create(lake, part, version, STATE_FILE, &w->state, err) < 0)
        return -1;
    return gz_writer_init(&w->state_gz, w->state, STATE_LEVEL, err);
}

static int close_file(struct part_writer *w, struct pw_error *err)
{
    if (!w->file)
        return 0;
    char name[64];
    snprintf(name, sizeof name, "part-%05zu.%s", w->files.n, data_ext(w->tf));
    int rc = gz_writer_finish(&w->gz, err);
    uint64_t bytes = w->gz.out_bytes;
    gz_writer_release(&w->gz);
    rc = w->file->close(w->file, rc == 0, err) < 0 ? -1 : rc;
    w->file = NULL;
    if (rc < 0)
        return -1;
    cJSON *f = cJSON_CreateObject();
    if (!f || !cJSON_AddStringToObject(f, "name", name) ||
        !cJSON_AddNumberToObject(f, "rows", (double)w->file_rows) ||
        !cJSON_AddNumberToObject(f, "bytes", (double)bytes) || lake_names_add(&w->files, name) < 0) {
        cJSON_Delete(f);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    cJSON_AddItemToArray(w->files_json, f);
    w->bytes += bytes;
    return 0;
}

static int open_file(struct part_writer *w, struct pw_error *err)
{
    char name[64];
    snprintf(name, sizeof name, "part-%05zu.%s", w->files.n, data_ext(w->tf));
    if (w->lake->ops->create(w->lake, w->part, w->version, name, &w->file, err) < 0)
        return -1;
    w->file_rows = 0;
    if (gz_writer_init(&w->gz, w->file, w->level, err) < 0)
        return -1;
    return w->header.len ? gz_writer_write(&w->gz, w->header.data, w->header.len, err) : 0;
}

int part_writer_item(struct part_writer *w, const char *key, size_t key_len, const char *record,
                     size_t record_len, const char *rows, size_t rows_len, size_t n_rows,
                     const char *const *affinity, size_t n_affinity, struct pw_error *err)
{
    char count[24];
    int cn = snprintf(count, sizeof count, "%zu\t", n_rows);
    if (gz_writer_write(&w->state_gz, count, (size_t)cn, err) < 0 ||
        gz_writer_write(&w->state_gz, key, key_len, err) < 0 ||
        gz_writer_write(&w->state_gz, "\t", 1, err) < 0 ||
        gz_writer_write(&w->state_gz, record, record_len, err) < 0 ||
        gz_writer_write(&w->state_gz, "\n", 1, err) < 0)
        return -1;
    EVP_DigestUpdate(w->md, count, (size_t)cn);
    EVP_DigestUpdate(w->md, key, key_len);
    EVP_DigestUpdate(w->md, "\t", 1);
    EVP_DigestUpdate(w->md, record, record_len);
    EVP_DigestUpdate(w->md, "\n", 1);
    EVP_DigestUpdate(w->md, rows, rows_len);
    for (size_t i = 0; i < n_affinity; i++)
        if (!strmap_put(&w->affinity, affinity[i], strlen(affinity[i]), NULL))
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    w->items++;
    if (!n_rows)
        return 0;
    /* Files split between items: an item's rows stay in one file, and the split points are a
     * function of the content, so the same rows give the same files. */
    if (!w->file && open_file(w, err) < 0)
        return -1;
    if (gz_writer_write(&w->gz, rows, rows_len, err) < 0)
        return -1;
    w->file_rows += n_rows;
    w->rows += n_rows;
    int reached = gz_writer_reached(&w->gz, w->target, err);
    if (reached < 0)
        return -1;
    return reached ? close_file(w, err) : 0;
}

static int write_manifest(struct part_writer *w, const char *digest, struct pw_error *err)
{
    cJSON *m = cJSON_CreateObject(), *aff = cJSON_CreateArray();
    char **names = calloc(w->affinity.len ? w->affinity.len : 1, sizeof *names);
    int rc = -1;
    if (!m || !aff || !names)
        goto done;
    size_t k = 0;
    struct strmap_slot *s;
    for (size_t i = 0; strmap_next(&w->affinity, &i, &s);)
        names[k++] = s->key;
    qsort(names, k, sizeof *names, name_cmp);
    for (size_t i = 0; i < k; i++) {
        cJSON *v = cJSON_CreateString(names[i]);
        if (!v)
            goto done;
        cJSON_AddItemToArray(aff, v);
    }
    if (!cJSON_AddNumberToObject(m, "format", 1) || !cJSON_AddStringToObject(m, "partition", w->part) ||
        !cJSON_AddStringToObject(m, "version", w->version) ||
        !cJSON_AddStringToObject(m, "fingerprint", w->tf->fingerprint) ||
        !cJSON_AddStringToObject(m, "digest", digest) ||
        !cJSON_AddNumberToObject(m, "items", (double)w->items) ||
        !cJSON_AddNumberToObject(m, "rows", (double)w->rows))
        goto done;
    cJSON_AddItemToObject(m, "files", w->files_json);
    w->files_json = NULL;
    cJSON_AddItemToObject(m, "affinity", aff);
    aff = NULL;
    char *text = cJSON_PrintUnformatted(m);
    if (!text)
        goto done;
    rc = lake_write_file(w->lake, w->part, w->version, MANIFEST_FILE, text, strlen(text), err);
    cJSON_free(text);
    free(names);
    cJSON_Delete(m);
    return rc;
done:
    free(names);
    cJSON_Delete(m);
    cJSON_Delete(aff);
    return pw_fail(err, PW_EXIT_FAILED, "out of memory");
}

int part_writer_finish(struct part_writer *w, char digest[65], struct pw_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (close_file(w, err) < 0 || gz_writer_finish(&w->state_gz, err) < 0)
        return -1;
    gz_writer_release(&w->state_gz);
    int rc = w->state->close(w->state, 1, err);
    w->state = NULL;
    if (rc < 0 || EVP_DigestFinal_ex(w->md, md, &n) != 1)
        return rc < 0 ? -1 : pw_fail(err, PW_EXIT_FAILED, "sha-256 failed");
    for (unsigned int i = 0; i < n && i < 32; i++)
        snprintf(digest + 2 * i, 3, "%02x", md[i]);
    return write_manifest(w, digest, err);
}

void part_writer_release(struct part_writer *w)
{
    struct pw_error ignored;
    if (!w)
        return;
    if (w->file) {
        gz_writer_release(&w->gz);
        w->file->close(w->file, 0, &ignored);
    }
    if (w->state) {
        gz_writer_release(&w->state_gz);
        w->state->close(w->state, 0, &ignored);
    }
    buf_release(&w->header);
    lake_names_release(&w->files);
    cJSON_Delete(w->files_json);
    strmap_release(&w->affinity);
    EVP_MD_CTX_free(w->md);
    memset(w, 0, sizeof *w);
}

/* ---- reading ---- */

int part_reader_open(struct part_reader *r, struct lake *lake, const struct transform *tf,
                     const char *part, const char *version, const struct part_manifest *m,
                     struct pw_error *err)
{
    memset(r, 0, sizeof *r);
    r->lake = lake;
    r->tf = tf;
    r->part = part;
    r->version = version;
    r->m = m;
    int rc = lake->ops->open(lake, part, version, STATE_FILE, &r->state_src, err);
    if (rc)
        return rc < 0 ? -1 : pw_fail(err, PW_EXIT_FAILED, "%s/%s in %s has no state file; rebuild "
                                     "the lake with a backfill", part, version, lake->where);
    return rec_reader_init(&r->state, r->state_src, SPEC_FORMAT_JSONL, STATE_FILE, err);
}

int part_reader_next(struct part_reader *r, struct part_item *it, struct pw_error *err)
{
    const char *line;
    size_t len;
    int rc = rec_reader_next(&r->state, &line, &len, err);
    if (rc <= 0)
        return rc;
    const char *t1 = memchr(line, '\t', len);
    const char *t2 = t1 ? memchr(t1 + 1, '\t', len - (size_t)(t1 + 1 - line)) : NULL;
    char *end;
    unsigned long long rows = strtoull(line, &end, 10);
    if (!t2 || end != t1)
        return pw_fail(err, PW_EXIT_FAILED, "the state of %s/%s in %s is damaged; rebuild the lake "
                       "with a backfill", r->part, r->version, r->lake->where);
    it->rows = (size_t)rows;
    it->key = t1 + 1;
    it->key_len = (size_t)(t2 - t1 - 1);
    it->record = t2 + 1;
    it->record_len = len - (size_t)(t2 + 1 - line) - 1;     /* without the '\n' */
    return 1;
}

static int next_data_file(struct part_reader *r, struct pw_error *err)
{
    if (r->data_src) {
        rec_reader_release(&r->data);
        r->data_src->close(r->data_src, 1, err);
        r->data_src = NULL;
    }
    if (r->next_file >= r->m->files.n)
        return pw_fail(err, PW_EXIT_FAILED, "the data files of %s/%s in %s hold fewer rows than "
                       "its state says; rebuild the lake with a backfill", r->part, r->version,
                       r->lake->where);
    const char *name = r->m->files.items[r->next_file++];
    int rc = r->lake->ops->open(r->lake, r->part, r->version, name, &r->data_src, err);
    if (rc)
        return rc < 0 ? -1 : pw_fail(err, PW_EXIT_FAILED, "%s/%s/%s in %s is missing", r->part,
                                     r->version, name, r->lake->where);
    if (rec_reader_init(&r->data, r->data_src, r->tf->pl->output.format, name, err) < 0)
        return -1;
    if (r->tf->pl->output.format == SPEC_FORMAT_CSV && r->tf->pl->output.header) {
        const char *rec;
        size_t len;
        if (rec_reader_next(&r->data, &rec, &len, err) != 1)   /* the header */
            return pw_fail(err, PW_EXIT_FAILED, "%s/%s/%s in %s has no header", r->part,
                           r->version, name, r->lake->where);
    }
    return 0;
}

int part_reader_rows(struct part_reader *r, size_t n, struct buf *out, struct pw_error *err)
{
    while (n) {
        const char *rec;
        size_t len;
        int rc = r->data_src ? rec_reader_next(&r->data, &rec, &len, err) : 0;
        if (rc < 0)
            return -1;
        if (rc == 0) {
            if (next_data_file(r, err) < 0)
                return -1;
            continue;
        }
        if (out && buf_append(out, rec, len) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        n--;
    }
    return 0;
}

void part_reader_release(struct part_reader *r)
{
    struct pw_error ignored;
    if (!r)
        return;
    if (r->data_src) {
        rec_reader_release(&r->data);
        r->data_src->close(r->data_src, 1, &ignored);
    }
    if (r->state_src) {
        rec_reader_release(&r->state);
        r->state_src->close(r->state_src, 1, &ignored);
    }
    memset(r, 0, sizeof *r);
}
