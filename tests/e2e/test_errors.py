"""Failures of `pipewright api`: each gives one clear line and the documented exit code, never a
crash or a hang. Credentials problems against moto; transport and server faults against the
fault server (tests/e2e/faultserver.py), which counts the attempts."""

import json
import re
import time

import pytest

import os

from faultserver import (ERR_500_HTML, ERR_503_HTML, OK_LIST_TABLES, RESET, SLOWDOWN_S3,
                         THROTTLE_DDB, VALIDATION_DDB, FaultServer, hang, proxy_to, respond)
from motoserver import free_port, wrong_secret
from util import ok, one_error_line, out_json

SECRETS_GONE = re.compile(r"Signature=[0-9a-f]{64}")


# --- credentials ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["api", "dynamodb", "ListTables"],
    ["api", "s3", "GET", "/"],
    ["api", "sts", "GetCallerIdentity"],
    ["api", "glue", "GetDatabases"],
])
def test_wrong_secret_exits_4(run_pw, pw_env, args):
    env = dict(pw_env, AWS_SECRET_ACCESS_KEY=wrong_secret(pw_env["AWS_SECRET_ACCESS_KEY"]))
    r = run_pw(args, env=env)
    assert r.rc == 4, r.err
    one_error_line(r, "SignatureDoesNotMatch", "HTTP 403")
    assert r.out == ""


def test_unknown_access_key_exits_4(run_pw, pw_env):
    r = run_pw(["api", "dynamodb", "ListTables"],
               env=dict(pw_env, AWS_ACCESS_KEY_ID="AKIANOSUCHKEY0000000"))
    assert r.rc == 4, r.err
    one_error_line(r, "InvalidClientTokenId", "HTTP 403")


def test_wrong_secret_is_not_retried(run_pw, pw_env, moto):
    env = dict(pw_env, AWS_SECRET_ACCESS_KEY="wrong", AWS_MAX_ATTEMPTS="5")
    with FaultServer([proxy_to(moto.url)]) as fs:
        r = run_pw(["api", "sts", "GetCallerIdentity"], env=dict(env, AWS_ENDPOINT_URL=fs.url))
    assert r.rc == 4
    assert fs.count == 1


def test_missing_credentials_exits_4(run_pw, pw_env):
    env = {k: v for k, v in pw_env.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    t0 = time.monotonic()
    r = run_pw(["api", "dynamodb", "ListTables"], env=env)
    assert r.rc == 4, r.err
    line = one_error_line(r)
    assert "no credentials" in line.lower()
    assert time.monotonic() - t0 < 10


def test_key_without_secret_exits_4(run_pw, pw_env):
    env = {k: v for k, v in pw_env.items() if k != "AWS_SECRET_ACCESS_KEY"}
    r = run_pw(["api", "dynamodb", "ListTables"], env=env)
    assert r.rc == 4, r.err
    one_error_line(r)


# --- transport --------------------------------------------------------------------------------

def test_unreachable_endpoint_is_fast_and_clear(run_pw, offline_env):
    port = free_port()   # nothing listens there
    env = dict(offline_env, AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}")
    t0 = time.monotonic()
    r = run_pw(["api", "dynamodb", "ListTables"], env=env)
    elapsed = time.monotonic() - t0
    assert r.rc == 1, r.err
    line = one_error_line(r)
    assert re.search(r"connect|refused|reach", line, re.I), line
    assert f"127.0.0.1:{port}" in line or str(port) in line, line
    assert elapsed < 15, f"took {elapsed:.1f} s"


def test_connection_reset_then_success(run_pw, offline_env):
    with FaultServer([RESET, OK_LIST_TABLES]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url))
    assert out_json(r) == {"TableNames": ["from-fault-server"]}
    assert fs.count == 2


def test_connection_reset_storm_gives_up(run_pw, offline_env):
    with FaultServer([RESET]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"],
                   env=dict(offline_env, AWS_ENDPOINT_URL=fs.url, AWS_MAX_ATTEMPTS="2"))
    assert r.rc == 1, r.err
    one_error_line(r)
    assert fs.count == 2


