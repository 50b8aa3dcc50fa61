/* spec_cron.c — schedule expressions exactly as EventBridge and Glue accept them:
 *   cron(minutes hours day-of-month month day-of-week year)   six fields, one of the two
 *       day fields must be '?'; L, W and # where AWS allows them
 *   rate(N unit)   N >= 1; "minute", "hour", "day" for 1 and the plural otherwise
 *   at(yyyy-mm-ddThh:mm:ss)
 * Errors give the byte offset and width of the offending part so the caret lands on it. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provision/spec/spec_int.h"

enum field { F_MIN, F_HOUR, F_DOM, F_MONTH, F_DOW, F_YEAR };

static const struct {
    const char *name;
    int lo, hi;
} fields[] = {
    {"minutes", 0, 59}, {"hours", 0, 23}, {"day-of-month", 1, 31},
    {"month", 1, 12},   {"day-of-week", 1, 7}, {"year", 1970, 2199},
};

static const char *const months[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                     "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const days[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct cur {
    const char *expr;   /* the whole expression, for offsets */
    char *why;
    size_t why_size;
    size_t off, width;  /* where the error is */
};

static int fail(struct cur *c, const char *at, size_t width, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct cur *c, const char *at, size_t width, const char *fmt, ...)
{
    va_list ap;
    c->off = (size_t)(at - c->expr);
    c->width = width ? width : 1;
    va_start(ap, fmt);
    vsnprintf(c->why, c->why_size, fmt, ap);
    va_end(ap);
    return -1;
}

/* One value: a number in range, or a month/day name. *end is set past it. */
static int value(struct cur *c, enum field f, const char *p, const char *stop, const char **end, int *out)
{
    char buf[16];
    if (isdigit((unsigned char)*p)) {
        const char *q = p;
        int v = 0;
        while (q < stop && isdigit((unsigned char)*q) && v < 100000)
            v = v * 10 + (*q++ - '0');
        if (v < fields[f].lo || v > fields[f].hi)
            return fail(c, p, (size_t)(q - p), "%s must be within %d-%d, not %.*s", fields[f].name,
                        fields[f].lo, fields[f].hi, (int)(q - p), p);
        *end = q;
        *out = v;
        return 0;
    }
    if ((f == F_MONTH || f == F_DOW) && stop - p >= 3 && isalpha((unsigned char)p[0])) {
        const char *const *names = f == F_MONTH ? months : days;
        size_t n = f == F_MONTH ? 12 : 7;
        for (size_t i = 0; i < n; i++) {
            if (strncasecmp(p, names[i], 3) == 0 && (p + 3 == stop || !isalpha((unsigned char)p[3]))) {
                *end = p + 3;
                *out = (int)i + 1;
                return 0;
            }
        }
    }
    size_t w = 0;
    while (p + w < stop && p[w] != ',' && p[w] != '-' && p[w] != '/')
        w++;
    snprintf(buf, sizeof buf, "%.*s", (int)(w < 12 ? w : 12), p);
    return fail(c, p, w, "invalid %s value '%s'", fields[f].name, buf);
}

/* One comma-separated item of a field. */
static int item(struct cur *c, enum field f, const char *p, const char *stop)
{
    const char *q;
    int a, b;
    size_t len = (size_t)(stop - p);
    if (len == 0)
        return fail(c, p, 1, "empty item in %s", fields[f].name);
    /* The day fields' specials: L, LW, 15W (day-of-month); 6L, 2#3 (day-of-week). */
    if (f == F_DOM && (len == 1 && *p == 'L'))
        return 0;
    if (f == F_DOM && len == 2 && strncmp(p, "LW", 2) == 0)
        return 0;
    if (f == F_DOM && len >= 2 && stop[-1] == 'W') {
        if (value(c, f, p, stop - 1, &q, &a) < 0)
            return -1;
        return q == stop - 1 ? 0 : fail(c, p, len, "invalid %s value '%.*s'", fields[f].name, (int)len, p);
    }
    if (f == F_DOW && len == 1 && *p == 'L')
        return 0;
    if (f == F_DOW && len >= 2 && stop[-1] == 'L') {
        if (value(c, f, p, stop - 1, &q, &a) < 0)
            return -1;
        return q == stop - 1 ? 0 : fail(c, p, len, "invalid %s value '%.*s'", fields[f].name, (int)len, p);
    }
    const char *hash = memchr(p, '#', len);
    if (f == F_DOW && hash) {
        if (value(c, f, p, hash, &q, &a) < 0)
            return -1;
        if (q != hash)
            return fail(c, p, len, "invalid %s item", fields[f].name);
        if (hash + 2 != stop || hash[1] < '1' || hash[1] > '5')
            return fail(c, hash + 1, (size_t)(stop - hash - 1),
                        "the week after '#' in %s must be 1-5", fields[f].name);
        return 0;
    }
    const char *slash = memchr(p, '/', len);
    const char *range_end = slash ? slash : stop;
    if (*p == '*') {
        if (p + 1 != range_end)
            return fail(c, p, (size_t)(range_end - p), "invalid %s item", fields[f].name);
    } else {
        if (value(c, f, p, range_end, &q, &a) < 0)
            return -1;
        if (q < range_end) {
            if (*q != '-')
                return fail(c, q, 1, "unexpected '%c' in %s", *q, fields[f].name);
            const char *bstart = q + 1;
            if (bstart >= range_end)
                return fail(c, q, 1, "a range in %s needs an end", fields[f].name);
            if (value(c, f, bstart, range_end, &q, &b) < 0)
                return -1;
            if (q != range_end)
                return fail(c, q, (size_t)(range_end - q), "unexpected text in %s", fields[f].name);
        }
    }
    if (slash) {
        const char *s = slash + 1;
        if (s == stop || strspn(s, "0123456789") < (size_t)(stop - s))
            return fail(c, s, (size_t)(stop - s) ? (size_t)(stop - s) : 1,
                        "the step after '/' in %s must be a whole number", fields[f].name);
        if (atoi(s) < 1)
            return fail(c, s, (size_t)(stop - s), "the step after '/' in %s must be at least 1",
                        fields[f].name);
    }
    return 0;
}

