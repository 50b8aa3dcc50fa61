/* credentials_process.c — credential_process: run the profile's command through /bin/sh -c,
 * read its JSON (Version 1, AccessKeyId, SecretAccessKey, optional SessionToken and
 * Expiration). Its output holds secrets: it is wiped once read and never quoted in an error;
 * only the first line of its stderr is, since that is where such tools explain themselves. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "provision/aws/buf.h"
#include "provision/aws/credsrc.h"

#define STDOUT_MAX ((size_t)1 << 20)
#define STDERR_KEEP 4096

/* NAME=VALUE strings of the configuration's environment snapshot, for execve. */
static char **environment(const struct aws_config *cfg)
{
    char **envp = calloc(cfg->env.len + 1, sizeof *envp);
    for (size_t i = 0; envp && i < cfg->env.len; i++) {
        size_t n = strlen(cfg->env.items[i].name), v = strlen(cfg->env.items[i].value);
        envp[i] = malloc(n + v + 2);
        if (!envp[i]) {
            for (size_t j = 0; j < i; j++)
                free(envp[j]);
            free(envp);
            return NULL;
        }
        memcpy(envp[i], cfg->env.items[i].name, n);
        envp[i][n] = '=';
        memcpy(envp[i] + n + 1, cfg->env.items[i].value, v + 1);
    }
    return envp;
}

static void environment_free(char **envp)
{
    for (size_t i = 0; envp && envp[i]; i++)
        free(envp[i]);
    free(envp);
}

static int cloexec_pipe(int fds[2])
{
    if (pipe(fds) < 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

/* Reads both pipes until the child closes them, so neither can fill up and stall it.
 * stdout past its cap fails the run; stderr past what is kept is drained and dropped. */
static int drain(int out_fd, int err_fd, struct buf *out, struct buf *errb, int *too_big)
{
    struct pollfd p[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    char chunk[4096];
    int open_fds = 2;
    while (open_fds) {
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(p[i].fd, chunk, sizeof chunk);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                p[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0 && buf_append(out, chunk, (size_t)n) < 0)
                *too_big = 1;
            if (i == 1 && errb->len < STDERR_KEEP)
                buf_append(errb, chunk, (size_t)n);
        }
    }
    OPENSSL_cleanse(chunk, sizeof chunk);
    return 0;
}

static void first_line(const struct buf *b, char *line, size_t n)
{
    const char *s = buf_cstr(b);
    while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
        s++;
    size_t len = strcspn(s, "\r\n");
    if (len >= n)
        len = n - 1;
    memcpy(line, s, len);
    line[len] = '\0';
}

int creds_process(const struct aws_config *cfg, const char *profile, const char *command,
                  struct aws_credentials *out, struct pw_error *err)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0, too_big = 0, rc = -1;
    char **envp = NULL;
    char what[320], line[300], source[96];
    struct buf sout, serr;
    cJSON *json = NULL;
    pid_t pid = -1;
    buf_init(&sout, STDOUT_MAX);
    buf_init(&serr, 0);
    snprintf(what, sizeof what, "credential_process of profile '%s'", profile);

    envp = environment(cfg);
    if (!envp) {
        pw_fail(err, PW_EXIT_FAILED, "out of memory");
        goto out;
    }
    if (cloexec_pipe(outp) < 0 || cloexec_pipe(errp) < 0) {
        pw_fail(err, PW_EXIT_FAILED, "%s: cannot create a pipe: %s", what, strerror(errno));
        goto out;
    }
    aws_config_trace(cfg, 2, "running credential_process of profile '%s'", profile);
    pid = fork();
    if (pid < 0) {
        pw_fail(err, PW_EXIT_FAILED, "%s: cannot start it: %s", what, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        /* only async-signal-safe calls between fork and exec: the parent may have threads */
        char *argv[] = {"sh", "-c", (char *)command, NULL};
        if (dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(127);
        signal(SIGPIPE, SIG_DFL);
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    outp[1] = errp[1] = -1;
    int drained = drain(outp[0], errp[0], &sout, &serr, &too_big);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            pw_fail(err, PW_EXIT_FAILED, "%s: waiting for it: %s", what, strerror(errno));
            goto out;
        }
    }
    if (drained < 0) {
        pw_fail(err, PW_EXIT_FAILED, "%s: reading its output: %s", what, strerror(errno));
        goto out;
    }
    if (WIFSIGNALED(status)) {
        pw_fail(err, PW_EXIT_AUTH, "%s was killed by signal %d", what, WTERMSIG(status));
        goto out;
    }
    if (WEXITSTATUS(status) != 0) {
        first_line(&serr, line, sizeof line);
        pw_fail(err, PW_EXIT_AUTH, "%s failed with exit status %d: %s", what, WEXITSTATUS(status),
                line[0] ? line : "(nothing on stderr)");
        goto out;
    }
    if (too_big) {
        pw_fail(err, PW_EXIT_AUTH, "%s printed more than %zu KiB", what, STDOUT_MAX >> 10);
        goto out;
    }
    json = cJSON_ParseWithLength(buf_cstr(&sout), sout.len);
    if (!cJSON_IsObject(json)) {
        pw_fail(err, PW_EXIT_AUTH, "%s did not print a JSON object", what);
        goto out;
    }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(json, "Version");
    if (!cJSON_IsNumber(version) || version->valuedouble != 1) {
        char shown[64] = "missing";
        if (cJSON_IsNumber(version))
            snprintf(shown, sizeof shown, "%g", version->valuedouble);
        else if (version)
            snprintf(shown, sizeof shown, "not a number");
        pw_fail(err, PW_EXIT_AUTH, "%s: Version is %s; only Version 1 is supported", what, shown);
        goto out;
    }
    snprintf(source, sizeof source, "credential_process (profile %s)", profile);
    if (creds_from_json(json, "SessionToken", what, source, out, err) < 0)
        goto out;
    if (creds_check_expiry(out, what, err) < 0) {
        aws_credentials_release(out);
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0)
            close(outp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
    creds_json_free(json);
    if (sout.data)
        OPENSSL_cleanse(sout.data, sout.len);
    buf_release(&sout);
    buf_release(&serr);
    environment_free(envp);
    return rc;
}
