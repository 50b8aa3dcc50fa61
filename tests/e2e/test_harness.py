"""The harness proves itself with botocore, an independent client, before it judges pipewright:
moto really checks signatures, and the fault server really does what its script says."""

import json
import time

import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ConnectionClosedError

from faultserver import (ERR_503_HTML, OK_LIST_TABLES, RESET, THROTTLE_DDB, FaultServer,
                         proxy_to, respond)
from motoserver import Credentials


def ddb(url, creds, attempts=3, region="eu-west-1"):
    cfg = botocore.config.Config(retries={"total_max_attempts": attempts, "mode": "standard"},
                                 connect_timeout=2, read_timeout=5)
    return boto3.session.Session().client(
        "dynamodb", endpoint_url=url, region_name=region, config=cfg,
        aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret)


def test_moto_refuses_a_wrong_secret(moto):
    wrong = Credentials(moto.creds.access_key, "not-the-secret")
    with pytest.raises(ClientError) as e:
        ddb(moto.url, wrong, attempts=1).list_tables()
    # moto answers a JSON-protocol service's auth failure in IAM's XML shape (HTTP 403), which
    # botocore cannot decode; pipewright must (tests/e2e/test_api.py).
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in e.value.response["Error"]["Message"]


def test_moto_refuses_an_unknown_key(moto):
    with pytest.raises(ClientError) as e:
        ddb(moto.url, Credentials("AKIANOSUCHKEY0000000", "x"), attempts=1).list_tables()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "<Code>InvalidClientTokenId</Code>" in e.value.response["Error"]["Message"]


def test_moto_accepts_the_provisioned_key(moto):
    assert moto.client("sts").get_caller_identity()["Account"] == moto.account_id
    ddb(moto.url, moto.creds).list_tables()


@pytest.mark.clean_moto
def test_reset_reprovisions_the_key(moto):
    moto.client("sqs").create_queue(QueueName="before-reset")
    old = moto.creds.access_key
    moto.reset()
    assert moto.creds.access_key != old
    assert moto.client("sqs").list_queues().get("QueueUrls", []) == []
    moto.verify_auth()   # still checking after the reset


def test_fault_storm_then_success_seen_by_botocore():
    creds = Credentials("AKIAFAULTSERVER00001", "secret")
    with FaultServer([ERR_503_HTML, THROTTLE_DDB, OK_LIST_TABLES]) as fs:
        assert ddb(fs.url, creds).list_tables()["TableNames"] == ["from-fault-server"]
    assert [r.headers["x-amz-target"] for r in fs.requests] == \
        ["DynamoDB_20120810.ListTables"] * 3


def test_fault_storm_exhausts_botocore_attempts():
    creds = Credentials("AKIAFAULTSERVER00001", "secret")
    with FaultServer([THROTTLE_DDB]) as fs:
        with pytest.raises(ClientError) as e:
            ddb(fs.url, creds, attempts=4).list_tables()
    assert e.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert fs.count == 4


def test_fault_reset_is_a_connection_error():
    creds = Credentials("AKIAFAULTSERVER00001", "secret")
    with FaultServer([RESET]) as fs:
        with pytest.raises((EndpointConnectionError, ConnectionClosedError)):
            ddb(fs.url, creds, attempts=1).list_tables()
    assert fs.count == 1


def test_fault_proxy_keeps_the_signature_valid(moto):
    with FaultServer([RESET, proxy_to(moto.url)]) as fs:
        out = ddb(fs.url, moto.creds).list_tables()
    assert "TableNames" in out
    assert fs.count == 2


def test_fault_retry_after_header_reaches_the_client():
    with FaultServer([respond(503, "", {"x-amz-retry-after": "10"}), OK_LIST_TABLES]) as fs:
        t0 = time.monotonic()
        ddb(fs.url, Credentials("AKIAFAULTSERVER00001", "secret")).list_tables()
        assert time.monotonic() - t0 < 5
    assert fs.requests[0].headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(fs.requests[0].body) == {}
