/* pipeline_status.c — `pipewright pipeline status`. */
#include <stdio.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/status.h"

static const char usage[] =
    "usage: pipewright pipeline status [-f FILE] [--var KEY=VALUE]... [--output text|json]\n"
    "\n"
    "Shows, for every shard of the source table's stream (parents first) and every checkpoint\n"
    "of a shard the stream no longer lists:\n"
    "  STATE       open, closed (read to its end but not committed yet), finished, expired\n"
    "              (aged out of the stream's 24 hours)\n"
    "  CHECKPOINT  the last committed sequence number\n"
    "  BEHIND      records after the checkpoint (one read of up to 1000: '1000+' means more)\n"
    "  LAG         age of the oldest record not processed yet (0s: caught up)\n"
    "  LEASE       the runner holding the shard and until when\n"
    "Nothing is changed.\n"
    "exit: 0 ok, 1 failed or a shard's lag could not be read (a gap in the stream: the reason\n"
    "is shown), 3 invalid spec or no pipeline in it, 4 credentials, 64 usage.\n";

int cmd_pipeline_status(struct cli *cli, int argc, char **argv)
{
    int early = cli_parse_flags(cli, argc, argv, usage, NULL);
    if (early >= 0)
        return early;
    struct stackcmd sc;
    struct pipeline_status st;
    struct pw_error err;
    struct buf out;
    int rc = stackcmd_open(cli, &sc);
    if (rc)
        return rc;
    buf_init(&out, 0);
    if (pipeline_status_collect(&sc.client, &sc.spec->pipeline, &st, &err) < 0) {
        rc = cli_report(&err);
    } else {
        for (size_t i = 0; i < st.n; i++)
            if (st.shards[i].probe_error[0])
                rc = PW_EXIT_FAILED;
        rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? pipeline_status_render_json(&st, &out)
                                                           : pipeline_status_render_text(&st, &out),
                            &out, rc);
        pipeline_status_release(&st);
    }
    buf_release(&out);
    stackcmd_close(&sc);
    return rc;
}
