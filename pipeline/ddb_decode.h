/* ddb_decode.h — DynamoDB JSON (the format of DynamoDB, DynamoDB Streams and exports), read in
 * place.
 *
 * A DynamoDB JSON value is an object with exactly one key, its type: {"S": "x"}, {"N": "12.5"},
 * {"M": {...}}, {"L": [...]}, {"SS": [...]}, {"BOOL": true}, {"NULL": true}. The decoder builds
 * no values of its own: a struct ddb_val points into the cJSON tree it was read from, so reading
 * an item costs no allocation, and a number is the exact decimal text it was written with (it
 * never goes through a double: cJSON sees "12.5" as a string, which it is on the wire).
 *
 * ddb_check_item() validates a whole item once (every wrapper, every number, every set); after
 * it succeeds, ddb_decode() on any value of that item cannot fail, so the transform reads
 * attributes without re-checking them. The reverse direction (plain values to DynamoDB JSON) is
 * ddb_encode. */
#ifndef PW_DDB_DECODE_H
#define PW_DDB_DECODE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/buf.h"

enum ddb_type {
    DDB_MISSING = 0,    /* not there at all (not a DynamoDB type) */
    DDB_S,
    DDB_N,
    DDB_B,
    DDB_BOOL,
    DDB_NULL,
    DDB_M,
    DDB_L,
    DDB_SS,
    DDB_NS,
    DDB_BS,
};

struct ddb_val {
    enum ddb_type type;
    const char *text;   /* S, N, B: the string (base64 for B); BOOL: "true" or "false" */
    size_t len;
    const cJSON *body;  /* M: the object of attributes; L, SS, NS, BS: the array */
};

/* "S", "N", ..., "missing". */
const char *ddb_type_name(enum ddb_type t);

/* Reads one value's wrapper (one level). 0, or -1 with the reason in why ("{"X": ...} is not a
 * DynamoDB type"), e.g. for a value of an item that was not checked. */
int ddb_decode(const cJSON *wrapper, struct ddb_val *out, char *why, size_t n_why);

/* The attribute name of an item (a DynamoDB JSON object of attributes): its value, or
 * type DDB_MISSING when the item has no such attribute. The item must have been checked. */
struct ddb_val ddb_get(const cJSON *item, const char *name);

/* Follows a dotted path through maps ("meta.source.id"); DDB_MISSING when any step is absent or
 * is not a map. The whole name is tried as an attribute first, since names may contain dots. */
struct ddb_val ddb_path(const cJSON *item, const char *path);

/* Validates an item (the object of attributes) all the way down, DynamoDB's 32 levels of
 * nesting at most. 0, or -1 with why set to the first problem and where it is:
 * "'progressDetails[1].rewardEarned': 'abc' is not a number". */
int ddb_check_item(const cJSON *item, char *why, size_t n_why);

/* A DynamoDB number: [+-]digits[.digits][(e|E)[+-]digits], with digits on at least one side
 * of the point (".5" and "5." are numbers, "." is not). */
int ddb_number_valid(const char *s, size_t n);

/* Appends the number as a valid JSON number with the same exact value and digits: a leading
 * '+' and leading zeros dropped, "0" added before a bare '.', a trailing '.' dropped. -1 when
 * s is not a number (or out of memory). */
int ddb_number_json(const char *s, size_t n, struct buf *out);

/* Appends the plain JSON of a value: S and B as strings, N as a number (ddb_number_json), BOOL,
 * NULL, M as an object, L and sets as arrays, in the order the record has them. */
int ddb_plain_json(const struct ddb_val *v, struct buf *out);

/* The plain value as a cJSON tree whose strings point into v's tree (valid while it lives);
 * free with cJSON_Delete. NULL when out of memory. */
cJSON *ddb_plain_tree(const struct ddb_val *v);

#endif
