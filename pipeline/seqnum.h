/* seqnum.h — DynamoDB Streams sequence numbers.
 *
 * A sequence number is a decimal integer of 21 to 40 digits, sent as a string. Two of them
 * compare as numbers, never as strings: "999999999999999999999" (21 digits) is smaller than
 * "1000000000000000000000" (22), though it sorts after it as text. DynamoDB cannot compare
 * them either (a number attribute holds 38 digits), so the checkpoint also stores an order
 * key: the number left-padded with zeros to SEQNUM_DIGITS, whose text order is the numeric
 * order, and conditional writes compare that. */
#ifndef PW_SEQNUM_H
#define PW_SEQNUM_H

#include <stddef.h>

#define SEQNUM_DIGITS 40            /* AWS: at most 40 digits */
#define SEQNUM_MAX (SEQNUM_DIGITS + 1)

/* 1 when s is 1..SEQNUM_DIGITS decimal digits (leading zeros allowed), else 0. */
int seqnum_valid(const char *s);

/* <0, 0, >0 as a is numerically below, equal to or above b. Both must be valid. */
int seqnum_cmp(const char *a, const char *b);

/* The order key of a valid s: exactly SEQNUM_DIGITS digits, zero-padded. out: SEQNUM_MAX bytes.
 * Returns -1 (out = "") when s is not valid. */
int seqnum_order_key(const char *s, char out[SEQNUM_MAX]);

#endif
