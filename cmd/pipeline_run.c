/* pipeline_run.c — `pipewright pipeline run`: options in, pipeline_run(), the report out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/run.h"

static const char usage[] =
    "usage: pipewright pipeline run --from-file FILE [--to file://DIR] [--dimension-file FILE]\n"
    "                               [--batch-records N] [--grace SECONDS]\n"
    "                               [-f SPEC] [--var KEY=VALUE]... [--output text|json]\n"
    "\n"
    "Applies changes of the source table to the lake, so that the lake equals the spec's\n"
    "transform (explode, flatten, join, columns, partition) of the table's current contents:\n"
    "inserts appear, modifies replace, removes disappear, bad records go to quarantine with\n"
    "the reason. Each partition is written as a new version and switched atomically.\n"
    "Running the same changes again changes nothing. See docs/transform.md.\n"
    "\n"
    "  --from-file FILE       DynamoDB Streams records, one JSON object per line as GetRecords\n"
    "                         returns them, or a DynamoDB export ({\"Item\": ...} per line);\n"
    "                         gzip or not. An export is a snapshot: the lake becomes its\n"
    "                         transform, and partitions it does not touch are removed.\n"
    "  --to file://DIR        write to a local lake instead of the spec's output\n"
    "  --dimension-file FILE  the join table (export lines or a JSON array of DynamoDB JSON\n"
    "                         items); rows it changes are re-enriched. Default: the copy the\n"
    "                         lake kept from the last run\n"
    "  --batch-records N      write the lake every N records (default: every 64 MiB)\n"
    "  --grace SECONDS        keep replaced versions this long for readers (default 3600)\n"
    "  --parse-only           diagnostic: read, parse and check the records, count them, and\n"
    "                         write nothing (the floor the transform is measured against)\n"
    "\n"
    "Without --to, the lake is the spec's output: a file:// url, or its bucket, where each\n"
    "partition is registered in the pipeline's Glue table (which up creates) and switched to\n"
    "a new version in the catalog. Reading the DynamoDB stream itself (shards,\n"
    "checkpoints) is not built yet: --from-file is required.\n"
    "exit: 0 done, 1 failed, 3 invalid spec, 4 credentials (S3), 64 usage.\n";

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
    const char *batch = NULL, *grace = NULL;
    struct pipeline_options o = {.grace_s = -1};
    const struct cli_flag flags[] = {
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
    o.tmp_dir = getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/tmp";
    if (!o.from_file)
        return cli_usage_error("pipeline run", "reading the DynamoDB stream is not built yet: "
                               "give --from-file FILE");

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
    if (spec->pipeline.present && !o.parse_only && pipeline_writes_s3(&o)) {
        /* S3 and Glue: the account (bucket names use it), the region, a client. */
        spec_free(spec);
        spec = NULL;
        if ((rc = stackcmd_open(cli, &sc)))
            return rc;
        o.spec = sc.spec;
        o.client = &sc.client;
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
