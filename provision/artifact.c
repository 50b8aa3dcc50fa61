/* artifact.c — job scripts: the file a job's `script` names, uploaded to the job's bucket at
 * its script_key (<script_prefix><file name>), where the job's ScriptLocation points.
 *
 * Properties: sha256 (of the content; the upload stores it as the object's metadata
 * x-amz-meta-pipewright-sha256, because an ETag is an MD5 only for single-part uploads
 * without KMS), tags[KEY] (the spec's top-level tags and ours; S3 allows 10 on an object).
 * A changed script shows as a changed sha256 and is uploaded again; an unchanged one sends
 * nothing. down deletes every version of the object (before its bucket). The tagging API
 * does not list objects: a script the spec no longer declares stays in its bucket. */
#include "provision/artifact.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "provision/aws/sigv4.h"
#include "provision/aws/uri.h"
#include "provision/bucket.h"
#include "provision/s3.h"
#include "provision/stack.h"
#include "provision/templates.h"

#define SHA_HEADER "x-amz-meta-pipewright-sha256"
#define MAX_OBJECT_TAGS 10
#define TEMPLATES "templates/"

static const char *bucket_of(const struct resource *r)
{
    return ((const struct spec_job *)r->decl)->bucket->name.v;
}

int artifact_source(const struct resource *r, struct buf *out, char *from, size_t n,
                    struct pw_error *err)
{
    const struct spec_job *j = r->decl;
    const char *script = j->script.v, *dir = r->stack->spec->dir;
    char path[4096];
    int w = script[0] == '/' ? snprintf(path, sizeof path, "%s", script)
                             : snprintf(path, sizeof path, "%s/%s", dir, script);
    if (w < 0 || (size_t)w >= sizeof path)
        return pw_fail(err, PW_EXIT_FAILED, "job '%s': the script path '%s' is too long", j->id.v, script);
    if (access(path, F_OK) == 0 || errno != ENOENT || script[0] == '/') {
        snprintf(from, n, "%s", path);
        return buf_read_file(out, path, err);
    }
    const char *rel = strncmp(script, TEMPLATES, strlen(TEMPLATES)) == 0 ? script + strlen(TEMPLATES) : script;
    size_t len = 0;
    const char *text = template_text(rel, &len);
    if (!text)
        return pw_fail(err, PW_EXIT_FAILED, "job '%s': script '%s' is neither in '%s' nor one of "
                       "pipewright's own templates", j->id.v, script, dir);
    snprintf(from, n, "built-in " TEMPLATES "%s", rel);
    return buf_append(out, text, len) < 0 ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
}

/* The content's SHA-256, read afresh: what is uploaded is what is hashed. */
static int source_sha256(const struct resource *r, struct buf *content, char hex[65],
                         struct pw_error *err)
{
    char from[4200];
    if (artifact_source(r, content, from, sizeof from, err) < 0)
        return -1;
    sigv4_sha256_hex(content->data ? content->data : "", content->len, hex);
    return 0;
}

static int check_tag_count(const struct resource *r, struct pw_error *err)
{
    struct kvlist tags;
    kvlist_init(&tags);
    int rc = stack_tags(r, &tags);
    size_t n = tags.len;
    kvlist_release(&tags);
    if (rc < 0)
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    if (n > MAX_OBJECT_TAGS)
        return pw_fail(err, PW_EXIT_FAILED, "the script of job '%s' would get %zu tags (the spec's "
                       "top-level tags and pipewright's two), and S3 allows %d on an object",
                       ((const struct spec_job *)r->decl)->id.v, n, MAX_OBJECT_TAGS);
    return 0;
}

int artifact_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    struct buf content;
    char hex[65];
    int rc = -1;
    buf_init(&content, 0);
    if (check_tag_count(r, err) < 0 || source_sha256(r, &content, hex, err) < 0)
        goto out;
    if (kvlist_add(props, "sha256", hex) < 0 || res_desired_tags(r, props) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    buf_release(&content);
    return rc;
}

/* tags[K] and the ownership decision from a GetObjectTagging answer. */
static int tags_actual(const struct resource *r, const struct xml_node *tagging, struct res_actual *a)
{
    const struct xml_node *set = xml_child(tagging, "TagSet");
    a->presence = RES_FOREIGN;
    for (const struct xml_node *t = xml_child(set, "Tag"); t; t = xml_next_named(t)) {
        const char *k = xml_text(t, "Key");
        if (k && res_actual_tag(r, &a->props, k, xml_text(t, "Value"), &a->presence) < 0)
            return -1;
    }
    return 0;
}

