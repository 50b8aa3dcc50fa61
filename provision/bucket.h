/* bucket.h — the S3 bucket kind (res_kind_bucket); the pure parts, for unit tests. */
#ifndef PW_BUCKET_H
#define PW_BUCKET_H

#include "provision/aws/buf.h"
#include "provision/aws/xml.h"
#include "provision/resource.h"
#include "provision/spec/spec.h"

int bucket_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);

/* What S3 answered for each setting; NULL where S3 said it is not configured
 * (ServerSideEncryptionConfigurationNotFoundError, NoSuchPublicAccessBlockConfiguration,
 * NoSuchLifecycleConfiguration, NoSuchTagSet). */
struct bucket_answers {
    const struct xml_node *versioning;
    const struct xml_node *encryption;
    const struct xml_node *public_access;
    const struct xml_node *lifecycle;
    const struct xml_node *tagging;
};

int bucket_actual(const struct resource *r, const struct bucket_answers *ans, struct res_actual *a);

/* The request bodies up sends, from the declaration. */
int bucket_xml_encryption(const struct spec_bucket *b, struct buf *out);
int bucket_xml_public_access(const struct spec_bucket *b, struct buf *out);
int bucket_xml_lifecycle(const struct spec_bucket *b, struct buf *out);
int bucket_xml_versioning(const struct spec_bucket *b, struct buf *out);
/* The <Tagging> body of a resource's tags (stack_tags): a bucket's, or an object's. */
int bucket_xml_tagging(const struct resource *r, struct buf *out);

/* Deletes every version and delete marker in bucket, or only those of key when key is not
 * NULL, in batches of 1000. */
int bucket_delete_versions(struct aws_client *c, const char *bucket, const char *key,
                           struct pw_error *err);

#endif
