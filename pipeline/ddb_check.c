/* ddb_check.c — DynamoDB's item rules (see ddb_check.h). */
#include "pipeline/ddb_check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DIGITS 38
#define MIN_EXP (-129)              /* 0.D x 10^E with D's first digit non-zero: 1E-130 */
#define MAX_EXP 126                 /* 9.99...E+125 */

int ddb_number_check(const char *s, size_t n, char *canon, size_t canon_size, int *digits,
                     const char **why)
{
    size_t i = 0;
    int neg = 0, seen_point = 0, ndig = 0;
    long point_shift = 0;           /* digits before the point, less the leading zeros dropped */
    char sig[MAX_DIGITS + 2];
    int nsig = 0, over = 0;
    long trailing_zeros = 0;        /* zeros seen after the last non-zero significant digit */

    *why = "not a number";
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    for (; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (seen_point)
                return -1;
            seen_point = 1;
            continue;
        }
        if (c < '0' || c > '9')
            break;
        ndig++;
        if (nsig == 0 && c == '0') {        /* a leading zero: only moves the point */
            if (seen_point)
                point_shift--;
            continue;
        }
        if (!seen_point)
            point_shift++;
        if (c == '0') {
            trailing_zeros++;
            continue;
        }
        /* A non-zero digit: the zeros held back are significant after all. */
        for (; trailing_zeros > 0; trailing_zeros--) {
            if (nsig < MAX_DIGITS)
                sig[nsig] = '0';
            nsig++;
        }
        if (nsig < MAX_DIGITS)
            sig[nsig] = c;
        nsig++;
    }
    if (ndig == 0)
        return -1;
    long exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, edig = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, edig++)
            if (exp < 100000)       /* saturate: far past any limit already */
                exp = exp * 10 + (s[i] - '0');
        if (edig == 0)
            return -1;
        if (eneg)
            exp = -exp;
    }
    if (i != n)
        return -1;
    if (nsig > MAX_DIGITS)
        over = 1;
    if (digits)
        *digits = nsig;
    if (nsig == 0) {                /* zero, whatever its sign or exponent */
        if (canon && canon_size >= 2)
            snprintf(canon, canon_size, "0");
        return 0;
    }
    if (over) {
        *why = "more than 38 significant digits";
        return -1;
    }
    long e = point_shift + exp;     /* value = 0.SIG x 10^e */
    if (e > MAX_EXP) {
        *why = "too large for DynamoDB (at most 9.9999999999999999999999999999999999999E+125)";
        return -1;
    }
    if (e < MIN_EXP) {
        *why = "too small for DynamoDB (at least 1E-130 unless it is zero)";
        return -1;
    }
    if (canon)
        snprintf(canon, canon_size, "%s%.*sE%ld", neg ? "-" : "", nsig, sig, e);
    return 0;
}

int ddb_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        unsigned cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < (size_t)len)
            return 0;
        for (int k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += (size_t)len;
    }
    return 1;
}

/* Decoded length of base64 text, or -1 when it is not base64 (standard alphabet, padded). */
static long base64_len(const char *s)
{
    size_t n = strlen(s), pad = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/';
        if (c == '=' && i >= n - 2) {
            pad++;
            continue;
        }
        if (!ok || pad)
            return -1;
    }
    return (long)(n / 4 * 3 - pad);
}

const char *ddb_type_noun(const char *type)
{
    static const char *const nouns[][2] = {
        {"S", "a string (S)"},      {"N", "a number (N)"},          {"B", "binary (B)"},
        {"BOOL", "a boolean (BOOL)"}, {"NULL", "null (NULL)"},      {"M", "a map (M)"},
        {"L", "a list (L)"},        {"SS", "a string set (SS)"},    {"NS", "a number set (NS)"},
        {"BS", "a binary set (BS)"},
    };
    for (size_t i = 0; i < sizeof nouns / sizeof nouns[0]; i++)
        if (strcmp(type, nouns[i][0]) == 0)
            return nouns[i][1];
    return type;
}

struct checker {
    char *msg;
    size_t msg_size;
    char path[512];                 /* the attribute being checked: "a.b[2].c" */
};

static int fail(struct checker *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct checker *k, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(k->msg, k->msg_size, "attribute '%s': %s", k->path, why);
    return -1;
}

/* Appends ".name" or "[i]" to the path; returns the old length to restore. */
static size_t path_push(struct checker *k, const char *name, long index)
{
    size_t old = strlen(k->path);
    if (name)
        snprintf(k->path + old, sizeof k->path - old, "%s%s", old ? "." : "", name);
    else
        snprintf(k->path + old, sizeof k->path - old, "[%ld]", index);
    return old;
}

