/* partition.h — one version of a partition: written (data files, state, manifest) and read
 * back (docs/transform.md §7).
 *
 * A version holds, in the same order:
 *   part-00000.jsonl.gz ...   the rows, in files of about target_file_size (compressed) each
 *   _state.gz                 one line per item: <rows>\t<key text>\t<record>
 *   _manifest.json            counts, files, the content digest, the dimension affinity
 * Items are in key order and each item's rows are consecutive, so a reader walking the state
 * knows which rows belong to which item, and can copy an item's rows without re-rendering
 * them. The digest covers the transform's fingerprint, every state line and every row: two
 * versions with equal digests have the same content. */
#ifndef PW_PARTITION_H
#define PW_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/gzstream.h"
#include "pipeline/lake.h"
#include "pipeline/strmap.h"
#include "pipeline/transform.h"

struct part_manifest {
    char fingerprint[65];
    char digest[65];
    uint64_t items, rows;
    struct lake_names files;        /* data files, in order */
    struct lake_names affinity;     /* sorted */
};

/* 0, 1 when the version has no manifest, -1 on an error. */
int part_manifest_read(struct lake *lake, const char *part, const char *version,
                       struct part_manifest *m, struct pw_error *err);
void part_manifest_release(struct part_manifest *m);
/* Whether any of the manifest's affinity values is in set. */
int part_manifest_affine(const struct part_manifest *m, const struct strmap *set);

struct part_writer {
    struct lake *lake;
    const struct transform *tf;
    const char *part, *version;
    uint64_t target;
    int level;                      /* gzip level of the data files, -1 none */
    struct lake_stream *file;       /* the data file being written, or NULL */
    struct gz_writer gz;
    uint64_t file_rows;
    struct lake_stream *state;
    struct gz_writer state_gz;
    struct buf header;              /* CSV header record, or empty */
    uint64_t items, rows, bytes;
    struct lake_names files;
    cJSON *files_json;
    struct strmap affinity;
    void *md;                       /* EVP_MD_CTX of the digest */
};

int part_writer_begin(struct part_writer *w, struct lake *lake, const struct transform *tf,
                      const char *part, const char *version, struct pw_error *err);
/* Adds one item: its state line and its rows (n_rows records, already rendered). */
int part_writer_item(struct part_writer *w, const char *key, size_t key_len, const char *record,
                     size_t record_len, const char *rows, size_t rows_len, size_t n_rows,
                     const char *const *affinity, size_t n_affinity, struct pw_error *err);
/* Completes every file and the manifest (the version is still not published); digest gets
 * the content digest. */
int part_writer_finish(struct part_writer *w, char digest[65], struct pw_error *err);
/* Releases everything; files still open are abandoned. */
void part_writer_release(struct part_writer *w);

/* One item of a version, as its state line says. */
struct part_item {
    const char *key;
    size_t key_len;
    const char *record;
    size_t record_len;
    size_t rows;
};

struct part_reader {
    struct lake *lake;
    const struct transform *tf;
    const char *part, *version;
    const struct part_manifest *m;
    struct lake_stream *state_src;
    struct rec_reader state;
    struct lake_stream *data_src;   /* the data file being read, or NULL */
    struct rec_reader data;
    size_t next_file;
};

/* Reads the version whose manifest is m (which must outlive the reader). */
int part_reader_open(struct part_reader *r, struct lake *lake, const struct transform *tf,
                     const char *part, const char *version, const struct part_manifest *m,
                     struct pw_error *err);
/* 1 with the next item (valid until the next call), 0 at the end, -1 on an error. */
int part_reader_next(struct part_reader *r, struct part_item *it, struct pw_error *err);
/* The next n rows of the data files, appended to out (NULL: skipped). */
int part_reader_rows(struct part_reader *r, size_t n, struct buf *out, struct pw_error *err);
void part_reader_release(struct part_reader *r);

#endif
