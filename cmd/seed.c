/* seed.c — `pipewright seed`: load data into a table the spec declares (docs/seed.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/stackcmd.h"
#include "pipeline/seed.h"

static const char usage[] =
    "usage: pipewright seed [-f FILE] --table KEY [--from FILE|-] [--format json|jsonl|ddb-json|csv]\n"
    "                       [--generate N [--seed S]] [--mutate N [--seed S]] [--parallel K]\n"
    "                       [--retry-time SECONDS] [--dry-run] [--output text|json]\n"
    "\n"
    "Loads items into the table the spec declares under KEY. The whole input is read and checked\n"
    "first (key attributes and their types, DynamoDB's number, size and nesting rules, a key given\n"
    "twice); one problem and nothing is written. Then BatchWriteItem, 25 items per request,\n"
    "several requests in flight, unprocessed items resent with backoff.\n"
    "\n"
    "  --from FILE      JSON array, JSON Lines, DynamoDB JSON (also an export's {\"Item\": ...}\n"
    "                   lines and the CLI's {\"Items\": [...]}), or CSV with a header row typed by\n"
    "                   the table's seed.columns; '-' reads standard input; .gz is decompressed\n"
    "  --format F       json, jsonl, ddb-json or csv (default: from the extension, then the content)\n"
    "  --generate N     N items from the generator the table declares (seed.generator)\n"
    "  --seed S         the generator's and --mutate's seed (default 1): same seed, same items\n"
    "  --mutate N       then modify and delete N random items (a quarter deleted), for MODIFY\n"
    "                   and REMOVE records in the table's stream\n"
    "  --parallel K     requests in flight (default 8, at most 64)\n"
    "  --retry-time S   give up on a batch that makes no progress for S seconds (default 120)\n"
    "  --dry-run        read and check, send nothing (needs no credentials)\n"
    "exit: 0 done, 1 invalid data or failed writes (how many in the summary), 3 invalid spec,\n"
    "4 credentials, 64 usage.\n";

struct meter_ctx {
    int shown;
};

/* A progress bar on a terminal, rewritten in place. */
static void on_progress(void *ctx, const struct seed_progress *p)
{
    struct meter_ctx *m = ctx;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    double rate = p->elapsed_ms > 0 ? (double)p->done * 1000.0 / (double)p->elapsed_ms : 0.0;
    double part = p->total ? (double)p->done / (double)p->total : 1.0;
    int full = (int)(part * WIDTH);
    for (int i = 0; i < WIDTH; i++)
        bar[i] = i < full ? '#' : '-';
    bar[WIDTH] = '\0';
    fprintf(stderr, "\r  %-9s [%s] %zu/%zu (%3.0f%%)  %.0f items/s   ", p->phase, bar, p->done,
            p->total, 100.0 * part, rate);
    m->shown = 1;
}

/* A whole number in [1, max], or -1. */
static long count_arg(const char *opt, const char *v, long max)
{
    char *end;
    errno = 0;
    long n = v ? strtol(v, &end, 10) : 0;
    if (!v || end == v || *end || errno || n < 1 || n > max) {
        cli_usage_error("seed", "%s takes a whole number from 1 to %ld, not '%s'", opt, max, v ? v : "");
        return -1;
    }
    return n;
}

