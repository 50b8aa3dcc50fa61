/* bucket.c — S3 buckets: read (six requests in one parallel round), create, update, delete,
 * and emptying every version and delete marker in batches of 1000. */
#include "provision/bucket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/s3.h"
#include "provision/stack.h"
#include "provision/xmlw.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"
#define DELETE_BATCH 1000   /* DeleteObjects' limit */

/* The error codes with which S3 says "this setting was never configured". */
static int not_configured(const char *code)
{
    static const char *const codes[] = {
        "ServerSideEncryptionConfigurationNotFoundError",
        "NoSuchPublicAccessBlockConfiguration",
        "NoSuchLifecycleConfiguration",
        "NoSuchTagSet",
        "NoSuchTagSetError",
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

enum { RD_HEAD, RD_VERSIONING, RD_ENCRYPTION, RD_PUBLIC, RD_LIFECYCLE, RD_TAGGING, RD_N };

static int bucket_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                       struct pw_error *err)
{
    struct s3_call calls[RD_N];
    int rc = -1;
    s3_call_init(&calls[RD_HEAD], "HeadBucket", "HEAD", r->name, NULL);
    s3_call_init(&calls[RD_VERSIONING], "GetBucketVersioning", "GET", r->name, "versioning");
    s3_call_init(&calls[RD_ENCRYPTION], "GetBucketEncryption", "GET", r->name, "encryption");
    s3_call_init(&calls[RD_PUBLIC], "GetPublicAccessBlock", "GET", r->name, "publicAccessBlock");
    s3_call_init(&calls[RD_LIFECYCLE], "GetBucketLifecycleConfiguration", "GET", r->name, "lifecycle");
    s3_call_init(&calls[RD_TAGGING], "GetBucketTagging", "GET", r->name, "tagging");
    /* One round: existence and every setting at once; a missing bucket answers 404 to all. */
    s3_run(c, calls, RD_N);
    const struct s3_call *head = &calls[RD_HEAD];
    if (head->rc < 0) {
        if (head->status == 404) {
            a->presence = RES_MISSING;
            rc = 0;
        } else if (head->status == 403) {
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s' exists but this account may not read it: the "
                    "name is probably taken by another AWS account (bucket names are global)", r->name);
        } else if (head->status == 301) {
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s' exists in another region than %s (%s)", r->name,
                    r->stack->region, head->err.message);
        } else {
            *err = head->err;
        }
        goto out;
    }
    struct bucket_answers ans = {0};
    const struct xml_node **slot[RD_N] = {NULL, &ans.versioning, &ans.encryption, &ans.public_access,
                                          &ans.lifecycle, &ans.tagging};
    for (int i = RD_VERSIONING; i < RD_N; i++) {
        if (calls[i].rc == 0) {
            *slot[i] = calls[i].xml;
        } else if (strcmp(calls[i].err.code, "NoSuchBucket") == 0) {
            a->presence = RES_MISSING;   /* deleted between the HEAD and this GET */
            rc = 0;
            goto out;
        } else if (!not_configured(calls[i].err.code)) {
            *err = calls[i].err;
            goto out;
        }
    }
    if (bucket_actual(r, &ans, a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < RD_N; i++)
        s3_call_release(&calls[i]);
    return rc;
}

/* --- changing ----------------------------------------------------------------------------- */

enum setting { SET_TAGGING, SET_VERSIONING, SET_ENCRYPTION, SET_PUBLIC, SET_LIFECYCLE, SET_N };

/* Builds the PUT (or DELETE, for a lifecycle the spec no longer has) of one setting. */
static int setting_call(const struct resource *r, enum setting s, struct s3_call *call,
                        struct buf *body)
{
    const struct spec_bucket *b = r->decl;
    int rc = 0;
    buf_reset(body);
    switch (s) {
    case SET_TAGGING:
        s3_call_init(call, "PutBucketTagging", "PUT", r->name, "tagging");
        rc = bucket_xml_tagging(r, body);
        break;
    case SET_VERSIONING:
        s3_call_init(call, "PutBucketVersioning", "PUT", r->name, "versioning");
        rc = bucket_xml_versioning(b, body);
        break;
    case SET_ENCRYPTION:
        s3_call_init(call, "PutBucketEncryption", "PUT", r->name, "encryption");
        rc = bucket_xml_encryption(b, body);
        break;
    case SET_PUBLIC:
        s3_call_init(call, "PutPublicAccessBlock", "PUT", r->name, "publicAccessBlock");
        rc = bucket_xml_public_access(b, body);
        break;
    case SET_LIFECYCLE:
        if (!b->n_lifecycle) {
            s3_call_init(call, "DeleteBucketLifecycle", "DELETE", r->name, "lifecycle");
            return 0;
        }
        s3_call_init(call, "PutBucketLifecycleConfiguration", "PUT", r->name, "lifecycle");
        rc = bucket_xml_lifecycle(b, body);
        break;
    default:
        return -1;
    }
    call->body = body->data;
    call->body_len = body->len;
    return rc;
}

