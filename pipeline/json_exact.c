/* json_exact.c — exact number texts paired with cJSON's tree (see json_exact.h). */
#include "pipeline/json_exact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_offsets_release(struct json_offsets *o)
{
    if (!o)
        return;
    free(o->v);
    o->v = NULL;
    o->n = o->cap = 0;
}

static int offsets_add(struct json_offsets *o, size_t off)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        size_t *v = realloc(o->v, cap * sizeof *v);
        if (!v)
            return -1;
        o->v = v;
        o->cap = cap;
    }
    o->v[o->n++] = off;
    return 0;
}

int json_number_strict(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n)
        return 0;
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    } else {
        return 0;
    }
    if (i < n && s[i] == '.') {
        size_t d = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == d)
            return 0;
    }
    return i == n;
}

/* The lexer: only ever run over text cJSON accepted, so it needs to know just enough to skip
 * strings (where digits are not numbers) and find where each number token starts and ends. */
struct lexer {
    const char *t;
    size_t len, pos;
};

/* Skips the string that starts at lx->pos; 0 when the text ends before its closing quote. */
static int lex_skip_string(struct lexer *lx)
{
    lx->pos++;                      /* the opening quote */
    while (lx->pos < lx->len) {
        char c = lx->t[lx->pos];
        if (c == '\\') {
            lx->pos += 2;
        } else {
            lx->pos++;
            if (c == '"')
                return 1;
        }
    }
    lx->pos = lx->len;
    return 0;
}

static int is_number_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* The next number token: 1 with its offset and length, 0 when there is none before len. A token
 * is the longest run of number characters: in text cJSON accepted, what follows a number is
 * whitespace or one of , ] } — never a number character — so the run is exactly the token. */
static int lex_next_number(struct lexer *lx, size_t *off, size_t *n)
{
    while (lx->pos < lx->len) {
        char c = lx->t[lx->pos];
        if (c == '"') {
            lex_skip_string(lx);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            *off = lx->pos;
            while (lx->pos < lx->len && is_number_char(lx->t[lx->pos]))
                lx->pos++;
            *n = lx->pos - *off;
            return 1;
        } else {
            lx->pos++;              /* punctuation, whitespace, true/false/null */
        }
    }
    return 0;
}

static void set_error(struct json_exact_error *e, size_t off, const char *fmt, const char *arg)
{
    e->offset = off;
    snprintf(e->what, sizeof e->what, fmt, arg);
}

/* Gives every number node of the tree, in document order, the text of the next token. */
static int attach(cJSON *node, struct lexer *lx, struct json_exact_error *e)
{
    if (cJSON_IsNumber(node)) {
        size_t off = 0, n = 0;
        if (!lex_next_number(lx, &off, &n)) {
            set_error(e, lx->len, "%s", "numbers and tokens out of step (internal error)");
            return -1;
        }
        if (!json_number_strict(lx->t + off, n)) {
            char tok[48];
            snprintf(tok, sizeof tok, "%.*s%s", n > 40 ? 40 : (int)n, lx->t + off, n > 40 ? "..." : "");
            set_error(e, off, "invalid number '%s'", tok);
            return -1;
        }
        /* malloc, as cJSON_Delete frees valuestring with free(): no cJSON hooks are installed
         * anywhere in pipewright. */
        char *text = malloc(n + 1);
        if (!text) {
            set_error(e, off, "%s", "out of memory");
            return -1;
        }
        memcpy(text, lx->t + off, n);
        text[n] = '\0';
        node->valuestring = text;
        return 0;
    }
    cJSON *child;
    cJSON_ArrayForEach(child, node)
        if (attach(child, lx, e) < 0)
            return -1;
    return 0;
}

