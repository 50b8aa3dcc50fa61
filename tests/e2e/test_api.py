"""`pipewright api` against moto with signature checking on: every request the binary signs must
be accepted, for all nine services, and its effect is read back with boto3."""

import json
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import pytest
from botocore.exceptions import ClientError

from faultserver import FaultServer, proxy_to
from sigcheck import assert_botocore_agrees
from util import (EXAMPLES, from_dynamodb_json, load_json, ok, one_error_line, out_json,
                  out_xml, to_dynamodb_json, unique, xml_text, xml_texts)

REGION = "eu-west-1"
LOCATION = (f'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f'<LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>')


@contextmanager
def moto_gap(moto, pw_env):
    """For requests moto cannot verify (see sigcheck.py): checking relaxed, the requests pass
    through a recording proxy, and afterwards botocore must compute the same signature for
    every one of them. Yields the environment to run pipewright with."""
    moto.relax_auth()
    try:
        with FaultServer([proxy_to(moto.url)]) as fs:
            yield dict(pw_env, AWS_ENDPOINT_URL=fs.url)
    finally:
        moto.enforce_auth()
    assert_botocore_agrees(fs.requests, pw_env["AWS_SECRET_ACCESS_KEY"],
                           pw_env.get("AWS_SESSION_TOKEN"))


def moto_refuses_bodyless_requests(moto) -> bool:
    """True when moto refuses botocore's own signed body-less request (its known gap)."""
    try:
        moto.client("scheduler").list_schedule_groups()
        return False
    except ClientError as e:
        assert "SignatureDoesNotMatch" in str(e.response), e.response
        return True


def assert_refused_like_botocore(moto, r):
    """Under the gap, pipewright is refused as botocore is; without it, it must succeed."""
    if moto_refuses_bodyless_requests(moto):
        assert r.rc == 4, r.err
        one_error_line(r, "SignatureDoesNotMatch", "HTTP 403")
    else:
        ok(r)


# --- DynamoDB and DynamoDB Streams ------------------------------------------------------------

def create_table(run_pw, name):
    spec = {
        "TableName": name,
        "KeySchema": [{"AttributeName": "userID", "KeyType": "HASH"},
                      {"AttributeName": "campaignID", "KeyType": "RANGE"}],
        "AttributeDefinitions": [{"AttributeName": "userID", "AttributeType": "S"},
                                 {"AttributeName": "campaignID", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
    return out_json(run_pw(["api", "dynamodb", "CreateTable", json.dumps(spec)]))


def test_dynamodb_create_put_get(run_pw, boto, tmp_path):
    table = unique("user_Campaign")
    desc = create_table(run_pw, table)["TableDescription"]
    assert desc["TableName"] == table
    got = boto("dynamodb").describe_table(TableName=table)["Table"]
    assert got["StreamSpecification"] == {"StreamEnabled": True,
                                          "StreamViewType": "NEW_AND_OLD_IMAGES"}

    record = load_json(EXAMPLES / "whitecube/data/user_campaign.json")[0]
    req = tmp_path / "put.json"
    req.write_text(json.dumps({"TableName": table, "Item": to_dynamodb_json(record)},
                              default=str))
    ok(run_pw(["api", "dynamodb", "PutItem", "-d", f"@{req}"]))

    key = {"userID": {"S": record["userID"]}, "campaignID": {"S": record["campaignID"]}}
    item = boto("dynamodb").get_item(TableName=table, Key=key)["Item"]
    assert from_dynamodb_json(item) == record

    out = out_json(run_pw(["api", "dynamodb", "GetItem",
                           json.dumps({"TableName": table, "Key": key})]))
    assert from_dynamodb_json(out["Item"]) == record


def test_dynamodb_default_body_is_empty_object(run_pw, boto):
    table = unique("listed")
    create_table(run_pw, table)
    assert table in out_json(run_pw(["api", "dynamodb", "ListTables"]))["TableNames"]


def test_dynamodb_method_form(run_pw):
    """The general form: the caller sets the target and content type."""
    out = out_json(run_pw(["api", "dynamodb", "POST", "/",
                           "-H", "X-Amz-Target: DynamoDB_20120810.ListTables",
                           "-H", "Content-Type: application/x-amz-json-1.0",
                           "-d", '{"Limit": 5}']))
    assert "TableNames" in out


def test_dynamodb_body_from_stdin(run_pw, boto):
    table = unique("stdin")
    create_table(run_pw, table)
    body = json.dumps({"TableName": table,
                       "Item": {"userID": {"S": "u-1"}, "campaignID": {"S": "c-1"},
                                "note": {"S": "déjà vu ✓"}}})
    ok(run_pw(["api", "dynamodb", "PutItem", "-d", "@-"], input=body))
    item = boto("dynamodb").get_item(
        TableName=table, Key={"userID": {"S": "u-1"}, "campaignID": {"S": "c-1"}})["Item"]
    assert item["note"] == {"S": "déjà vu ✓"}


def test_dynamodbstreams_list_and_describe(run_pw, boto):
    table = unique("streamed")
    arn = create_table(run_pw, table)["TableDescription"]["LatestStreamArn"]
    boto("dynamodb").put_item(TableName=table,
                              Item={"userID": {"S": "u"}, "campaignID": {"S": "c"}})

    streams = out_json(run_pw(["api", "dynamodbstreams", "ListStreams",
                               json.dumps({"TableName": table})]))["Streams"]
    assert [s["StreamArn"] for s in streams] == [arn]

    desc = out_json(run_pw(["api", "dynamodbstreams", "DescribeStream",
                            json.dumps({"StreamArn": arn})]))["StreamDescription"]
    want = boto("dynamodbstreams").describe_stream(StreamArn=arn)["StreamDescription"]
    assert desc["StreamStatus"] == want["StreamStatus"] == "ENABLED"
    assert [s["ShardId"] for s in desc["Shards"]] == [s["ShardId"] for s in want["Shards"]]

    it = out_json(run_pw(["api", "dynamodbstreams", "GetShardIterator", json.dumps({
        "StreamArn": arn, "ShardId": desc["Shards"][0]["ShardId"],
        "ShardIteratorType": "TRIM_HORIZON"})]))["ShardIterator"]
    records = out_json(run_pw(["api", "dynamodbstreams", "GetRecords",
                               json.dumps({"ShardIterator": it})]))["Records"]
    assert [r["eventName"] for r in records] == ["INSERT"]


# --- S3 ---------------------------------------------------------------------------------------

@pytest.fixture
def bucket(run_pw, boto, tmp_path):
    name = unique("pw-curated")
    cfg = tmp_path / "location.xml"
    cfg.write_text(LOCATION)
    ok(run_pw(["api", "s3", "PUT", f"/{name}", "-d", f"@{cfg}"]))
    assert boto("s3").get_bucket_location(Bucket=name)["LocationConstraint"] == REGION
    return name


# Odd keys. DESIGN §8 says moto mis-verifies keys with `+ , :` or non-ASCII; moto 5.2.5 verifies
# them correctly for botocore, so they are held to the same standard here (and if a moto version
# refuses botocore too, the test checks pipewright against botocore instead; see below).
ODD_KEYS = ["dt=2024-01-01/a b.json", "tilde~key.json", "eq=a=b.json", "pct%41%.json",
            "deep/er/path/x.json", "sp  two", "star*'!()", "semi;at@dollar$amp&",
            "a+b.json", "c,d.json", "e:f.json", "ü/naïve ✓.json", "dt=2024-01-01/a b+c.json"]


@pytest.mark.parametrize("key", ODD_KEYS)
def test_s3_put_get_odd_key(run_pw, pw_env, boto, moto, bucket, tmp_path, key):
    body = f"body of {key}\n".encode()   # ends in a newline: the --raw tests pin exactness
    f = tmp_path / "body"
    f.write_bytes(body)
    try:
        boto("s3").put_object(Bucket=bucket, Key=key + ".boto", Body=body)
    except ClientError as e:
        # moto refuses botocore's own request for this key: then pipewright must be refused the
        # same way, and is checked with botocore as the verifier instead of moto.
        assert e.response["Error"]["Code"] == "SignatureDoesNotMatch"
        r = run_pw(["api", "s3", "PUT", f"/{bucket}/{key}", "-d", f"@{f}"])
        assert r.rc == 4, r.err
        one_error_line(r, "SignatureDoesNotMatch")
        with moto_gap(moto, pw_env) as env:
            ok(run_pw(["api", "s3", "PUT", f"/{bucket}/{key}", "-d", f"@{f}"], env=env))
            r = ok(run_pw(["api", "s3", "GET", f"/{bucket}/{key}"], env=env, binary_out=True))
    else:
        ok(run_pw(["api", "s3", "PUT", f"/{bucket}/{key}", "-d", f"@{f}"]))
        r = ok(run_pw(["api", "s3", "GET", f"/{bucket}/{key}"], binary_out=True))
    assert boto("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == body
    assert r.out == body


def test_s3_list_objects_v2(run_pw, boto, bucket):
    for k in ODD_KEYS:
        boto("s3").put_object(Bucket=bucket, Key=k, Body=b"x")
    root = out_xml(run_pw(["api", "s3", "GET", f"/{bucket}",
                           "--query", "list-type=2", "--query", "prefix=dt=2024-01-01/"]))
    assert xml_texts(root, "Key") == sorted(k for k in ODD_KEYS if k.startswith("dt=2024-01-01/"))
    root = out_xml(run_pw(["api", "s3", "GET", f"/{bucket}", "--query", "list-type=2"]))
    assert sorted(xml_texts(root, "Key")) == sorted(ODD_KEYS)
    assert xml_text(root, "KeyCount") == str(len(ODD_KEYS))


def test_s3_body_from_stdin_binary(run_pw, boto, bucket):
    body = bytes(range(256)) * 64
    ok(run_pw(["api", "s3", "PUT", f"/{bucket}/bin/all-bytes", "-d", "@-"], input=body))
    assert boto("s3").get_object(Bucket=bucket, Key="bin/all-bytes")["Body"].read() == body
    # --raw: the body byte for byte, so `pipewright api s3 GET ... --raw > file` is a download.
    r = ok(run_pw(["api", "s3", "GET", f"/{bucket}/bin/all-bytes", "--raw"], binary_out=True))
    assert r.out == body


def test_s3_get_json_object_raw(run_pw, boto, bucket):
    """A JSON object read with --raw is exactly what was stored (no pretty-printing)."""
    body = b'{"userID":"user-002","n":1.50}'
    boto("s3").put_object(Bucket=bucket, Key="rows/r.json", Body=body)
    r = ok(run_pw(["api", "s3", "GET", f"/{bucket}/rows/r.json", "--raw"], binary_out=True))
    assert r.out == body


def test_s3_get_jsonl_object_is_not_truncated(run_pw, boto, bucket):
    """A JSON Lines object is not one JSON document: every line comes out, none is dropped."""
    rows = [{"userID": f"user-{i:03}", "n": i} for i in range(50)]
    body = "".join(json.dumps(r) + "\n" for r in rows).encode()
    boto("s3").put_object(Bucket=bucket, Key="lake/part-0000.jsonl", Body=body)
    r = ok(run_pw(["api", "s3", "GET", f"/{bucket}/lake/part-0000.jsonl"]))
    assert [json.loads(line) for line in r.out.splitlines() if line.strip()] == rows


def test_s3_empty_body(run_pw, boto, bucket):
    ok(run_pw(["api", "s3", "PUT", f"/{bucket}/empty", "-d", ""]))
    assert boto("s3").get_object(Bucket=bucket, Key="empty")["ContentLength"] == 0


def test_s3_head_and_headers(run_pw, boto, bucket):
    boto("s3").put_object(Bucket=bucket, Key="h.json", Body=b'{"a":1}',
                          ContentType="application/json")
    r = ok(run_pw(["-v", "api", "s3", "HEAD", f"/{bucket}/h.json"]))
    assert r.out == ""
    assert "200" in r.err
    assert "content-length: 7" in r.err.lower()


def test_s3_put_with_header(run_pw, boto, bucket):
    ok(run_pw(["api", "s3", "PUT", f"/{bucket}/typed.csv", "-H", "Content-Type: text/csv",
               "-H", "x-amz-meta-origin: pipewright", "-d", "a,b\n1,2\n"]))
    head = boto("s3").head_object(Bucket=bucket, Key="typed.csv")
    assert head["ContentType"] == "text/csv"
    assert head["Metadata"] == {"origin": "pipewright"}


def test_s3_missing_key_is_one_error(run_pw, bucket):
    r = run_pw(["api", "s3", "GET", f"/{bucket}/no/such key"])
    assert r.rc == 1
    one_error_line(r, "NoSuchKey", "HTTP 404")


# --- Glue, EventBridge ------------------------------------------------------------------------

def test_glue_create_and_get_databases(run_pw, boto):
    db = unique("whitecube_dev").replace("-", "_")
    ok(run_pw(["api", "glue", "CreateDatabase",
               json.dumps({"DatabaseInput": {"Name": db, "Description": "lake"}})]))
    assert boto("glue").get_database(Name=db)["Database"]["Description"] == "lake"
    dbs = out_json(run_pw(["api", "glue", "GetDatabases"]))["DatabaseList"]
    assert db in [d["Name"] for d in dbs]


def test_events_put_and_list_rules(run_pw, boto):
    rule = unique("pw-hourly")
    out = out_json(run_pw(["api", "events", "PutRule", json.dumps(
        {"Name": rule, "ScheduleExpression": "rate(1 hour)", "State": "ENABLED"})]))
    assert out["RuleArn"].endswith(f"rule/{rule}")
    assert boto("events").describe_rule(Name=rule)["ScheduleExpression"] == "rate(1 hour)"
    rules = out_json(run_pw(["api", "events", "ListRules",
                             json.dumps({"NamePrefix": rule})]))["Rules"]
    assert [r["Name"] for r in rules] == [rule]


# --- SNS, IAM, STS (Query protocol, XML answers) ----------------------------------------------

def test_sns_create_publish_list(run_pw, boto, moto):
    name = unique("pw-events")
    root = out_xml(run_pw(["api", "sns", "CreateTopic", f"Name={name}"]))
    arn = xml_text(root, "TopicArn")
    assert arn == f"arn:aws:sns:{REGION}:{moto.account_id}:{name}"

    message = "run finished: 2 rows, 1 partition & 0 quarantined = ok; 100% ✓"
    root = out_xml(run_pw(["api", "sns", "Publish", f"TopicArn={arn}", f"Message={message}",
                           "Subject=pipewright run"]))
    assert xml_text(root, "MessageId")
    sent = [n for t in moto.data()["sns"]["Topic"] if t["arn"] == arn
            for n in t["sent_notifications"]]
    assert len(sent) == 1 and message in json.dumps(sent[0], ensure_ascii=False)

    root = out_xml(run_pw(["api", "sns", "ListTopics"]))
    assert arn in xml_texts(root, "TopicArn")
    assert arn in [t["TopicArn"] for t in boto("sns").list_topics()["Topics"]]


def test_iam_create_and_get_role(run_pw, boto):
    role = unique("pw-crawler")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"},
         "Action": "sts:AssumeRole"}]})
    root = out_xml(run_pw(["api", "iam", "CreateRole", f"RoleName={role}", "Path=/pipewright/",
                           f"AssumeRolePolicyDocument={trust}"]))
    assert xml_text(root, "RoleName") == role
    got = boto("iam").get_role(RoleName=role)["Role"]
    assert got["Path"] == "/pipewright/"
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == \
        {"Service": "glue.amazonaws.com"}
    root = out_xml(run_pw(["api", "iam", "GetRole", f"RoleName={role}"]))
    assert xml_text(root, "Arn") == got["Arn"]


def test_sts_get_caller_identity(run_pw, moto):
    root = out_xml(run_pw(["api", "sts", "GetCallerIdentity"]))
    assert xml_text(root, "Account") == moto.account_id
    assert xml_text(root, "Arn") == moto.user_arn


def test_sts_query_in_url(run_pw, pw_env, moto):
    """Query parameters in the URL (the canonical query string). moto refuses every body-less
    non-S3 request, botocore's too (sigcheck.py), so: refused as botocore is with checking on;
    with checking relaxed it answers, and botocore computes the same signature."""
    args = ["api", "sts", "GET", "/", "--query", "Version=2011-06-15",
            "--query", "Action=GetCallerIdentity", "--query", "Empty="]
    assert_refused_like_botocore(moto, run_pw(args))
    with moto_gap(moto, pw_env) as env:
        root = out_xml(run_pw(args, env=env))
    assert xml_text(root, "Account") == moto.account_id


def test_session_token_is_signed(run_pw, pw_env, boto, moto):
    role = unique("pw-assumed")
    boto("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": moto.user_arn}}]}))
    boto("iam").put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    c = boto("sts").assume_role(RoleArn=f"arn:aws:iam::{moto.account_id}:role/{role}",
                                RoleSessionName="e2e")["Credentials"]
    env = dict(pw_env, AWS_ACCESS_KEY_ID=c["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"], AWS_SESSION_TOKEN=c["SessionToken"])
    root = out_xml(run_pw(["api", "sts", "GetCallerIdentity"], env=env))
    assert xml_text(root, "Arn") == f"arn:aws:sts::{moto.account_id}:assumed-role/{role}/e2e"
    out_json(run_pw(["api", "dynamodb", "ListTables"], env=env))
    out_xml(run_pw(["api", "s3", "GET", "/"], env=env))
    # The token is checked, not just carried: a wrong one is refused.
    r = run_pw(["api", "sts", "GetCallerIdentity"],
               env=dict(env, AWS_SESSION_TOKEN=c["SessionToken"][:-4] + "AAAA"))
    assert r.rc == 4, r.err
    one_error_line(r)


