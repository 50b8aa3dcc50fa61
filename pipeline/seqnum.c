/* seqnum.c — sequence numbers compared as the big decimal numbers they are. */
#include "pipeline/seqnum.h"

#include <string.h>

int seqnum_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    return n > 0 && n <= SEQNUM_DIGITS && strspn(s, "0123456789") == n;
}

static const char *skip_zeros(const char *s)
{
    while (s[0] == '0' && s[1] != '\0')
        s++;
    return s;
}

int seqnum_cmp(const char *a, const char *b)
{
    a = skip_zeros(a);
    b = skip_zeros(b);
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = strcmp(a, b);
    return (c > 0) - (c < 0);
}

int seqnum_order_key(const char *s, char out[SEQNUM_MAX])
{
    out[0] = '\0';
    if (!seqnum_valid(s))
        return -1;
    size_t n = strlen(s);
    memset(out, '0', SEQNUM_DIGITS - n);
    memcpy(out + (SEQNUM_DIGITS - n), s, n + 1);
    return 0;
}
