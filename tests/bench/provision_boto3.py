"""The reference for the provisioning benchmark: the whitecube environment made, read and deleted
by a plain boto3 script, one call after another, the way hand-written provisioning scripts do.

It makes the same resources as `pipewright up -f examples/whitecube/pipewright.yaml` (same names,
same settings, same tags), so the two are timed on the same work: three tables with streams, PITR
and tags; two private encrypted buckets with versioning, lifecycle and tags; a topic with an email
subscription; three IAM roles with inline policies; the job script; the Glue database, crawler,
job and output table; the hourly schedule."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "templates" / "glue" / "flatten_join.py"

ENV = "dev"
STACK = "whitecube"
TAGS = {"team": "data", "product": "campaigns", "pipewright:stack": STACK, "pipewright:env": ENV}
TABLES = [
    ("user_Campaign-dev", [("userID", "HASH"), ("campaignID", "RANGE")], True, True),
    ("campaignInfo-dev", [("campaignID", "HASH")], True, False),
    ("whitecube-checkpoints-dev", [("pipeline", "HASH"), ("shard", "RANGE")], False, False),
]
ROLES = {
    "whitecube-dev-crawler-curated": "glue.amazonaws.com",
    "whitecube-dev-job-flatten_join": "glue.amazonaws.com",
    "whitecube-dev-schedule-hourly": "scheduler.amazonaws.com",
}
DATABASE, CRAWLER, JOB = "whitecube_dev", "whitecube-dev-curated", "whitecube-dev-flatten_join"
SCHEDULE, TOPIC = "whitecube-dev-hourly", "whitecube-dev-events"


def names(account: str) -> tuple[str, str]:
    return f"whitecube-curated-dev-{account}", f"whitecube-artifacts-dev-{account}"


def trust(principal: str, account: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}}}]})


def up(c, account: str, region: str):
    curated, artifacts = names(account)
    tag_list = [{"Key": k, "Value": v} for k, v in TAGS.items()]
    for role, principal in ROLES.items():
        c("iam").create_role(RoleName=role, AssumeRolePolicyDocument=trust(principal, account),
                             Tags=tag_list)
        c("iam").put_role_policy(RoleName=role, PolicyName="pipewright", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": f"arn:aws:s3:::{curated}/*"}]}))
    ddb = c("dynamodb")
    for name, keys, stream, pitr in TABLES:
        args = dict(TableName=name, BillingMode="PAY_PER_REQUEST", Tags=tag_list,
                    KeySchema=[{"AttributeName": a, "KeyType": t} for a, t in keys],
                    AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                                          for a, _ in keys])
        if stream:
            args["StreamSpecification"] = {"StreamEnabled": True,
                                           "StreamViewType": "NEW_AND_OLD_IMAGES"}
        ddb.create_table(**args)
        ddb.get_waiter("table_exists").wait(TableName=name)
        if pitr:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
    s3 = c("s3")
    for bucket in (curated, artifacts):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True})
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_list})
    s3.put_bucket_versioning(Bucket=curated, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(Bucket=curated, LifecycleConfiguration={"Rules": [
        {"ID": "expire-quarantine", "Status": "Enabled",
         "Filter": {"Prefix": "user_campaign_tasks_quarantine/"}, "Expiration": {"Days": 30}},
        {"ID": "expire-all", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": 7}}]})
    s3.put_object(Bucket=artifacts, Key="scripts/flatten_join.py", Body=SCRIPT.read_bytes())
    sns = c("sns")
    arn = sns.create_topic(Name=TOPIC, Tags=tag_list)["TopicArn"]
    sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="data-team@example.com")
    glue = c("glue")
    glue.create_database(DatabaseInput={"Name": DATABASE}, Tags=TAGS)
    glue.create_crawler(Name=CRAWLER, Role=f"arn:aws:iam::{account}:role/whitecube-dev-crawler-curated",
                        DatabaseName=DATABASE, Schedule="cron(15 * * * ? *)", Tags=TAGS,
                        Targets={"S3Targets": [{"Path": f"s3://{curated}/user_campaign_tasks/"}]})
    glue.create_job(Name=JOB, Role=f"arn:aws:iam::{account}:role/whitecube-dev-job-flatten_join",
                    Command={"Name": "glueetl", "PythonVersion": "3",
                             "ScriptLocation": f"s3://{artifacts}/scripts/flatten_join.py"},
                    GlueVersion="4.0", WorkerType="G.1X", NumberOfWorkers=2, Timeout=60,
                    DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"}, Tags=TAGS)
    glue.create_table(DatabaseName=DATABASE, TableInput={
        "Name": "user_campaign_tasks", "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "createdAt_date", "Type": "string"}],
        "StorageDescriptor": {"Columns": [{"Name": "userID", "Type": "string"}],
                              "Location": f"s3://{curated}/user_campaign_tasks/"}})
    c("scheduler").create_schedule(
        Name=SCHEDULE, ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:glue:startJobRun",
                "RoleArn": f"arn:aws:iam::{account}:role/whitecube-dev-schedule-hourly",
                "Input": json.dumps({"JobName": JOB})})


def read(c, account: str, scheduler_client=None):
    """Everything `drift` reads (the same calls; `pipewright -vvv drift` lists them), read one
    call after another."""
    curated, artifacts = names(account)
    c("sts").get_caller_identity()
    ddb = c("dynamodb")
    for name, _, _, _ in TABLES:
        d = ddb.describe_table(TableName=name)["Table"]
        ddb.describe_continuous_backups(TableName=name)
        ddb.describe_time_to_live(TableName=name)
        ddb.list_tags_of_resource(ResourceArn=d["TableArn"])
    s3 = c("s3")
    for bucket in (curated, artifacts):
        s3.get_bucket_versioning(Bucket=bucket)
        s3.get_bucket_encryption(Bucket=bucket)
        s3.get_public_access_block(Bucket=bucket)
        s3.get_bucket_tagging(Bucket=bucket)
        try:
            s3.get_bucket_lifecycle_configuration(Bucket=bucket)
        except s3.exceptions.ClientError as e:   # the artifacts bucket has none
            if e.response["Error"]["Code"] != "NoSuchLifecycleConfiguration":
                raise
    s3.head_object(Bucket=artifacts, Key="scripts/flatten_join.py")
    s3.get_object_tagging(Bucket=artifacts, Key="scripts/flatten_join.py")
    sns = c("sns")
    arn = f"arn:aws:sns:{sns.meta.region_name}:{account}:{TOPIC}"
    sns.get_topic_attributes(TopicArn=arn)
    for sub in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]:
        if sub["SubscriptionArn"].startswith("arn:"):
            sns.get_subscription_attributes(SubscriptionArn=sub["SubscriptionArn"])
    sns.list_tags_for_resource(ResourceArn=arn)
    iam = c("iam")
    for role in ROLES:
        iam.get_role(RoleName=role)
        iam.list_attached_role_policies(RoleName=role)
        for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            iam.get_role_policy(RoleName=role, PolicyName=policy)
    glue = c("glue")
    glue.get_database(Name=DATABASE)
    glue.get_crawler(Name=CRAWLER)
    glue.get_job(JobName=JOB)
    glue.get_table(DatabaseName=DATABASE, Name="user_campaign_tasks")
    for kind, name in (("database", DATABASE), ("crawler", CRAWLER), ("job", JOB)):
        glue.get_tags(ResourceArn=f"arn:aws:glue:{glue.meta.region_name}:{account}:{kind}/{name}")
    sched = scheduler_client or c("scheduler")
    sched.get_schedule(Name=SCHEDULE)
    group = sched.get_schedule_group(Name="default")
    sched.list_tags_for_resource(ResourceArn=group["Arn"])


def down(c, account: str, scheduler_client=None):
    curated, artifacts = names(account)
    (scheduler_client or c("scheduler")).delete_schedule(Name=SCHEDULE)
    glue = c("glue")
    glue.delete_table(DatabaseName=DATABASE, Name="user_campaign_tasks")
    glue.delete_job(JobName=JOB)
    glue.delete_crawler(Name=CRAWLER)
    glue.delete_database(Name=DATABASE)
    s3 = c("s3")
    for bucket in (artifacts, curated):
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            objs = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if objs:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objs})
        s3.delete_bucket(Bucket=bucket)
    sns = c("sns")
    sns.delete_topic(TopicArn=f"arn:aws:sns:{sns.meta.region_name}:{account}:{TOPIC}")
    ddb = c("dynamodb")
    for name, _, _, _ in TABLES:
        ddb.delete_table(TableName=name)
        ddb.get_waiter("table_not_exists").wait(TableName=name)
    iam = c("iam")
    for role in ROLES:
        iam.delete_role_policy(RoleName=role, PolicyName="pipewright")
        iam.delete_role(RoleName=role)
