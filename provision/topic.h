/* topic.h — the SNS topic kind (res_kind_topic); the pure parts, for unit tests. */
#ifndef PW_TOPIC_H
#define PW_TOPIC_H

#include "provision/aws/xml.h"
#include "provision/resource.h"
#include "provision/spec/spec.h"

int topic_desired(const struct resource *r, struct kvlist *props, struct pw_error *err);

/* One subscription as ListSubscriptionsByTopic lists it. arn is "PendingConfirmation" for an
 * unconfirmed one (an e-mail address nobody clicked yet), whose attributes cannot be read. */
struct topic_sub {
    const char *protocol;
    const char *endpoint;
    const char *arn;
    const struct xml_node *attrs;   /* GetSubscriptionAttributesResult/Attributes, or NULL */
};

/* attrs: GetTopicAttributesResult/Attributes; tags: ListTagsForResourceResult/Tags. */
int topic_actual(const struct resource *r, const struct xml_node *attrs, const struct xml_node *tags,
                 const struct topic_sub *subs, size_t n_subs, struct res_actual *a);

/* "arn:aws:sns:eu-west-1:123456789012:name" */
int topic_arn(const struct resource *r, char *out, size_t n);

#endif
