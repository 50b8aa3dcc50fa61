/* json_exact.h — JSON parsed by cJSON, with every number kept exactly as it was written.
 *
 * cJSON turns each number into a double: 12345678901234567890.123 loses digits, 0.1 is only
 * approximately 0.1, 1e400 becomes infinity and -0 becomes 0. DynamoDB numbers are exact
 * decimals of up to 38 digits, so data must travel as the text the file held. cJSON still does
 * all the parsing (structure, strings, escapes, errors); json_exact_parse then walks the same
 * bytes with a lexer that only recognises number tokens, in document order, and pairs the n-th
 * token with the n-th number node of the tree: cJSON keeps object members and array elements in
 * document order, and object keys are strings, so both sequences are the same.
 *
 * Invariant of a tree made here (or a node made by json_exact_number): every number node
 * carries its exact text in valuestring (cJSON_Delete frees it with the node, cJSON_Duplicate
 * copies it); valuedouble is cJSON's approximation, never used for data. */
#ifndef PW_JSON_EXACT_H
#define PW_JSON_EXACT_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct json_exact_error {
    size_t offset;              /* byte offset of the problem in the text */
    char what[96];              /* "unexpected ']'", "invalid number '01'", ... */
};

/* Byte offsets of the elements of a top-level array, in order (for "record N at line L"). */
struct json_offsets {
    size_t *v;
    size_t n, cap;
};

void json_offsets_release(struct json_offsets *o);

/* Parses one JSON value from text[0, len) (a UTF-8 byte-order mark and whitespace before it
 * are skipped). On success returns the tree and sets *end to the offset just past the value
 * (text may hold more values after it: JSON Lines). On failure returns NULL and fills e;
 * out of memory also gives NULL, with e->what "out of memory". When elems is not NULL and the
 * value is an array, the offset of each element's first byte is appended to it. Numbers must
 * follow JSON's grammar strictly (cJSON alone accepts "01" and "1."). */
cJSON *json_exact_parse(const char *text, size_t len, size_t *end, struct json_offsets *elems,
                        struct json_exact_error *e);

/* The exact text of a number node, or NULL when n is not a number or has none. */
const char *json_exact_text(const cJSON *n);

/* A new number node whose exact text is text (valuedouble from strtod). NULL: out of memory. */
cJSON *json_exact_number(const char *text);

/* 1 when s[0, n) is a number by JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
int json_number_strict(const char *s, size_t n);

#endif