def test_hang_times_out(run_pw, offline_env, pipewright):
    """An endpoint that accepts the request and never answers: one clear line, exit 1, no hang
    (--cli-read-timeout, as in the AWS CLI, keeps the test short)."""
    opts, limit = ["--cli-read-timeout", "2"], 2
    with FaultServer([hang(limit + 30)]) as fs:
        t0 = time.monotonic()
        r = run_pw([*opts, "api", "dynamodb", "ListTables"], timeout=limit + 60,
                   env=dict(offline_env, AWS_ENDPOINT_URL=fs.url, AWS_MAX_ATTEMPTS="1"))
        elapsed = time.monotonic() - t0
    assert r.rc == 1, r.err
    line = one_error_line(r)
    assert re.search(r"time[sd]? ?out", line, re.I), line
    assert limit - 1 <= elapsed < limit + 15, f"took {elapsed:.1f} s"
    assert fs.count == 1


# --- server faults ----------------------------------------------------------------------------

def test_html_500_page(run_pw, offline_env):
    with FaultServer([ERR_500_HTML]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url))
    assert r.rc == 1, r.err
    line = one_error_line(r, "dynamodb ListTables", "HTTP 500")
    assert "<html" not in line.lower() and "<!doctype" not in line.lower(), line
    assert fs.count == 3, "a 500 is retried up to the default 3 attempts"


def test_throttling_storm_gives_up_after_max_attempts(run_pw, offline_env):
    env = dict(offline_env, AWS_MAX_ATTEMPTS="4")
    with FaultServer([THROTTLE_DDB]) as fs:
        env["AWS_ENDPOINT_URL"] = fs.url
        r = run_pw(["api", "dynamodb", "ListTables"], env=env)
    assert r.rc == 1, r.err
    line = one_error_line(r)
    # The last error, decoded; pipewright may add how many attempts it made before the status.
    assert line.startswith(
        "pipewright: error: dynamodb ListTables: ProvisionedThroughputExceededException: "
        "The level of configured provisioned throughput for the table was exceeded."), line
    assert line.endswith("(HTTP 400, request id THROTTLE-REQ-1)"), line
    assert fs.count == 4


def test_throttling_storm_default_attempts(run_pw, offline_env):
    with FaultServer([THROTTLE_DDB]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url))
    assert r.rc == 1
    one_error_line(r, "ProvisionedThroughputExceededException")
    assert fs.count == 3


def test_s3_slowdown_storm(run_pw, offline_env):
    env = dict(offline_env, AWS_MAX_ATTEMPTS="2")
    with FaultServer([SLOWDOWN_S3]) as fs:
        env["AWS_ENDPOINT_URL"] = fs.url
        r = run_pw(["api", "s3", "PUT", "/bucket-x/k.json", "-d", "{}"], env=env)
    assert r.rc == 1
    one_error_line(r, "SlowDown", "Please reduce your request rate.", "HTTP 503",
                   "SLOWDOWN-REQ-1")
    assert fs.count == 2


def test_503_then_throttling_then_success(run_pw, offline_env):
    with FaultServer([ERR_503_HTML, THROTTLE_DDB, OK_LIST_TABLES]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url))
    assert out_json(r) == {"TableNames": ["from-fault-server"]}
    assert r.err == ""
    assert fs.count == 3
    # Every attempt is signed afresh and carries the same request.
    assert {x.body for x in fs.requests} == {b"{}"}
    assert all(x.headers.get("authorization", "").startswith("AWS4-HMAC-SHA256 ")
               for x in fs.requests)


def test_faults_then_moto_loses_nothing(run_pw, pw_env, moto, boto):
    """Reset, SlowDown, then the real moto: the S3 PUT lands once with its whole body."""
    name = f"pw-faults-{free_port()}"
    boto("s3").create_bucket(Bucket=name,
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    body = b"0123456789abcdef" * 4096
    with FaultServer([RESET, SLOWDOWN_S3, proxy_to(moto.url)]) as fs:
        r = run_pw(["api", "s3", "PUT", f"/{name}/dt=2024-01-01/part 0.jsonl", "-d", "@-"],
                   env=dict(pw_env, AWS_ENDPOINT_URL=fs.url), input=body)
    ok(r)
    assert fs.count == 3
    assert [len(x.body) for x in fs.requests] == [len(body)] * 3
    assert boto("s3").get_object(Bucket=name, Key="dt=2024-01-01/part 0.jsonl")["Body"].read() == body


def test_validation_error_is_not_retried(run_pw, offline_env):
    env = dict(offline_env, AWS_MAX_ATTEMPTS="5")
    with FaultServer([VALIDATION_DDB]) as fs:
        env["AWS_ENDPOINT_URL"] = fs.url
        r = run_pw(["api", "dynamodb", "DescribeTable", "{}"], env=env)
    assert r.rc == 1
    one_error_line(r, "dynamodb DescribeTable: ValidationException", "HTTP 400",
                   "VALIDATION-REQ-1")
    assert fs.count == 1


def test_resource_not_found_is_not_retried(run_pw, pw_env, moto):
    with FaultServer([proxy_to(moto.url)]) as fs:
        r = run_pw(["api", "dynamodb", "DescribeTable", '{"TableName": "no-such-table"}'],
                   env=dict(pw_env, AWS_ENDPOINT_URL=fs.url, AWS_MAX_ATTEMPTS="5"))
    assert r.rc == 1
    one_error_line(r, "ResourceNotFoundException")
    assert fs.count == 1


def test_retry_after_ms_is_honoured(run_pw, offline_env):
    with FaultServer([respond(503, "", {"x-amz-retry-after": "1500"}), OK_LIST_TABLES]) as fs:
        ok(run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url)))
    gap = fs.requests[1].time - fs.requests[0].time
    assert 1.4 <= gap < 5, f"waited {gap:.2f} s for x-amz-retry-after: 1500"