# --- Scheduler (REST-JSON) --------------------------------------------------------------------

def schedule_body(moto):
    return json.dumps({
        "ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": {"Arn": f"arn:aws:glue:{REGION}:{moto.account_id}:job/flatten_join",
                   "RoleArn": f"arn:aws:iam::{moto.account_id}:role/pw-scheduler"}})


def test_scheduler_create_schedule(run_pw, boto, moto):
    name = unique("hourly")
    out = out_json(run_pw(["api", "scheduler", "POST", f"/schedules/{name}",
                           "-d", schedule_body(moto)]))
    assert out["ScheduleArn"].endswith(f"schedule/default/{name}")
    # boto3's GetSchedule is itself refused by moto under checking (the GET gap below): relax.
    moto.relax_auth()
    try:
        got = boto("scheduler").get_schedule(Name=name)
    finally:
        moto.enforce_auth()
    assert got["ScheduleExpression"] == "rate(1 hour)"


def test_scheduler_list_get_delete(run_pw, pw_env, boto, moto):
    """DESIGN §8: moto mis-verifies Scheduler GET/DELETE under signature checking (sigcheck.py
    says why). Honestly: with checking on, pipewright is refused exactly as botocore is; relaxed,
    the calls work, and botocore computes the same signature for every request."""
    name = unique("listed")
    ok(run_pw(["api", "scheduler", "POST", f"/schedules/{name}", "-d", schedule_body(moto)]))
    assert_refused_like_botocore(moto, run_pw(["api", "scheduler", "GET", "/schedules"]))

    with moto_gap(moto, pw_env) as env:
        out = out_json(run_pw(["api", "scheduler", "GET", "/schedules",
                               "--query", f"NamePrefix={name}"], env=env))
        assert [s["Name"] for s in out["Schedules"]] == [name]
        got = out_json(run_pw(["api", "scheduler", "GET", f"/schedules/{name}"], env=env))
        assert got["ScheduleExpression"] == "rate(1 hour)"
        ok(run_pw(["api", "scheduler", "DELETE", f"/schedules/{name}"], env=env))
        r = run_pw(["api", "scheduler", "GET", f"/schedules/{name}"], env=env)
        assert r.rc == 1
        one_error_line(r, "ResourceNotFoundException", "HTTP 404")