int sched_check_cron(const char *expr, size_t *off, size_t *width, char *why, size_t size)
{
    struct cur c = {.expr = expr, .why = why, .why_size = size};
    const char *start = expr + 5, *close = strrchr(expr, ')');
    const char *fs[6], *fe[6];
    int n = 0, rc = -1;
    if (!close || close[1] != '\0') {
        fail(&c, expr + strlen(expr) - 1, 1, "the expression must end with ')'");
        goto out;
    }
    for (const char *p = start; p < close;) {
        while (p < close && *p == ' ')
            p++;
        if (p >= close)
            break;
        const char *e = p;
        while (e < close && *e != ' ')
            e++;
        if (n < 6) {
            fs[n] = p;
            fe[n] = e;
        }
        n++;
        p = e;
    }
    if (n != 6) {
        char got[16];
        snprintf(got, sizeof got, "%d", n);
        fail(&c, start, (size_t)(close - start), "cron() takes 6 fields (minutes hours "
             "day-of-month month day-of-week year), not %s", got);
        goto out;
    }
    for (int f = 0; f < 6; f++) {
        size_t len = (size_t)(fe[f] - fs[f]);
        if (len == 1 && *fs[f] == '?') {
            if (f != F_DOM && f != F_DOW) {
                fail(&c, fs[f], 1, "'?' is allowed in day-of-month or day-of-week only, not in %s",
                     fields[f].name);
                goto out;
            }
            continue;
        }
        for (const char *p = fs[f]; p <= fe[f];) {
            const char *comma = memchr(p, ',', (size_t)(fe[f] - p));
            const char *stop = comma ? comma : fe[f];
            if (item(&c, (enum field)f, p, stop) < 0)
                goto out;
            p = stop + 1;
        }
    }
    int dom_q = fe[F_DOM] - fs[F_DOM] == 1 && *fs[F_DOM] == '?';
    int dow_q = fe[F_DOW] - fs[F_DOW] == 1 && *fs[F_DOW] == '?';
    if (dom_q == dow_q) {
        fail(&c, fs[F_DOW], (size_t)(fe[F_DOW] - fs[F_DOW]),
             dom_q ? "day-of-month and day-of-week cannot both be '?'"
                   : "one of day-of-month and day-of-week must be '?' (aws does not allow both)");
        goto out;
    }
    rc = 0;
out:
    *off = c.off;
    *width = c.width;
    return rc;
}

int sched_check_rate(const char *expr, size_t *off, size_t *width, char *why, size_t size)
{
    struct cur c = {.expr = expr, .why = why, .why_size = size};
    const char *p = expr + 5, *close = strrchr(expr, ')');
    int rc = -1;
    if (!close || close[1] != '\0') {
        fail(&c, expr + strlen(expr) - 1, 1, "the expression must end with ')'");
        goto out;
    }
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 9 || atol(p) < 1) {
        size_t w = strcspn(p, " )");
        fail(&c, p, w, "the rate must start with a whole number of at least 1");
        goto out;
    }
    long n = atol(p);
    const char *u = p + digits;
    if (*u != ' ') {
        fail(&c, u, 1, "put one space between the number and the unit");
        goto out;
    }
    u++;
    size_t ul = (size_t)(close - u);
    char unit[32];
    snprintf(unit, sizeof unit, "%.*s", (int)(ul < 31 ? ul : 31), u);
    static const char *const singular[] = {"minute", "hour", "day"};
    for (int i = 0; i < 3; i++) {
        size_t sl = strlen(singular[i]);
        int is_sing = ul == sl && strncmp(u, singular[i], sl) == 0;
        int is_plur = ul == sl + 1 && strncmp(u, singular[i], sl) == 0 && u[sl] == 's';
        if (!is_sing && !is_plur)
            continue;
        if (n == 1 && is_plur) {
            fail(&c, u, ul, "a rate of 1 takes the singular '%s', not '%s'", singular[i], unit);
            goto out;
        }
        if (n != 1 && is_sing) {
            char pl[16];
            snprintf(pl, sizeof pl, "%ss", singular[i]);
            fail(&c, u, ul, "a rate above 1 takes the plural '%s', not '%s'", pl, unit);
            goto out;
        }
        rc = 0;
        goto out;
    }
    fail(&c, u, ul ? ul : 1, "unknown rate unit '%s'; expected minute(s), hour(s) or day(s)", unit);
out:
    *off = c.off;
    *width = c.width;
    return rc;
}

int sched_check_at(const char *expr, size_t *off, size_t *width, char *why, size_t size)
{
    struct cur c = {.expr = expr, .why = why, .why_size = size};
    const char *p = expr + 3;
    int y, mo, d, h, mi, s, rc = -1;
    char tail[4] = "";
    size_t len = strlen(p);
    if (len != 20 || p[19] != ')' ||
        sscanf(p, "%4d-%2d-%2dT%2d:%2d:%2d%3s", &y, &mo, &d, &h, &mi, &s, tail) != 7 ||
        strcmp(tail, ")") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        s > 59) {
        fail(&c, p, len ? len : 1, "at() takes a time like at(2024-01-31T23:59:00)");
        goto out;
    }
    rc = 0;
out:
    *off = c.off;
    *width = c.width;
    return rc;
}
