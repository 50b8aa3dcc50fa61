/* stackcmd.h — what plan, up, down and drift share before their own work: the spec loaded
 * (errors shown as validate shows them), the region pinned to the spec's, the AWS client,
 * the account from STS bound into the spec's names, and the stack's resources. */
#ifndef PW_STACKCMD_H
#define PW_STACKCMD_H

#include "cmd/cli.h"
#include "provision/aws/client.h"
#include "provision/aws/probe.h"
#include "provision/spec/spec.h"
#include "provision/stack.h"

struct stackcmd {
    struct spec *spec;
    struct aws_client client;
    int client_ready;
    struct aws_identity id;
    struct stack stack;
    int stack_ready;
};

/* Loads the spec (-f), printing its diagnostics as validate does; 0, or the exit code. */
int stackcmd_load_spec(struct cli *cli, struct spec **out);

/* 0 when everything is ready; otherwise the exit code, the reason already on stderr. */
int stackcmd_open(struct cli *cli, struct stackcmd *sc);
void stackcmd_close(struct stackcmd *sc);

/* Prints the buffer to stdout, or fails with "out of memory" on stderr; returns rc or 1. */
int stackcmd_print(int render_rc, const struct buf *out, int rc);

#endif
