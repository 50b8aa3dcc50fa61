/* drift.c — `pipewright drift`: does AWS still match the spec? For CI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "provision/drift.h"

static const char usage[] =
    "usage: pipewright drift [-f FILE] [--var KEY=VALUE]... [--output text|json|junit]\n"
    "                        [--ignore RESOURCE.PROPERTY]...\n"
    "\n"
    "Reads every resource the spec declares (in parallel) and reports each one\n"
    "  IN_SYNC      exists, ours, every property as declared\n"
    "  MODIFIED     with each property: expected (the spec) and actual (AWS)\n"
    "  MISSING      does not exist\n"
    "  NOT_CHECKED  could not be read (an error, throttling) or is of a kind pipewright does not\n"
    "               read yet: never reported as in sync\n"
    "Defaults AWS fills in are not drift. Nothing is changed.\n"
    "\n"
    "  --output junit      JUnit XML, one test case per resource, for CI test reports\n"
    "  --ignore R.P        leave property P of resource R out (repeatable): table.orders.billing,\n"
    "                      bucket.lake.tags[team], topic.events.subscription (P covers what is below it)\n"
    "exit: 0 in sync, 2 drift found, 1 something could not be checked, 3 invalid spec,\n"
    "4 credentials, 64 usage.\n";

int cmd_drift(struct cli *cli, int argc, char **argv)
{
    const char **ignores = calloc((size_t)argc, sizeof *ignores);
    size_t n_ignores = 0;
    int junit = 0, rc;
    if (!ignores) {
        fputs("pipewright: error: out of memory\n", stderr);
        return PW_EXIT_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            free(ignores);
            return PW_EXIT_OK;
        }
        /* junit is drift's own format; the global --output knows text and json only. */
        if ((strcmp(argv[i], "--output") == 0 && i + 1 < argc && strcmp(argv[i + 1], "junit") == 0) ||
            strcmp(argv[i], "--output=junit") == 0) {
            junit = 1;
            i += argv[i][8] == '\0';
            continue;
        }
        if (strcmp(argv[i], "--ignore") == 0 || strncmp(argv[i], "--ignore=", 9) == 0) {
            if (argv[i][8] == '=') {
                ignores[n_ignores++] = argv[i] + 9;
            } else if (i + 1 < argc) {
                ignores[n_ignores++] = argv[++i];
            } else {
                free(ignores);
                return cli_usage_error("drift", "option '--ignore' needs a value");
            }
            continue;
        }
        if (strncmp(argv[i], "--output", 8) == 0)
            junit = 0;   /* the last --output wins */
        int r = cli_global_option(cli, argc, argv, &i);
        if (r < 0 || r == 0) {
            free(ignores);
            if (r < 0)
                return PW_EXIT_USAGE;
            return cli_usage_error("drift", argv[i][0] == '-' ? "unknown option '%s'"
                                                              : "unexpected argument '%s'", argv[i]);
        }
    }
    struct stackcmd sc;
    struct drift_report rep;
    struct pw_error err;
    struct buf out;
    rc = stackcmd_open(cli, &sc);
    if (rc) {
        free(ignores);
        return rc;
    }
    buf_init(&out, 0);
    if (drift_check(&sc.client, &sc.stack, ignores, n_ignores, &rep, &err) < 0) {
        rc = err.exit == PW_EXIT_USAGE ? cli_usage_error("drift", "%s", err.message) : cli_report(&err);
        goto done;
    }
    rc = stackcmd_print(junit ? drift_render_junit(&rep, &out)
                        : cli->output == CLI_OUTPUT_JSON ? drift_render_json(&rep, &out)
                                                         : drift_render_text(&rep, &out),
                        &out, drift_exit(&rep));
    drift_report_release(&rep);
done:
    buf_release(&out);
    stackcmd_close(&sc);
    free(ignores);
    return rc;
}