/* Offsets of the elements of the array that starts at text[start]. */
static int element_offsets(const char *t, size_t start, size_t end, struct json_offsets *out)
{
    struct lexer lx = {t, end, start + 1};
    int depth = 1, expect = 1;      /* expect: the next non-blank byte starts an element */
    while (lx.pos < lx.len && depth > 0) {
        char c = t[lx.pos];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            lx.pos++;
            continue;
        }
        if (depth == 1 && expect && c != ']') {
            if (offsets_add(out, lx.pos) < 0)
                return -1;
            expect = 0;
        }
        if (c == '"') {
            lex_skip_string(&lx);
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
        else if (c == ',' && depth == 1)
            expect = 1;
        lx.pos++;
    }
    return 0;
}

/* Where the value starting at text[start] ends (one past its closing bracket), or len + 1 when
 * it never closes: the input ran out. Scalars end at the first blank or delimiter. */
static size_t value_end(const char *text, size_t len, size_t start)
{
    struct lexer lx = {text, len, start};
    int depth = 0;
    while (lx.pos < len) {
        char c = text[lx.pos];
        if (c == '"') {
            if (!lex_skip_string(&lx))
                return len + 1;         /* a string the input never closed */
            if (depth == 0)
                return lx.pos;
            continue;
        }
        if (c == '[' || c == '{')
            depth++;
        else if (c == ']' || c == '}')
            depth--;
        else if (depth == 0 && strchr(" \t\r\n,", c))
            return lx.pos;
        lx.pos++;
        if (depth == 0)
            return lx.pos;
    }
    return depth > 0 ? len + 1 : len;
}

/* cJSON says only where it stopped, and for a bad object key it stops one byte late (on the
 * blank after a stray comma, say); that is turned into a position inside the value and a
 * short reason. */
static void describe_failure(const char *text, size_t len, size_t start, size_t off,
                             struct json_exact_error *e)
{
    size_t end = value_end(text, len, start);
    if (len == start || end > len) {
        set_error(e, len, "%s", "unexpected end of input");
        return;
    }
    if (off >= end)
        off = end - 1;
    /* Past a blank, the culprit is the last thing before it ("{"a": 1,, ..."). */
    while (off > start && strchr(" \t\r\n", text[off]))
        off--;
    char c = text[off];
    char what[8];
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        snprintf(what, sizeof what, "\\x%02x", (unsigned char)c);
    else
        snprintf(what, sizeof what, "%c", c);
    set_error(e, off, "unexpected '%s'", what);
}

cJSON *json_exact_parse(const char *text, size_t len, size_t *end, struct json_offsets *elems,
                        struct json_exact_error *e)
{
    const char *stop = NULL;
    size_t start = 0;
    memset(e, 0, sizeof *e);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3;
    while (start < len && strchr(" \t\r\n", text[start]))
        start++;
    cJSON *root = start < len ? cJSON_ParseWithLengthOpts(text, len, &stop, 0) : NULL;
    if (!root) {
        describe_failure(text, len, start, stop ? (size_t)(stop - text) : len, e);
        return NULL;
    }
    size_t stop_off = (size_t)(stop - text);
    struct lexer lx = {text, stop_off, start};
    if (attach(root, &lx, e) < 0 ||
        (elems && cJSON_IsArray(root) && element_offsets(text, start, stop_off, elems) < 0)) {
        if (!e->what[0])
            set_error(e, start, "%s", "out of memory");
        cJSON_Delete(root);
        return NULL;
    }
    *end = stop_off;
    return root;
}

const char *json_exact_text(const cJSON *n)
{
    return cJSON_IsNumber(n) ? n->valuestring : NULL;
}

cJSON *json_exact_number(const char *text)
{
    cJSON *n = cJSON_CreateNumber(strtod(text, NULL));
    if (!n)
        return NULL;
    size_t len = strlen(text);
    n->valuestring = malloc(len + 1);
    if (!n->valuestring) {
        cJSON_Delete(n);
        return NULL;
    }
    memcpy(n->valuestring, text, len + 1);
    return n;
}
