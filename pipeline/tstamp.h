/* tstamp.h — timestamps of the transform: parsed from ISO 8601, a strptime format or epoch
 * seconds, kept as UTC seconds plus the fraction as written, rendered as ISO 8601 UTC or as a
 * partition value (docs/transform.md §3, §5).
 *
 * Calendar arithmetic is done here (proleptic Gregorian, years 1-9999), not with timegm or
 * the TZ database, so results never depend on the machine's time zone. */
#ifndef PW_TSTAMP_H
#define PW_TSTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "provision/spec/spec.h"

struct tstamp {
    int64_t secs;       /* seconds since 1970-01-01T00:00:00Z */
    char frac[10];      /* fractional digits as written, trailing zeros dropped, "" for none */
};

/* Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms). */
int64_t tstamp_days_from_civil(int64_t y, int m, int d);
void tstamp_civil_from_days(int64_t days, int *y, int *m, int *d);

/* ISO 8601: YYYY-MM-DD, optionally [T or space]HH:MM[:SS[.fraction]], then Z, ±HH:MM, ±HHMM,
 * ±HH or nothing (UTC). 0, or -1 when s is not such a timestamp or names a day that does not
 * exist. s need not be NUL-terminated. */
int tstamp_parse_iso(const char *s, size_t n, struct tstamp *out);

/* By a strptime(3) format ("%m/%d/%Y %H:%M"); the whole of s must be consumed; no zone (or
 * none in the format) means UTC, %z is honoured. */
int tstamp_parse_format(const char *s, size_t n, const char *format, struct tstamp *out);

/* Seconds since 1970 as a DynamoDB number: -?digits[.digits]. */
int tstamp_parse_epoch(const char *s, size_t n, struct tstamp *out);

/* "2024-01-20T23:59:59Z", "2024-01-20T23:59:59.5Z". Returns the length, or -1 when n is too
 * small (32 bytes always suffice). */
int tstamp_format_iso(const struct tstamp *t, char *out, size_t n);

/* The partition value of t: day 2024-01-20, month 2024-01, year 2024, hour 2024-01-20T23.
 * SPEC_GRAN_VALUE formats as ISO. Returns the length or -1. */
int tstamp_format_partition(const struct tstamp *t, enum spec_granularity g, char *out, size_t n);

#endif
