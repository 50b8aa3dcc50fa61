/* validate.c — `pipewright validate`: check a spec offline; every error at once. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "provision/spec/spec.h"

static const char usage[] =
    "usage: pipewright validate [-f FILE] [--var KEY=VALUE]... [--output text|json]\n"
    "\n"
    "checks a spec without talking to AWS: yaml syntax, keys and types, references between\n"
    "resources, AWS naming rules, key types, cron/rate schedules. Prints a summary and exits 0\n"
    "when the spec is valid; prints every error as FILE:LINE:COL: error: ... with the source\n"
    "line and a caret, and exits 3, when it is not.\n";

int cmd_validate(struct cli *cli, int argc, char **argv)
{
    int early = cli_parse_flags(cli, argc, argv, usage, NULL);
    if (early >= 0)
        return early;
    struct diag_list diags;
    struct pw_error err = {0};
    struct spec *spec = NULL;
    struct buf out;
    int rc;
    diag_list_init(&diags);
    buf_init(&out, 0);
    if (spec_load(cli->spec_path, &cli->vars, &spec, &diags, &err) < 0) {
        if (!diags.len) {
            rc = cli_report(&err);
            goto done;
        }
        diag_list_render(&diags, &out);
        fputs(buf_cstr(&out), stderr);
        fprintf(stderr, "pipewright: %s\n", err.message);
        if (cli->output == CLI_OUTPUT_JSON) {
            buf_reset(&out);
            diag_list_render_json(&diags, &out);
            printf("%s\n", buf_cstr(&out));
        }
        rc = PW_EXIT_SPEC;
        goto done;
    }
    if (cli->output == CLI_OUTPUT_JSON ? spec_summary_json(spec, &out) : spec_summary(spec, &out)) {
        fputs("pipewright: error: out of memory\n", stderr);
        rc = PW_EXIT_FAILED;
        goto done;
    }
    printf("%s\n", buf_cstr(&out));
    rc = PW_EXIT_OK;
done:
    spec_free(spec);
    buf_release(&out);
    diag_list_release(&diags);
    return rc;
}
