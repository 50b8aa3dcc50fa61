/* tstamp.c — timestamps of the transform (see tstamp.h). */
#define _XOPEN_SOURCE 700       /* strptime */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pipeline/tstamp.h"

static const int64_t MIN_SECS = -62135596800LL;     /* 0001-01-01T00:00:00Z */
static const int64_t MAX_SECS = 253402300799LL;     /* 9999-12-31T23:59:59Z */

int64_t tstamp_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void tstamp_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Fields to seconds; -1 when the date or time does not exist or is out of range. */
static int make(int y, int mo, int d, int h, int mi, int s, long offset, struct tstamp *out)
{
    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h < 0 ||
        h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59)
        return -1;
    int64_t secs = tstamp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset;
    if (secs < MIN_SECS || secs > MAX_SECS)
        return -1;
    out->secs = secs;
    return 0;
}

/* Reads exactly k digits at s[*i]. */
static int digits(const char *s, size_t n, size_t *i, int k, int *v)
{
    int r = 0;
    for (int j = 0; j < k; j++, (*i)++) {
        if (*i >= n || s[*i] < '0' || s[*i] > '9')
            return -1;
        r = r * 10 + (s[*i] - '0');
    }
    *v = r;
    return 0;
}

/* Keeps up to 9 fractional digits, trailing zeros dropped; more than 9 is an error. */
static int fraction(const char *s, size_t n, size_t *i, char frac[10])
{
    size_t k = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        if (k == 9)
            return -1;
        frac[k++] = s[(*i)++];
    }
    if (!k)
        return -1;
    while (k && frac[k - 1] == '0')
        k--;
    frac[k] = '\0';
    return 0;
}

int tstamp_parse_iso(const char *s, size_t n, struct tstamp *out)
{
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    long offset = 0;
    memset(out, 0, sizeof *out);
    if (digits(s, n, &i, 4, &y) || i >= n || s[i++] != '-' || digits(s, n, &i, 2, &mo) || i >= n ||
        s[i++] != '-' || digits(s, n, &i, 2, &d))
        return -1;
    if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (digits(s, n, &i, 2, &h) || i >= n || s[i++] != ':' || digits(s, n, &i, 2, &mi))
            return -1;
        if (i < n && s[i] == ':') {
            i++;
            if (digits(s, n, &i, 2, &sec))
                return -1;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                i++;
                if (fraction(s, n, &i, out->frac) < 0)
                    return -1;
            }
        }
        if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i++] == '-' ? -1 : 1, oh, om = 0;
            if (digits(s, n, &i, 2, &oh))
                return -1;
            if (i < n && s[i] == ':')
                i++;
            if (i < n && digits(s, n, &i, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            offset = sign * (oh * 3600L + om * 60L);
        }
    }
    if (i != n)
        return -1;
    return make(y, mo, d, h, mi, sec, offset, out);
}

int tstamp_parse_format(const char *s, size_t n, const char *format, struct tstamp *out)
{
    char text[128];
    struct tm tm;
    memset(out, 0, sizeof *out);
    if (n >= sizeof text)
        return -1;
    memcpy(text, s, n);
    text[n] = '\0';
    memset(&tm, 0, sizeof tm);
    tm.tm_mday = 1;
    tm.tm_year = 70;
    const char *end = strptime(text, format, &tm);
    if (!end || *end)
        return -1;
    long offset = strstr(format, "%z") ? tm.tm_gmtoff : 0;
    return make(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                offset, out);
}

int tstamp_parse_epoch(const char *s, size_t n, struct tstamp *out)
{
    size_t i = 0;
    int neg = 0;
    int64_t v = 0;
    memset(out, 0, sizeof *out);
    if (i < n && s[i] == '-')
        neg = 1, i++;
    size_t start = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (v > MAX_SECS)
            return -1;
        v = v * 10 + (s[i++] - '0');
    }
    if (i == start)
        return -1;
    if (i < n && s[i] == '.') {
        i++;
        if (i < n && fraction(s, n, &i, out->frac) < 0)
            return -1;
    }
    if (i != n)
        return -1;
    if (neg && out->frac[0]) {
        /* -1.5 s is 1.5 s before the epoch: whole seconds down by one, fraction complemented. */
        char comp[10];
        size_t k = strlen(out->frac);
        /* 1 - 0.f: nines' complement, plus one in the last place. The last digit never
         * becomes 10: it is not '0' (trailing zeros were dropped). */
        for (size_t j = 0; j < k; j++)
            comp[j] = (char)('0' + 9 - (out->frac[j] - '0') + (j == k - 1));
        comp[k] = '\0';
        memcpy(out->frac, comp, k + 1);
        v += 1;
    }
    v = neg ? -v : v;
    if (v < MIN_SECS || v > MAX_SECS)
        return -1;
    out->secs = v;
    return 0;
}

static void fields(int64_t secs, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    tstamp_civil_from_days(days, y, mo, d);
    *h = (int)(rem / 3600);
    *mi = (int)(rem % 3600 / 60);
    *s = (int)(rem % 60);
}

static char *put2(char *p, int v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Formatted by hand: it runs for every timestamp of every row, where snprintf showed up. */
int tstamp_format_iso(const struct tstamp *t, char *out, size_t n)
{
    int y, mo, d, h, mi, s;
    size_t frac = strlen(t->frac);
    if (n < 21 + (frac ? frac + 1 : 0))
        return -1;
    fields(t->secs, &y, &mo, &d, &h, &mi, &s);
    char *p = put2(put2(out, y / 100), y % 100);
    *p++ = '-';
    p = put2(p, mo);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, h);
    *p++ = ':';
    p = put2(p, mi);
    *p++ = ':';
    p = put2(p, s);
    if (frac) {
        *p++ = '.';
        memcpy(p, t->frac, frac);
        p += frac;
    }
    *p++ = 'Z';
    *p = '\0';
    return (int)(p - out);
}

int tstamp_format_partition(const struct tstamp *t, enum spec_granularity g, char *out, size_t n)
{
    int y, mo, d, h, mi, s, w;
    fields(t->secs, &y, &mo, &d, &h, &mi, &s);
    switch (g) {
    case SPEC_GRAN_YEAR:
        w = snprintf(out, n, "%04d", y);
        break;
    case SPEC_GRAN_MONTH:
        w = snprintf(out, n, "%04d-%02d", y, mo);
        break;
    case SPEC_GRAN_DAY:
        w = snprintf(out, n, "%04d-%02d-%02d", y, mo, d);
        break;
    case SPEC_GRAN_HOUR:
        w = snprintf(out, n, "%04d-%02d-%02dT%02d", y, mo, d, h);
        break;
    case SPEC_GRAN_VALUE:
    default:
        return tstamp_format_iso(t, out, n);
    }
    return w < 0 || (size_t)w >= n ? -1 : w;
}
