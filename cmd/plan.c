/* plan.c — `pipewright plan`: what up would do, per resource and per property. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "provision/plan.h"

static const char usage[] =
    "usage: pipewright plan [-f FILE] [--var KEY=VALUE]... [--adopt] [--detailed-exitcode]\n"
    "                       [--output text|json]\n"
    "\n"
    "Reads every resource the spec declares (in parallel) and prints what `up` would do:\n"
    "  + create   ~ update in place (property: old -> new)   ! replace (up needs --allow-replace)\n"
    "  - delete (tagged as the stack's, no longer in the spec)\n"
    "  = no change   ? exists without the stack's tag (up leaves it alone unless --adopt)\n"
    "  x cannot be applied or read   * a kind pipewright does not provision yet\n"
    "Nothing is changed.\n"
    "\n"
    "  --adopt              plan as `up --adopt` would: take over resources without the tag\n"
    "  --detailed-exitcode  exit 0 when there is nothing to do, 2 when there are changes, 1 when\n"
    "                       the plan is incomplete (a resource could not be read, is of a kind not\n"
    "                       supported yet, or resources left out of the spec could not be looked for)\n"
    "exit: 0 ok, 1 failed (a resource could not be read), 2 changes (--detailed-exitcode),\n"
    "3 invalid spec, 4 credentials.\n";

int cmd_plan(struct cli *cli, int argc, char **argv)
{
    int detailed = 0;
    struct plan_options po = {.find_orphans = 1};
    const struct cli_flag flags[] = {
        {"--detailed-exitcode", NULL, &detailed, NULL},
        {"--adopt", NULL, &po.adopt, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    struct stackcmd sc;
    struct plan plan;
    struct pw_error err;
    struct buf out;
    int rc = stackcmd_open(cli, &sc);
    if (rc)
        return rc;
    buf_init(&out, 0);
    if (plan_make(&sc.client, &sc.stack, &po, &plan, &err) < 0) {
        rc = cli_report(&err);
        goto done;
    }
    if (plan_count(&plan, PLAN_ERROR))
        rc = PW_EXIT_FAILED;
    else if (detailed && plan_has_changes(&plan))
        rc = PW_EXIT_CHANGES;
    else if (detailed && (plan_count(&plan, PLAN_UNSUPPORTED) || !plan.orphans_checked))
        rc = PW_EXIT_FAILED;
    rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? plan_render_json(&plan, &out)
                                                       : plan_render_text(&plan, &out),
                        &out, rc);
    plan_release(&plan);
done:
    buf_release(&out);
    stackcmd_close(&sc);
    return rc;
}
