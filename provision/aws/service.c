#include "provision/aws/service.h"

#include <string.h>

/* Sorted by name. Versions and prefixes are those of the botocore service models. */
static const struct aws_service services[] = {
    {"dynamodb", "dynamodb", "dynamodb", "DYNAMODB", "dynamodb",
     AWS_PROTO_JSON, "1.0", "DynamoDB_20120810", NULL, 0},
    {"dynamodbstreams", "dynamodb", "streams.dynamodb", "DYNAMODB_STREAMS", "dynamodb_streams",
     AWS_PROTO_JSON, "1.0", "DynamoDBStreams_20120810", NULL, 0},
    {"events", "events", "events", "EVENTBRIDGE", "eventbridge",
     AWS_PROTO_JSON, "1.1", "AWSEvents", NULL, 0},
    {"glue", "glue", "glue", "GLUE", "glue",
     AWS_PROTO_JSON, "1.1", "AWSGlue", NULL, 0},
    {"iam", "iam", "iam", "IAM", "iam",
     AWS_PROTO_QUERY, NULL, NULL, "2010-05-08", 1},
    {"resourcegroupstaggingapi", "tagging", "tagging", "RESOURCE_GROUPS_TAGGING_API",
     "resource_groups_tagging_api", AWS_PROTO_JSON, "1.1", "ResourceGroupsTaggingAPI_20170126", NULL, 0},
    {"s3", "s3", "s3", "S3", "s3",
     AWS_PROTO_REST_XML, NULL, NULL, NULL, 0},
    {"scheduler", "scheduler", "scheduler", "SCHEDULER", "scheduler",
     AWS_PROTO_REST_JSON, NULL, NULL, NULL, 0},
    {"sns", "sns", "sns", "SNS", "sns",
     AWS_PROTO_QUERY, NULL, NULL, "2010-03-31", 0},
    {"sts", "sts", "sts", "STS", "sts",
     AWS_PROTO_QUERY, NULL, NULL, "2011-06-15", 0},
};

const struct aws_service *aws_service_find(const char *name)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, name) == 0)
            return &services[i];
    return NULL;
}

const struct aws_service *aws_service_at(int i)
{
    if (i < 0 || (size_t)i >= sizeof services / sizeof services[0])
        return NULL;
    return &services[i];
}

const char *aws_protocol_name(enum aws_protocol p)
{
    switch (p) {
    case AWS_PROTO_JSON: return "json";
    case AWS_PROTO_REST_JSON: return "rest-json";
    case AWS_PROTO_QUERY: return "query";
    case AWS_PROTO_REST_XML: return "rest-xml";
    }
    return "?";
}
