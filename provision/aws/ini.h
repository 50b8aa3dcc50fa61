/* ini.h — the shared `config` and `credentials` file format, read the way botocore reads it
 * (Python's configparser.RawConfigParser, then botocore's one level of nesting):
 *   - `[name]` starts a section; the name is everything between the first `[` and the last `]`,
 *     kept as written (case and inner spaces matter); a section may not appear twice;
 *   - `key = value` or `key: value`; the key is lower-cased and may not repeat in a section;
 *     both sides are trimmed; `#` and `;` start a comment only at the start of a line, so
 *     `region = us-east-1 # prod` keeps the comment in the value, as the AWS CLI does;
 *   - a line indented deeper than its key's line continues the value; a value whose first
 *     line is empty and which continues is a nested block of `key = value` lines (the
 *     `s3 =\n  endpoint_url = ...` form), whose keys keep their case;
 *   - `[DEFAULT]` is configparser's defaults section: its settings show through in every
 *     section that exists and does not set them.
 * Anything else is an error naming file and line, as botocore refuses the whole file. */
#ifndef PW_INI_H
#define PW_INI_H

#include <stddef.h>

#include "provision/aws/error.h"
#include "provision/aws/kv.h"

struct ini_entry {
    char *key;              /* lower-cased */
    char *value;            /* NULL for a nested block */
    struct kvlist nested;   /* the nested block's settings, keys as written */
    int line;
};

struct ini_section {
    char *name;
    struct ini_entry *entries;
    size_t len, cap;
    int line;
};

struct aws_ini {
    char *path;
    struct ini_section *sections;
    size_t len, cap;
    struct ini_section defaults;   /* [DEFAULT], possibly empty */
};

/* Parses text; path is only for messages. On failure: PW_EXIT_FAILED,
 * "reading 'PATH': line N: ...". */
struct aws_ini *ini_parse(const char *path, const char *text, size_t len, struct pw_error *err);

/* Reads and parses a file. A file that does not exist (or is not a regular file, as
 * botocore sees it) is not an error: *out is NULL and 0 is returned. */
int ini_load(const char *path, struct aws_ini **out, struct pw_error *err);

void ini_free(struct aws_ini *ini);   /* accepts NULL */

/* A section by its exact name; NULL when absent. [DEFAULT] is not a section. */
const struct ini_section *ini_section_find(const struct aws_ini *ini, const char *name);

/* A setting of a section, then of [DEFAULT]; key compared case-insensitively. */
const struct ini_entry *ini_entry_find(const struct aws_ini *ini, const struct ini_section *s,
                                       const char *key);

/* A plain value; NULL when absent or a nested block. */
const char *ini_get(const struct aws_ini *ini, const struct ini_section *s, const char *key);

/* A setting inside a nested block (exact, case-sensitive subkey, as botocore compares it). */
const char *ini_get_nested(const struct aws_ini *ini, const struct ini_section *s, const char *key,
                           const char *subkey);

/* botocore names sections "profile NAME", "services NAME", "sso-session NAME" and splits them
 * with shlex: a header that starts with prefix and splits into exactly two words yields the
 * second (quotes allowed: [profile "my dev"]). Writes it to out; 0 on a match, -1 otherwise. */
int ini_section_qualified(const char *section, const char *prefix, char *out, size_t n);

#endif
