/* cfgtest.h — shared helpers for the configuration and credential tests: temporary config and
 * credentials files (mkstemp) and a private environment array, so no test reads or changes
 * the real environment or ~/.aws. Header-only: every test binary is built from one file. */
#ifndef PW_CFGTEST_H
#define PW_CFGTEST_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "provision/aws/config.h"

struct cfgtest {
    char config[64];
    char credentials[64];
    char *env[64];
    int nenv;
    struct aws_config cfg;
    struct pw_error err;
    struct aws_config_options opt;
};

/* Writes text to a new temporary file; text NULL leaves path naming a file that does not exist. */
static inline void cfgtest_file(char *path, size_t n, const char *text)
{
    snprintf(path, n, "/tmp/pw-cfgtest-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        abort();
    }
    if (text) {
        size_t len = strlen(text);
        if (write(fd, text, len) != (ssize_t)len)
            abort();
    } else {
        unlink(path);
    }
    close(fd);
}

static inline void cfgtest_env(struct cfgtest *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void cfgtest_env(struct cfgtest *t, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->nenv >= 62)
        abort();
    t->env[t->nenv++] = strdup(line);
    t->env[t->nenv] = NULL;
}

static inline void cfgtest_init(struct cfgtest *t, const char *config, const char *credentials)
{
    memset(t, 0, sizeof *t);
    cfgtest_file(t->config, sizeof t->config, config);
    cfgtest_file(t->credentials, sizeof t->credentials, credentials);
    cfgtest_env(t, "AWS_CONFIG_FILE=%s", t->config);
    cfgtest_env(t, "AWS_SHARED_CREDENTIALS_FILE=%s", t->credentials);
    cfgtest_env(t, "HOME=/nonexistent-pw-home");
}

static inline int cfgtest_load(struct cfgtest *t)
{
    return aws_config_load(&t->cfg, &t->opt, t->env, &t->err);
}

static inline void cfgtest_free(struct cfgtest *t)
{
    aws_config_release(&t->cfg);
    unlink(t->config);
    unlink(t->credentials);
    for (int i = 0; i < t->nenv; i++)
        free(t->env[i]);
    t->nenv = 0;
}

#endif
