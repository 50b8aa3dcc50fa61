/* jsonapi.c — the real transport behind struct jsonapi. */
#include "pipeline/jsonapi.h"

static int client_call(void *ctx, const char *service, const char *operation, const cJSON *input,
                       cJSON **output, struct pw_error *err)
{
    return aws_json_call(ctx, service, operation, input, output, err);
}

struct jsonapi jsonapi_client(struct aws_client *c)
{
    return (struct jsonapi){.call = client_call, .ctx = c};
}
