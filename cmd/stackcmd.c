/* stackcmd.c — the set-up shared by the commands that talk to a stack. */
#include "cmd/stackcmd.h"

#include <stdlib.h>
#include <string.h>

int stackcmd_load_spec(struct cli *cli, struct spec **out)
{
    struct diag_list diags;
    struct pw_error err = {0};
    struct buf text;
    int rc = 0;
    diag_list_init(&diags);
    buf_init(&text, 0);
    if (spec_load(cli->spec_path, &cli->vars, out, &diags, &err) < 0) {
        if (!diags.len) {
            rc = cli_report(&err);
        } else {
            diag_list_render(&diags, &text);
            fputs(buf_cstr(&text), stderr);
            fprintf(stderr, "pipewright: %s\n", err.message);
            rc = PW_EXIT_SPEC;
        }
    }
    buf_release(&text);
    diag_list_release(&diags);
    return rc;
}

/* The stack lives in the spec's region: AWS_REGION or a profile's region must not move it
 * somewhere else. An explicit --region that disagrees is a mistake worth stopping for. */
static int pin_region(struct cli *cli, const struct spec *spec, struct pw_error *err)
{
    if (cli->region && strcmp(cli->region, spec->region.v) != 0)
        return pw_fail(err, PW_EXIT_USAGE,
                       "--region %s differs from the spec's region %s: the stack lives in %s",
                       cli->region, spec->region.v, spec->region.v);
    if (cli_load_aws(cli, err) < 0)
        return -1;
    if (!cli->aws.region || strcmp(cli->aws.region, spec->region.v) != 0) {
        char *r = strdup(spec->region.v);
        if (!r)
            return pw_fail(err, PW_EXIT_FAILED, "out of memory");
        if (cli->aws.region)
            aws_config_trace(&cli->aws, 1, "* region %s (%s) replaced by the spec's region %s",
                             cli->aws.region, cli->aws.region_source, r);
        free(cli->aws.region);
        cli->aws.region = r;
        snprintf(cli->aws.region_source, sizeof cli->aws.region_source, "the spec");
    }
    return 0;
}

int stackcmd_open(struct cli *cli, struct stackcmd *sc)
{
    struct pw_error err;
    memset(sc, 0, sizeof *sc);
    int rc = stackcmd_load_spec(cli, &sc->spec);
    if (rc)
        return rc;
    if (pin_region(cli, sc->spec, &err) < 0)
        goto fail;
    if (aws_client_init(&sc->client, &cli->aws, &err) < 0)
        goto fail;
    sc->client_ready = 1;
    if (aws_whoami(&sc->client, &sc->id, &err) < 0) {
        pw_error_prefix(&err, "finding the account (sts GetCallerIdentity)");
        goto fail;
    }
    if (spec_bind_account(sc->spec, sc->id.account, &err) < 0 ||
        stack_init(&sc->stack, sc->spec, sc->id.account, &err) < 0)
        goto fail;
    sc->stack_ready = 1;
    return 0;
fail:
    rc = cli_report(&err);
    stackcmd_close(sc);
    return rc;
}

void stackcmd_close(struct stackcmd *sc)
{
    if (sc->stack_ready)
        stack_release(&sc->stack);
    if (sc->client_ready)
        aws_client_release(&sc->client);
    spec_free(sc->spec);
    memset(sc, 0, sizeof *sc);
}

int stackcmd_print(int render_rc, const struct buf *out, int rc)
{
    if (render_rc < 0) {
        fputs("pipewright: error: out of memory\n", stderr);
        return PW_EXIT_FAILED;
    }
    fputs(buf_cstr(out), stdout);
    if (out->len && out->data[out->len - 1] != '\n')
        fputc('\n', stdout);
    return rc;
}
