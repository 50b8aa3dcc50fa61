/* pipeline_backfill.c — `pipewright pipeline backfill`: options in, pipeline_backfill(), the
 * report out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/backfill.h"

static const char usage[] =
    "usage: pipewright pipeline backfill [--segments N] [--from-export LOC]\n"
    "                                    [--dimension-file FILE | --dimension-from-export LOC]\n"
    "                                    [--to file://DIR] [--batch-records N] [--grace SECONDS]\n"
    "                                    [--engine local|glue] [--job ID] [--wait-timeout SECONDS]\n"
    "                                    [-f SPEC] [--var KEY=VALUE]... [--output text|json]\n"
    "\n"
    "Rebuilds the lake from the whole source table: it becomes the spec's transform of the\n"
    "table's current contents (items the table no longer holds lose their rows, partitions\n"
    "left without items go), then moves the pipeline's checkpoints to where the stream stood\n"
    "before the table was read, so `pipeline run` continues from there with no gap and no\n"
    "double. Also the way back after a gap in the stream (TrimmedDataAccessException).\n"
    "See docs/checkpoints.md (\"Backfill\") and docs/transform.md.\n"
    "\n"
    "  --segments N           a parallel Scan in N segments, N requests in flight (default 4)\n"
    "  --from-export LOC      read a DynamoDB export instead of scanning: its data files\n"
    "                         ({\"Item\": ...} lines, gzip), a folder of them (or its data/),\n"
    "                         or s3://BUCKET/PREFIX. The checkpoints are then left as they are\n"
    "                         (an export shows the table at its export time, not now)\n"
    "  --dimension-file FILE  the join table from a file (export lines or a JSON array)\n"
    "  --dimension-from-export LOC   the join table from an export (default: a Scan of it)\n"
    "  --to file://DIR        write a local lake instead of the spec's output (checkpoints\n"
    "                         stay as they are). With --from-export DIR and --dimension-file\n"
    "                         this needs no AWS at all\n"
    "  --batch-records N      write the lake every N items (default: every 64 MiB)\n"
    "  --grace SECONDS        keep replaced versions this long for readers (default 3600)\n"
    "  --engine glue          run the transform as the spec's Glue job (StartJobRun with the\n"
    "                         pipeline's arguments), wait for it with progress on stderr, and\n"
    "                         move the checkpoints when it succeeded\n"
    "  --job ID               the spec's job to run (default: the one running flatten_join.py)\n"
    "  --wait-timeout SECONDS how long to wait for the job run (default: the job's timeout)\n"
    "\n"
    "exit: 0 done, 1 failed (a job run that did not succeed: Glue's reason), 3 invalid spec,\n"
    "4 credentials, 64 usage.\n";

static int parse_count(const char *opt, const char *v, long long min, long long max,
                       long long *out)
{
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (!v[0] || *end || errno || n < min || n > max)
        return cli_usage_error("pipeline backfill", "%s takes a whole number from %lld to %lld, "
                               "not '%s'", opt, min, max, v);
    *out = n;
    return 0;
}

static void progress_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "pipewright: %s\n", line);
}

/* The numeric options into o; 0 or the usage exit code. */
static int numbers(const char *segments, const char *batch, const char *grace, const char *wait,
                   const char *limit, struct backfill_options *o)
{
    long long n;
    if (segments) {
        if (parse_count("--segments", segments, 1, SCAN_MAX_SEGMENTS, &n))
            return PW_EXIT_USAGE;
        o->segments = (int)n;
    }
    if (batch) {
        if (parse_count("--batch-records", batch, 1, 1LL << 40, &n))
            return PW_EXIT_USAGE;
        o->batch_records = (size_t)n;
    }
    if (grace) {
        if (parse_count("--grace", grace, 0, 1LL << 40, &n))
            return PW_EXIT_USAGE;
        o->grace_s = n;
    }
    if (wait) {
        if (parse_count("--wait-timeout", wait, 1, 1LL << 31, &n))
            return PW_EXIT_USAGE;
        o->wait_timeout_s = (long)n;
    }
    if (limit) {
        if (parse_count("--scan-page-limit", limit, 1, 1LL << 31, &n))
            return PW_EXIT_USAGE;
        o->scan_limit = (long)n;
    }
    return 0;
}

int cmd_pipeline_backfill(struct cli *cli, int argc, char **argv)
{
    const char *segments = NULL, *batch = NULL, *grace = NULL, *wait = NULL, *limit = NULL;
    const char *engine = NULL;
    struct backfill_options o = {.grace_s = -1, .progress = progress_line};
    const struct cli_flag flags[] = {
        {"--segments", NULL, NULL, &segments},
        {"--from-export", NULL, NULL, &o.from_export},
        {"--dimension-file", NULL, NULL, &o.dimension_file},
        {"--dimension-from-export", NULL, NULL, &o.dimension_from_export},
        {"--to", NULL, NULL, &o.to},
        {"--batch-records", NULL, NULL, &batch},
        {"--grace", NULL, NULL, &grace},
        {"--engine", NULL, NULL, &engine},
        {"--job", NULL, NULL, &o.job},
        {"--wait-timeout", NULL, NULL, &wait},
        {"--scan-page-limit", NULL, NULL, &limit},     /* tests: small pages, many requests */
        {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    int rc = numbers(segments, batch, grace, wait, limit, &o);
    if (rc)
        return rc;
    if (engine && strcmp(engine, "glue") == 0)
        o.engine = BACKFILL_GLUE;
    else if (engine && strcmp(engine, "local") != 0)
        return cli_usage_error("pipeline backfill", "--engine is local or glue, not '%s'", engine);
    if (o.to && strncmp(o.to, "file://", 7) != 0)
        return cli_usage_error("pipeline backfill", "--to takes file://DIR, not '%s'", o.to);

    struct spec *spec = NULL;
    struct stackcmd sc;
    struct backfill_report rep;
    struct pw_error err;
    struct buf out;
    memset(&sc, 0, sizeof sc);
    memset(&rep, 0, sizeof rep);
    if ((rc = stackcmd_load_spec(cli, &spec)))
        return rc;
    o.spec = spec;
    if (backfill_check_options(&o, &err) < 0) {
        spec_free(spec);
        return cli_report(&err);
    }
    if (backfill_needs_aws(&o)) {
        if ((rc = stackcmd_connect(cli, &sc, spec)))
            return rc;
        spec = NULL;                /* the stack command owns it now */
        o.spec = sc.spec;
        o.client = &sc.client;
    }
    buf_init(&out, 0);
    if (pipeline_backfill(&o, &rep, &err) < 0)
        rc = cli_report(&err);
    else
        rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? backfill_report_json(&rep, &out)
                                                           : backfill_report_text(&rep, &out),
                            &out, 0);
    backfill_report_release(&rep);
    buf_release(&out);
    spec_free(spec);
    stackcmd_close(&sc);
    return rc;
}
