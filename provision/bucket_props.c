/* bucket_props.c — S3 bucket properties: the declaration's, the normalised answers of the
 * five GETs, and the XML bodies of the PUTs.
 *
 * Properties: versioning (true | false: "Suspended" and never-enabled are both off),
 * encryption (sse-s3 | sse-kms | none), encryption.kms_key (only when a key is named),
 * public_access_block.{block_public_acls, ignore_public_acls, block_public_policy,
 * restrict_public_buckets} (no configuration = all false), lifecycle[ID].{prefix, status,
 * expire_days, noncurrent_expire_days, abort_multipart_days}, tags[KEY]. */
#include "provision/bucket.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/stack.h"
#include "provision/xmlw.h"

#define S3_NS "http://s3.amazonaws.com/doc/2006-03-01/"

static const struct {
    const char *prop;
    const char *xml;
} pab_fields[] = {
    {"public_access_block.block_public_acls", "BlockPublicAcls"},
    {"public_access_block.ignore_public_acls", "IgnorePublicAcls"},
    {"public_access_block.block_public_policy", "BlockPublicPolicy"},
    {"public_access_block.restrict_public_buckets", "RestrictPublicBuckets"},
};
#define NPAB (sizeof pab_fields / sizeof pab_fields[0])

static int rule_prop(struct kvlist *props, const char *id, const char *field, const char *value)
{
    char path[600];
    int n = snprintf(path, sizeof path, "lifecycle[%s].%s", id, field);
    if (n < 0 || (size_t)n >= sizeof path)
        return -1;
    return kvlist_add(props, path, value);
}

static int rule_days(struct kvlist *props, const char *id, const char *field, long days)
{
    char v[32];
    if (days <= 0)
        return 0;
    snprintf(v, sizeof v, "%ld", days);
    return rule_prop(props, id, field, v);
}

int bucket_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_bucket *b = r->decl;
    int rc = kvlist_add(props, "versioning", res_bool(b->versioning));
    rc |= kvlist_add(props, "encryption", b->encryption.type == SPEC_SSE_KMS ? "sse-kms" : "sse-s3");
    if (b->encryption.type == SPEC_SSE_KMS && spec_str_set(b->encryption.kms_key))
        rc |= kvlist_add(props, "encryption.kms_key", b->encryption.kms_key.v);
    for (size_t i = 0; i < NPAB; i++)
        rc |= kvlist_add(props, pab_fields[i].prop, res_bool(b->block_public_access));
    for (size_t i = 0; i < b->n_lifecycle; i++) {
        const struct spec_lifecycle_rule *l = &b->lifecycle[i];
        rc |= rule_prop(props, l->id.v, "prefix", l->prefix.v);
        rc |= rule_prop(props, l->id.v, "status", "enabled");
        rc |= rule_days(props, l->id.v, "expire_days", l->expire_days);
        rc |= rule_days(props, l->id.v, "noncurrent_expire_days", l->noncurrent_expire_days);
        rc |= rule_days(props, l->id.v, "abort_multipart_days", l->abort_multipart_days);
    }
    rc |= res_desired_tags(r, props);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
}

/* --- reading ------------------------------------------------------------------------------ */

static int text_is(const struct xml_node *n, const char *path, const char *want)
{
    const char *v = xml_text(n, path);
    return v && strcmp(v, want) == 0;
}

static int encryption_actual(const struct xml_node *enc, struct kvlist *props)
{
    /* Several rules are possible in theory; S3 applies the first. */
    const struct xml_node *def = xml_find(enc, "Rule/ApplyServerSideEncryptionByDefault");
    const char *algo = xml_text(def, "SSEAlgorithm"), *key = xml_text(def, "KMSMasterKeyID");
    if (!algo)
        return kvlist_add(props, "encryption", "none");
    if (strcmp(algo, "AES256") == 0)
        return kvlist_add(props, "encryption", "sse-s3");
    if (strncmp(algo, "aws:kms", 7) == 0) {
        if (kvlist_add(props, "encryption", "sse-kms") < 0)
            return -1;
        return key && key[0] ? kvlist_add(props, "encryption.kms_key", key) : 0;
    }
    return kvlist_add(props, "encryption", algo);
}

static int lifecycle_actual(const struct xml_node *lc, struct kvlist *props)
{
    int rc = 0, unnamed = 0;
    for (const struct xml_node *rule = xml_child(lc, "Rule"); rule; rule = xml_next_named(rule)) {
        char id[300];
        const char *rid = xml_text(rule, "ID");
        if (rid && rid[0])
            snprintf(id, sizeof id, "%s", rid);
        else
            snprintf(id, sizeof id, "(rule %d without id)", ++unnamed);
        /* The prefix lives in Filter/Prefix, Filter/And/Prefix, or (the old shape) Prefix. */
        const char *prefix = xml_text(rule, "Filter/Prefix");
        if (!prefix)
            prefix = xml_text(rule, "Filter/And/Prefix");
        if (!prefix)
            prefix = xml_text(rule, "Prefix");
        const char *status = xml_text(rule, "Status");
        rc |= rule_prop(props, id, "prefix", prefix ? prefix : "");
        rc |= rule_prop(props, id, "status", status && strcmp(status, "Enabled") == 0 ? "enabled" : "disabled");
        const char *d = xml_text(rule, "Expiration/Days");
        if (d)
            rc |= rule_prop(props, id, "expire_days", d);
        d = xml_text(rule, "NoncurrentVersionExpiration/NoncurrentDays");
        if (d)
            rc |= rule_prop(props, id, "noncurrent_expire_days", d);
        d = xml_text(rule, "AbortIncompleteMultipartUpload/DaysAfterInitiation");
        if (d)
            rc |= rule_prop(props, id, "abort_multipart_days", d);
    }
    return rc ? -1 : 0;
}

