/* spec_init.c — `pipewright init`: write the starter spec or an example. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "provision/aws/buf.h"
#include "provision/spec/spec.h"
#include "provision/spec/suggest.h"

static int unknown_example(const char *example, struct pw_error *err)
{
    const char *const *names = spec_example_names();
    size_t n = 0;
    struct buf list;
    buf_init(&list, 0);
    for (; names[n]; n++)
        buf_appendf(&list, "%s%s", n ? ", " : "", names[n]);
    const char *near = suggest_closest(example, names, n);
    if (near)
        pw_fail(err, PW_EXIT_USAGE, "unknown example '%s'; did you mean '%s'? (examples: %s)",
                example, near, buf_cstr(&list));
    else
        pw_fail(err, PW_EXIT_USAGE, "unknown example '%s' (examples: %s)", example, buf_cstr(&list));
    buf_release(&list);
    return -1;
}

int spec_example_write(const char *example, const char *path, int force, struct pw_error *err)
{
    const char *text = spec_example_text(example);
    int fd = -1, rc = -1;
    if (!text)
        return unknown_example(example, err);
    /* O_EXCL makes "refuse to overwrite" a single step: no window between check and create. */
    fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL), 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            pw_fail(err, PW_EXIT_FAILED, "'%s' already exists; use --force to replace it", path);
        else
            pw_fail(err, PW_EXIT_FAILED, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            pw_fail(err, PW_EXIT_FAILED, "cannot write '%s': %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    if (close(fd) < 0) {
        fd = -1;
        pw_fail(err, PW_EXIT_FAILED, "cannot write '%s': %s", path, strerror(errno));
        goto out;
    }
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}