# --- every signature equals botocore's ---------------------------------------------------------

SIGNED_CALLS = [
    ["api", "dynamodb", "ListTables", '{"Limit": 3}'],
    ["api", "dynamodbstreams", "ListStreams"],
    ["api", "glue", "GetDatabases"],
    ["api", "events", "ListRules"],
    ["api", "sns", "ListTopics"],
    ["api", "iam", "ListRoles", "PathPrefix=/"],
    ["api", "sts", "GetCallerIdentity"],
    ["api", "s3", "GET", "/"],
    ["api", "s3", "PUT", "/pw-sig-equal-botocore"],
    ["api", "s3", "PUT", "/pw-sig-equal-botocore/dt=2024-01-01/a b+c,d:e ü~%.json", "-d", "{}"],
    ["api", "s3", "GET", "/pw-sig-equal-botocore", "--query", "list-type=2",
     "--query", "prefix=dt=2024-01-01/", "--query", "encoding-type=url"],
    ["api", "scheduler", "POST", "/schedules/sig-equal", "-d",
     '{"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"}, '
     '"Target": {"Arn": "arn:aws:sqs:eu-west-1:123456789012:q", '
     '"RoleArn": "arn:aws:iam::123456789012:role/r"}}'],
    ["api", "scheduler", "GET", "/schedules", "--query", "NamePrefix=sig", "--query",
     "MaxResults=5"],
    ["api", "sns", "Publish", "TopicArn=arn:aws:sns:eu-west-1:123456789012:none",
     "Message=a b&c=d+e ✓ ~*'"],
]


@pytest.mark.parametrize("args", SIGNED_CALLS, ids=lambda a: " ".join(a[1:3]))
def test_signature_equals_botocore(run_pw, pw_env, moto, args):
    """Each request as it went over the wire, re-signed by botocore at the same X-Amz-Date,
    has the same signature (whatever moto answers to it)."""
    with moto_gap(moto, pw_env) as env:
        run_pw(args, env=env)


# --- the generic form and the verbosity levels ------------------------------------------------

def test_verbose_shows_status_and_headers(run_pw):
    r = ok(run_pw(["-v", "api", "sts", "GetCallerIdentity"]))
    assert "200" in r.err
    assert "x-amzn-requestid" in r.err.lower()
    assert r.out.lstrip().startswith("<")


def test_pretty_json(run_pw):
    r = ok(run_pw(["api", "dynamodb", "ListTables", '{"Limit": 1}']))
    assert "\n" in r.out.strip(), "JSON answers are pretty-printed"
    json.loads(r.out)


def test_xml_output_parses(run_pw):
    ET.fromstring(ok(run_pw(["api", "sns", "ListTopics"])).out)
