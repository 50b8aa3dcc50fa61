/* ini.c — the config/credentials file reader. The line rules mirror Python's configparser
 * (RawConfigParser defaults: strict, `=`/`:` delimiters, full-line comments only, empty lines
 * allowed inside values), because botocore parses these files with it and a file the AWS CLI
 * reads one way must not mean something else here. */
#include "provision/aws/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "provision/aws/buf.h"

#define INI_MAX_FILE ((size_t)16 << 20)

struct vline {
    const char *s;   /* trimmed, into the input text */
    size_t n;
    int line;
};

struct parser {
    const char *path;
    struct aws_ini *ini;
    struct ini_section *sect;     /* current section; NULL before the first header */
    /* the setting being read: its key and its lines (first line, then continuations) */
    char *key;
    int key_line;
    struct vline *lines;
    size_t nlines, caplines;
    struct pw_error *err;
};

/* Python's str.isspace() for ASCII, which is what strip() and \S use here. */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

static int fail_at(struct parser *p, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail_at(struct parser *p, int line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return pw_fail(p->err, PW_EXIT_FAILED, "reading '%s': line %d: %s", p->path, line, msg);
}

static void section_release(struct ini_section *s)
{
    for (size_t i = 0; i < s->len; i++) {
        free(s->entries[i].key);
        free(s->entries[i].value);
        kvlist_release(&s->entries[i].nested);
    }
    free(s->entries);
    free(s->name);
    memset(s, 0, sizeof *s);
}

void ini_free(struct aws_ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->len; i++)
        section_release(&ini->sections[i]);
    free(ini->sections);
    section_release(&ini->defaults);
    free(ini->path);
    free(ini);
}