static int parse(struct cli *cli, int argc, char **argv, struct seed_options *o, int *dry_run)
{
    const char *table = NULL, *from = NULL, *format = NULL, *generate = NULL, *seed = NULL,
               *mutate = NULL, *parallel = NULL, *retry = NULL;
    const struct cli_flag flags[] = {
        {"--table", NULL, NULL, &table},       {"--from", NULL, NULL, &from},
        {"--format", NULL, NULL, &format},     {"--generate", NULL, NULL, &generate},
        {"--seed", NULL, NULL, &seed},         {"--mutate", NULL, NULL, &mutate},
        {"--parallel", NULL, NULL, &parallel}, {"--retry-time", NULL, NULL, &retry},
        {"--dry-run", NULL, dry_run, NULL},    {NULL, NULL, NULL, NULL},
    };
    int early = cli_parse_flags(cli, argc, argv, usage, flags);
    if (early >= 0)
        return early;
    o->table = table;
    o->from = from;
    o->seed = 1;
    if (!table)
        return cli_usage_error("seed", "seed needs --table KEY: the table's key in the spec");
    if (!from && !generate && !mutate)
        return cli_usage_error("seed", "nothing to do: give --from FILE, --generate N or --mutate N");
    if (from && generate)
        return cli_usage_error("seed", "--from and --generate both give the items: choose one");
    if (format && !from)
        return cli_usage_error("seed", "--format describes the --from file; there is none");
    if (format && seed_format_parse(format, &o->format) < 0)
        return cli_usage_error("seed", "--format takes json, jsonl, ddb-json or csv, not '%s'", format);
    if (seed && !generate && !mutate)
        return cli_usage_error("seed", "--seed goes with --generate or --mutate");
    if ((generate && (o->generate = count_arg("--generate", generate, 100000000)) < 0) ||
        (mutate && (o->mutate = count_arg("--mutate", mutate, 100000000)) < 0) ||
        (parallel && (o->parallel = (int)count_arg("--parallel", parallel, SEED_MAX_PARALLEL)) < 0))
        return PW_EXIT_USAGE;
    if (retry) {
        long s = count_arg("--retry-time", retry, 86400);
        if (s < 0)
            return PW_EXIT_USAGE;
        o->retry_ms = s * 1000;
    }
    if (seed) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(seed, &end, 10);
        if (end == seed || *end || errno || seed[0] == '-')
            return cli_usage_error("seed", "--seed takes a whole number from 0 to %llu, not '%s'",
                                   (unsigned long long)UINT64_MAX, seed);
        o->seed = (uint64_t)v;
    }
    return -1;
}

/* The data's problems as validate shows a spec's, then the one-line error. */
static int report_prepare_failure(struct cli *cli, const struct seed_data *d,
                                  const struct seed_options *o, const struct pw_error *err)
{
    struct buf out;
    buf_init(&out, 0);
    if (d->table && cli->output == CLI_OUTPUT_JSON && seed_render_json(d, o, NULL, err, &out) == 0)
        stackcmd_print(0, &out, 0);
    buf_reset(&out);
    if (d->n_problems && diag_list_render(&d->problems, &out) == 0) {
        fputs(buf_cstr(&out), stderr);
        if (d->n_problems > d->problems.len)
            fprintf(stderr, "%s: and %zu more problems, not shown\n", d->source,
                    d->n_problems - d->problems.len);
    }
    buf_release(&out);
    return cli_report(err);
}

int cmd_seed(struct cli *cli, int argc, char **argv)
{
    struct seed_options o = {0};
    struct meter_ctx meter = {0};
    int dry_run = 0;
    int rc = parse(cli, argc, argv, &o, &dry_run);
    if (rc >= 0)
        return rc;
    if (cli->progress && !cli->quiet) {
        o.progress = on_progress;
        o.progress_ctx = &meter;
    }

    struct spec *spec = NULL;
    struct seed_data data;
    struct seed_report rep;
    struct stackcmd sc;
    struct pw_error err;
    struct buf out;
    int connected = 0;
    seed_data_init(&data);
    buf_init(&out, 0);
    memset(&sc, 0, sizeof sc);
    if ((rc = stackcmd_load_spec(cli, &spec)) != 0)
        goto done;
    if (seed_prepare(spec, &o, &data, &err) < 0) {
        rc = report_prepare_failure(cli, &data, &o, &err);
        goto done;
    }
    if (dry_run) {
        rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? seed_render_json(&data, &o, NULL, NULL, &out)
                                                           : seed_render_text(&data, &o, NULL, &out),
                            &out, PW_EXIT_OK);
        goto done;
    }
    /* The spec now belongs to sc, whatever stackcmd_connect returns. */
    rc = stackcmd_connect(cli, &sc, spec);
    spec = NULL;
    if (rc)
        goto done;
    connected = 1;
    int failed = seed_run(&sc.client, &sc.stack, &data, &o, &rep, &err) < 0;
    if (meter.shown)
        fputc('\n', stderr);
    rc = stackcmd_print(cli->output == CLI_OUTPUT_JSON ? seed_render_json(&data, &o, &rep, failed ? &err : NULL, &out)
                                                       : seed_render_text(&data, &o, &rep, &out),
                        &out, PW_EXIT_OK);
    if (failed)
        rc = cli_report(&err);
done:
    if (connected)
        stackcmd_close(&sc);
    spec_free(spec);
    seed_data_release(&data);
    buf_release(&out);
    return rc;
}
