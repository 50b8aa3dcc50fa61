/* pipeline_reset.c — `pipewright pipeline reset`. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/reset.h"

static const char usage[] =
    "usage: pipewright pipeline reset [-f FILE] [--var KEY=VALUE]... [--yes] [--output text|json]\n"
    "\n"
    "Deletes every checkpoint of the pipeline from its checkpoint table: the next run reads\n"
    "each shard of the stream from its oldest record (what the stream still holds of the last\n"
    "24 hours). To rebuild the lake from the whole table instead, run `pipeline backfill`.\n"
    "A runner still holding a lease stops at its next commit, which is refused.\n"
    "\n"
    "  --yes  do not ask (needed when stdin is not a terminal)\n"
    "exit: 0 done, 1 failed or cancelled, 3 invalid spec or no pipeline in it, 4 credentials,\n"
    "64 usage.\n";

static int confirm(const char *pipeline)
{
    char answer[300] = "";
    fprintf(stderr, "delete every checkpoint of pipeline '%s'? type the pipeline's name to "
            "confirm: ", pipeline);
    if (!fgets(answer, sizeof answer, stdin))
        return 0;
    answer[strcspn(answer, "\n")] = '\0';
    return strcmp(answer, pipeline) == 0;
}

int cmd_pipeline_reset(struct cli *cli, int argc, char **argv)
{
    int yes = 0;
    const struct cli_flag flags[] = {
        {"--yes", "-y", &yes, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    if (!yes && !(isatty(STDIN_FILENO) && isatty(STDERR_FILENO)))
        return cli_usage_error(argv[0], "reset deletes checkpoints: pass --yes when stdin is not "
                               "a terminal");
    struct stackcmd sc;
    struct reset_report rep;
    struct pw_error err;
    struct buf out;
    int rc = stackcmd_open(cli, &sc);
    if (rc)
        return rc;
    buf_init(&out, 0);
    if (!sc.spec->pipeline.present) {
        pw_fail(&err, PW_EXIT_SPEC, "the spec declares no pipeline");
        rc = cli_report(&err);
    } else if (!yes && !confirm(sc.spec->pipeline.name.v)) {
        fputs("pipewright: reset cancelled; no checkpoint was deleted\n", stderr);
        rc = PW_EXIT_FAILED;
    } else if (pipeline_reset(&sc.client, &sc.spec->pipeline, &rep, &err) < 0) {
        rc = cli_report(&err);
    } else {
        rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? reset_render_json(&rep, &out)
                                                           : reset_render_text(&rep, &out),
                            &out, 0);
        reset_report_release(&rep);
    }
    buf_release(&out);
    stackcmd_close(&sc);
    return rc;
}