static int artifact_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                         struct pw_error *err)
{
    struct s3_call calls[2];
    int rc = -1;
    s3_call_init(&calls[0], "HeadObject", "HEAD", bucket_of(r), NULL);
    s3_call_init(&calls[1], "GetObjectTagging", "GET", bucket_of(r), "tagging");
    calls[0].key = calls[1].key = r->name;
    s3_run(c, calls, 2);
    if (calls[0].rc < 0) {
        /* No object, or no bucket yet (HEAD has no body to tell them apart): nothing there. */
        if (calls[0].status == 404) {
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = calls[0].err;
        }
        goto out;
    }
    if (calls[1].rc < 0) {
        if (calls[1].status == 404) {   /* deleted between the two reads */
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = calls[1].err;
        }
        goto out;
    }
    const char *sha = kvlist_get_ci(&calls[0].resp_headers, SHA_HEADER);
    if ((sha && sha[0] && kvlist_add(&a->props, "sha256", sha) < 0) ||
        tags_actual(r, calls[1].xml, a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = 0;
out:
    s3_call_release(&calls[0]);
    s3_call_release(&calls[1]);
    return rc;
}

/* "k1=v1&k2=v2", URL-encoded: the x-amz-tagging header of a PutObject. */
static int tagging_header(const struct resource *r, struct buf *out)
{
    struct kvlist tags;
    int rc;
    kvlist_init(&tags);
    rc = stack_tags(r, &tags);
    for (size_t i = 0; rc == 0 && i < tags.len; i++) {
        rc |= i ? buf_appendc(out, '&') : 0;
        rc |= uri_encode(out, tags.items[i].name, strlen(tags.items[i].name), 0);
        rc |= buf_appendc(out, '=');
        rc |= uri_encode(out, tags.items[i].value, strlen(tags.items[i].value), 0);
    }
    kvlist_release(&tags);
    return rc ? -1 : 0;
}

/* Uploads the script with its checksum and tags in one request: the object is never there
 * without the tag that makes it ours. */
static int put_object(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    struct buf content, tagging;
    struct s3_call call;
    char hex[65];
    int rc = -1;
    buf_init(&content, 0);
    buf_init(&tagging, 0);
    s3_call_init(&call, "PutObject", "PUT", bucket_of(r), NULL);
    call.key = r->name;
    if (check_tag_count(r, err) < 0 || source_sha256(r, &content, hex, err) < 0)
        goto out;
    if (tagging_header(r, &tagging) < 0 || kvlist_add(&call.headers, SHA_HEADER, hex) < 0 ||
        kvlist_add(&call.headers, "x-amz-tagging", buf_cstr(&tagging)) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    call.body = content.data ? content.data : "";
    call.body_len = content.len;
    call.content_type = "text/x-python";
    rc = s3_run1(c, &call, err);
out:
    s3_call_release(&call);
    buf_release(&content);
    buf_release(&tagging);
    return rc;
}

static int put_tagging(struct aws_client *c, const struct resource *r, struct pw_error *err)
{
    struct buf body;
    struct s3_call call;
    int rc = -1;
    buf_init(&body, 0);
    s3_call_init(&call, "PutObjectTagging", "PUT", bucket_of(r), "tagging");
    call.key = r->name;
    if (bucket_xml_tagging(r, &body) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    call.body = body.data;
    call.body_len = body.len;
    rc = s3_run1(c, &call, err);
out:
    s3_call_release(&call);
    buf_release(&body);
    return rc;
}

static int artifact_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                           struct pw_error *err)
{
    (void)desired;
    return put_object(c, r, err);
}

static int artifact_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                           const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    (void)a;
    (void)desired;
    /* A new upload carries the tags too; only a tag change is a tagging call of its own. */
    if (res_diff_touches(d, "sha256"))
        return put_object(c, r, err);
    if (res_diff_touches(d, "tags"))
        return put_tagging(c, r, err);
    return 0;
}

static int artifact_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                            struct pw_error *err)
{
    (void)a;
    if (bucket_delete_versions(c, bucket_of(r), r->name, err) == 0)
        return 0;
    if (strcmp(err->code, "NoSuchBucket") != 0)
        return -1;
    pw_error_clear(err);
    return 0;
}

int artifact_object_ours(struct aws_client *c, const struct stack *st, const char *bucket,
                         const char *key, int *ours, struct pw_error *err)
{
    struct s3_call call;
    int rc = -1;
    *ours = 0;
    s3_call_init(&call, "GetObjectTagging", "GET", bucket, "tagging");
    call.key = key;
    if (s3_run1(c, &call, err) < 0) {
        /* No current object (404), or a delete marker (405): nothing of ours to delete. */
        if (call.status == 404 || call.status == 405) {
            pw_error_clear(err);
            rc = 0;
        }
        goto out;
    }
    const struct xml_node *set = xml_child(call.xml, "TagSet");
    for (const struct xml_node *t = xml_child(set, "Tag"); t; t = xml_next_named(t)) {
        const char *k = xml_text(t, "Key"), *v = xml_text(t, "Value");
        if (k && v && strcmp(k, PW_TAG_STACK) == 0 && strcmp(v, st->name) == 0)
            *ours = 1;
    }
    rc = 0;
out:
    s3_call_release(&call);
    return rc;
}

const struct res_kind res_kind_artifact = {
    .name = "artifact",
    .noun = "job script in S3",
    .level = RES_LEVEL_ARTIFACTS,
    .supported = 1,
    .desired = artifact_desired,
    .read = artifact_read,
    .mode = NULL,
    .create = artifact_create,
    .update = artifact_update,
    .destroy = artifact_destroy,
    .holds_data = NULL,
    .prepare_delete = NULL,
    .tagging_type = NULL,
    .name_from_arn = NULL,
};
