/* suggest.h — "did you mean": the closest candidate to a mistyped word. */
#ifndef PW_SUGGEST_H
#define PW_SUGGEST_H

#include <stddef.h>

/* The candidate nearest to word by edit distance (case-insensitive), or NULL when none is
 * close enough to be a plausible typo: distance at most max(1, strlen(word) / 3), ties to the first. */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
