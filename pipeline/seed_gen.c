/* seed_gen.c — the reproducible generators a table declares in its seed section (docs/seed.md).
 *
 * Item i of a generator is made from rng_init(seed, stream, i) alone, with integer arithmetic
 * only (no floating point, no libc time functions), so the same --seed gives the same bytes on
 * every platform, and `--generate 10` gives the first ten items of `--generate 1000`.
 *
 * The campaign scenario comes as two generators that agree: a campaign's tasks (ids, rewards,
 * deadlines) are a function of (seed, campaign, task) shared by both, so every taskID the
 * campaign generator puts in a user's progressDetails exists in the campaign-info generator's
 * campaignTasks when both are run with the same options and --seed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/ddb_encode.h"
#include "pipeline/json_exact.h"
#include "pipeline/rng.h"
#include "pipeline/seed_int.h"
#include "pipeline/tstamp.h"

enum { STREAM_CAMPAIGN = 1, STREAM_TASK, STREAM_USER_CAMPAIGN, STREAM_ORDER, STREAM_DAY };

#define DAY 86400L
#define MAX_TASKS 1000              /* the spec's limit for tasks per campaign */

long seed_days_from_date(const char *ymd)
{
    return (long)tstamp_days_from_civil(strtol(ymd, NULL, 10), (int)strtol(ymd + 5, NULL, 10),
                                        (int)strtol(ymd + 8, NULL, 10));
}

static void format_date(long day, char *out, size_t n)
{
    int y, m, d;
    tstamp_civil_from_days(day, &y, &m, &d);
    snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

/* Seconds since 1970 as "2024-01-01T00:00:00Z". */
static void format_time(long secs, char *out, size_t n)
{
    long day = secs >= 0 ? secs / DAY : -((-secs + DAY - 1) / DAY), s = secs - day * DAY;
    char date[16];
    format_date(day, date, sizeof date);
    snprintf(out, n, "%sT%02ld:%02ld:%02ldZ", date, s / 3600, s / 60 % 60, s % 60);
}

static int digits(const char *s, int n, long *out)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

int seed_iso8601_valid(const char *t)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    long y, m, d, hh, mm, ss;
    if (strlen(t) < 10 || !digits(t, 4, &y) || t[4] != '-' || !digits(t + 5, 2, &m) ||
        t[7] != '-' || !digits(t + 8, 2, &d))
        return 0;
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return 0;
    t += 10;
    if (!*t)
        return 1;
    if ((*t != 'T' && *t != ' ') || !digits(t + 1, 2, &hh) || t[3] != ':' || !digits(t + 4, 2, &mm) ||
        hh > 23 || mm > 59)
        return 0;
    t += 6;
    if (*t == ':') {
        if (!digits(t + 1, 2, &ss) || ss > 60)
            return 0;
        t += 3;
        if (*t == '.' || *t == ',') {
            size_t f = strspn(t + 1, "0123456789");
            if (f == 0)
                return 0;
            t += 1 + f;
        }
    }
    if (*t == 'Z')
        return t[1] == '\0';
    if (*t == '+' || *t == '-') {
        long oh, om = 0;
        if (!digits(t + 1, 2, &oh) || oh > 23)
            return 0;
        t += 3;
        if (*t == ':')
            t++;
        if (*t && (!digits(t, 2, &om) || om > 59 || t[2]))
            return 0;
        return 1;
    }
    return *t == '\0';
}

/* --- building items ----------------------------------------------------------------------- */

struct gen {
    const struct spec_generator *sg;
    uint64_t seed;
    long start_day;
    int oom;
};

static void add_str(struct gen *g, cJSON *o, const char *name, const char *v)
{
    if (!cJSON_AddStringToObject(o, name, v))
        g->oom = 1;
}

static void add_num(struct gen *g, cJSON *o, const char *name, long v)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", v);
    cJSON *n = json_exact_number(text);
    if (!n || !cJSON_AddItemToObject(o, name, n)) {
        cJSON_Delete(n);
        g->oom = 1;
    }
}

