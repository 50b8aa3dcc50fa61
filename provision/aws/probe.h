/* probe.h — is each service reachable, and who are we? Used by `pipewright doctor`.
 * Each probe is one cheap read-only request, all sent in parallel. */
#ifndef PW_PROBE_H
#define PW_PROBE_H

#include <stddef.h>

#include "provision/aws/client.h"

enum probe_state {
    PROBE_OK,          /* 2xx */
    PROBE_DENIED,      /* answered and accepted the signature, but the identity may not do this */
    PROBE_REJECTED,    /* credentials or signature refused */
    PROBE_FAILED,      /* no answer, or an error answer */
};

struct aws_probe {
    const struct aws_service *service;
    struct aws_endpoint endpoint;
    enum probe_state state;
    long status;
    long ms;
    struct pw_error err;
};

#define AWS_PROBE_MAX 16

/* Probes every service of the service table; returns how many were probed into out[]. */
size_t aws_probe_all(struct aws_client *c, struct aws_probe *out, size_t max);

struct aws_identity {
    char account[32];
    char arn[512];
    char user_id[256];
};

/* STS GetCallerIdentity. */
int aws_whoami(struct aws_client *c, struct aws_identity *id, struct pw_error *err);

const char *probe_state_name(enum probe_state s);

#endif
