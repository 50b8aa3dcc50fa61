/* ddb_encode.h — plain JSON values to DynamoDB JSON attribute values (the direction the seeder
 * needs; ddb_decode.h is the other one).
 *
 *   "text"        {"S": "text"}
 *   12.50         {"N": "12.50"}        the number's exact text (json_exact.h), never a double
 *   true / false  {"BOOL": true}
 *   null          {"NULL": true}
 *   [ ... ]       {"L": [ ... ]}        each element encoded: a list of objects is a list of maps
 *   { ... }       {"M": { ... }}
 *
 * Plain JSON has no binary or set types, so none is ever produced. A number node without exact
 * text (one built in code, not parsed) is written with 17 significant digits, which is the
 * double's exact value; non-finite ones come out as "inf"/"nan", which ddb_check rejects. */
#ifndef PW_DDB_ENCODE_H
#define PW_DDB_ENCODE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The attribute value for v; NULL when out of memory. The caller owns the result. */
cJSON *ddb_encode_value(const cJSON *v);

/* An item: every member of the plain object becomes an attribute (name → attribute value), the
 * shape PutItem and BatchWriteItem take. NULL when obj is not an object or out of memory. */
cJSON *ddb_encode_item(const cJSON *obj);

/* The text to send for a number node: its exact text, else the double with 17 digits into buf. */
const char *ddb_number_text(const cJSON *n, char *buf, size_t size);

#endif
