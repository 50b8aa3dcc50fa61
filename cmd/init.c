/* init.c — `pipewright init`: write a commented starter spec, or one of the examples. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "provision/spec/spec.h"

static void print_usage(void)
{
    fputs("usage: pipewright init [--example NAME] [--force] [-f FILE]\n"
          "\n"
          "writes a commented starter spec to FILE (default pipewright.yaml), or with --example\n"
          "one of the examples. Refuses to replace an existing file unless --force.\n"
          "\n"
          "examples:", stdout);
    for (const char *const *n = spec_example_names(); *n; n++)
        printf(" %s", *n);
    putchar('\n');
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
    const char *example = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_usage();
            return PW_EXIT_OK;
        }
        if (strcmp(a, "--force") == 0) {
            force = 1;
            continue;
        }
        if (strncmp(a, "--example=", 10) == 0) {
            example = a + 10;
            continue;
        }
        if (strcmp(a, "--example") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("init", "option '--example' needs a value");
            example = argv[++i];
            continue;
        }
        int r = cli_global_option(cli, argc, argv, &i);
        if (r < 0)
            return PW_EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("init", a[0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'", a);
    }
    struct pw_error err = {0};
    if (spec_example_write(example, cli->spec_path, force, &err) < 0) {
        if (err.exit == PW_EXIT_USAGE)
            return cli_usage_error("init", "%s", err.message);
        return cli_report(&err);
    }
    if (!cli->quiet)
        fprintf(stderr, "wrote %s%s%s; check it with 'pipewright validate%s%s'\n", cli->spec_path,
                example ? " from example " : "", example ? example : "",
                strcmp(cli->spec_path, "pipewright.yaml") ? " -f " : "",
                strcmp(cli->spec_path, "pipewright.yaml") ? cli->spec_path : "");
    return PW_EXIT_OK;
}