static void add_time(struct gen *g, cJSON *o, const char *name, long secs)
{
    char text[32];
    format_time(secs, text, sizeof text);
    add_str(g, o, name, text);
}

/* --- the campaign scenario ---------------------------------------------------------------- */

struct task_info {
    char id[24];
    long reward;
    long deadline;                  /* seconds */
};

static long campaign_begin(const struct gen *g, long c)
{
    return g->start_day + 7 * c;    /* a new campaign every week */
}

static void campaign_task(const struct gen *g, long c, long t, struct task_info *ti)
{
    struct rng r;
    rng_init(&r, g->seed, STREAM_TASK, (uint64_t)(c * MAX_TASKS + t));
    snprintf(ti->id, sizeof ti->id, "task%03ld", c * g->sg->tasks + t + 1);
    ti->reward = 5 * rng_range(&r, 1, 10);
    /* Some deadlines fall after the campaign's end, as they do in real data. */
    ti->deadline = (campaign_begin(g, c) + rng_range(&r, 10, 140)) * DAY + DAY - 1;
}

static void campaign_id(long c, char *out, size_t n)
{
    snprintf(out, n, "%ld", 101 + c);
}

static void gen_campaign_info(struct gen *g, long c, cJSON *item)
{
    static const char *const themes[] = {"New Year Airdrop", "Spring Quest", "Summer Sprint",
                                         "Autumn Rally", "Winter Challenge", "Referral Rush",
                                         "Creator Cup", "Loyalty Drive"};
    struct rng r;
    char id[24], title[64];
    long begin = campaign_begin(g, c);
    int y, m, d;
    rng_init(&r, g->seed, STREAM_CAMPAIGN, (uint64_t)c);
    tstamp_civil_from_days(begin, &y, &m, &d);
    campaign_id(c, id, sizeof id);
    snprintf(title, sizeof title, "%s %d", themes[rng_below(&r, 8)], y);
    long created = (begin - 31) * DAY;
    add_str(g, item, "campaignID", id);
    add_str(g, item, "title", title);
    add_time(g, item, "rewardClaimDeadline", (begin + 366) * DAY - 1);
    add_time(g, item, "endsAtTimestamp", (begin + 31) * DAY - 1);
    add_time(g, item, "createdAt", created);
    add_time(g, item, "updatedAt", created + rng_range(&r, 1, 10) * DAY);
    cJSON *tasks = cJSON_AddArrayToObject(item, "campaignTasks");
    if (!tasks) {
        g->oom = 1;
        return;
    }
    for (long t = 0; t < g->sg->tasks; t++) {
        struct task_info ti;
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(tasks, e)) {
            cJSON_Delete(e);
            g->oom = 1;
            return;
        }
        campaign_task(g, c, t, &ti);
        add_str(g, e, "taskID", ti.id);
        add_num(g, e, "rewardAmount", ti.reward);
        add_time(g, e, "taskDeadline", ti.deadline);
    }
}