def test_retry_after_seconds_is_honoured(run_pw, offline_env):
    with FaultServer([respond(503, "", {"Retry-After": "2"}), OK_LIST_TABLES]) as fs:
        ok(run_pw(["api", "dynamodb", "ListTables"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url)))
    gap = fs.requests[1].time - fs.requests[0].time
    assert 1.9 <= gap < 6, f"waited {gap:.2f} s for Retry-After: 2"


def test_max_attempts_one_means_no_retry(run_pw, offline_env):
    with FaultServer([ERR_503_HTML, OK_LIST_TABLES]) as fs:
        r = run_pw(["api", "dynamodb", "ListTables"],
                   env=dict(offline_env, AWS_ENDPOINT_URL=fs.url, AWS_MAX_ATTEMPTS="1"))
    assert r.rc == 1
    one_error_line(r, "HTTP 503")
    assert fs.count == 1


# --- endpoint resolution ----------------------------------------------------------------------

def test_service_endpoint_beats_global(run_pw, offline_env):
    with FaultServer([OK_LIST_TABLES]) as good, FaultServer([ERR_500_HTML]) as bad:
        ok(run_pw(["api", "dynamodb", "ListTables"],
                  env=dict(offline_env, AWS_ENDPOINT_URL=bad.url,
                           AWS_ENDPOINT_URL_DYNAMODB=good.url)))
    assert (good.count, bad.count) == (1, 0)


def test_endpoint_url_option_beats_env(run_pw, offline_env):
    with FaultServer([OK_LIST_TABLES]) as good, FaultServer([ERR_500_HTML]) as bad:
        ok(run_pw(["--endpoint-url", good.url, "api", "dynamodb", "ListTables"],
                  env=dict(offline_env, AWS_ENDPOINT_URL=bad.url,
                           AWS_ENDPOINT_URL_DYNAMODB=bad.url)))
    assert (good.count, bad.count) == (1, 0)


def test_signing_region_and_target(run_pw, offline_env):
    with FaultServer([OK_LIST_TABLES]) as fs:
        ok(run_pw(["--region", "ap-south-1", "api", "dynamodb", "ListTables"],
                  env=dict(offline_env, AWS_ENDPOINT_URL=fs.url)))
    h = fs.requests[0].headers
    assert "/ap-south-1/dynamodb/aws4_request" in h["authorization"]
    assert h["x-amz-target"] == "DynamoDB_20120810.ListTables"
    assert h["content-type"] == "application/x-amz-json-1.0"
    assert h["host"] == f"127.0.0.1:{fs.port}"


def test_query_protocol_body(run_pw, offline_env):
    ok_xml = respond(200, "<PublishResponse><PublishResult><MessageId>m-1</MessageId>"
                          "</PublishResult></PublishResponse>", {"Content-Type": "text/xml"})
    with FaultServer([ok_xml]) as fs:
        ok(run_pw(["api", "sns", "Publish", "TopicArn=arn:aws:sns:eu-west-1:1:t",
                   "Message=a b&c=d+e"], env=dict(offline_env, AWS_ENDPOINT_URL=fs.url)))
    from urllib.parse import parse_qs
    rq = fs.requests[0]
    assert rq.method == "POST"
    assert rq.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(rq.body.decode()) == {"Action": ["Publish"], "Version": ["2010-03-31"],
                                          "TopicArn": ["arn:aws:sns:eu-west-1:1:t"],
                                          "Message": ["a b&c=d+e"]}