/* Puts the chosen settings, in parallel. */
static int put_settings(struct aws_client *c, const struct resource *r, const int *want,
                        struct pw_error *err)
{
    struct s3_call calls[SET_N];
    struct buf bodies[SET_N];
    size_t n = 0;
    int rc = -1;
    for (int s = 0; s < SET_N; s++)
        buf_init(&bodies[s], 0);
    for (int s = 0; s < SET_N; s++) {
        if (!want[s])
            continue;
        if (setting_call(r, (enum setting)s, &calls[n], &bodies[n]) < 0) {
            s3_call_release(&calls[n]);
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s': cannot build the request body", r->name);
            goto out;
        }
        n++;
    }
    s3_run(c, calls, n);
    for (size_t i = 0; i < n; i++)
        if (calls[i].rc < 0) {
            *err = calls[i].err;
            goto out;
        }
    rc = 0;
out:
    for (size_t i = 0; i < n; i++)
        s3_call_release(&calls[i]);
    for (int s = 0; s < SET_N; s++)
        buf_release(&bodies[s]);
    return rc;
}

static int bucket_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                         struct pw_error *err)
{
    const struct spec_bucket *b = r->decl;
    struct s3_call call;
    struct buf body;
    struct xmlw w;
    int rc = -1;
    (void)desired;
    buf_init(&body, 0);
    s3_call_init(&call, "CreateBucket", "PUT", r->name, NULL);
    /* us-east-1 is the one region that refuses to be named as a location constraint. */
    if (strcmp(r->stack->region, "us-east-1") != 0) {
        xmlw_init(&w, &body, "CreateBucketConfiguration", S3_NS);
        xmlw_elem(&w, "LocationConstraint", r->stack->region);
        if (xmlw_finish(&w) < 0) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        call.body = body.data;
        call.body_len = body.len;
    }
    if (s3_run1(c, &call, err) < 0) {
        if (strcmp(err->code, "BucketAlreadyExists") == 0)
            pw_error_prefix(err, "the name '%s' is taken by another AWS account (bucket names are "
                            "global): choose another name in the spec", r->name);
        goto out;
    }
    /* The tag first and alone: from this point on the bucket is recognisably ours, so a failure
     * below leaves something the next up repairs rather than something it calls foreign. */
    int tags_only[SET_N] = {[SET_TAGGING] = 1};
    int rest[SET_N] = {[SET_ENCRYPTION] = 1, [SET_PUBLIC] = 1, [SET_VERSIONING] = b->versioning,
                       [SET_LIFECYCLE] = b->n_lifecycle > 0};
    if (put_settings(c, r, tags_only, err) < 0 || put_settings(c, r, rest, err) < 0)
        goto out;
    rc = 0;
out:
    s3_call_release(&call);
    buf_release(&body);
    return rc;
}

static int bucket_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                         const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    (void)a;
    (void)desired;
    /* Each setting is replaced whole (S3 has no partial update); the tag set too, which also
     * removes tags the spec does not declare. */
    int want[SET_N] = {
        [SET_TAGGING] = res_diff_touches(d, "tags"),
        [SET_VERSIONING] = res_diff_touches(d, "versioning"),
        [SET_ENCRYPTION] = res_diff_touches(d, "encryption"),
        [SET_PUBLIC] = res_diff_touches(d, "public_access_block"),
        [SET_LIFECYCLE] = res_diff_touches(d, "lifecycle"),
    };
    if (want[SET_TAGGING]) {
        int tags_only[SET_N] = {[SET_TAGGING] = 1};
        if (put_settings(c, r, tags_only, err) < 0)
            return -1;
        want[SET_TAGGING] = 0;
    }
    return put_settings(c, r, want, err);
}

static int bucket_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                          struct pw_error *err)
{
    struct s3_call call;
    (void)a;
    s3_call_init(&call, "DeleteBucket", "DELETE", r->name, NULL);
    int rc = s3_run1(c, &call, err);
    s3_call_release(&call);
    if (rc < 0 && strcmp(err->code, "NoSuchBucket") == 0) {
        pw_error_clear(err);
        rc = 0;
    }
    return rc;
}

/* --- data --------------------------------------------------------------------------------- */

