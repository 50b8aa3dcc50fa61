/* arena.c — scratch memory that never moves (see arena.h). */
#include <stdlib.h>
#include <string.h>

#include "pipeline/arena.h"

#define ARENA_BLOCK 16384

struct arena_block {
    struct arena_block *next;
    size_t used, cap;
    max_align_t data[];
};

void arena_init(struct arena *a)
{
    a->head = NULL;
}

void arena_release(struct arena *a)
{
    if (!a)
        return;
    for (struct arena_block *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
}

void arena_reset(struct arena *a)
{
    if (!a->head)
        return;
    /* Keep the oldest block (the last in the chain): it is the usual working size. */
    struct arena_block *keep = a->head;
    while (keep->next)
        keep = keep->next;
    for (struct arena_block *b = a->head, *next; b != keep; b = next) {
        next = b->next;
        free(b);
    }
    keep->used = 0;
    a->head = keep;
}

void *arena_alloc(struct arena *a, size_t n)
{
    size_t need = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct arena_block *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = need > ARENA_BLOCK ? need : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->used = 0;
        b->cap = cap;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += need;
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}
