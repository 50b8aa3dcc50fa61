/* ddb_check.h — DynamoDB's own rules for an item, checked on our side before anything is sent,
 * so that a load either writes everything or, when one item would be refused, nothing at all.
 *
 * Rules (from the DynamoDB developer guide, "Supported data types" and "Service quotas"):
 *  - numbers: up to 38 significant digits; zero, or a magnitude from 1E-130 to
 *    9.9999999999999999999999999999999999999E+125; leading and trailing zeros do not count;
 *  - strings and attribute names are valid UTF-8; binary values are base64 in DynamoDB JSON;
 *  - sets (SS, NS, BS) are not empty and hold no value twice; a map holds no name twice;
 *  - maps and lists nest at most 32 levels deep;
 *  - key attributes are present, of the key's type (S, N or B), not empty; a partition key
 *    value is at most 2048 bytes, a sort key value at most 1024;
 *  - an item is at most 400 KB by DynamoDB's size rule: each attribute's name in UTF-8 bytes
 *    plus its value (string and binary: their bytes; number: 1 byte per 2 significant digits
 *    plus 1; boolean and null: 1; list and map: 3 plus 1 per element plus the elements, with
 *    map member names counted like attribute names). */
#ifndef PW_DDB_CHECK_H
#define PW_DDB_CHECK_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "provision/aws/buf.h"

#define DDB_ITEM_MAX_BYTES 409600
#define DDB_MAX_DEPTH 32
#define DDB_HASH_MAX_BYTES 2048
#define DDB_RANGE_MAX_BYTES 1024

/* The table's key: names and types ('S', 'N' or 'B'); range NULL when there is no sort key. */
struct ddb_key_schema {
    const char *hash;
    char hash_type;
    const char *range;
    char range_type;
};

/* A number as DynamoDB reads it: optional '-', digits with at most one '.', at least one digit,
 * optional exponent. 0 when valid: canon (when not NULL) gets a text equal for equal values
 * ("1", "1.0" and "10E-1" all give "1E1"), *digits the significant digits. -1 when not:
 * *why says why ("not a number", "more than 38 significant digits", ...). */
int ddb_number_check(const char *s, size_t n, char *canon, size_t canon_size, int *digits,
                     const char **why);

/* 1 when s[0, n) is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
int ddb_utf8_valid(const char *s, size_t n);

/* Checks an item in DynamoDB JSON (attribute name → attribute value) against the rules above.
 * 0: valid; key (when not NULL) gets the item's key in a canonical form, equal for two items
 * DynamoDB would see as the same key; *size (when not NULL) its size. -1: msg holds the first
 * problem found, naming the attribute ("attribute 'progressDetails[1].rewardEarned': ..."). */
int ddb_item_check(const cJSON *item, const struct ddb_key_schema *ks, struct buf *key,
                   size_t *size, char *msg, size_t msg_size);

/* The readable name of a DynamoDB type: "S" → "a string (S)". */
const char *ddb_type_noun(const char *type);

#endif
