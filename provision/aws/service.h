/* service.h — what pipewright knows about each AWS service it speaks to: how it is named,
 * signed, addressed and which wire protocol it uses. One table, so that no request code
 * is written per service. */
#ifndef PW_SERVICE_H
#define PW_SERVICE_H

enum aws_protocol {
    AWS_PROTO_JSON,       /* POST /, X-Amz-Target, application/x-amz-json-1.x */
    AWS_PROTO_REST_JSON,  /* method + path per operation, JSON bodies */
    AWS_PROTO_QUERY,      /* POST form Action=...&Version=..., XML answers */
    AWS_PROTO_REST_XML,   /* S3 */
};

struct aws_service {
    const char *name;            /* as the AWS CLI names it: "dynamodb", "dynamodbstreams", ... */
    const char *signing_name;    /* SigV4 service name in the credential scope */
    const char *endpoint_prefix; /* host label: "streams.dynamodb", "s3", ... */
    const char *env_id;          /* AWS_ENDPOINT_URL_<env_id> */
    const char *config_key;      /* key in a config-file `services` section */
    enum aws_protocol protocol;
    const char *json_version;    /* JSON protocol: "1.0" or "1.1" */
    const char *target_prefix;   /* JSON protocol: "DynamoDB_20120810" */
    const char *api_version;     /* Query protocol: Version=... */
    int global;                  /* one endpoint for all regions, signed for us-east-1 (IAM) */
};

const struct aws_service *aws_service_find(const char *name);
const struct aws_service *aws_service_at(int i);   /* NULL past the end; for doctor and help */
const char *aws_protocol_name(enum aws_protocol p);

#endif
