/* xml.h — a small read-only tree over expat, for S3, SNS, IAM and STS answers.
 * Element names are local names (namespace prefixes and URIs dropped); text is the
 * concatenated character data of the element itself. */
#ifndef PW_XML_H
#define PW_XML_H

#include <stddef.h>

#include "provision/aws/error.h"

struct xml_node {
    char *name;
    char *text;                  /* never NULL */
    struct xml_node *parent;
    struct xml_node *children;   /* first child */
    struct xml_node *next;       /* next sibling */
};

struct xml_node *xml_parse(const char *data, size_t len, struct pw_error *err);
void xml_free(struct xml_node *root);                 /* accepts NULL */

/* First child named name; NULL when none. */
const struct xml_node *xml_child(const struct xml_node *n, const char *name);
/* Next sibling with the same name as n; for iterating repeated elements. */
const struct xml_node *xml_next_named(const struct xml_node *n);
/* Descends a '/'-separated path of child names from n: "GetCallerIdentityResult/Account". */
const struct xml_node *xml_find(const struct xml_node *n, const char *path);
/* Text at path, or NULL when the element is absent. */
const char *xml_text(const struct xml_node *n, const char *path);

#endif
