/* spec_refs.c — references between resources and schedule expressions, checked while the
 * YAML node is at hand so that the caret can point inside the string ("bucket.curatd/x/" →
 * under "curatd"). Every reference points backwards in load order (crawlers and jobs to
 * buckets and tables, schedules to jobs and crawlers, the pipeline to all of them), so the
 * target is always loaded first. */
#include <stdio.h>
#include <string.h>

#include "provision/aws/buf.h"
#include "provision/spec/spec_int.h"
#include "provision/spec/suggest.h"

/* Offsets into the expanded text only map onto the source when no variable changed it. */
struct spec_loc rd_loc_in(struct rd *r, const struct ynode *n, const char *text, size_t off, int width)
{
    if (!n || n->kind != YNODE_SCALAR || strcmp(n->value, text) != 0)
        return n ? n->loc : (struct spec_loc){0, 0, 0};
    return ytree_loc_in(r->t, n, off, width);
}

struct ids {
    const char *names[256];
    size_t n;
};

static void report_unknown(struct rd *r, struct spec_loc at, const char *kind, const char *plural,
                           const char *id, const struct ids *ids, const char *desc)
{
    const char *near = suggest_closest(id, ids->names, ids->n);
    if (near) {
        rd_err(r, at, "unknown %s '%s' in %s; did you mean '%s'?", kind, id, desc, near);
        return;
    }
    if (ids->n == 0) {
        rd_err(r, at, "unknown %s '%s' in %s; the spec declares no %s", kind, id, desc, plural);
        return;
    }
    struct buf list;
    buf_init(&list, 0);
    for (size_t i = 0; i < ids->n; i++)
        buf_appendf(&list, "%s%s", i ? ", " : "", ids->names[i]);
    rd_err(r, at, "unknown %s '%s' in %s; declared %s: %s", kind, id, desc, plural, buf_cstr(&list));
    buf_release(&list);
}

#define COLLECT(ids, arr, count)                                   \
    do {                                                           \
        (ids).n = 0;                                               \
        for (size_t i_ = 0; i_ < (count) && (ids).n < 256; i_++)   \
            (ids).names[(ids).n++] = (arr)[i_].id.v;               \
    } while (0)

/* The id is text[off, off+len); the text may carry a "kind." prefix the caller skipped. */
static const char *id_of(struct rd *r, const char *text, size_t off, size_t len)
{
    return rd_str_or_oom(r, spec_strndup(r->s, text + off, len));
}

struct spec_table *ref_table(struct rd *r, const struct ynode *n, const char *text, size_t off,
                             size_t len, const char *desc)
{
    const char *id = id_of(r, text, off, len);
    struct spec_table *t = spec_table_find(r->s, id);
    if (!t) {
        struct ids ids;
        COLLECT(ids, r->s->tables, r->s->n_tables);
        report_unknown(r, rd_loc_in(r, n, text, off, (int)len), "table", "tables", id, &ids, desc);
    }
    return t;
}

struct spec_bucket *ref_bucket(struct rd *r, const struct ynode *n, const char *text, size_t off,
                               size_t len, const char *desc)
{
    const char *id = id_of(r, text, off, len);
    struct spec_bucket *b = spec_bucket_find(r->s, id);
    if (!b) {
        struct ids ids;
        COLLECT(ids, r->s->buckets, r->s->n_buckets);
        report_unknown(r, rd_loc_in(r, n, text, off, (int)len), "bucket", "buckets", id, &ids, desc);
    }
    return b;
}

struct spec_topic *ref_topic(struct rd *r, const struct ynode *n, const char *text, size_t off,
                             size_t len, const char *desc)
{
    const char *id = id_of(r, text, off, len);
    struct spec_topic *t = spec_topic_find(r->s, id);
    if (!t) {
        struct ids ids;
        COLLECT(ids, r->s->topics, r->s->n_topics);
        report_unknown(r, rd_loc_in(r, n, text, off, (int)len), "topic", "topics", id, &ids, desc);
    }
    return t;
}

/* A plain id, or the same with its kind's prefix ("artifacts" or "bucket.artifacts"). */
size_t ref_prefix_len(const char *text, const char *kind)
{
    size_t k = strlen(kind);
    return strncmp(text, kind, k) == 0 && text[k] == '.' ? k + 1 : 0;
}

int ref_action(struct rd *r, const struct ynode *n, struct spec_ref *ref, const char *desc)
{
    const char *v = ref->ref.v;
    size_t skip;
    if ((skip = ref_prefix_len(v, "job")) > 0) {
        ref->kind = SPEC_REF_JOB;
        ref->job = spec_job_find(r->s, v + skip);
        if (!ref->job) {
            struct ids ids;
            COLLECT(ids, r->s->jobs, r->s->n_jobs);
            report_unknown(r, rd_loc_in(r, n, v, skip, (int)strlen(v + skip)), "job", "jobs",
                           v + skip, &ids, desc);
            return -1;
        }
        return 0;
    }
    if ((skip = ref_prefix_len(v, "crawler")) > 0) {
        ref->kind = SPEC_REF_CRAWLER;
        ref->crawler = spec_crawler_find(r->s, v + skip);
        if (!ref->crawler) {
            struct ids ids;
            COLLECT(ids, r->s->crawlers, r->s->n_crawlers);
            report_unknown(r, rd_loc_in(r, n, v, skip, (int)strlen(v + skip)), "crawler",
                           "crawlers", v + skip, &ids, desc);
            return -1;
        }
        return 0;
    }
    rd_err(r, ref->ref.loc, "invalid target '%s' in %s: expected job.<id> or crawler.<id>", v, desc);
    return -1;
}

/* Glue (crawler schedules, triggers, workflows) takes cron() only; EventBridge Scheduler
 * also takes rate() and at(). */
int check_schedule_expr(struct rd *r, const struct ynode *n, const struct spec_str *expr,
                        int scheduler, const char *desc)
{
    const char *v = expr->v;
    char why[256];
    size_t off = 0, width = strlen(v);
    int rc;
    if (strncmp(v, "cron(", 5) == 0) {
        rc = sched_check_cron(v, &off, &width, why, sizeof why);
    } else if (strncmp(v, "rate(", 5) == 0 || strncmp(v, "at(", 3) == 0) {
        if (!scheduler) {
            rd_err(r, expr->loc, "%s takes cron(...) only; glue does not accept %.*s...)", desc,
                   (int)(strchr(v, '(') - v + 1), v);
            return -1;
        }
        rc = v[0] == 'r' ? sched_check_rate(v, &off, &width, why, sizeof why)
                         : sched_check_at(v, &off, &width, why, sizeof why);
    } else {
        if (scheduler)
            rd_err(r, expr->loc, "invalid schedule '%s' in %s: expected cron(...), rate(...) or "
                   "at(...)", v, desc);
        else
            rd_err(r, expr->loc, "invalid schedule '%s' in %s: expected cron(...)", v, desc);
        return -1;
    }
    if (rc < 0)
        rd_err(r, rd_loc_in(r, n, v, off, (int)width), "invalid schedule '%s' in %s: %s", v, desc, why);
    return rc;
}