static const struct ini_entry *section_entry(const struct ini_section *s, const char *key)
{
    for (size_t i = 0; s && i < s->len; i++)
        if (strcasecmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

static int push_line(struct parser *p, const char *s, size_t n, int line)
{
    if (p->nlines == p->caplines) {
        size_t cap = p->caplines ? p->caplines * 2 : 8;
        struct vline *nl = realloc(p->lines, cap * sizeof *nl);
        if (!nl)
            return pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
        p->lines = nl;
        p->caplines = cap;
    }
    p->lines[p->nlines++] = (struct vline){s, n, line};
    return 0;
}

/* Ends the setting being read: joins its lines as configparser does (with '\n', trailing
 * empty lines dropped), or, when the first line is empty, reads them as a nested block. */
static int finish_entry(struct parser *p)
{
    struct ini_entry e = {0};
    int rc = -1;
    if (!p->key)
        return 0;
    while (p->nlines > 1 && p->lines[p->nlines - 1].n == 0)
        p->nlines--;
    e.key = p->key;
    e.line = p->key_line;
    p->key = NULL;
    kvlist_init(&e.nested);
    if (p->nlines > 1 && p->lines[0].n == 0) {
        for (size_t i = 1; i < p->nlines; i++) {
            const struct vline *l = &p->lines[i];
            if (l->n == 0)
                continue;
            const char *eq = memchr(l->s, '=', l->n);
            if (!eq) {
                fail_at(p, l->line, "expected 'name = value' in the nested settings of '%s'", e.key);
                goto out;
            }
            const char *k = l->s, *v = eq + 1;
            size_t kn = (size_t)(eq - l->s), vn = l->n - kn - 1;
            trim(&k, &kn);
            trim(&v, &vn);
            /* a repeated nested key replaces the earlier one, as a Python dict does */
            for (size_t j = 0; j < e.nested.len; j++)
                if (strlen(e.nested.items[j].name) == kn && memcmp(e.nested.items[j].name, k, kn) == 0) {
                    free(e.nested.items[j].name);
                    free(e.nested.items[j].value);
                    memmove(&e.nested.items[j], &e.nested.items[j + 1],
                            (e.nested.len - j - 1) * sizeof e.nested.items[0]);
                    e.nested.len--;
                    break;
                }
            if (kvlist_addn(&e.nested, k, kn, v, vn) < 0) {
                pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
                goto out;
            }
        }
    } else {
        struct buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < p->nlines; i++)
            if ((i && buf_appendc(&b, '\n') < 0) || buf_append(&b, p->lines[i].s, p->lines[i].n) < 0) {
                buf_release(&b);
                pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
                goto out;
            }
        e.value = b.data ? buf_detach(&b) : dupn("", 0);
        if (!e.value) {
            pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
    }
    struct ini_section *s = p->sect;
    if (s->len == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct ini_entry *ne = realloc(s->entries, cap * sizeof *ne);
        if (!ne) {
            pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
            goto out;
        }
        s->entries = ne;
        s->cap = cap;
    }
    s->entries[s->len++] = e;
    memset(&e, 0, sizeof e);
    rc = 0;
out:
    free(e.key);
    free(e.value);
    kvlist_release(&e.nested);
    p->nlines = 0;
    return rc;
}

static int start_section(struct parser *p, const char *name, size_t n, int line)
{
    char *nm = dupn(name, n);
    if (!nm)
        return pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
    if (strcmp(nm, "DEFAULT") == 0) {
        /* configparser merges repeated [DEFAULT] headers instead of refusing them */
        p->sect = &p->ini->defaults;
        if (!p->sect->name) {
            p->sect->name = nm;
            p->sect->line = line;
        } else {
            free(nm);
        }
        return 0;
    }
    const struct ini_section *old = ini_section_find(p->ini, nm);
    if (old) {
        fail_at(p, line, "section [%s] appears twice (first at line %d)", nm, old->line);
        free(nm);
        return -1;
    }
    struct aws_ini *ini = p->ini;
    if (ini->len == ini->cap) {
        size_t cap = ini->cap ? ini->cap * 2 : 8;
        struct ini_section *ns = realloc(ini->sections, cap * sizeof *ns);
        if (!ns) {
            free(nm);
            return pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
        }
        ini->sections = ns;
        ini->cap = cap;
    }
    p->sect = &ini->sections[ini->len++];
    memset(p->sect, 0, sizeof *p->sect);
    p->sect->name = nm;
    p->sect->line = line;
    return 0;
}

static int start_entry(struct parser *p, const char *s, size_t n, int line)
{
    const char *d = s;
    while (d < s + n && *d != '=' && *d != ':')
        d++;
    if (d == s + n)
        return fail_at(p, line, "expected 'name = value', a [section] header or a comment");
    const char *k = s, *v = d + 1;
    size_t kn = (size_t)(d - s), vn = n - kn - 1;
    trim(&k, &kn);
    trim(&v, &vn);
    if (kn == 0)
        return fail_at(p, line, "a setting without a name");
    p->key = dupn(k, kn);
    if (!p->key)
        return pw_fail(p->err, PW_EXIT_FAILED, "out of memory");
    for (char *c = p->key; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    const struct ini_entry *old = section_entry(p->sect, p->key);
    if (old) {
        fail_at(p, line, "'%s' is set twice in [%s] (first at line %d)", p->key, p->sect->name, old->line);
        free(p->key);
        p->key = NULL;
        return -1;
    }
    p->key_line = line;
    return push_line(p, v, vn, line);
}

/* configparser decodes the file as UTF-8 and gives up on the first invalid sequence
 * (overlong forms and surrogates included). */
static int check_utf8(struct parser *p, const char *t, size_t len)
{
    int line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)t[i];
        if (c == '\0')
            return fail_at(p, line, "the file contains a NUL byte");
        if (c == '\n' || (c == '\r' && (i + 1 == len || t[i + 1] != '\n')))
            line++;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need = c >= 0xC2 && c <= 0xDF ? 1 : (c & 0xF0) == 0xE0 ? 2 : c >= 0xF0 && c <= 0xF4 ? 3 : 0;
        int ok = need && i + need < len;
        for (size_t j = 1; ok && j <= need; j++)
            ok = ((unsigned char)t[i + j] & 0xC0) == 0x80;
        if (ok) {
            unsigned char c1 = (unsigned char)t[i + 1];
            ok = !((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0) || (c == 0xF0 && c1 < 0x90) ||
                   (c == 0xF4 && c1 >= 0x90));
        }
        if (!ok)
            return fail_at(p, line, "not valid UTF-8");
        i += need + 1;
    }
    return 0;
}

struct aws_ini *ini_parse(const char *path, const char *text, size_t len, struct pw_error *err)
{
    struct parser p = {.path = path, .err = err};
    size_t indent_level = 0;
    int line = 0;
    p.ini = calloc(1, sizeof *p.ini);
    if (!p.ini || !(p.ini->path = dupn(path, strlen(path)))) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto fail;
    }
    if (check_utf8(&p, text, len) < 0)
        goto fail;
    for (size_t pos = 0; pos < len;) {
        const char *l = text + pos;
        size_t e = pos;
        while (e < len && text[e] != '\n' && text[e] != '\r')
            e++;
        size_t n = e - pos;
        pos = e < len && text[e] == '\r' && e + 1 < len && text[e + 1] == '\n' ? e + 2 : e + 1;
        line++;

        const char *v = l;
        size_t vn = n;
        trim(&v, &vn);
        int comment = vn && (v[0] == '#' || v[0] == ';');
        if (vn == 0 || comment) {
            /* a blank line may sit inside a multi-line value; a comment never adds to it */
            if (!comment && p.key && push_line(&p, v, 0, line) < 0)
                goto fail;
            continue;
        }
        size_t indent = (size_t)(v - l);
        if (p.sect && p.key && indent > indent_level) {
            if (push_line(&p, v, vn, line) < 0)
                goto fail;
            continue;
        }
        if (finish_entry(&p) < 0)
            goto fail;
        indent_level = indent;
        /* a header is `[`, at least one character, and the last `]` of the line */
        const char *close = NULL;
        if (v[0] == '[')
            for (size_t i = vn; i > 2; i--)
                if (v[i - 1] == ']') {
                    close = v + i - 1;
                    break;
                }
        if (close) {
            if (start_section(&p, v + 1, (size_t)(close - v - 1), line) < 0)
                goto fail;
            continue;
        }
        if (!p.sect) {
            fail_at(&p, line, "a setting before any [section] header");
            goto fail;
        }
        if (start_entry(&p, v, vn, line) < 0)
            goto fail;
    }
    if (finish_entry(&p) < 0)
        goto fail;
    free(p.lines);
    return p.ini;
fail:
    free(p.key);
    free(p.lines);
    ini_free(p.ini);
    return NULL;
}

