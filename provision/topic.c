/* topic.c — SNS topics and their subscriptions.
 *
 * Properties: encryption (none | sse-kms), encryption.kms_key, subscription[PROTOCOL:ENDPOINT]
 * = subscribed, subscription[...].raw_delivery (only when true), subscription[...].filter_policy
 * (normalised JSON, only when set), tags[KEY].
 *
 * A subscription is identified by protocol and endpoint, never by ARN: an e-mail subscription
 * stays "PendingConfirmation" until someone clicks, and is as declared all the same. */
#include "provision/topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/calls.h"
#include "provision/stack.h"

#define PENDING "PendingConfirmation"

int topic_arn(const struct resource *r, char *out, size_t n)
{
    const struct stack *st = r->stack;
    int w = snprintf(out, n, "arn:%s:sns:%s:%s:%s", st->partition, st->region, st->account, r->name);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int sub_path(char *out, size_t n, const char *protocol, const char *endpoint, const char *field)
{
    int w = snprintf(out, n, "subscription[%s:%s]%s%s", protocol, endpoint, field ? "." : "",
                     field ? field : "");
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static const char *kms_key_of(const struct spec_topic *t)
{
    return spec_str_set(t->encryption.kms_key) ? t->encryption.kms_key.v : "alias/aws/sns";
}

int topic_desired(const struct resource *r, struct kvlist *props, struct pw_error *err)
{
    const struct spec_topic *t = r->decl;
    char path[1200];
    int kms = t->encryption.type == SPEC_SSE_KMS, rc = 0;
    rc |= kvlist_add(props, "encryption", kms ? "sse-kms" : "none");
    if (kms)
        rc |= kvlist_add(props, "encryption.kms_key", kms_key_of(t));
    for (size_t i = 0; i < t->n_subscriptions; i++) {
        const struct spec_subscription *s = &t->subscriptions[i];
        const char *proto = spec_protocol_aws(s->protocol);
        rc |= sub_path(path, sizeof path, proto, s->endpoint.v, NULL);
        rc |= kvlist_add(props, path, "subscribed");
        if (s->raw_delivery) {
            rc |= sub_path(path, sizeof path, proto, s->endpoint.v, "raw_delivery");
            rc |= kvlist_add(props, path, "true");
        }
        if (spec_str_set(s->filter_policy)) {
            char *norm = res_json_normalise(s->filter_policy.v);
            rc |= sub_path(path, sizeof path, proto, s->endpoint.v, "filter_policy");
            rc |= kvlist_add(props, path, norm ? norm : s->filter_policy.v);
            free(norm);
        }
    }
    rc |= res_desired_tags(r, props);
    return rc ? pw_fail(err, PW_EXIT_FAILED, "out of memory or a subscription endpoint too long") : 0;
}

/* The value of key in an <Attributes><entry><key/><value/></entry>... map, or NULL. */
static const char *attribute(const struct xml_node *attrs, const char *key)
{
    for (const struct xml_node *e = xml_child(attrs, "entry"); e; e = xml_next_named(e)) {
        const char *k = xml_text(e, "key");
        if (k && strcmp(k, key) == 0)
            return xml_text(e, "value");
    }
    return NULL;
}

int topic_actual(const struct resource *r, const struct xml_node *attrs, const struct xml_node *tags,
                 const struct topic_sub *subs, size_t n_subs, struct res_actual *a)
{
    char path[1200];
    int rc = 0;
    a->presence = RES_FOREIGN;
    const char *key = attribute(attrs, "KmsMasterKeyId");
    rc |= kvlist_add(&a->props, "encryption", key && key[0] ? "sse-kms" : "none");
    if (key && key[0])
        rc |= kvlist_add(&a->props, "encryption.kms_key", key);
    for (size_t i = 0; i < n_subs; i++) {
        const struct topic_sub *s = &subs[i];
        if (!s->protocol || !s->endpoint)
            continue;
        if (sub_path(path, sizeof path, s->protocol, s->endpoint, NULL) < 0)
            return -1;
        if (kvlist_get(&a->props, path))
            continue;   /* the same endpoint twice: AWS keeps one; so do we */
        rc |= kvlist_add(&a->props, path, "subscribed");
        if (s->arn && strcmp(s->arn, PENDING) != 0 && kvlist_add(&a->ids, path, s->arn) < 0)
            return -1;
        const char *raw = attribute(s->attrs, "RawMessageDelivery");
        if (raw && strcmp(raw, "true") == 0) {
            rc |= sub_path(path, sizeof path, s->protocol, s->endpoint, "raw_delivery");
            rc |= kvlist_add(&a->props, path, "true");
        }
        const char *fp = attribute(s->attrs, "FilterPolicy");
        if (fp && fp[0] && strcmp(fp, "{}") != 0) {
            char *norm = res_json_normalise(fp);
            rc |= sub_path(path, sizeof path, s->protocol, s->endpoint, "filter_policy");
            rc |= kvlist_add(&a->props, path, norm ? norm : fp);
            free(norm);
        }
    }
    for (const struct xml_node *t = xml_child(tags, "member"); t; t = xml_next_named(t)) {
        const char *k = xml_text(t, "Key");
        if (k)
            rc |= res_actual_tag(r, &a->props, k, xml_text(t, "Value"), &a->presence);
    }
    return rc ? -1 : 0;
}

/* --- reading ------------------------------------------------------------------------------ */

/* Every page of ListSubscriptionsByTopic into subs (strings point into *pages). */
static int list_subscriptions(struct aws_client *c, const char *arn, struct xml_node ***pages,
                              size_t *npages, struct topic_sub **subs, size_t *nsubs,
                              struct pw_error *err)
{
    char *token = NULL;
    int rc = -1;
    for (;;) {
        struct kvlist params;
        struct xml_node *x = NULL;
        kvlist_init(&params);
        kvlist_add(&params, "TopicArn", arn);
        if (token)
            kvlist_add(&params, "NextToken", token);
        int r = aws_query_call(c, "sns", "ListSubscriptionsByTopic", &params, &x, err);
        kvlist_release(&params);
        free(token);
        token = NULL;
        if (r < 0)
            goto out;
        struct xml_node **p = realloc(*pages, (*npages + 1) * sizeof *p);
        if (!p) {
            xml_free(x);
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        *pages = p;
        p[(*npages)++] = x;
        const struct xml_node *result = xml_child(x, "ListSubscriptionsByTopicResult");
        const struct xml_node *list = xml_child(result, "Subscriptions");
        for (const struct xml_node *m = xml_child(list, "member"); m; m = xml_next_named(m)) {
            struct topic_sub *s = realloc(*subs, (*nsubs + 1) * sizeof *s);
            if (!s) {
                pw_fail(err, PW_EXIT_FAILED, "out of memory");
                goto out;
            }
            *subs = s;
            s[(*nsubs)++] = (struct topic_sub){xml_text(m, "Protocol"), xml_text(m, "Endpoint"),
                                               xml_text(m, "SubscriptionArn"), NULL};
        }
        const char *next = xml_text(result, "NextToken");
        if (!next || !next[0])
            break;
        token = strdup(next);
        if (!token) {
            pw_fail(err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(token);
    return rc;
}

static int topic_read(struct aws_client *c, const struct resource *r, struct res_actual *a,
                      struct pw_error *err)
{
    char arn[512];
    struct query_call q[2], *sq = NULL;
    struct xml_node **pages = NULL;
    struct topic_sub *subs = NULL;
    size_t npages = 0, nsubs = 0, nsq = 0;
    int rc = -1;
    if (topic_arn(r, arn, sizeof arn) < 0)
        return pw_fail(err, PW_EXIT_FAILED, "topic '%s': ARN too long", r->name);
    query_call_init(&q[0], "GetTopicAttributes");
    query_call_init(&q[1], "ListTagsForResource");
    if (kvlist_add(&q[0].params, "TopicArn", arn) < 0 || kvlist_add(&q[1].params, "ResourceArn", arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    query_calls_run(c, "sns", q, 2);
    if (q[0].rc < 0) {
        if (strcmp(q[0].err.code, "NotFound") == 0 || strcmp(q[0].err.code, "NotFoundException") == 0) {
            a->presence = RES_MISSING;
            rc = 0;
        } else {
            *err = q[0].err;
        }
        goto out;
    }
    if (q[1].rc < 0) {
        *err = q[1].err;
        goto out;
    }
    if (list_subscriptions(c, arn, &pages, &npages, &subs, &nsubs, err) < 0)
        goto out;
    /* Attributes of every confirmed subscription, in parallel. */
    sq = calloc(nsubs ? nsubs : 1, sizeof *sq);
    size_t *which = calloc(nsubs ? nsubs : 1, sizeof *which);
    if (!sq || !which) {
        free(which);
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nsubs; i++) {
        if (!subs[i].arn || strcmp(subs[i].arn, PENDING) == 0)
            continue;
        query_call_init(&sq[nsq], "GetSubscriptionAttributes");
        kvlist_add(&sq[nsq].params, "SubscriptionArn", subs[i].arn);
        which[nsq++] = i;
    }
    query_calls_run(c, "sns", sq, nsq);
    for (size_t k = 0; k < nsq; k++) {
        if (sq[k].rc < 0) {
            /* Unsubscribed between the listing and now: it is gone, not unreadable. */
            if (strcmp(sq[k].err.code, "NotFound") == 0) {
                subs[which[k]].protocol = NULL;
                continue;
            }
            *err = sq[k].err;
            free(which);
            goto out;
        }
        subs[which[k]].attrs = xml_find(sq[k].output, "GetSubscriptionAttributesResult/Attributes");
    }
    free(which);
    if (topic_actual(r, xml_find(q[0].output, "GetTopicAttributesResult/Attributes"),
                     xml_find(q[1].output, "ListTagsForResourceResult/Tags"), subs, nsubs, a) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    rc = kvlist_add(&a->ids, "arn", arn) < 0 ? pw_fail(err, PW_EXIT_FAILED, "out of memory") : 0;
out:
    query_calls_release(q, 2);
    query_calls_release(sq, nsq);
    free(sq);
    for (size_t i = 0; i < npages; i++)
        xml_free(pages[i]);
    free(pages);
    free(subs);
    return rc;
}

/* --- changing ----------------------------------------------------------------------------- */

static int sns(struct aws_client *c, const char *action, struct kvlist *params, struct xml_node **out,
               struct pw_error *err)
{
    struct xml_node *x = NULL;
    int rc = aws_query_call(c, "sns", action, params, &x, err);
    if (out)
        *out = x;
    else
        xml_free(x);
    kvlist_release(params);
    return rc;
}

static int add_indexed(struct kvlist *p, const char *fmt, size_t i, const char *value)
{
    char name[96];
    snprintf(name, sizeof name, fmt, i);
    return kvlist_add(p, name, value);
}

static const struct spec_subscription *find_sub(const struct spec_topic *t, const char *key)
{
    char k[1200];
    for (size_t i = 0; i < t->n_subscriptions; i++) {
        snprintf(k, sizeof k, "%s:%s", spec_protocol_aws(t->subscriptions[i].protocol),
                 t->subscriptions[i].endpoint.v);
        if (strcmp(k, key) == 0)
            return &t->subscriptions[i];
    }
    return NULL;
}

static int subscribe(struct aws_client *c, const char *arn, const struct spec_subscription *s,
                     struct pw_error *err)
{
    struct kvlist p;
    size_t n = 0;
    char *norm = NULL;
    kvlist_init(&p);
    int rc = kvlist_add(&p, "TopicArn", arn);
    rc |= kvlist_add(&p, "Protocol", spec_protocol_aws(s->protocol));
    rc |= kvlist_add(&p, "Endpoint", s->endpoint.v);
    rc |= kvlist_add(&p, "ReturnSubscriptionArn", "true");
    if (s->raw_delivery) {
        n++;
        rc |= add_indexed(&p, "Attributes.entry.%zu.key", n, "RawMessageDelivery");
        rc |= add_indexed(&p, "Attributes.entry.%zu.value", n, "true");
    }
    if (spec_str_set(s->filter_policy)) {
        norm = res_json_normalise(s->filter_policy.v);
        n++;
        rc |= add_indexed(&p, "Attributes.entry.%zu.key", n, "FilterPolicy");
        rc |= add_indexed(&p, "Attributes.entry.%zu.value", n, norm ? norm : s->filter_policy.v);
    }
    free(norm);
    if (rc) {
        kvlist_release(&p);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    return sns(c, "Subscribe", &p, NULL, err);
}

static int set_sub_attribute(struct aws_client *c, const char *sub_arn, const char *name,
                             const char *value, struct pw_error *err)
{
    struct kvlist p;
    kvlist_init(&p);
    kvlist_add(&p, "SubscriptionArn", sub_arn);
    kvlist_add(&p, "AttributeName", name);
    kvlist_add(&p, "AttributeValue", value);
    return sns(c, "SetSubscriptionAttributes", &p, NULL, err);
}

/* One changed subscription property. */
static int change_subscription(struct aws_client *c, const struct resource *r, const char *arn,
                               const struct res_actual *a, const struct res_change *ch,
                               struct pw_error *err)
{
    const struct spec_topic *t = r->decl;
    char key[1100], whole[1200];
    if (!res_path_member(ch->path, "subscription", key, sizeof key))
        return 0;
    snprintf(whole, sizeof whole, "subscription[%s]", key);
    int is_whole = strcmp(ch->path, whole) == 0;
    const char *sub_arn = kvlist_get(&a->ids, whole);
    const struct spec_subscription *declared = find_sub(t, key);
    if (is_whole && ch->new && !ch->old)
        return declared ? subscribe(c, arn, declared, err) : 0;
    if (!is_whole && (!declared || !kvlist_get(&a->props, whole)))
        return 0;   /* a new subscription's attributes went with its Subscribe; a removed
                       one's go with it */
    if (is_whole && !ch->new && ch->old) {
        if (!sub_arn)
            return pw_fail(err, PW_EXIT_FAILED, "cannot remove the subscription %s: it is pending "
                           "confirmation, and SNS removes unconfirmed subscriptions only by itself "
                           "(after 3 days)", key);
        struct kvlist p;
        kvlist_init(&p);
        kvlist_add(&p, "SubscriptionArn", sub_arn);
        return sns(c, "Unsubscribe", &p, NULL, err);
    }
    if (ch->old == NULL && ch->new == NULL)
        return 0;
    if (!sub_arn)
        return pw_fail(err, PW_EXIT_FAILED, "cannot change %s: the subscription is pending "
                       "confirmation, its attributes cannot be set until it is confirmed", ch->path);
    if (strstr(ch->path, "].raw_delivery"))
        return set_sub_attribute(c, sub_arn, "RawMessageDelivery", ch->new ? "true" : "false", err);
    if (strstr(ch->path, "].filter_policy"))
        return set_sub_attribute(c, sub_arn, "FilterPolicy", ch->new ? ch->new : "{}", err);
    return 0;
}

static int set_encryption(struct aws_client *c, const char *arn, const struct spec_topic *t,
                          struct pw_error *err)
{
    struct kvlist p;
    kvlist_init(&p);
    kvlist_add(&p, "TopicArn", arn);
    kvlist_add(&p, "AttributeName", "KmsMasterKeyId");
    /* An empty key turns server-side encryption off. */
    kvlist_add(&p, "AttributeValue", t->encryption.type == SPEC_SSE_KMS ? kms_key_of(t) : "");
    return sns(c, "SetTopicAttributes", &p, NULL, err);
}

static int update_tags(struct aws_client *c, const char *arn, const struct res_diff *d,
                       struct pw_error *err)
{
    struct kvlist tag, untag;
    char key[400];
    size_t nt = 0, nu = 0;
    int rc = 0;
    kvlist_init(&tag);
    kvlist_init(&untag);
    kvlist_add(&tag, "ResourceArn", arn);
    kvlist_add(&untag, "ResourceArn", arn);
    for (size_t i = 0; i < d->len; i++) {
        if (!res_path_member(d->items[i].path, "tags", key, sizeof key))
            continue;
        if (d->items[i].new) {
            nt++;
            rc |= add_indexed(&tag, "Tags.member.%zu.Key", nt, key);
            rc |= add_indexed(&tag, "Tags.member.%zu.Value", nt, d->items[i].new);
        } else {
            rc |= add_indexed(&untag, "TagKeys.member.%zu", ++nu, key);
        }
    }
    if (rc) {
        kvlist_release(&tag);
        kvlist_release(&untag);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    rc = nt ? sns(c, "TagResource", &tag, NULL, err) : (kvlist_release(&tag), 0);
    if (rc == 0 && nu)
        return sns(c, "UntagResource", &untag, NULL, err);
    kvlist_release(&untag);
    return rc;
}

static int topic_create(struct aws_client *c, const struct resource *r, const struct kvlist *desired,
                        struct pw_error *err)
{
    const struct spec_topic *t = r->decl;
    struct kvlist p, tags;
    struct xml_node *x = NULL;
    char arn[512];
    int rc = -1;
    (void)desired;
    kvlist_init(&p);
    kvlist_init(&tags);
    int bad = kvlist_add(&p, "Name", r->name) < 0 || stack_tags(r, &tags) < 0;
    for (size_t i = 0; !bad && i < tags.len; i++)
        bad = add_indexed(&p, "Tags.member.%zu.Key", i + 1, tags.items[i].name) < 0 ||
              add_indexed(&p, "Tags.member.%zu.Value", i + 1, tags.items[i].value) < 0;
    if (!bad && t->encryption.type == SPEC_SSE_KMS)
        bad = kvlist_add(&p, "Attributes.entry.1.key", "KmsMasterKeyId") < 0 ||
              kvlist_add(&p, "Attributes.entry.1.value", kms_key_of(t)) < 0;
    kvlist_release(&tags);
    if (bad) {
        kvlist_release(&p);
        return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    if (sns(c, "CreateTopic", &p, &x, err) < 0)
        goto out;
    const char *got = xml_text(x, "CreateTopicResult/TopicArn");
    snprintf(arn, sizeof arn, "%s", got ? got : "");
    if (!arn[0] && topic_arn(r, arn, sizeof arn) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "sns CreateTopic '%s': no TopicArn in the answer", r->name);
        goto out;
    }
    for (size_t i = 0; i < t->n_subscriptions; i++)
        if (subscribe(c, arn, &t->subscriptions[i], err) < 0)
            goto out;
    rc = 0;
out:
    xml_free(x);
    return rc;
}

static int topic_update(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                        const struct kvlist *desired, const struct res_diff *d, struct pw_error *err)
{
    const char *arn = kvlist_get(&a->ids, "arn");
    (void)desired;
    if (!arn)
        return pw_fail(err, PW_EXIT_FAILED, "topic '%s': its ARN is unknown", r->name);
    /* Tags first: an adopted topic is ours before anything else changes. */
    if (res_diff_touches(d, "tags") && update_tags(c, arn, d, err) < 0)
        return -1;
    if (res_diff_touches(d, "encryption") && set_encryption(c, arn, r->decl, err) < 0)
        return -1;
    for (size_t i = 0; i < d->len; i++)
        if (change_subscription(c, r, arn, a, &d->items[i], err) < 0)
            return -1;
    return 0;
}

static int topic_destroy(struct aws_client *c, const struct resource *r, const struct res_actual *a,
                         struct pw_error *err)
{
    struct kvlist p;
    const char *arn = kvlist_get(&a->ids, "arn");
    char own[512];
    if (!arn) {
        if (topic_arn(r, own, sizeof own) < 0)
            return pw_fail(err, PW_EXIT_FAILED, "topic '%s': ARN too long", r->name);
        arn = own;
    }
    kvlist_init(&p);
    kvlist_add(&p, "TopicArn", arn);
    /* DeleteTopic removes the subscriptions with it, and succeeds for a missing topic. */
    return sns(c, "DeleteTopic", &p, NULL, err);
}

/* "arn:aws:sns:eu-west-1:123456789012:NAME", not a subscription ("...:NAME:UUID"). */
static int topic_name_from_arn(const char *arn, char *name, size_t n)
{
    const char *res = res_arn_resource(arn, "sns");
    if (!res || !res[0] || strchr(res, ':') || strlen(res) >= n)
        return 0;
    snprintf(name, n, "%s", res);
    return 1;
}

const struct res_kind res_kind_topic = {
    .name = "topic",
    .noun = "SNS topic",
    .level = RES_LEVEL_STORAGE,
    .supported = 1,
    .desired = topic_desired,
    .read = topic_read,
    .mode = NULL,
    .create = topic_create,
    .update = topic_update,
    .destroy = topic_destroy,
    .holds_data = NULL,
    .tagging_type = "sns",
    .name_from_arn = topic_name_from_arn,
    .prepare_delete = NULL,
};
