/* export.h — the lines of a DynamoDB export (ExportTableToPointInTime, DYNAMODB_JSON format):
 * `{"Item": {...}}` per line, in gzip-compressed data files.
 *
 * Where it is:
 *   FILE                 one data file (gzip or not)
 *   DIR                  its data files: DIR/data/ when there is one (an export's own folder,
 *                        AWSDynamoDB/<export id>/), otherwise DIR itself
 *   s3://bucket/prefix   the same in S3: the objects under prefix, those under a `data/`
 *                        folder when there are any
 * A data file is a name ending in .json.gz or .json, other than the export's manifest-*.json
 * files; files are read in name order. An S3 data file is fetched whole (DynamoDB writes them
 * at a few hundred MB at most), then read line by line; a local one is streamed. */
#ifndef PW_EXPORT_H
#define PW_EXPORT_H

#include <stddef.h>

#include "provision/aws/client.h"

/* An S3 data file is refused past this (compressed or not). */
#define EXPORT_MAX_OBJECT ((size_t)2 << 30)

struct export_line {
    const char *text;               /* without its line end; valid during the call */
    size_t len;
    int too_long;                   /* longer than INPUT_MAX_RECORD: text is only its start */
    const char *source;             /* the data file's name (no folder) */
    long line;                      /* 1-based, in that file */
};

typedef int (*export_line_fn)(void *ctx, const struct export_line *l, struct pw_error *err);

struct export_stats {
    size_t files;
    size_t lines;
    size_t bytes;                   /* of the data files as stored */
};

/* 1 for "s3://..." */
int export_is_s3(const char *location);

/* Calls fn for every non-empty line of every data file at location, in order. client: needed
 * for s3:// only (NULL otherwise). A location without any data file is an error. stats may be
 * NULL. */
int export_read(struct aws_client *client, const char *location, export_line_fn fn, void *ctx,
                struct export_stats *stats, struct pw_error *err);

/* Whether a file or object name is a data file of an export (see above). Exposed for tests. */
int export_data_name(const char *name);

#endif
