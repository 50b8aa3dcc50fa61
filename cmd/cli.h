/* cli.h — what every command front-end gets from main: the global options, parsed once,
 * and the AWS configuration, set up in one place when the command's flags ask for it. */
#ifndef PW_CLI_H
#define PW_CLI_H

#include <stdio.h>

#include "provision/aws/config.h"
#include "provision/aws/error.h"
#include "provision/aws/kv.h"

#define PW_VERSION "0.1.0"

enum cli_output { CLI_OUTPUT_TEXT, CLI_OUTPUT_JSON };

struct cli {
    const char *spec_path;       /* -f/--spec, default pipewright.yaml */
    const char *region;          /* --region */
    const char *profile;         /* --profile */
    const char *endpoint_url;    /* --endpoint-url */
    long connect_timeout_ms;     /* --cli-connect-timeout SECONDS */
    long read_timeout_ms;        /* --cli-read-timeout SECONDS */
    struct kvlist vars;          /* --var KEY=VALUE */
    enum cli_output output;      /* --output */
    int verbosity;               /* -v count */
    int quiet;                   /* -q */
    int progress;                /* 0 with --no-progress or when stderr is not a terminal */
    char *const *envp;
    struct aws_config aws;       /* loaded when the command is flagged CMD_AWS */
    int aws_loaded;
};

/* Consumes argv[*i] (and its value) when it is a global option; 1 when consumed, 0 when not
 * a global option, -1 on a malformed one (message printed, exit 64 follows). Commands call it
 * for options they do not know, so global options work before and after the command. */
int cli_global_option(struct cli *cli, int argc, char **argv, int *i);

/* A command's own option: an on/off one (--yes, alias -y, sets *on to 1) or, when value is
 * set, one that takes a value (--table KEY or --table=KEY stores a pointer into argv in *value;
 * given twice, the last wins). */
struct cli_flag {
    const char *name;
    const char *alias;   /* or NULL */
    int *on;             /* on/off options; also set to 1 for value options when not NULL */
    const char **value;  /* value options */
};

/* The whole option parsing of a command (flags ends with {NULL}; NULL for none): -h prints
 * usage to stdout, flags and global options are taken, anything else is a usage error. Returns -1 when the command should run, otherwise the exit
 * code to return at once. */
int cli_parse_flags(struct cli *cli, int argc, char **argv, const char *usage,
                    const struct cli_flag *flags);

/* Prints "pipewright: <msg>" and a hint line to stderr; returns PW_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints the error as one line to stderr and returns its exit code. */
int cli_report(const struct pw_error *err);

/* Loads the AWS configuration from the global options and the environment (once). */
int cli_load_aws(struct cli *cli, struct pw_error *err);

/* Command entry points: argv[0] is the command name. */
int cmd_api(struct cli *cli, int argc, char **argv);
int cmd_doctor(struct cli *cli, int argc, char **argv);
int cmd_down(struct cli *cli, int argc, char **argv);
int cmd_drift(struct cli *cli, int argc, char **argv);
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_pipeline(struct cli *cli, int argc, char **argv);
int cmd_plan(struct cli *cli, int argc, char **argv);
int cmd_seed(struct cli *cli, int argc, char **argv);
int cmd_up(struct cli *cli, int argc, char **argv);
int cmd_validate(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

/* `pipeline` subcommands (cmd/pipeline.c dispatches; argv[0] is "pipeline <name>"). */
int cmd_pipeline_backfill(struct cli *cli, int argc, char **argv);
int cmd_pipeline_reset(struct cli *cli, int argc, char **argv);
int cmd_pipeline_run(struct cli *cli, int argc, char **argv);
int cmd_pipeline_status(struct cli *cli, int argc, char **argv);

void cli_print_usage(FILE *out);

#endif