# --- usage ------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["api"],
    ["api", "nosuchservice", "GET", "/"],
    ["api", "lambda", "ListFunctions"],
    ["api", "s3"],
    ["api", "s3", "GET"],
    ["api", "dynamodb", "ListTables", "{not json"],
    ["api", "dynamodb", "ListTables", "-d"],
    ["api", "sns", "Publish", "no-equals-sign"],
    ["api", "s3", "GET", "/b", "-H", "no colon"],
    ["api", "s3", "GET", "/b", "--query", "noequals"],
    ["api", "s3", "GET", "/b", "--no-such-option"],
])
def test_usage_errors_exit_64(run_pw, offline_env, args):
    r = run_pw(args, env=offline_env)
    assert r.rc == 64, f"{args}: exit {r.rc}\n{r.err}"
    assert r.err.startswith("pipewright: "), r.err
    assert r.out == ""
    assert len(r.err.strip().split("\n")) <= 2, r.err   # the reason, and at most a hint


def test_missing_data_file(run_pw, offline_env, tmp_path):
    r = run_pw(["api", "s3", "PUT", "/b/k", "-d", f"@{tmp_path}/nope"], env=offline_env)
    assert r.rc in (1, 64), r.err
    assert "nope" in r.err


def test_api_help(run_pw, offline_env):
    r = run_pw(["api", "-h"], env=offline_env)
    assert r.rc == 0
    assert "usage" in r.out.lower() and r.err == ""


# --- secrets never in the trace ---------------------------------------------------------------

def test_vvv_trace_redacts_secrets(run_pw, pw_env, boto, moto):
    """-vvv with a session token: neither the secret, the token nor a signature appear."""
    role = f"pw-trace-{free_port()}"
    boto("iam").create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"AWS": moto.user_arn}}]}))
    boto("iam").put_role_policy(RoleName=role, PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    c = boto("sts").assume_role(RoleArn=f"arn:aws:iam::{moto.account_id}:role/{role}",
                                RoleSessionName="trace")["Credentials"]
    env = dict(pw_env, AWS_ACCESS_KEY_ID=c["AccessKeyId"],
               AWS_SECRET_ACCESS_KEY=c["SecretAccessKey"], AWS_SESSION_TOKEN=c["SessionToken"])
    for args in (["-vvv", "api", "sts", "GetCallerIdentity"],
                 ["-vvv", "api", "dynamodb", "ListTables"],
                 ["-vvv", "api", "s3", "GET", "/"]):
        r = ok(run_pw(args, env=env))
        for s in (c["SecretAccessKey"], c["SessionToken"], pw_env["AWS_SECRET_ACCESS_KEY"]):
            assert s not in r.err and s not in r.out, f"{args}: a secret is in the output"
        assert not SECRETS_GONE.search(r.err), f"{args}: a signature is in the trace"
        assert "REDACTED" in r.err, f"{args}: nothing redacted — is -vvv tracing at all?"
        assert "x-amz-date" in r.err.lower(), f"{args}: no request headers in the trace"


def test_vvv_trace_redacts_secrets_in_bodies(run_pw, boto):
    """A response that carries a new secret (CreateAccessKey): stdout is the answer, but the
    trace on stderr never shows it."""
    user = f"pw-trace-user-{free_port()}"
    boto("iam").create_user(UserName=user)
    r = ok(run_pw(["-vvv", "api", "iam", "CreateAccessKey", f"UserName={user}"]))
    keys = boto("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert len(keys) == 1
    m = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", r.out)
    assert m, "the answer on stdout carries the new secret"
    assert m.group(1) not in r.err


def test_vvv_failed_call_redacts(run_pw, pw_env):
    env = dict(pw_env, AWS_SECRET_ACCESS_KEY=wrong_secret(pw_env["AWS_SECRET_ACCESS_KEY"]))
    r = run_pw(["-vvv", "api", "dynamodb", "ListTables"], env=env)
    assert r.rc == 4
    assert env["AWS_SECRET_ACCESS_KEY"] not in r.err
    assert not SECRETS_GONE.search(r.err)
    assert r.err.rstrip("\n").split("\n")[-1].startswith("pipewright: error: ")
