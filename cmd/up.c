/* up.c — `pipewright up`: make AWS match the spec. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "provision/apply.h"

static const char usage[] =
    "usage: pipewright up [-f FILE] [--var KEY=VALUE]... [--yes] [--adopt] [--allow-replace]\n"
    "                     [--output text|json]\n"
    "\n"
    "Creates or updates everything the spec declares, in dependency order, independent\n"
    "resources in parallel, and waits until each is usable (a table ACTIVE, its stream known).\n"
    "Deletes what carries the stack's tags but is no longer in the spec (never one holding data).\n"
    "Prints the plan first; on a terminal it asks before changing anything. Every resource is\n"
    "tagged pipewright:stack and pipewright:env. Run twice, the second run changes nothing and\n"
    "prints \"no changes\".\n"
    "\n"
    "  --yes            do not ask\n"
    "  --adopt          take over resources that exist with a spec name but without the stack's\n"
    "                   tag (otherwise up refuses and changes nothing)\n"
    "  --allow-replace  delete and create again what AWS cannot change in place (a table's key);\n"
    "                   its data is lost\n"
    "exit: 0 done, 1 failed or refused (or some declared kinds are not supported yet),\n"
    "3 invalid spec, 4 credentials.\n";

struct progress {
    int quiet;
};

static void on_event(void *ctx, const struct apply_event *ev)
{
    const struct progress *pr = ctx;
    char line[1400];
    if (pr->quiet && strcmp(ev->what, "failed") != 0)
        return;
    const struct resource *r = ev->item->res;
    if (ev->err) {
        pw_error_format(ev->err, line, sizeof line);
        fprintf(stderr, "pipewright: %s %s: failed after %.1f s: %s\n", r->kind->name, r->name,
                (double)ev->ms / 1000.0, line);
    } else if (ev->finished) {
        fprintf(stderr, "  %s %s (%.1f s)\n", r->address, ev->what, (double)ev->ms / 1000.0);
    } else {
        fprintf(stderr, "  %s %s...\n", r->address, ev->what);
    }
}

/* Off a terminal nobody can answer: running up there is the decision. */
static int confirm(void)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
        return 1;
    char answer[16] = "";
    fputs("apply these changes? only 'yes' is accepted: ", stderr);
    if (!fgets(answer, sizeof answer, stdin))
        return 0;
    return strcmp(answer, "yes\n") == 0;
}

int cmd_up(struct cli *cli, int argc, char **argv)
{
    int yes = 0;
    struct plan_options po = {.find_orphans = 1};
    struct apply_options ao = {0};
    struct progress pr = {.quiet = cli->quiet};
    const struct cli_flag flags[] = {
        {"--yes", "-y", &yes, NULL},
        {"--adopt", NULL, &po.adopt, NULL},
        {"--allow-replace", NULL, &ao.allow_replace, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    pr.quiet = cli->quiet;
    ao.progress = on_event;
    ao.progress_ctx = &pr;

    struct stackcmd sc;
    struct plan plan = {0};
    struct apply_result res;
    struct pw_error err;
    struct buf out;
    int json = cli->output == CLI_OUTPUT_JSON, ran = 0;
    int rc = stackcmd_open(cli, &sc);
    if (rc)
        return rc;
    buf_init(&out, 0);
    apply_result_init(&res);
    if (plan_make(&sc.client, &sc.stack, &po, &plan, &err) < 0) {
        rc = cli_report(&err);
        goto done;
    }
    if (!plan.orphans_checked) {
        char line[1400];
        pw_error_format(&plan.orphans_err, line, sizeof line);
        fprintf(stderr, "pipewright: warning: could not look for resources the spec no longer "
                        "declares, so none will be deleted: %s\n", line);
    }
    int changes = plan_has_changes(&plan), refused = apply_check(&plan, &ao, &err) < 0;
    if (!json && (changes || refused)) {
        rc = stackcmd_print(plan_render_text(&plan, &out), &out, 0);
        buf_reset(&out);
        fflush(stdout);
        if (rc)
            goto done;
    }
    if (refused) {
        rc = cli_report(&err);
        if (json)
            rc = stackcmd_print(apply_render_json(&plan, NULL, &err, &out), &out, rc);
        goto done;
    }
    if (changes) {
        if (!yes && !confirm()) {
            fputs("pipewright: up cancelled; nothing was changed\n", stderr);
            rc = PW_EXIT_FAILED;
            goto done;
        }
        ran = 1;
        if (apply_run(&sc.client, &plan, &ao, &res, &err) < 0)
            rc = cli_report(&err);
    }
    if (!rc && plan_count(&plan, PLAN_UNSUPPORTED))
        rc = PW_EXIT_FAILED;
    rc = stackcmd_print(json ? apply_render_json(&plan, ran ? &res : NULL, NULL, &out)
                             : apply_render_text(&plan, ran ? &res : NULL, &out),
                        &out, rc);
done:
    plan_release(&plan);
    apply_result_release(&res);
    buf_release(&out);
    stackcmd_close(&sc);
    return rc;
}
