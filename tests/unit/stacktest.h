/* stacktest.h — the fixture of the provisioning tests: a spec text loaded, bound to an account
 * and made into a stack, and its resources found by address. Header-only, like cfgtest.h;
 * include it after <cmocka.h>. */
#ifndef PW_STACKTEST_H
#define PW_STACKTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provision/stack.h"

struct fixture {
    struct spec *spec;
    struct stack stack;
};

/* The cmocka group setup for text; prints every spec error when it does not load. */
static inline int stacktest_setup(void **state, const char *text, const char *account)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct diag_list d;
    struct pw_error err = {0};
    diag_list_init(&d);
    if (!f || spec_load_text("inline.yaml", text, strlen(text), NULL, &f->spec, &d, &err) < 0 ||
        spec_bind_account(f->spec, account, &err) < 0 || stack_init(&f->stack, f->spec, account, &err) < 0) {
        struct buf out;
        buf_init(&out, 0);
        diag_list_render(&d, &out);
        fprintf(stderr, "%s%s\n", buf_cstr(&out), err.message);
        buf_release(&out);
        diag_list_release(&d);
        free(f);
        return -1;
    }
    diag_list_release(&d);
    *state = f;
    return 0;
}

static inline int stacktest_teardown(void **state)
{
    struct fixture *f = *state;
    stack_release(&f->stack);
    spec_free(f->spec);
    free(f);
    return 0;
}

static inline const struct resource *stacktest_res(void **state, const char *address)
{
    struct fixture *f = *state;
    const struct resource *r = stack_find(&f->stack, address);
    if (!r)
        fail_msg("no resource %s", address);
    return r;
}

/* The setup, teardown and res(state, address) of a test file whose spec is text. */
#define STACKTEST_FIXTURE(text, account)                                   \
    static int setup(void **state)                                         \
    {                                                                      \
        return stacktest_setup(state, text, account);                      \
    }                                                                      \
    static int teardown(void **state)                                      \
    {                                                                      \
        return stacktest_teardown(state);                                  \
    }                                                                      \
    static const struct resource *res(void **state, const char *address)   \
    {                                                                      \
        return stacktest_res(state, address);                              \
    }

#endif
