/* pipeline_run.c — `pipewright pipeline run`: options in, pipeline_run(), the report out. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/run.h"

static const char usage[] =
    "usage: pipewright pipeline run [--once | --follow] [--max-records N] [--lease SECONDS]\n"
    "                               [--batch-records N] [--grace SECONDS]\n"
    "                               [-f SPEC] [--var KEY=VALUE]... [--output text|json]\n"
    "       pipewright pipeline run --from-file FILE [--to file://DIR] [--dimension-file FILE]\n"
    "                               [--batch-records N] [--grace SECONDS]\n"
    "\n"
    "Applies changes of the source table to the lake, so that the lake equals the spec's\n"
    "transform (explode, flatten, join, columns, partition) of the table's current contents:\n"
    "inserts appear, modifies replace, removes disappear, bad records go to quarantine with\n"
    "the reason. Each partition is written as a new version and switched atomically.\n"
    "Running the same changes again changes nothing. See docs/transform.md.\n"
    "\n"
    "Without --from-file, the changes come from the source table's DynamoDB stream: each\n"
    "batch is written to the lake, then its checkpoint committed (docs/checkpoints.md), so a\n"
    "run killed at any point and run again ends with the same lake. The dimension table is\n"
    "read once per run. Runners may run at once: each shard is read by one of them, and they\n"
    "take turns to write the lake. The run ends with one message to the pipeline's notify\n"
    "topic: what changed, \"nothing changed\", or why it failed.\n"
    "\n"
    "  --once                 stop when every shard is read to where the stream is (default)\n"
    "  --follow               keep reading (polling with backoff when idle) until SIGINT or\n"
    "                         SIGTERM, then commit what was written and stop (exit 0)\n"
    "  --max-records N        stop once N records are read (GetRecords answers are whole)\n"
    "  --lease SECONDS        the shards' and the lake's writers' lock's lease (default 60);\n"
    "                         a runner that dies holds them this long\n"
    "  --from-file FILE       DynamoDB Streams records, one JSON object per line as GetRecords\n"
    "                         returns them, or a DynamoDB export ({\"Item\": ...} per line);\n"
    "                         gzip or not. An export is a snapshot: the lake becomes its\n"
    "                         transform, and partitions it does not touch are removed.\n"
    "                         No checkpoints, no notification.\n"
    "  --to file://DIR        write to a local lake instead of the spec's output\n"
    "  --dimension-file FILE  the join table (export lines or a JSON array of DynamoDB JSON\n"
    "                         items); rows it changes are re-enriched. Default: a Scan of the\n"
    "                         table (stream), the copy the lake kept from the last run (file)\n"
    "  --batch-records N      write the lake every N records (default: every 64 MiB, or\n"
    "                         whenever the stream has nothing more for now)\n"
    "  --grace SECONDS        keep replaced versions this long for readers (default 3600)\n"
    "  --parse-only           diagnostic: read, parse and check the records, count them, and\n"
    "                         write nothing (the floor the transform is measured against)\n"
    "\n"
    "Without --to, the lake is the spec's output: a file:// url, or its bucket, where each\n"
    "partition is registered in the pipeline's Glue table (which up creates) and switched to\n"
    "a new version in the catalog.\n"
    "exit: 0 done, 1 failed, 3 invalid spec, 4 credentials, 64 usage.\n";

/* The stop request of --follow (and of a long --once): the handler only sets the flag; the
 * run sees it between batches, commits what it wrote, and returns. */
static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void install_stop_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sa.sa_flags = SA_RESTART;       /* requests in flight finish; the flag is read after them */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static int parse_count(const char *opt, const char *v, long long min, long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!v[0] || *end || errno || n < min)
        return cli_usage_error("pipeline run", "%s takes a whole number%s, not '%s'", opt,
                               min > 0 ? " above 0" : "", v);
    *out = n;
    return 0;
}

int cmd_pipeline_run(struct cli *cli, int argc, char **argv)
{
    const char *batch = NULL, *grace = NULL, *max = NULL, *lease = NULL;
    int once = 0;
    struct pipeline_options o = {.grace_s = -1};
    const struct cli_flag flags[] = {
        {"--once", NULL, &once, NULL},
        {"--follow", NULL, &o.follow, NULL},
        {"--max-records", NULL, NULL, &max},
        {"--lease", NULL, NULL, &lease},
        {"--from-file", NULL, NULL, &o.from_file},
        {"--to", NULL, NULL, &o.to},
        {"--dimension-file", NULL, NULL, &o.dimension_file},
        {"--batch-records", NULL, NULL, &batch},
        {"--grace", NULL, NULL, &grace},
        {"--parse-only", NULL, &o.parse_only, NULL},
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    long long n;
    if (batch) {
        if (parse_count("--batch-records", batch, 1, &n))
            return PW_EXIT_USAGE;
        o.batch_records = (size_t)n;
    }
    if (grace) {
        if (parse_count("--grace", grace, 0, &n))
            return PW_EXIT_USAGE;
        o.grace_s = n;
    }
    if (max) {
        if (parse_count("--max-records", max, 1, &n))
            return PW_EXIT_USAGE;
        o.max_records = (uint64_t)n;
    }
    if (lease) {
        if (parse_count("--lease", lease, 1, &n))
            return PW_EXIT_USAGE;
        if (n > 86400)
            return cli_usage_error("pipeline run", "--lease takes at most 86400 seconds, not '%s'",
                                   lease);
        o.lease_ms = (long)n * 1000;
    }
    if (once && o.follow)
        return cli_usage_error("pipeline run", "--once and --follow exclude each other");
    if (o.from_file && (o.follow || once || max || lease))
        return cli_usage_error("pipeline run", "--once, --follow, --max-records and --lease read "
                               "the stream: not with --from-file");
    o.tmp_dir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";

    struct spec *spec = NULL;
    struct stackcmd sc;
    struct pipeline_report rep;
    struct pw_error err;
    struct buf out;
    int rc = stackcmd_load_spec(cli, &spec);
    if (rc)
        return rc;
    o.spec = spec;
    memset(&sc, 0, sizeof sc);
    if (spec->pipeline.present && !o.parse_only && (!o.from_file || pipeline_writes_s3(&o))) {
        /* The stream, S3 and Glue: the account (names use it), the region, a client. */
        spec_free(spec);
        spec = NULL;
        if ((rc = stackcmd_open(cli, &sc)))
            return rc;
        o.spec = sc.spec;
        o.client = &sc.client;
        if (!o.from_file) {
            o.stack = &sc.stack;        /* the online run notifies */
            o.stop = &stop_requested;
            install_stop_handler();
        }
    }
    buf_init(&out, 0);
    if (pipeline_run(&o, &rep, &err) < 0) {
        rc = cli_report(&err);
    } else {
        int r = cli->output == CLI_OUTPUT_JSON ? pipeline_report_json(&rep, &out)
                                               : pipeline_report_text(&rep, &out);
        if (r < 0) {
            fputs("pipewright: error: out of memory\n", stderr);
            rc = PW_EXIT_FAILED;
        } else {
            fputs(buf_cstr(&out), stdout);
            if (cli->output == CLI_OUTPUT_JSON)
                fputc('\n', stdout);
        }
    }
    buf_release(&out);
    spec_free(spec);
    stackcmd_close(&sc);
    return rc;
}
