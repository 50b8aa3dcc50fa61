/* main.c — the command table and the global options. Each command lives in a file of its
 * own; main only finds it, parses what is global, and maps the result to an exit code. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "provision/spec/suggest.h"

extern char **environ;

struct command {
    const char *name;
    int (*fn)(struct cli *, int, char **);
    const char *summary;
};

/* Sorted by name. */
static const struct command commands[] = {
    {"api", cmd_api, "send one signed request to an AWS service"},
    {"doctor", cmd_doctor, "show region, credentials, account and whether each service answers"},
    {"down", cmd_down, "delete what the stack owns, in reverse order; refuses when data would be lost"},
    {"drift", cmd_drift, "compare the spec with what exists: IN_SYNC, MODIFIED, MISSING, NOT_CHECKED"},
    {"help", cmd_help, "show this help, or a command's"},
    {"init", cmd_init, "write a starter spec, or one of the examples"},
    {"pipeline", cmd_pipeline, "the change-data pipeline: run, backfill, status, reset"},
    {"plan", cmd_plan, "what up would do, per resource and property (+ create, ~ update, ! replace)"},
    {"seed", cmd_seed, "load JSON, JSON Lines, DynamoDB JSON, CSV or generated items into a table"},
    {"up", cmd_up, "create or update everything the spec declares; waits until usable"},
    {"validate", cmd_validate, "check a spec offline; every error with its line and column"},
    {"version", cmd_version, "print the version"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

void cli_print_usage(FILE *out)
{
    fprintf(out,
            "usage: pipewright [global options] <command> [options]\n"
            "\n"
            "commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "global options:\n"
            "  -f, --spec FILE        the spec (default pipewright.yaml)\n"
            "      --region REGION    AWS region (beats AWS_REGION, AWS_DEFAULT_REGION, the profile)\n"
            "      --profile NAME     profile of the shared config and credentials files\n"
            "      --endpoint-url URL send every request to URL (a local emulator)\n"
            "      --cli-connect-timeout S  give up connecting after S seconds (default 10)\n"
            "      --cli-read-timeout S     give up when no byte arrives for S seconds (default 60)\n"
            "      --var KEY=VALUE    set a spec variable (repeatable)\n"
            "      --output text|json result format\n"
            "  -v, -vv, -vvv          more detail on stderr: status, headers, full trace (secrets redacted)\n"
            "  -q                     only errors on stderr\n"
            "      --no-progress      no progress bars\n"
            "  -h, --help             this help; `pipewright <command> -h` for a command's\n"
            "\n"
            "exit codes: 0 ok, 1 failed, 2 changes or drift, 3 invalid spec, 4 credentials, 64 usage\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("pipewright: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    if (cmd)
        fprintf(stderr, "hint: see 'pipewright %s -h'\n", cmd);
    else
        fputs("hint: see 'pipewright -h'\n", stderr);
    return PW_EXIT_USAGE;
}

int cli_report(const struct pw_error *err)
{
    char line[2048];
    pw_error_format(err, line, sizeof line);
    fprintf(stderr, "pipewright: error: %s\n", line);
    return err->exit ? (int)err->exit : PW_EXIT_FAILED;
}

/* --name=value or --name value; sets *value and advances *i. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        cli_usage_error(NULL, "option '%s' needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_global_option(struct cli *cli, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = NULL;
    int r;
    if ((r = option_value(argc, argv, i, "-f", &cli->spec_path)) ||
        (r = option_value(argc, argv, i, "--spec", &cli->spec_path)) ||
        (r = option_value(argc, argv, i, "--region", &cli->region)) ||
        (r = option_value(argc, argv, i, "--profile", &cli->profile)) ||
        (r = option_value(argc, argv, i, "--endpoint-url", &cli->endpoint_url)))
        return r;
    if ((r = option_value(argc, argv, i, "--var", &v))) {
        if (r < 0)
            return r;
        const char *eq = strchr(v, '=');
        if (!eq || eq == v) {
            cli_usage_error(NULL, "--var takes KEY=VALUE, not '%s'", v);
            return -1;
        }
        kvlist_addn(&cli->vars, v, (size_t)(eq - v), eq + 1, strlen(eq + 1));
        return 1;
    }
    if ((r = option_value(argc, argv, i, "--cli-connect-timeout", &v)) ||
        (r = option_value(argc, argv, i, "--cli-read-timeout", &v))) {
        if (r < 0)
            return r;
        char *end;
        double secs = strtod(v, &end);
        if (end == v || *end || secs <= 0 || secs > 86400) {
            cli_usage_error(NULL, "%s takes a number of seconds, not '%s'", a, v);
            return -1;
        }
        *(strcmp(a, "--cli-connect-timeout") == 0 || strncmp(a, "--cli-connect-timeout=", 22) == 0
              ? &cli->connect_timeout_ms : &cli->read_timeout_ms) = (long)(secs * 1000);
        return 1;
    }
    if ((r = option_value(argc, argv, i, "--output", &v))) {
        if (r < 0)
            return r;
        if (strcmp(v, "text") == 0)
            cli->output = CLI_OUTPUT_TEXT;
        else if (strcmp(v, "json") == 0)
            cli->output = CLI_OUTPUT_JSON;
        else {
            cli_usage_error(NULL, "--output takes text or json, not '%s'", v);
            return -1;
        }
        return 1;
    }
    if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1)) {
        cli->verbosity += (int)strlen(a + 1);
        return 1;
    }
    if (strcmp(a, "--verbose") == 0) {
        cli->verbosity++;
        return 1;
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
        cli->quiet = 1;
        return 1;
    }
    if (strcmp(a, "--no-progress") == 0) {
        cli->progress = 0;
        return 1;
    }
    return 0;
}

/* 1 when argv[*i] is one of flags (its value consumed too), 0 when not, -1 when a value
 * option has no value or an on/off option was given one. */
static int take_flag(const struct cli_flag *flags, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    for (const struct cli_flag *f = flags; f && f->name; f++) {
        size_t n = strlen(f->name);
        int exact = strcmp(arg, f->name) == 0 || (f->alias && strcmp(arg, f->alias) == 0);
        int inline_value = strncmp(arg, f->name, n) == 0 && arg[n] == '=';
        if (!exact && !inline_value)
            continue;
        if (!f->value) {
            if (inline_value) {
                cli_usage_error(argv[0], "option '%s' takes no value", f->name);
                return -1;
            }
        } else if (inline_value) {
            *f->value = arg + n + 1;
        } else if (*i + 1 < argc) {
            *f->value = argv[++*i];
        } else {
            cli_usage_error(argv[0], "option '%s' needs a value", f->name);
            return -1;
        }
        if (f->on)
            *f->on = 1;
        return 1;
    }
    return 0;
}

int cli_parse_flags(struct cli *cli, int argc, char **argv, const char *usage,
                    const struct cli_flag *flags)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(usage, stdout);
            return PW_EXIT_OK;
        }
        int r = take_flag(flags, argc, argv, &i);
        if (r < 0)
            return PW_EXIT_USAGE;
        if (r > 0)
            continue;
        r = cli_global_option(cli, argc, argv, &i);
        if (r < 0)
            return PW_EXIT_USAGE;
        if (r == 0)
            return cli_usage_error(argv[0], argv[i][0] == '-' ? "unknown option '%s'" : "unexpected argument '%s'",
                                   argv[i]);
    }
    return -1;
}

