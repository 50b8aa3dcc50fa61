/* xml.c — builds a small element tree from expat's callbacks. AWS answers are shallow and
 * small (S3 listings of 1000 keys are the largest), so a tree is simpler than a streaming
 * reader for every caller, and the body size is already capped by the HTTP layer. */
#include "provision/aws/xml.h"

#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "provision/aws/buf.h"

#define XML_MAX_DEPTH 64

struct builder {
    struct xml_node *root;
    struct xml_node *cur;
    struct xml_node *last_child[XML_MAX_DEPTH]; /* append point per depth: O(1) per element */
    struct buf text;
    int depth;
    int failed;
    XML_Parser parser;
};

static void node_free(struct xml_node *n)
{
    while (n) {
        struct xml_node *next = n->next;
        node_free(n->children);
        free(n->name);
        free(n->text);
        free(n);
        n = next;
    }
}

void xml_free(struct xml_node *root)
{
    node_free(root);
}

static char *dup_cstr(const char *s)
{
    size_t n = strlen(s);
    char *p = malloc(n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p;
}

/* Expat reports namespaced names as "uri|local" (see XML_ParserCreateNS below). */
static const char *local_name(const char *name)
{
    const char *bar = strrchr(name, '|');
    return bar ? bar + 1 : name;
}

static void fail(struct builder *b)
{
    b->failed = 1;
    XML_StopParser(b->parser, XML_FALSE);
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    struct builder *b = ud;
    (void)attrs;
    if (b->depth + 1 >= XML_MAX_DEPTH) {
        fail(b);
        return;
    }
    struct xml_node *n = calloc(1, sizeof *n);
    if (!n || !(n->name = dup_cstr(local_name(name)))) {
        free(n);
        fail(b);
        return;
    }
    n->parent = b->cur;
    if (!b->cur) {
        b->root = n;
    } else {
        if (b->last_child[b->depth])
            b->last_child[b->depth]->next = n;
        else
            b->cur->children = n;
        b->last_child[b->depth] = n;
    }
    b->cur = n;
    b->depth++;
    b->last_child[b->depth] = NULL;
    buf_reset(&b->text);
}

static void on_end(void *ud, const XML_Char *name)
{
    struct builder *b = ud;
    (void)name;
    if (b->failed)
        return;
    /* Mixed content does not occur in AWS answers: a leaf holds text, an element with
     * children only the whitespace between them, which is dropped. */
    if (!b->cur->children) {
        b->cur->text = buf_detach(&b->text);
        buf_init(&b->text, 0);
    }
    b->cur = b->cur->parent;
    b->depth--;
    buf_reset(&b->text);
}

static void on_text(void *ud, const XML_Char *s, int len)
{
    struct builder *b = ud;
    if (b->failed)
        return;
    if (buf_append(&b->text, s, (size_t)len) < 0)
        fail(b);
}

/* Gives every element a non-NULL text, so callers never check. */
static int fill_texts(struct xml_node *n)
{
    for (; n; n = n->next) {
        if (!n->text && !(n->text = calloc(1, 1)))
            return -1;
        if (fill_texts(n->children) < 0)
            return -1;
    }
    return 0;
}

struct xml_node *xml_parse(const char *data, size_t len, struct pw_error *err)
{
    struct builder b = {0};
    buf_init(&b.text, 0);
    b.parser = XML_ParserCreateNS(NULL, '|');
    if (!b.parser) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory creating an XML parser");
        goto fail;
    }
    XML_SetUserData(b.parser, &b);
    XML_SetElementHandler(b.parser, on_start, on_end);
    XML_SetCharacterDataHandler(b.parser, on_text);
    if (XML_Parse(b.parser, data, (int)len, XML_TRUE) != XML_STATUS_OK || b.failed) {
        if (b.failed)
            pw_fail(err, PW_EXIT_FAILED, "XML answer too deep or out of memory");
        else
            pw_fail(err, PW_EXIT_FAILED, "malformed XML answer at line %lu, column %lu: %s",
                    (unsigned long)XML_GetCurrentLineNumber(b.parser),
                    (unsigned long)XML_GetCurrentColumnNumber(b.parser),
                    XML_ErrorString(XML_GetErrorCode(b.parser)));
        goto fail;
    }
    if (!b.root) {
        pw_fail(err, PW_EXIT_FAILED, "empty XML answer");
        goto fail;
    }
    if (fill_texts(b.root) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory reading XML");
        goto fail;
    }
    XML_ParserFree(b.parser);
    buf_release(&b.text);
    return b.root;
fail:
    if (b.parser)
        XML_ParserFree(b.parser);
    buf_release(&b.text);
    node_free(b.root);
    return NULL;
}

const struct xml_node *xml_child(const struct xml_node *n, const char *name)
{
    if (!n)
        return NULL;
    for (const struct xml_node *c = n->children; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const struct xml_node *xml_next_named(const struct xml_node *n)
{
    for (const struct xml_node *c = n ? n->next : NULL; c; c = c->next)
        if (strcmp(c->name, n->name) == 0)
            return c;
    return NULL;
}

const struct xml_node *xml_find(const struct xml_node *n, const char *path)
{
    char part[128];
    while (n && *path) {
        size_t len = strcspn(path, "/");
        if (len >= sizeof part)
            return NULL;
        memcpy(part, path, len);
        part[len] = '\0';
        n = xml_child(n, part);
        path += len;
        if (*path == '/')
            path++;
    }
    return n;
}

const char *xml_text(const struct xml_node *n, const char *path)
{
    const struct xml_node *f = xml_find(n, path);
    return f ? f->text : NULL;
}