static void gen_campaign(struct gen *g, long i, cJSON *item)
{
    static const char *const reasons[] = {"SCREENSHOT_UNREADABLE", "TASK_NOT_COMPLETED",
                                          "DUPLICATE_SUBMISSION"};
    long ntasks = g->sg->tasks, c = i % g->sg->campaigns, u = i / g->sg->campaigns;
    long pick[MAX_TASKS];
    struct rng r;
    char id[24], user[32];
    rng_init(&r, g->seed, STREAM_USER_CAMPAIGN, (uint64_t)i);
    long created = (campaign_begin(g, c) + rng_range(&r, 0, 29)) * DAY + rng_range(&r, 0, DAY - 1);
    long updated = created, total = 0, k = rng_range(&r, 1, ntasks), validated = 0;
    /* k of the campaign's tasks, in task order: a partial Fisher-Yates shuffle, then sorted. */
    for (long t = 0; t < ntasks; t++)
        pick[t] = t;
    for (long t = 0; t < k; t++) {
        long j = t + (long)rng_below(&r, (uint64_t)(ntasks - t)), tmp = pick[t];
        pick[t] = pick[j];
        pick[j] = tmp;
    }
    for (long a = 1; a < k; a++)
        for (long b = a; b > 0 && pick[b - 1] > pick[b]; b--) {
            long tmp = pick[b];
            pick[b] = pick[b - 1];
            pick[b - 1] = tmp;
        }
    cJSON *details = cJSON_CreateArray();
    if (!details) {
        g->oom = 1;
        return;
    }
    for (long t = 0; t < k; t++) {
        struct task_info ti;
        cJSON *e = cJSON_CreateObject();
        if (!e || !cJSON_AddItemToArray(details, e)) {
            cJSON_Delete(e);
            g->oom = 1;
            break;
        }
        campaign_task(g, c, pick[t], &ti);
        long roll = rng_range(&r, 0, 99), reward = 0;
        const char *state = roll < 60 ? "VALIDATED" : roll < 85 ? "PENDING" : "FAILED";
        add_str(g, e, "taskID", ti.id);
        add_str(g, e, "userCampaignTaskProgressState", state);
        if (roll < 60 || roll >= 85) {
            long at = created + rng_range(&r, 3600, 60 * DAY);
            add_time(g, e, "validatedAt", at);
            if (at > updated)
                updated = at;
        }
        add_str(g, e, "validationFailureReason", roll >= 85 ? reasons[rng_below(&r, 3)] : "");
        if (roll < 60) {
            reward = ti.reward;
            validated++;
        }
        add_num(g, e, "rewardEarned", reward);
        total += reward;
    }
    campaign_id(c, id, sizeof id);
    snprintf(user, sizeof user, "user-%03ld", u + 1);
    add_str(g, item, "userID", user);
    add_str(g, item, "campaignID", id);
    add_str(g, item, "userCampaignProgressState", validated == ntasks ? "COMPLETED" : "INPROGRESS");
    add_time(g, item, "createdAt", created);
    add_time(g, item, "updatedAt", updated);
    add_num(g, item, "totalTaskRewardsEarned", total);
    if (!cJSON_AddItemToObject(item, "progressDetails", details)) {
        cJSON_Delete(details);
        g->oom = 1;
    }
}

/* --- orders and daily figures ------------------------------------------------------------- */

/* "499.9" → 49990; the spec checked the text (digits, at most two decimals). */
static long cents(const char *price)
{
    char *end;
    long units = strtol(price, &end, 10), c = 0;
    if (*end == '.') {
        c = (end[1] - '0') * 10;
        if (end[1] && end[2])
            c += end[2] - '0';
    }
    return units * 100 + c;
}

static void gen_order(struct gen *g, long i, cJSON *item)
{
    const struct spec_generator *sg = g->sg;
    struct rng r;
    char id[40], price[32];
    rng_init(&r, g->seed, STREAM_ORDER, (uint64_t)i);
    uint64_t hi = rng_next(&r), lo = rng_next(&r);
    hi = (hi & ~0xF000ULL) | 0x4000ULL;                             /* version 4 */
    lo = (lo & ~(3ULL << 62)) | (2ULL << 62);                       /* RFC 4122 variant */
    snprintf(id, sizeof id, "%08llx-%04llx-%04llx-%04llx-%012llx", (unsigned long long)(hi >> 32),
             (unsigned long long)((hi >> 16) & 0xFFFF), (unsigned long long)(hi & 0xFFFF),
             (unsigned long long)(lo >> 48), (unsigned long long)(lo & 0xFFFFFFFFFFFFULL));
    long p = rng_range(&r, cents(sg->price_min.v), cents(sg->price_max.v));
    snprintf(price, sizeof price, "%ld.%02ld", p / 100, p % 100);
    add_str(g, item, "orderid", id);
    add_str(g, item, "product_name", sg->products[rng_below(&r, sg->n_products)].v);
    add_num(g, item, "quantity", rng_range(&r, sg->quantity_min, sg->quantity_max));
    cJSON *n = json_exact_number(price);
    if (!n || !cJSON_AddItemToObject(item, "price", n)) {
        cJSON_Delete(n);
        g->oom = 1;
    }
    add_time(g, item, "createdAt", g->start_day * DAY + rng_range(&r, 0, 90 * DAY - 1));
}

