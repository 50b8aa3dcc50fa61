/* bucket.c — S3 buckets: read (six requests in one parallel round), create, update, delete,
 * and emptying every version and delete marker in batches of 1000. */
#include "provision/bucket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/artifact.h"
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

enum { RD_VERSIONING, RD_ENCRYPTION, RD_PUBLIC, RD_LIFECYCLE, RD_TAGGING, RD_N };

static int bucket_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                       struct pw_error *err)
{
    struct s3_call calls[RD_N];
    int rc = -1;
    s3_call_init(&calls[RD_VERSIONING], "GetBucketVersioning", "GET", r->name, "versioning");
    s3_call_init(&calls[RD_ENCRYPTION], "GetBucketEncryption", "GET", r->name, "encryption");
    s3_call_init(&calls[RD_PUBLIC], "GetPublicAccessBlock", "GET", r->name, "publicAccessBlock");
    s3_call_init(&calls[RD_LIFECYCLE], "GetBucketLifecycleConfiguration", "GET", r->name, "lifecycle");
    s3_call_init(&calls[RD_TAGGING], "GetBucketTagging", "GET", r->name, "tagging");
    /* One round: every setting at once. Versioning is the one every bucket answers (a bucket
     * that never had it says so), so its answer tells whether the bucket is there, ours to
     * read, and in this region; no HeadBucket is needed. */
    s3_run(c, calls, RD_N);
    const struct s3_call *probe = &calls[RD_VERSIONING];
    if (probe->rc < 0) {
        if (probe->status == 404) {
            a->presence = RES_MISSING;
            rc = 0;
        } else if (probe->status == 403) {
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s' exists but this account may not read it: the "
                    "name is probably taken by another AWS account (bucket names are global)", r->name);
        } else if (probe->status == 301) {
            pw_fail(err, PW_EXIT_FAILED, "bucket '%s' exists in another region than %s (%s)", r->name,
                    r->stack->region, probe->err.message);
        } else {
            *err = probe->err;
        }
        goto out;
    }
    struct bucket_answers ans = {0};
    const struct xml_node **slot[RD_N] = {&ans.versioning, &ans.encryption, &ans.public_access,
                                          &ans.lifecycle, &ans.tagging};
    for (int i = RD_VERSIONING; i < RD_N; i++) {
        if (calls[i].rc == 0) {
            *slot[i] = calls[i].xml;
        } else if (strcmp(calls[i].err.code, "NoSuchBucket") == 0) {
            a->presence = RES_MISSING;   /* deleted while the round was in flight */
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

/* One page of ListObjectVersions, only of keys starting with prefix when it is set, from a
 * marker when one is given. */
static int list_versions(struct aws_client *c, const char *bucket, const char *prefix, int max,
                         const char *key_marker, const char *version_marker, struct s3_call *call,
                         struct pw_error *err)
{
    char maxs[16];
    int rc = 0;
    snprintf(maxs, sizeof maxs, "%d", max);
    s3_call_init(call, "ListObjectVersions", "GET", bucket, "versions");
    rc |= kvlist_add(&call->query, "max-keys", maxs);
    if (prefix)
        rc |= kvlist_add(&call->query, "prefix", prefix);
    if (key_marker && key_marker[0])
        rc |= kvlist_add(&call->query, "key-marker", key_marker);
    if (version_marker && version_marker[0])
        rc |= kvlist_add(&call->query, "version-id-marker", version_marker);
    if (rc)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    return s3_run1(c, call, err);
}

/* The job script the stack uploads to this bucket at key, or NULL: such an object is the
 * stack's own artifact, deleted by down before the bucket, not data. */
static const struct spec_job *artifact_at(const struct resource *r, const char *key)
{
    const struct spec *s = r->stack->spec;
    for (size_t i = 0; s && i < s->n_jobs; i++)
        if (s->jobs[i].bucket && strcmp(s->jobs[i].bucket->name.v, r->name) == 0 &&
            strcmp(s->jobs[i].script_key.v, key) == 0)
            return &s->jobs[i];
    return NULL;
}

/* Whether the entries of one listing page are data: any version or delete marker, except
 * those of a job script the stack owns (its current object carries our stack tag; a script
 * someone else put there, or one deleted out of band, is data like any object). */
static int page_holds_data(struct aws_client *c, const struct resource *r, const struct xml_node *page,
                           int *holds, struct pw_error *err)
{
    static const char *const elems[] = {"Version", "DeleteMarker"};
    char checked[1100] = "";
    for (int e = 0; e < 2; e++)
        for (const struct xml_node *v = xml_child(page, elems[e]); v; v = xml_next_named(v)) {
            const char *key = xml_text(v, "Key");
            int ours = 0;
            if (!key || !artifact_at(r, key)) {
                *holds = 1;
                return 0;
            }
            if (strcmp(key, checked) == 0)
                continue;
            if (artifact_object_ours(c, r->stack, r->name, key, &ours, err) < 0)
                return -1;
            if (!ours) {
                *holds = 1;
                return 0;
            }
            snprintf(checked, sizeof checked, "%s", key);
        }
    return 0;
}

static int bucket_holds_data(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                             int *holds, struct pw_error *err)
{
    char key_marker[1100] = "", version_marker[1100] = "";
    int rc = -1;
    (void)a;
    *holds = 0;
    for (;;) {
        struct s3_call call;
        if (list_versions(c, r->name, NULL, DELETE_BATCH, key_marker, version_marker, &call, err) < 0 ||
            page_holds_data(c, r, call.xml, holds, err) < 0) {
            s3_call_release(&call);
            goto out;
        }
        const char *truncated = xml_text(call.xml, "IsTruncated");
        const char *nk = xml_text(call.xml, "NextKeyMarker"), *nv = xml_text(call.xml, "NextVersionIdMarker");
        int more = !*holds && truncated && strcmp(truncated, "true") == 0 && nk && nk[0];
        if (more) {
            snprintf(key_marker, sizeof key_marker, "%s", nk);
            snprintf(version_marker, sizeof version_marker, "%s", nv ? nv : "");
        }
        s3_call_release(&call);
        if (!more)
            break;
    }
    rc = 0;
out:
    return rc;
}

/* Appends <Object> for every Version and DeleteMarker of a listing (only those of key, when it
 * is set); returns how many. */
static size_t add_objects(struct xmlw *w, const struct xml_node *list, const char *elem, const char *only)
{
    size_t n = 0;
    for (const struct xml_node *v = xml_child(list, elem); v; v = xml_next_named(v)) {
        const char *key = xml_text(v, "Key"), *vid = xml_text(v, "VersionId");
        if (!key || (only && strcmp(key, only) != 0))
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

/* Deletes one listed page (only the versions of key, when it is set); *deleted says how many
 * it sent. Fails naming the first key S3 refused. */
static int delete_page(struct aws_client *c, const char *bucket, const char *key,
                       const struct xml_node *list, size_t *deleted, struct pw_error *err)
{
    struct buf body;
    struct xmlw w;
    struct s3_call call;
    int rc = -1;
    buf_init(&body, 0);
    s3_call_init(&call, "DeleteObjects", "POST", bucket, "delete");
    xmlw_init(&w, &body, "Delete", S3_NS);
    xmlw_elem(&w, "Quiet", "true");   /* only failures come back */
    size_t n = add_objects(&w, list, "Version", key) + add_objects(&w, list, "DeleteMarker", key);
    *deleted = n;
    if (xmlw_finish(&w) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "bucket '%s': cannot build the DeleteObjects body", bucket);
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
                bucket, xml_text(e, "Key") ? xml_text(e, "Key") : "?",
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
 * that no longer exists. A listing that does not shrink means deletes are not taking: stop.
 * With a key, the listing is of that prefix and only the key's own versions go; they sort
 * before every longer key, so a round that finds none of them is the last. */
int bucket_delete_versions(struct aws_client *c, const char *bucket, const char *key,
                           struct pw_error *err)
{
    char last[1100] = "";
    int stuck = 0, rc = -1;
    for (;;) {
        struct s3_call call;
        char first[1100] = "";
        size_t deleted = 0;
        if (list_versions(c, bucket, key, DELETE_BATCH, NULL, NULL, &call, err) < 0) {
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
                    "three times; stopped deleting them", bucket);
            s3_call_release(&call);
            goto out;
        }
        memcpy(last, first, sizeof last);
        int drc = delete_page(c, bucket, key, call.xml, &deleted, err);
        s3_call_release(&call);
        if (drc < 0)
            goto out;
        if (!deleted)
            break;
    }
    rc = 0;
out:
    return rc;
}

static int bucket_empty(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        struct pw_error *err)
{
    (void)a;
    return bucket_delete_versions(c, r->name, NULL, err);
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