static int check_string(struct checker *k, const cJSON *v, const char *type)
{
    if (!cJSON_IsString(v))
        return fail(k, "%s must be a JSON string", type);
    if (!ddb_utf8_valid(v->valuestring, strlen(v->valuestring)))
        return fail(k, "the string is not valid UTF-8");
    return 0;
}

static int check_number(struct checker *k, const cJSON *v, char *canon, size_t canon_size,
                        int *digits)
{
    const char *why;
    if (!cJSON_IsString(v))
        return fail(k, "N must be a JSON string holding the number, such as {\"N\": \"12.5\"}");
    if (ddb_number_check(v->valuestring, strlen(v->valuestring), canon, canon_size, digits, &why) < 0)
        return fail(k, "'%.60s' is %s", v->valuestring, why);
    return 0;
}

static int check_binary(struct checker *k, const cJSON *v, long *len)
{
    if (!cJSON_IsString(v))
        return fail(k, "B must be a JSON string holding base64");
    if ((*len = base64_len(v->valuestring)) < 0)
        return fail(k, "binary values must be base64, '%.40s' is not", v->valuestring);
    return 0;
}

static size_t number_size(int digits)
{
    return (size_t)(digits + 1) / 2 + 1;
}

static int check_value(struct checker *k, const cJSON *av, int depth, size_t *size);

/* A set: not empty, every element of the element type, no value twice. */
static int check_set(struct checker *k, const char *type, const cJSON *v, size_t *size)
{
    if (!cJSON_IsArray(v))
        return fail(k, "%s must be a JSON array", type);
    int n = cJSON_GetArraySize(v);
    if (n == 0)
        return fail(k, "%s is empty; DynamoDB sets hold at least one value", ddb_type_noun(type));
    const cJSON *a = v->child;
    for (int i = 0; i < n; i++, a = a->next) {
        char ca[64], cb[64];
        int digits = 0;
        long len = 0;
        if (type[0] == 'S' && check_string(k, a, "SS elements") < 0)
            return -1;
        if (type[0] == 'N' && check_number(k, a, ca, sizeof ca, &digits) < 0)
            return -1;
        if (type[0] == 'B' && check_binary(k, a, &len) < 0)
            return -1;
        *size += type[0] == 'S' ? strlen(a->valuestring) : type[0] == 'N' ? number_size(digits) : (size_t)len;
        for (const cJSON *b = v->child; b != a; b = b->next) {
            int same = type[0] == 'N'
                           ? (ddb_number_check(b->valuestring, strlen(b->valuestring), cb, sizeof cb,
                                               NULL, &(const char *){NULL}) == 0 &&
                              strcmp(ca, cb) == 0)
                           : strcmp(a->valuestring, b->valuestring) == 0;
            if (same)
                return fail(k, "%s holds '%.60s' twice", ddb_type_noun(type), a->valuestring);
        }
    }
    return 0;
}

static int check_map(struct checker *k, const cJSON *m, int depth, size_t *size)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, m) {
        const char *name = a->string ? a->string : "";
        size_t old = path_push(k, name, 0);
        if (!ddb_utf8_valid(name, strlen(name)))
            return fail(k, "the name is not valid UTF-8");
        for (const cJSON *b = m->child; b != a; b = b->next)
            if (strcmp(b->string, name) == 0)
                return fail(k, "appears twice");
        size_t vs = 0;
        if (check_value(k, a, depth, &vs) < 0)
            return -1;
        *size += strlen(name) + vs + (depth > 0 ? 1 : 0);
        k->path[old] = '\0';
    }
    return 0;
}

