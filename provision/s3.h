/* s3.h — S3 REST calls on a bucket or one of its objects: "GET /bucket?versioning",
 * "PUT /bucket?tagging" with a body, "HEAD /bucket/key", singly or several at once. Bodies always carry Content-MD5: S3 demands it of
 * DeleteObjects and PutBucketLifecycleConfiguration and checks it everywhere else. */
#ifndef PW_S3_H
#define PW_S3_H

#include <stddef.h>

#include "provision/aws/client.h"

struct s3_call {
    const char *operation;      /* for errors: "GetBucketVersioning" */
    const char *method;
    const char *bucket;
    const char *key;            /* an object's key; NULL: the call is on the bucket */
    const char *subresource;    /* "versioning", "delete", ...; NULL for none */
    struct kvlist query;        /* more query parameters (s3_call_init initialises it) */
    struct kvlist headers;      /* more request headers: x-amz-tagging, x-amz-meta-... */
    const char *body;           /* NULL for none */
    size_t body_len;
    const char *content_type;   /* of the body; NULL: application/xml */
    /* results */
    int rc;
    long status;
    struct kvlist resp_headers; /* the answer's headers (x-amz-meta-..., ETag) */
    struct xml_node *xml;       /* the parsed answer when it had a body, else NULL */
    struct pw_error err;
};

void s3_call_init(struct s3_call *c, const char *operation, const char *method, const char *bucket,
                  const char *subresource);
void s3_call_release(struct s3_call *c);

/* Sends every call in parallel; returns how many failed (rc -1, err filled). */
size_t s3_run(struct aws_client *client, struct s3_call *calls, size_t n);

/* One call; 0 or -1 (err as the call's). */
int s3_run1(struct aws_client *client, struct s3_call *call, struct pw_error *err);

/* GetObject whole into out (appended; out->max bounds the size): 0, or 1 when there is no such
 * object. Not an s3_call, which reads answers as XML: the body is the object's bytes. */
int s3_get_object(struct aws_client *client, const char *bucket, const char *key, struct buf *out,
                  struct pw_error *err);

/* ListObjectsV2 under prefix, every page. delimited: fn gets each common prefix ("a/b/")
 * instead of the keys below it; otherwise each object's key. fn returning -1 stops the
 * listing (with err filled). */
typedef int (*s3_list_fn)(void *ctx, const char *name, struct pw_error *err);
int s3_list(struct aws_client *client, const char *bucket, const char *prefix, int delimited,
            s3_list_fn fn, void *ctx, struct pw_error *err);

/* base64 of the MD5 of data, for Content-MD5 (out: at least 25 bytes). */
int s3_content_md5(const void *data, size_t len, char *out, size_t n);

#endif
