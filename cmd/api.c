/* Placeholder until `api` lands (issue 2, in progress). */
#include "cmd/cli.h"

int cmd_api(struct cli *cli, int argc, char **argv)
{
    (void)cli; (void)argc; (void)argv;
    return cli_usage_error(NULL, "'api' is not built yet");
}