static int check_value(struct checker *k, const cJSON *av, int depth, size_t *size)
{
    static const char *const types[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS", NULL};
    if (!cJSON_IsObject(av) || !av->child || av->child->next)
        return fail(k, "not a DynamoDB JSON value: expected one type and its value, "
                       "such as {\"S\": \"text\"} or {\"N\": \"12.5\"}");
    const cJSON *v = av->child;
    const char *type = v->string;
    size_t t = 0;
    while (types[t] && strcmp(types[t], type) != 0)
        t++;
    if (!types[t])
        return fail(k, "unknown DynamoDB type '%.20s' (S, N, B, BOOL, NULL, M, L, SS, NS or BS)", type);
    char canon[64];
    int digits = 0;
    long len = 0;
    switch (type[0]) {
    case 'S':
        if (type[1])
            return check_set(k, type, v, size);
        if (check_string(k, v, "S") < 0)
            return -1;
        *size = strlen(v->valuestring);
        return 0;
    case 'N':
        if (type[1] == 'S')
            return check_set(k, type, v, size);
        if (type[1] == 'U') {       /* NULL */
            if (!cJSON_IsTrue(v))
                return fail(k, "NULL must be true");
            *size = 1;
            return 0;
        }
        if (check_number(k, v, canon, sizeof canon, &digits) < 0)
            return -1;
        *size = number_size(digits);
        return 0;
    case 'B':
        if (type[1] == 'S')
            return check_set(k, type, v, size);
        if (type[1] == 'O') {       /* BOOL */
            if (!cJSON_IsBool(v))
                return fail(k, "BOOL must be true or false");
            *size = 1;
            return 0;
        }
        if (check_binary(k, v, &len) < 0)
            return -1;
        *size = (size_t)len;
        return 0;
    case 'M':
        if (!cJSON_IsObject(v))
            return fail(k, "M must be a JSON object");
        if (depth + 1 > DDB_MAX_DEPTH)
            return fail(k, "maps and lists nest more than %d levels deep", DDB_MAX_DEPTH);
        *size = 3;
        return check_map(k, v, depth + 1, size);
    default: {                      /* L */
        if (!cJSON_IsArray(v))
            return fail(k, "L must be a JSON array");
        if (depth + 1 > DDB_MAX_DEPTH)
            return fail(k, "maps and lists nest more than %d levels deep", DDB_MAX_DEPTH);
        *size = 3;
        long i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            size_t old = path_push(k, NULL, i++), es = 0;
            if (check_value(k, e, depth + 1, &es) < 0)
                return -1;
            *size += es + 1;
            k->path[old] = '\0';
        }
        return 0;
    }
    }
}

/* The key attribute `name` of type `type`: present, of that type, not empty, not too long;
 * appended to key as "<type><length>:<canonical value>". */
static int check_key(struct checker *k, const cJSON *item, const char *name, char type,
                     const char *role, size_t max, struct buf *key)
{
    static const char *const nouns[] = {"a string (S)", "a number (N)", "binary (B)"};
    const char *want = nouns[type == 'S' ? 0 : type == 'N' ? 1 : 2];
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, name);
    snprintf(k->path, sizeof k->path, "%s", name);
    if (!av) {
        snprintf(k->msg, k->msg_size, "missing key attribute '%s' (the table's %s key, %s)", name,
                 role, want);
        return -1;
    }
    const char *type_name = cJSON_IsObject(av) && av->child ? av->child->string : "";
    if (strlen(type_name) != 1 || type_name[0] != type) {
        if (!cJSON_IsObject(av) || !av->child || av->child->next)
            return check_value(k, av, 0, &(size_t){0});
        snprintf(k->msg, k->msg_size, "key attribute '%s' is %s, but the table's %s key is %s",
                 name, ddb_type_noun(type_name), role, want);
        return -1;
    }
    const cJSON *v = av->child;
    char canon[64];
    long blen = 0;
    if (type == 'N' ? check_number(k, v, canon, sizeof canon, NULL) < 0
        : type == 'B' ? check_binary(k, v, &blen) < 0
                      : check_string(k, v, "S") < 0)
        return -1;
    const char *text = type == 'N' ? canon : v->valuestring;
    size_t bytes = type == 'B' ? (size_t)blen : strlen(v->valuestring);
    if (type != 'N' && bytes == 0)
        return fail(k, "the %s key is empty; key values must not be empty", role);
    if (bytes > max)
        return fail(k, "the %s key is %zu bytes, over DynamoDB's limit of %zu", role, bytes, max);
    if (key && buf_appendf(key, "%c%zu:", type, strlen(text)) < 0)
        return fail(k, "out of memory");
    if (key && buf_appends(key, text) < 0)
        return fail(k, "out of memory");
    return 0;
}

int ddb_item_check(const cJSON *item, const struct ddb_key_schema *ks, struct buf *key,
                   size_t *size, char *msg, size_t msg_size)
{
    struct checker k = {.msg = msg, .msg_size = msg_size};
    size_t total = 0;
    msg[0] = '\0';
    if (key)
        buf_reset(key);
    if (!cJSON_IsObject(item)) {
        snprintf(msg, msg_size, "the item is not a JSON object");
        return -1;
    }
    if (check_key(&k, item, ks->hash, ks->hash_type, "hash", DDB_HASH_MAX_BYTES, key) < 0)
        return -1;
    if (ks->range && ks->range[0] &&
        check_key(&k, item, ks->range, ks->range_type, "range", DDB_RANGE_MAX_BYTES, key) < 0)
        return -1;
    k.path[0] = '\0';
    if (check_map(&k, item, 0, &total) < 0)
        return -1;
    if (total > DDB_ITEM_MAX_BYTES) {
        snprintf(msg, msg_size, "the item is %zu bytes, over DynamoDB's limit of 400 KB (%d bytes)",
                 total, DDB_ITEM_MAX_BYTES);
        return -1;
    }
    if (size)
        *size = total;
    return 0;
}
