/* lake.h — where the pipeline's output lives: partitions in versions, switched atomically.
 *
 * A partition ("createdAt_date=2024-01-01", or "" when the table is not partitioned) has
 * versions ("v=20250101T120000000000Z"); at most one is current (published), which is the one
 * readers see. The state writes a new version's files, then publishes it in one atomic step;
 * old versions are removed after a grace period by lake_gc (docs/transform.md §7).
 *
 *   file://DIR   lake_file.c: a version is a folder, the partition a symbolic link to it,
 *                switched with rename(2).
 *   S3           (to come) versions under the partition's prefix, the Glue partition's location
 *                switched with UpdatePartition.
 *
 * Files are streams, so neither side holds a whole file in memory: a writer may buffer (S3
 * sends the object on close), a reader may fetch the object whole. */
#ifndef PW_LAKE_H
#define PW_LAKE_H

#include <stddef.h>
#include <stdint.h>

#include "provision/aws/buf.h"
#include "provision/aws/error.h"

/* An open file of the lake. */
struct lake_stream {
    /* write: all n bytes (0 or -1); read: up to n bytes (the count, 0 at the end, or -1) */
    long (*io)(struct lake_stream *s, void *data, size_t n, struct pw_error *err);
    /* Closes and frees. For a file being written, ok=1 makes it complete (written out, or
     * uploaded; durable after the lake's sync); ok=0 abandons it. Returns -1 when the file
     * could not be completed. */
    int (*close)(struct lake_stream *s, int ok, struct pw_error *err);
};

/* Objects outside the partitions. */
enum lake_area {
    LAKE_META,          /* the pipeline's own: the dimension snapshot, the transform's fingerprint */
    LAKE_QUARANTINE,    /* bad records */
    LAKE_CHANGES,       /* the change log (mode: changes) */
};

/* A list of owned strings. */
struct lake_names {
    char **items;
    size_t n, cap;
};

void lake_names_release(struct lake_names *l);
int lake_names_add(struct lake_names *l, const char *s);
void lake_names_sort(struct lake_names *l);

struct lake;

struct lake_ops {
    const char *scheme;
    /* The current version of part: 0 with version set ("" when the partition does not exist). */
    int (*current)(struct lake *l, const char *part, struct buf *version, struct pw_error *err);
    /* Partitions: published ones (stored 0) or every one that has a stored version (stored 1). */
    int (*partitions)(struct lake *l, int stored, struct lake_names *out, struct pw_error *err);
    /* Every stored version of part, published or not. */
    int (*versions)(struct lake *l, const char *part, struct lake_names *out, struct pw_error *err);
    /* A new file of a version not yet published. */
    int (*create)(struct lake *l, const char *part, const char *version, const char *name,
                  struct lake_stream **out, struct pw_error *err);
    /* A file of a version: 0, or 1 when there is no such file. */
    int (*open)(struct lake *l, const char *part, const char *version, const char *name,
                struct lake_stream **out, struct pw_error *err);
    /* Excludes other writers of the lake (other runners, on other shards) while a batch is
     * written: partitions are read, rewritten and switched under the lock, so no update is
     * lost. Waits for the lock. unlock may be called without the lock. */
    int (*lock)(struct lake *l, struct pw_error *err);
    void (*unlock)(struct lake *l);
    /* Makes every file written so far durable (file: synced to disk; S3: already is). The
     * state syncs before it publishes versions, and after, so that a crash of the machine
     * never publishes a version whose files are not all there. */
    int (*sync)(struct lake *l, struct pw_error *err);
    /* Makes version the current one of part, atomically; version NULL removes the partition
     * (tombstone names the removal for the grace period). */
    int (*publish)(struct lake *l, const char *part, const char *version, const char *tombstone,
                   struct pw_error *err);
    /* Optional: makes version current for every partition of parts at once (S3: 100 Glue
     * partitions per call instead of one). NULL: publish is called for each. */
    int (*publish_all)(struct lake *l, const struct lake_names *parts, const char *version,
                       struct pw_error *err);
    /* Deletes a version that is not current. */
    int (*discard)(struct lake *l, const char *part, const char *version, struct pw_error *err);
    /* Whole objects outside the partitions; get returns 1 when there is none. */
    int (*put)(struct lake *l, enum lake_area area, const char *name, const void *data, size_t n,
               struct pw_error *err);
    int (*get)(struct lake *l, enum lake_area area, const char *name, struct buf *out,
               struct pw_error *err);
    void (*free)(struct lake *l);
};

struct lake {
    const struct lake_ops *ops;
    char *where;            /* for messages: "file:///tmp/lake/user_campaign_tasks/" */
    const char *local;      /* a local folder on the lake's file system, for a run's temporary
                               files (file://: DIR), or NULL */
};

/* Opens the file:// lake at url ("file:///abs" or "file://relative") with the table under
 * prefix, the quarantine and change log under their prefixes (all as the spec gives them).
 * partitioned says whether partitions have names (an unpartitioned table needs a prefix). */
int lake_file_open(const char *url, const char *prefix, const char *quarantine_prefix,
                   const char *changes_prefix, int partitioned, struct lake **out,
                   struct pw_error *err);

/* Opens the S3 lake of a pipeline whose output is a bucket: the table under prefix, its
 * partitions in the Glue table database.table (partitioned by part_as; it must exist: up
 * creates it). The client must outlive the lake. */
struct aws_client;
struct lake_s3_options {
    const char *bucket;
    const char *prefix, *quarantine_prefix, *changes_prefix;
    const char *database, *table;
    const char *part_as;            /* the partition key; NULL or "": not partitioned (refused) */
};
int lake_s3_open(struct aws_client *client, const struct lake_s3_options *o, struct lake **out,
                 struct pw_error *err);

void lake_free(struct lake *l);

/* A version id for time t (microseconds since 1970, UTC): "v=20250101T120000123456Z". */
int lake_version_id(int64_t t_us, char *out, size_t n);
/* The time of a version id, or -1 when it is not one. */
int64_t lake_version_time(const char *version);

/* Removes every version that is not current and whose grace period is over: a version
 * replaced at time T (the time of its successor) or abandoned at time T (its own, never
 * published) goes once T + grace <= now. A removed partition's tombstone counts as its last
 * version. *removed (may be NULL) counts the versions deleted. */
int lake_gc(struct lake *l, int64_t now_us, int64_t grace_us, size_t *removed, struct pw_error *err);

/* Whole-file helpers over create/open: write data as one file, read one whole (1: none). */
int lake_write_file(struct lake *l, const char *part, const char *version, const char *name,
                    const void *data, size_t n, struct pw_error *err);
int lake_read_file(struct lake *l, const char *part, const char *version, const char *name,
                   struct buf *out, struct pw_error *err);

#endif
