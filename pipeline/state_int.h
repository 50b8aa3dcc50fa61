/* state_int.h — what state.c (the batch and the partitions) and state_dim.c (the dimension)
 * share. Not for use outside the state. */
#ifndef PW_STATE_INT_H
#define PW_STATE_INT_H

#include "pipeline/dim.h"
#include "pipeline/changelog.h"
#include "pipeline/quarantine.h"
#include "pipeline/state.h"
#include "pipeline/strmap.h"

/* One key's pending change: the item as the last change leaves it. */
struct entry {
    const char *key;                /* the batch map's copy */
    size_t key_len;
    char *record;                   /* the record that set the item; NULL: the item is gone */
    size_t record_len;
    char *part;                     /* its partition (NULL when gone) */
    char *rows;                     /* its rows, rendered with the dimension of the time */
    size_t rows_len, n_rows;
    char **affinity;
    size_t n_affinity;
    struct lake_names old;          /* partitions that may hold the item's previous rows */
    int old_unknown;                /* a change without an old image: search every partition */
    uint64_t dim_gen;               /* the dimension's generation its rows were rendered with */
};

struct state {
    struct state_options o;
    struct transform *tf;
    struct lake *lake;
    struct dim dim;
    int has_dim;                    /* the pipeline joins and a dimension was loaded */
    int dim_dirty;                  /* the dimension differs from the lake's snapshot */
    struct strmap batch;            /* key text -> struct entry */
    size_t batch_bytes;
    size_t batch_records;
    struct strmap dim_changed;      /* affinity value -> generation (as a pointer) of its last
                                       change, for the dimension rows changed since the flush */
    uint64_t dim_gen;               /* counts dimension changes */
    int rerender_all;               /* the transform changed since the lake was written */
    int meta_written;
    struct strmap seen;             /* snapshot: partitions written by this run */
    struct row_renderer rr;
    struct jsonl_batch q;           /* the batch's quarantined records */
    struct jsonl_batch log;         /* the batch's changes, with output.mode: changes */
    char log_first[64], log_last[64];   /* their first and last sequence numbers */
    int64_t last_version_us;
    struct spill *spill;            /* spilling (state_options.spill_dir), until state_spill_end */
};

/* The batch's items that now belong to one partition to rewrite. */
struct job {
    struct entry **entries;
    size_t n, cap;
    int redo;                       /* re-render the items kept, not copy their rows */
};

struct job *state_job_of(struct strmap *jobs, const char *part);
int state_job_add(struct job *j, struct entry *e);
void state_jobs_release(struct strmap *jobs);
void state_entry_clear(struct entry *e);
/* Frees the batch's entries (not the dimension's changes). */
void state_entries_clear(struct state *s);
int state_flush_log(struct state *s, struct pw_error *err);
int state_write_meta(struct state *s, struct pw_error *err);
int state_next_version(struct state *s, char *out, size_t n);
/* Partitions to rewrite beyond the batch's own (the dimension's, another transform's, and with
 * unknown, those holding a batch key whose old image is unknown) into jobs. */
int state_sweep(struct state *s, struct strmap *jobs, int unknown, struct pw_error *err);
/* Writes the new version of part (its current items merged with job's; the batch's other keys
 * dropped) and adds part to publish or remove. */
int state_rewrite(struct state *s, const char *part, struct job *job, const char *version,
                  struct lake_names *publish, struct lake_names *remove,
                  struct pipeline_report *rep, struct pw_error *err);
/* Syncs, switches publish and remove to version, syncs. */
int state_switch_all(struct state *s, const struct lake_names *publish,
                     const struct lake_names *remove, const char *version, struct pw_error *err);

/* ---- spilling (state_spill.c) ---- */
struct spill;
int state_spill_begin(struct state *s, const char *dir, struct pw_error *err);
/* Writes the change e (just applied) to the spills of its partitions, and drops it. */
int state_spill_entry(struct state *s, struct entry *e, struct pw_error *err);
/* Applies every spill, each partition written once, in one version; then batches. */
int state_spill_end(struct state *s, struct pipeline_report *rep, struct pw_error *err);
void state_spill_free(struct spill *sp);

int64_t state_now_us(const struct state *s);

/* Calls fn with a change that has its record text: c itself, or a copy with c->json printed
 * (a record of a GetRecords answer comes parsed only). */
typedef int (*state_apply_fn)(struct state *s, const struct change *c, struct pipeline_report *rep,
                              struct pw_error *err);
int state_with_record(struct state *s, const struct change *c, state_apply_fn fn,
                      struct pipeline_report *rep, struct pw_error *err);

/* Marks the rows joined to the dimension item of this key for re-enrichment. */
int state_dim_key_changed(struct state *s, const char *key, size_t len, struct pw_error *err);

/* The dimension snapshot in the lake: written when dim_dirty. */
int state_save_dimension(struct state *s, struct pw_error *err);

#endif