int bucket_actual(const struct resource *r, const struct bucket_answers *ans, struct res_actual *a)
{
    int rc = 0;
    a->presence = RES_FOREIGN;
    rc |= kvlist_add(&a->props, "versioning", res_bool(text_is(ans->versioning, "Status", "Enabled")));
    rc |= encryption_actual(ans->encryption, &a->props);
    for (size_t i = 0; i < NPAB; i++)
        rc |= kvlist_add(&a->props, pab_fields[i].prop,
                         res_bool(text_is(ans->public_access, pab_fields[i].xml, "true")));
    rc |= lifecycle_actual(ans->lifecycle, &a->props);
    const struct xml_node *set = xml_child(ans->tagging, "TagSet");
    for (const struct xml_node *t = xml_child(set, "Tag"); t; t = xml_next_named(t)) {
        const char *k = xml_text(t, "Key");
        if (k)
            rc |= res_actual_tag(r, &a->props, k, xml_text(t, "Value"), &a->presence);
    }
    return rc ? -1 : 0;
}

/* --- request bodies ----------------------------------------------------------------------- */

int bucket_xml_versioning(const struct spec_bucket *b, struct buf *out)
{
    struct xmlw w;
    xmlw_init(&w, out, "VersioningConfiguration", S3_NS);
    /* Once enabled, versioning can only be suspended, never removed. */
    xmlw_elem(&w, "Status", b->versioning ? "Enabled" : "Suspended");
    return xmlw_finish(&w);
}

int bucket_xml_encryption(const struct spec_bucket *b, struct buf *out)
{
    struct xmlw w;
    xmlw_init(&w, out, "ServerSideEncryptionConfiguration", S3_NS);
    xmlw_open(&w, "Rule");
    xmlw_open(&w, "ApplyServerSideEncryptionByDefault");
    if (b->encryption.type == SPEC_SSE_KMS) {
        xmlw_elem(&w, "SSEAlgorithm", "aws:kms");
        if (spec_str_set(b->encryption.kms_key))
            xmlw_elem(&w, "KMSMasterKeyID", b->encryption.kms_key.v);
    } else {
        xmlw_elem(&w, "SSEAlgorithm", "AES256");
    }
    xmlw_close(&w);
    if (b->encryption.type == SPEC_SSE_KMS)
        xmlw_elem(&w, "BucketKeyEnabled", "true");   /* fewer KMS calls, same protection */
    return xmlw_finish(&w);
}

int bucket_xml_public_access(const struct spec_bucket *b, struct buf *out)
{
    struct xmlw w;
    xmlw_init(&w, out, "PublicAccessBlockConfiguration", S3_NS);
    for (size_t i = 0; i < NPAB; i++)
        xmlw_elem(&w, pab_fields[i].xml, res_bool(b->block_public_access));
    return xmlw_finish(&w);
}

int bucket_xml_lifecycle(const struct spec_bucket *b, struct buf *out)
{
    struct xmlw w;
    xmlw_init(&w, out, "LifecycleConfiguration", S3_NS);
    for (size_t i = 0; i < b->n_lifecycle; i++) {
        const struct spec_lifecycle_rule *l = &b->lifecycle[i];
        xmlw_open(&w, "Rule");
        xmlw_elem(&w, "ID", l->id.v);
        xmlw_open(&w, "Filter");
        xmlw_elem(&w, "Prefix", l->prefix.v);
        xmlw_close(&w);
        xmlw_elem(&w, "Status", "Enabled");
        if (l->expire_days > 0) {
            xmlw_open(&w, "Expiration");
            xmlw_elemf(&w, "Days", "%ld", l->expire_days);
            xmlw_close(&w);
        }
        if (l->noncurrent_expire_days > 0) {
            xmlw_open(&w, "NoncurrentVersionExpiration");
            xmlw_elemf(&w, "NoncurrentDays", "%ld", l->noncurrent_expire_days);
            xmlw_close(&w);
        }
        if (l->abort_multipart_days > 0) {
            xmlw_open(&w, "AbortIncompleteMultipartUpload");
            xmlw_elemf(&w, "DaysAfterInitiation", "%ld", l->abort_multipart_days);
            xmlw_close(&w);
        }
        xmlw_close(&w);
    }
    return xmlw_finish(&w);
}

int bucket_xml_tagging(const struct resource *r, struct buf *out)
{
    struct kvlist tags;
    struct xmlw w;
    kvlist_init(&tags);
    int rc = stack_tags(r, &tags);
    xmlw_init(&w, out, "Tagging", S3_NS);
    xmlw_open(&w, "TagSet");
    for (size_t i = 0; i < tags.len; i++) {
        xmlw_open(&w, "Tag");
        xmlw_elem(&w, "Key", tags.items[i].name);
        xmlw_elem(&w, "Value", tags.items[i].value);
        xmlw_close(&w);
    }
    rc |= xmlw_finish(&w);
    kvlist_release(&tags);
    return rc ? -1 : 0;
}
