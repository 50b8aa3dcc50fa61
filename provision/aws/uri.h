/* uri.h — percent-encoding as SigV4 and S3 define it (RFC 3986 unreserved characters
 * A-Z a-z 0-9 - _ . ~ stay; every other byte becomes %XX with upper-case hex). */
#ifndef PW_URI_H
#define PW_URI_H

#include <stddef.h>

#include "provision/aws/buf.h"

/* Appends s[0..n) encoded; when keep_slash, '/' stays as is (paths). Returns -1 on buffer failure. */
int uri_encode(struct buf *out, const char *s, size_t n, int keep_slash);

/* application/x-www-form-urlencoded as botocore writes Query bodies (Python's urlencode):
 * the same, but a space becomes '+'. Servers that re-encode the body to check a signature
 * (moto) then see the bytes that were signed. */
int uri_encode_form(struct buf *out, const char *s, size_t n);

/* Decodes %XX (and leaves '+' alone: SigV4 never treats it as a space). -1 on a malformed escape. */
int uri_decode(struct buf *out, const char *s, size_t n);

#endif