int ini_load(const char *path, struct aws_ini **out, struct pw_error *err)
{
    struct stat st;
    FILE *f = NULL;
    char *text = NULL;
    int rc = -1;
    *out = NULL;
    if (stat(path, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        return pw_fail(err, PW_EXIT_FAILED, "reading '%s': %s", path, strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        return 0;
    if ((size_t)st.st_size > INI_MAX_FILE)
        return pw_fail(err, PW_EXIT_FAILED, "reading '%s': larger than %zu MiB", path, INI_MAX_FILE >> 20);
    f = fopen(path, "rb");
    if (!f) {
        pw_fail(err, PW_EXIT_FAILED, "reading '%s': %s", path, strerror(errno));
        goto out;
    }
    text = malloc((size_t)st.st_size + 1);
    if (!text) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    size_t n = fread(text, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        pw_fail(err, PW_EXIT_FAILED, "reading '%s': %s", path, strerror(errno));
        goto out;
    }
    text[n] = '\0';
    *out = ini_parse(path, text, n, err);
    rc = *out ? 0 : -1;
out:
    if (f)
        fclose(f);
    free(text);
    return rc;
}

const struct ini_section *ini_section_find(const struct aws_ini *ini, const char *name)
{
    for (size_t i = 0; ini && i < ini->len; i++)
        if (strcmp(ini->sections[i].name, name) == 0)
            return &ini->sections[i];
    return NULL;
}

const struct ini_entry *ini_entry_find(const struct aws_ini *ini, const struct ini_section *s,
                                       const char *key)
{
    if (!ini || !s)
        return NULL;
    const struct ini_entry *e = section_entry(s, key);
    return e ? e : section_entry(&ini->defaults, key);
}

const char *ini_get(const struct aws_ini *ini, const struct ini_section *s, const char *key)
{
    const struct ini_entry *e = ini_entry_find(ini, s, key);
    return e ? e->value : NULL;
}

const char *ini_get_nested(const struct aws_ini *ini, const struct ini_section *s, const char *key,
                           const char *subkey)
{
    const struct ini_entry *e = ini_entry_find(ini, s, key);
    if (!e || e->value)
        return NULL;
    return kvlist_get(&e->nested, subkey);
}

/* shlex.split in POSIX mode: words split on whitespace, '...' literal, "..." with \\ \" \$ \`
 * escapes, a backslash elsewhere escapes the next character. Returns the word count (at most
 * the first two are written) or -1 on an unterminated quote or trailing backslash. */
static int shlex_words(const char *s, struct buf *w0, struct buf *w1)
{
    int count = 0;
    const char *c = s;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
            c++;
        if (!*c)
            return count;
        struct buf *w = count == 0 ? w0 : count == 1 ? w1 : NULL;
        struct buf scratch;
        buf_init(&scratch, 0);
        if (!w)
            w = &scratch;
        while (*c && !(*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')) {
            int r = 0;
            if (*c == '\'') {
                const char *end = strchr(c + 1, '\'');
                if (!end)
                    r = -1;
                else
                    r = buf_append(w, c + 1, (size_t)(end - c - 1)), c = end + 1;
            } else if (*c == '"') {
                c++;
                while (r == 0 && *c && *c != '"') {
                    if (*c == '\\' && c[1] && strchr("\\\"$`\n", c[1]))
                        c++;
                    r = buf_appendc(w, *c++);
                }
                if (*c != '"')
                    r = -1;
                else
                    c++;
            } else if (*c == '\\') {
                if (!c[1])
                    r = -1;
                else
                    r = buf_appendc(w, c[1]), c += 2;
            } else {
                r = buf_appendc(w, *c++);
            }
            if (r < 0) {
                buf_release(&scratch);
                return -1;
            }
        }
        buf_release(&scratch);
        count++;
    }
}

int ini_section_qualified(const char *section, const char *prefix, char *out, size_t n)
{
    struct buf w0, w1;
    int rc = -1;
    if (strncmp(section, prefix, strlen(prefix)) != 0)
        return -1;
    buf_init(&w0, 0);
    buf_init(&w1, 0);
    if (shlex_words(section, &w0, &w1) == 2 && w1.len < n) {
        memcpy(out, buf_cstr(&w1), w1.len + 1);
        rc = 0;
    }
    buf_release(&w0);
    buf_release(&w1);
    return rc;
}
