/* sigv4.h — AWS Signature Version 4, as a straight chain of steps:
 *   canonical request -> string to sign -> signing key -> signature -> Authorization.
 *
 * The signer is given the request in its raw (unencoded) form and returns both what to
 * sign and what to send: the encoded path and query it signed are the ones the caller
 * must put on the wire, so the two can never disagree. Each stage is kept in the output
 * so tests can compare stage by stage with an independent signer (botocore). */
#ifndef PW_SIGV4_H
#define PW_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "provision/aws/buf.h"
#include "provision/aws/error.h"
#include "provision/aws/kv.h"

struct sigv4_credentials {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;   /* NULL or "" when none */
};

struct sigv4_input {
    const char *method;          /* "GET", "POST", ... */
    const char *host;            /* Host header value: "s3.us-east-1.amazonaws.com" or "127.0.0.1:5000" */
    const char *path;            /* unencoded, starts with '/': "/bucket/dt=2024-01-01/a b+c.json" */
    int path_encoded;            /* path is already encoded for the wire (unreserved characters,
                                    '/' and %XX only) and is sent as is */
    const struct kvlist *query;  /* unencoded names and values; repeats and empty values allowed; may be NULL */
    const struct kvlist *headers;/* request headers to sign besides those the signer adds; may be NULL */
    const void *body;
    size_t body_len;
    const char *payload_hash;    /* NULL: SHA-256 of body; or a given value such as "UNSIGNED-PAYLOAD" */
    const char *region;          /* signing region */
    const char *service;         /* signing name */
    int s3;                      /* S3 rules: path encoded once (no double encoding, no dot-segment
                                    normalisation) and an x-amz-content-sha256 header */
    time_t now;                  /* signing time (UTC seconds); tests fix it */
    const struct sigv4_credentials *creds;
};

struct sigv4_output {
    struct kvlist add_headers;   /* to add to the request as is: X-Amz-Date, X-Amz-Security-Token,
                                    X-Amz-Content-SHA256 (S3), Authorization */
    struct buf wire_target;      /* encoded path, then '?' and the canonical query when there is one */
    struct buf canonical_request;
    struct buf string_to_sign;
    char amz_date[17];           /* 20240101T000000Z */
    char payload_hash[65];
    char signature[65];
};

void sigv4_output_init(struct sigv4_output *out);
void sigv4_output_release(struct sigv4_output *out);

int sigv4_sign(const struct sigv4_input *in, struct sigv4_output *out, struct pw_error *err);

/* The SigV4 signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date8), region), service),
 * "aws4_request"), into key[32]; date8 is "YYYYMMDD". Intermediate keys are wiped; the caller
 * wipes key (OPENSSL_cleanse) when done. -1 when libcrypto fails. Exposed for tests. */
int sigv4_signing_key(const char *secret, const char *date8, const char *region,
                      const char *service, unsigned char key[32]);

/* Lower-case hex SHA-256 of data into hex[65]. */
void sigv4_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
