/* version.c — `pipewright version`: the version and the libraries it was built with. */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/opensslv.h>

#include "cmd/cli.h"

int cmd_version(struct cli *cli, int argc, char **argv)
{
    int early = cli_parse_flags(cli, argc, argv, "usage: pipewright version\n\nprints the version of pipewright and of the libraries it uses\n", NULL);
    if (early >= 0)
        return early;
    if (cli->output == CLI_OUTPUT_JSON)
        printf("{\"version\": \"%s\", \"curl\": \"%s\", \"openssl\": \"%s\"}\n", PW_VERSION,
               LIBCURL_VERSION, OPENSSL_VERSION_STR);
    else
        printf("pipewright %s (libcurl %s, OpenSSL %s)\n", PW_VERSION, LIBCURL_VERSION,
               OPENSSL_VERSION_STR);
    return PW_EXIT_OK;
}
