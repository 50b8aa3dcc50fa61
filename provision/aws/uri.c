/* uri.c — percent-encoding for SigV4 and S3.
 *
 * Both functions keep buf's all-or-nothing promise: on failure the output is cut back to
 * the length it had on entry, so a caller never signs or sends half an encoded string. */
#include "provision/aws/uri.h"

static int uri_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

static int uri_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Cuts a buffer back to len, keeping its NUL terminator. */
static void uri_truncate(struct buf *out, size_t len)
{
    out->len = len;
    if (out->data)
        out->data[len] = '\0';
}

/* The one encoder behind both forms: form bodies differ only in writing a space as '+'. */
static int encode(struct buf *out, const char *s, size_t n, int keep_slash, int space_plus)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t start = out->len;
    size_t run = 0;   /* bytes s[i-run..i) that pass through unchanged, appended in one go */

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (uri_unreserved(c) || (keep_slash && c == '/')) {
            run++;
            continue;
        }
        char esc[3] = {'%', hex[c >> 4], hex[c & 0x0f]};
        int plus = space_plus && c == ' ';
        if (buf_append(out, s + i - run, run) < 0 || buf_append(out, plus ? "+" : esc, plus ? 1 : sizeof esc) < 0)
            goto fail;
        run = 0;
    }
    if (buf_append(out, s + n - run, run) < 0)
        goto fail;
    return 0;

fail:
    uri_truncate(out, start);
    return -1;
}

int uri_encode(struct buf *out, const char *s, size_t n, int keep_slash)
{
    return encode(out, s, n, keep_slash, 0);
}

int uri_encode_form(struct buf *out, const char *s, size_t n)
{
    return encode(out, s, n, 0, 1);
}

int uri_decode(struct buf *out, const char *s, size_t n)
{
    size_t start = out->len;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < n ? uri_hexval((unsigned char)s[i + 1]) : -1;
            int lo = hi >= 0 ? uri_hexval((unsigned char)s[i + 2]) : -1;
            if (lo < 0)
                goto fail;
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (buf_appendc(out, c) < 0)
            goto fail;
    }
    return 0;

fail:
    uri_truncate(out, start);
    return -1;
}