/* One page of ListObjectVersions: every version and delete marker counts as data. */
static int list_versions(struct aws_client *c, const struct resource *r, int max, struct s3_call *call,
                         struct pw_error *err)
{
    char maxs[16];
    snprintf(maxs, sizeof maxs, "%d", max);
    s3_call_init(call, "ListObjectVersions", "GET", r->name, "versions");
    if (kvlist_add(&call->query, "max-keys", maxs) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return s3_run1(c, call, err);
}

static int bucket_holds_data(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                             int *holds, struct pw_error *err)
{
    struct s3_call call;
    (void)a;
    int rc = list_versions(c, r, 1, &call, err);
    if (rc == 0)
        *holds = xml_child(call.xml, "Version") || xml_child(call.xml, "DeleteMarker");
    s3_call_release(&call);
    return rc;
}

/* Appends <Object> for every Version and DeleteMarker of a listing; returns how many. */
static size_t add_objects(struct xmlw *w, const struct xml_node *list, const char *elem)
{
    size_t n = 0;
    for (const struct xml_node *v = xml_child(list, elem); v; v = xml_next_named(v)) {
        const char *key = xml_text(v, "Key"), *vid = xml_text(v, "VersionId");
        if (!key)
            continue;
        xmlw_open(w, "Object");
        xmlw_elem(w, "Key", key);
        if (vid && vid[0])
            xmlw_elem(w, "VersionId", vid);
        xmlw_close(w);
        n++;
    }
    return n;
}

/* Deletes one listed page; fails naming the first key S3 refused. */
static int delete_page(struct aws_client *c, const struct resource *r, const struct xml_node *list,
                       struct pw_error *err)
{
    struct buf body;
    struct xmlw w;
    struct s3_call call;
    int rc = -1;
    buf_init(&body, 0);
    s3_call_init(&call, "DeleteObjects", "POST", r->name, "delete");
    xmlw_init(&w, &body, "Delete", S3_NS);
    xmlw_elem(&w, "Quiet", "true");   /* only failures come back */
    size_t n = add_objects(&w, list, "Version") + add_objects(&w, list, "DeleteMarker");
    if (xmlw_finish(&w) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "bucket '%s': cannot build the DeleteObjects body", r->name);
        goto out;
    }
    if (!n) {
        rc = 0;
        goto out;
    }
    call.body = body.data;
    call.body_len = body.len;
    if (s3_run1(c, &call, err) < 0)
        goto out;
    const struct xml_node *e = xml_child(call.xml, "Error");
    if (e) {
        pw_fail(err, PW_EXIT_FAILED, "s3 DeleteObjects '%s': key '%s' version '%s' was not deleted: %s: %s",
                r->name, xml_text(e, "Key") ? xml_text(e, "Key") : "?",
                xml_text(e, "VersionId") ? xml_text(e, "VersionId") : "-",
                xml_text(e, "Code") ? xml_text(e, "Code") : "?",
                xml_text(e, "Message") ? xml_text(e, "Message") : "");
        goto out;
    }
    rc = 0;
out:
    s3_call_release(&call);
    buf_release(&body);
    return rc;
}

/* Every version and delete marker, a page of 1000 at a time. Each round lists from the start:
 * what the last round deleted is gone, so no marker is needed, and none can point at a version
 * that no longer exists. A listing that does not shrink means deletes are not taking: stop. */
static int bucket_empty(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        struct pw_error *err)
{
    char last[1100] = "";
    int stuck = 0, rc = -1;
    (void)a;
    for (;;) {
        struct s3_call call;
        char first[1100] = "";
        if (list_versions(c, r, DELETE_BATCH, &call, err) < 0) {
            s3_call_release(&call);
            goto out;
        }
        const struct xml_node *v = xml_child(call.xml, "Version");
        if (!v)
            v = xml_child(call.xml, "DeleteMarker");
        if (!v) {
            s3_call_release(&call);
            break;
        }
        snprintf(first, sizeof first, "%s\n%s", xml_text(v, "Key") ? xml_text(v, "Key") : "",
                 xml_text(v, "VersionId") ? xml_text(v, "VersionId") : "");
        stuck = strcmp(first, last) == 0 ? stuck + 1 : 0;
        if (stuck >= 3) {
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s': versions listed again after being deleted "
                    "three times; stopped emptying it", r->name);
            s3_call_release(&call);
            goto out;
        }
        memcpy(last, first, sizeof last);
        int drc = delete_page(c, r, call.xml, err);
        s3_call_release(&call);
        if (drc < 0)
            goto out;
    }
    rc = 0;
out:
    return rc;
}

/* "arn:aws:s3:::NAME", not an object under it. */
static int bucket_name_from_arn(const char *arn, char *name, size_t n)
{
    const char *res = res_arn_resource(arn, "s3");
    if (!res || !res[0] || strchr(res, '/') || strlen(res) >= n)
        return 0;
    snprintf(name, n, "%s", res);
    return 1;
}

const struct res_kind res_kind_bucket = {
    .name = "bucket",
    .noun = "S3 bucket",
    .level = RES_LEVEL_STORAGE,
    .supported = 1,
    .desired = bucket_desired,
    .read = bucket_read,
    .mode = NULL,
    .create = bucket_create,
    .update = bucket_update,
    .destroy = bucket_destroy,
    .holds_data = bucket_holds_data,
    .tagging_type = "s3",
    .name_from_arn = bucket_name_from_arn,
    .prepare_delete = bucket_empty,
};