int cli_load_aws(struct cli *cli, struct pw_error *err)
{
    if (cli->aws_loaded)
        return 0;
    struct aws_config_options o = {
        .region = cli->region,
        .profile = cli->profile,
        .endpoint_url = cli->endpoint_url,
        .verbosity = cli->verbosity,
        .trace = cli->verbosity ? stderr : NULL,
        .connect_timeout_ms = cli->connect_timeout_ms,
        .read_timeout_ms = cli->read_timeout_ms,
    };
    if (aws_config_load(&cli->aws, &o, cli->envp, err) < 0)
        return -1;
    cli->aws_loaded = 1;
    return 0;
}

static const struct command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int cmd_help(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    if (argc > 1) {
        const struct command *c = find_command(argv[1]);
        if (!c)
            return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
        char *sub[] = {(char *)c->name, "-h", NULL};
        return c->fn(cli, 2, sub);
    }
    cli_print_usage(stdout);
    return PW_EXIT_OK;
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = suggest_closest(name, names, NCOMMANDS);
    fprintf(stderr, "pipewright: unknown command '%s'\n", name);
    if (near)
        fprintf(stderr, "hint: did you mean '%s'? see 'pipewright -h'\n", near);
    else
        fputs("hint: see 'pipewright -h' for the commands\n", stderr);
    return PW_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    struct cli cli = {
        .spec_path = "pipewright.yaml",
        .progress = isatty(STDERR_FILENO),
        .envp = environ,
    };
    kvlist_init(&cli.vars);
    int rc = PW_EXIT_USAGE, i = 1;

    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            cli_print_usage(stdout);
            rc = PW_EXIT_OK;
            goto out;
        }
        if (strcmp(argv[i], "--version") == 0) {
            char *sub[] = {"version", NULL};
            rc = cmd_version(&cli, 1, sub);
            goto out;
        }
        int r = cli_global_option(&cli, argc, argv, &i);
        if (r < 0)
            goto out;
        if (r == 0) {
            rc = cli_usage_error(NULL, "unknown option '%s'", argv[i]);
            goto out;
        }
    }
    if (i >= argc) {
        cli_print_usage(stderr);
        goto out;
    }
    const struct command *c = find_command(argv[i]);
    if (!c) {
        rc = unknown_command(argv[i]);
        goto out;
    }
    rc = c->fn(&cli, argc - i, argv + i);
out:
    if (cli.aws_loaded)
        aws_config_release(&cli.aws);
    kvlist_release(&cli.vars);
    return rc;
}