static void gen_day(struct gen *g, long i, cJSON *item)
{
    struct rng r;
    char date[16];
    rng_init(&r, g->seed, STREAM_DAY, (uint64_t)i);
    /* Waves of 120 days, with noise: integer arithmetic keeps every platform's numbers equal. */
    long phase = i % 120, tri = phase < 60 ? phase : 120 - phase;
    long cases = 500 + 40 * tri + rng_range(&r, 0, 200);
    format_date(g->start_day + i, date, sizeof date);
    add_str(g, item, "date", date);
    add_num(g, item, "cases", cases);
    add_num(g, item, "deaths", cases * rng_range(&r, 5, 30) / 1000);
    add_num(g, item, "recovered", cases * rng_range(&r, 700, 950) / 1000);
}

/* --- the entry point ---------------------------------------------------------------------- */

static const char *kind_name(enum spec_generator_kind k)
{
    switch (k) {
    case SPEC_GEN_CAMPAIGN: return "campaign";
    case SPEC_GEN_CAMPAIGN_INFO: return "campaign-info";
    case SPEC_GEN_ORDERS: return "orders";
    case SPEC_GEN_DAILY_FIGURES: return "daily-figures";
    default: return "none";
    }
}

int seed_generate(struct seed_ctx *x, long n, uint64_t seed, struct pw_error *err)
{
    const struct spec_generator *sg = &x->t->seed.generator;
    struct gen g = {.sg = sg, .seed = seed, .start_day = seed_days_from_date(sg->start.v)};
    void (*make)(struct gen *, long, cJSON *) = NULL;
    long max = 0;
    char why[200] = "";
    switch (sg->kind) {
    case SPEC_GEN_CAMPAIGN:
        make = gen_campaign;
        max = sg->users * sg->campaigns;
        snprintf(why, sizeof why, "%ld users x %ld campaigns: raise 'users' in the spec",
                 sg->users, sg->campaigns);
        break;
    case SPEC_GEN_CAMPAIGN_INFO:
        make = gen_campaign_info;
        max = sg->campaigns;
        snprintf(why, sizeof why, "one per campaign: raise 'campaigns' in the spec");
        break;
    case SPEC_GEN_ORDERS:
        make = gen_order;
        max = n;
        break;
    case SPEC_GEN_DAILY_FIGURES:
        make = gen_day;
        max = (long)tstamp_days_from_civil(9999, 12, 31) - g.start_day + 1;
        snprintf(why, sizeof why, "one per day until 9999-12-31");
        break;
    default:
        return pw_fail(err, PW_EXIT_USAGE, "table '%s' declares no generator", x->t->id.v);
    }
    snprintf(x->d->source, sizeof x->d->source, "the %s generator", kind_name(sg->kind));
    x->record_word = "item";
    if (n > max)
        return pw_fail(err, PW_EXIT_USAGE, "the %s generator of table '%s' makes at most %ld "
                       "items (%s)", kind_name(sg->kind), x->t->id.v, max, why);
    for (long i = 0; i < n; i++) {
        cJSON *plain = cJSON_CreateObject(), *item = NULL;
        if (plain)
            make(&g, i, plain);
        if (plain && !g.oom)
            item = ddb_encode_item(plain);
        int rc = item ? seed_add(x, item, (struct spec_loc){0, 0, 0}, i + 1) : -1;
        cJSON_Delete(plain);
        cJSON_Delete(item);
        if (rc < 0)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
    }
    return 0;
}
