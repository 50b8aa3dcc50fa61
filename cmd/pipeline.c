/* pipeline.c — `pipewright pipeline <subcommand>`: finds the subcommand and hands over. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "provision/spec/suggest.h"

struct command {
    const char *name;
    int (*fn)(struct cli *, int, char **);
    const char *summary;
};

/* Sorted by name. */
static const struct command subcommands[] = {
    {"backfill", cmd_pipeline_backfill, "rebuild the lake from the whole table, then set the checkpoints"},
    {"reset", cmd_pipeline_reset, "delete the pipeline's checkpoints (with confirmation)"},
    {"run", cmd_pipeline_run, "apply changes to the lake (offline: --from-file FILE)"},
    {"status", cmd_pipeline_status, "per shard: checkpoint, records and time behind, lease"},
};
#define NSUB (sizeof subcommands / sizeof subcommands[0])

static void usage(FILE *out)
{
    fputs("usage: pipewright pipeline <subcommand> [options]\n\nsubcommands:\n", out);
    for (size_t i = 0; i < NSUB; i++)
        fprintf(out, "  %-8s %s\n", subcommands[i].name, subcommands[i].summary);
    fputs("\n`pipewright pipeline <subcommand> -h` for a subcommand's options.\n", out);
}

int cmd_pipeline(struct cli *cli, int argc, char **argv)
{
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return PW_EXIT_OK;
        }
        int r = cli_global_option(cli, argc, argv, &i);
        if (r < 0)
            return PW_EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("pipeline", "unknown option '%s'", argv[i]);
    }
    if (i >= argc) {
        usage(stderr);
        return PW_EXIT_USAGE;
    }
    for (size_t k = 0; k < NSUB; k++) {
        if (strcmp(subcommands[k].name, argv[i]) != 0)
            continue;
        /* The subcommand sees itself as "pipeline <name>", so its hints name it in full. */
        char name[64];
        snprintf(name, sizeof name, "pipeline %s", subcommands[k].name);
        char *saved = argv[i];
        argv[i] = name;
        int rc = subcommands[k].fn(cli, argc - i, argv + i);
        argv[i] = saved;
        return rc;
    }
    const char *names[NSUB];
    for (size_t k = 0; k < NSUB; k++)
        names[k] = subcommands[k].name;
    const char *near = suggest_closest(argv[i], names, NSUB);
    fprintf(stderr, "pipewright: unknown pipeline subcommand '%s'\n", argv[i]);
    if (near)
        fprintf(stderr, "hint: did you mean '%s'? see 'pipewright pipeline -h'\n", near);
    else
        fputs("hint: see 'pipewright pipeline -h'\n", stderr);
    return PW_EXIT_USAGE;
}
