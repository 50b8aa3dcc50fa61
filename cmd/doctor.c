/* Placeholder until doctor lands (issue 2, in progress). */
#include "cmd/cli.h"

int cmd_doctor(struct cli *cli, int argc, char **argv)
{
    (void)cli; (void)argc; (void)argv;
    return cli_usage_error(NULL, "doctor is not built yet");
}
