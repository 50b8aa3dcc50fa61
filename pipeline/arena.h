/* arena.h — scratch memory that never moves: blocks are chained, never reallocated, so a
 * pointer handed out stays valid until arena_reset (which keeps the first block for reuse). */
#ifndef PW_ARENA_H
#define PW_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
};

void arena_init(struct arena *a);
void arena_release(struct arena *a);
void arena_reset(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);                   /* NULL when out of memory */
char *arena_strndup(struct arena *a, const char *s, size_t n);  /* NUL-terminated copy */

#endif
