/* version.c — `pipewright version`: the version and the libraries it was built with. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/opensslv.h>

#include "cmd/cli.h"

int cmd_version(struct cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("usage: pipewright version\n\nprints the version of pipewright and of the libraries it uses");
            return PW_EXIT_OK;
        }
        int r = cli_global_option(cli, argc, argv, &i);
        if (r < 0)
            return PW_EXIT_USAGE;
        if (r == 0)
            return cli_usage_error("version", "unknown option '%s'", argv[i]);
    }
    if (cli->output == CLI_OUTPUT_JSON)
        printf("{\"version\": \"%s\", \"curl\": \"%s\", \"openssl\": \"%s\"}\n", PW_VERSION,
               LIBCURL_VERSION, OPENSSL_VERSION_STR);
    else
        printf("pipewright %s (libcurl %s, OpenSSL %s)\n", PW_VERSION, LIBCURL_VERSION,
               OPENSSL_VERSION_STR);
    return PW_EXIT_OK;
}
