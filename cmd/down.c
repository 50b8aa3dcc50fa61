/* down.c — `pipewright down`: delete what the spec's stack owns. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "provision/destroy.h"

static const char usage[] =
    "usage: pipewright down [-f FILE] [--var KEY=VALUE]... [--delete-data] [--yes]\n"
    "                       [--output text|json]\n"
    "\n"
    "Deletes every resource of the spec that carries the stack's tag, in reverse dependency\n"
    "order. A resource without the tag is never deleted. Before deleting anything, down checks\n"
    "every bucket and table and refuses, deleting nothing, when one holds data (objects,\n"
    "versions, items) or has deletion protection on, naming them.\n"
    "\n"
    "  --delete-data  empty buckets of every version and delete marker, turn deletion protection\n"
    "                 off, and delete them with their data\n"
    "  --yes          do not ask (needed when stdin is not a terminal)\n"
    "exit: 0 done, 1 refused or failed (or some declared kinds are not supported yet),\n"
    "3 invalid spec, 4 credentials, 64 usage.\n";

static void on_event(void *ctx, const struct apply_event *ev)
{
    const int *quiet = ctx;
    char line[1400];
    const struct resource *r = ev->item->res;
    if (ev->err) {
        pw_error_format(ev->err, line, sizeof line);
        fprintf(stderr, "pipewright: %s %s: failed after %.1f s: %s\n", r->kind->name, r->name,
                (double)ev->ms / 1000.0, line);
    } else if (!*quiet) {
        if (ev->finished)
            fprintf(stderr, "  %s %s (%.1f s)\n", r->address, ev->what, (double)ev->ms / 1000.0);
        else
            fprintf(stderr, "  %s %s...\n", r->address, ev->what);
    }
}

static int confirm(const char *stack, int delete_data)
{
    char answer[64] = "";
    fprintf(stderr, "delete every resource of stack '%s'%s? type the stack's name to confirm: ",
            stack, delete_data ? " AND ITS DATA" : "");
    if (!fgets(answer, sizeof answer, stdin))
        return 0;
    answer[strcspn(answer, "\n")] = '\0';
    return strcmp(answer, stack) == 0;
}

int cmd_down(struct cli *cli, int argc, char **argv)
{
    int yes = 0, quiet;
    struct destroy_options o = {0};
    const struct cli_flag flags[] = {
        {"--yes", "-y", &yes, NULL},
        {"--delete-data", NULL, &o.delete_data, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    int interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    if (!yes && !interactive)
        return cli_usage_error("down", "down deletes resources: pass --yes when stdin is not a terminal");
    quiet = cli->quiet;
    o.progress = on_event;
    o.progress_ctx = &quiet;

    struct stackcmd sc;
    struct destroy_report rep;
    struct pw_error err;
    struct buf out;
    int rc = stackcmd_open(cli, &sc);
    if (rc)
        return rc;
    buf_init(&out, 0);
    memset(&rep, 0, sizeof rep);
    if (!yes && !confirm(sc.stack.name, o.delete_data)) {
        fputs("pipewright: down cancelled; nothing was deleted\n", stderr);
        rc = PW_EXIT_FAILED;
        goto done;
    }
    if (destroy_run(&sc.client, &sc.stack, &o, &rep, &err) < 0)
        rc = cli_report(&err);
    if (!rc && plan_count(&rep.plan, PLAN_UNSUPPORTED))
        rc = PW_EXIT_FAILED;
    if (rep.state)
        rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? destroy_render_json(&rep, &out)
                                                           : destroy_render_text(&rep, &out),
                            &out, rc);
done:
    destroy_report_release(&rep);
    buf_release(&out);
    stackcmd_close(&sc);
    return rc;
}
