/* yaml_tree.h — a YAML document as a tree that remembers where every key and value was written.
 *
 * libyaml does the parsing (events API); this layer only builds the tree, resolves aliases
 * and merge keys ("<<: *defaults"), and reports what libyaml and YAML itself leave to the
 * application: duplicate keys, undefined aliases, unsupported tags, more than one document.
 * Scalars keep their source text and how they were written, so the spec layer can tell
 * the string "5" from the number 5 and quote the user's own text back in messages. */
#ifndef PW_YAML_TREE_H
#define PW_YAML_TREE_H

#include <stddef.h>

#include "provision/spec/diag.h"

enum ynode_kind { YNODE_SCALAR, YNODE_MAP, YNODE_SEQ };

/* Plain scalars are typed by their text (null, true/false, numbers); quoted and block
 * scalars are always strings, as is a scalar tagged !!str. */
enum ynode_style { YNODE_PLAIN, YNODE_QUOTED, YNODE_BLOCK };

struct ypair;

struct ynode {
    enum ynode_kind kind;
    struct spec_loc loc;        /* start; span is the width when the node fits on one line */
    int end_line, end_col;      /* 1-based, just past the node */
    enum ynode_style style;
    const char *value;          /* scalar: text after unescaping, NUL-terminated */
    size_t len;
    struct ynode **items;       /* sequence */
    size_t n_items;
    struct ypair *pairs;        /* mapping, in source order, merged keys last */
    size_t n_pairs;
};

struct ypair {
    struct ynode *key;          /* always a scalar */
    struct ynode *value;
};

struct ytree {
    struct ynode *root;         /* NULL for an empty document */
    struct ynode **all;         /* every node, for release (aliases share nodes) */
    size_t n_all, cap_all;
    const char *src;            /* borrowed: the text the tree was parsed from */
    size_t src_len;
};

/* Parses src. Returns 0 when a tree was built, possibly with errors in d that do not stop
 * reading it (duplicate keys, undefined aliases); -1 when the text is not YAML (the error is
 * in d, with libyaml's problem mark) or when out of memory (d->oom). */
int ytree_parse(struct ytree *t, const char *src, size_t len, struct diag_list *d);
void ytree_release(struct ytree *t);

/* The pair for key in a mapping, or NULL (also when n is not a mapping). */
const struct ypair *ynode_find(const struct ynode *map, const char *key);

/* Typed views of a scalar, per YAML 1.2's core schema. The YAML 1.1 words yes/no/on/off are
 * strings here, on purpose: "versioning: yes" is then an error, not a guess. */
int ynode_is_null(const struct ynode *n);
int ynode_bool(const struct ynode *n, int *out);                /* 0 when n is true/false */
int ynode_integer(const struct ynode *n, long long *out);       /* 0 when n is a plain integer */
int ynode_is_number(const struct ynode *n);

/* How to name n in a message: "'text'" (truncated), "empty", "a mapping", "a list". */
const char *ynode_describe(const struct ynode *n, char *buf, size_t size);

/* The location of byte `offset` inside a one-line scalar's value, so a caret can point into
 * the string ("cron(61 * ...)" → under "61"). Falls back to the node's start when the text
 * was escaped or folded and the value no longer maps onto the source. span is set to `width`. */
struct spec_loc ytree_loc_in(const struct ytree *t, const struct ynode *n, size_t offset, int width);

#endif
