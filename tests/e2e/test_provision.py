"""plan, up, drift and down on the real binary, against moto in server mode with signature
checking on, verified with boto3.

The binary talks to moto through a loopback proxy that records every request, so "a second up
sends no mutating request" is checked on the wire. boto3 talks to moto directly (not counted).
The stack is tests/e2e/provision/lake.yaml: two tables, two buckets, a topic.
"""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from countingproxy import CountingProxy  # noqa: E402
from motoserver import ACCOUNT_ID, USER_NAME  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "e2e" / "provision" / "lake.yaml"
REGION = "eu-west-1"   # conftest's, and the spec's

ORDERS, EVENTS = "Orders-e2e", "Events-e2e"
LAKE = f"pwtest-lake-e2e-{ACCOUNT_ID}"
ARTIFACTS = f"pwtest-artifacts-e2e-{ACCOUNT_ID}"
TOPIC = "pwtest-e2e-events"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{TOPIC}"
OUR_TAGS = {"pipewright:stack": "pwtest", "pipewright:env": "e2e"}


pytestmark = pytest.mark.clean_moto   # every test starts from an empty moto


@pytest.fixture(scope="module")
def proxy(moto):
    p = CountingProxy(moto.url)
    try:
        yield p
    finally:
        p.stop()


@pytest.fixture(autouse=True)
def _fresh_count(proxy):
    proxy.clear()


@pytest.fixture
def pw(run_pw, pw_env, proxy):
    """pw(*args, spec=SPEC) -> (rc, stdout, stderr), the binary going through the proxy."""
    env = dict(pw_env, AWS_ENDPOINT_URL=proxy.url)

    def run(*args, spec=SPEC):
        r = run_pw(["-f", str(spec), *args], env=env, timeout=180)
        return r.rc, r.out, r.err
    return run


def up(pw, *extra, spec=SPEC):
    rc, out, err = pw("up", "--yes", *extra, spec=spec)
    assert rc == 0, f"up failed ({rc}):\n{out}\n{err}"
    return out


def tags_of(boto, kind, name):
    if kind == "table":
        d = boto("dynamodb")
        arn = d.describe_table(TableName=name)["Table"]["TableArn"]
        tags = d.list_tags_of_resource(ResourceArn=arn)["Tags"]
    elif kind == "bucket":
        tags = boto("s3").get_bucket_tagging(Bucket=name)["TagSet"]
    else:
        tags = boto("sns").list_tags_for_resource(ResourceArn=name)["Tags"]
    out = {}
    for t in tags:   # later wins, as TagResource overwrites on AWS (moto appends)
        out[t["Key"]] = t["Value"]
    return out


def drift_json(pw, spec=SPEC):
    rc, out, err = pw("drift", "--output", "json", spec=spec)
    return rc, json.loads(out), err


# --- up ------------------------------------------------------------------------------------


def test_up_creates_exactly_what_is_declared(pw, boto):
    out = up(pw)
    assert "created" in out
    d, s3, sns = boto("dynamodb"), boto("s3"), boto("sns")

    assert sorted(d.list_tables()["TableNames"]) == sorted([ORDERS, EVENTS])
    t = d.describe_table(TableName=ORDERS)["Table"]
    assert t["KeySchema"] == [{"AttributeName": "orderid", "KeyType": "HASH"}]
    assert t["AttributeDefinitions"] == [{"AttributeName": "orderid", "AttributeType": "S"}]
    assert t["TableStatus"] == "ACTIVE"
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert t["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert t["LatestStreamArn"]
    assert t["DeletionProtectionEnabled"] is True
    pitr = d.describe_continuous_backups(TableName=ORDERS)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = d.describe_time_to_live(TableName=ORDERS)["TimeToLiveDescription"]
    assert ttl["TimeToLiveStatus"] == "ENABLED" and ttl["AttributeName"] == "expiresAt"
    assert tags_of(boto, "table", ORDERS) == {"team": "data", "tier": "gold", **OUR_TAGS}

    e = d.describe_table(TableName=EVENTS)["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in e["KeySchema"]} == {("userID", "HASH"), ("at", "RANGE")}
    types = {a["AttributeName"]: a["AttributeType"] for a in e["AttributeDefinitions"]}
    assert types == {"userID": "S", "at": "N", "kind": "S"}
    assert e["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert e["ProvisionedThroughput"]["WriteCapacityUnits"] == 5
    assert e["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}
    assert e.get("DeletionProtectionEnabled") is False
    [gsi] = e["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by_kind" and gsi["Projection"]["ProjectionType"] == "KEYS_ONLY"
    pitr = d.describe_continuous_backups(TableName=EVENTS)["ContinuousBackupsDescription"]
    assert pitr["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "DISABLED"
    assert tags_of(boto, "table", EVENTS) == {"team": "data", **OUR_TAGS}

    assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == sorted([LAKE, ARTIFACTS])
    for b in (LAKE, ARTIFACTS):
        assert s3.get_bucket_location(Bucket=b)["LocationConstraint"] == REGION
        enc = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0]
        assert enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        pab = s3.get_public_access_block(Bucket=b)["PublicAccessBlockConfiguration"]
        assert pab == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                       "RestrictPublicBuckets": True}
        assert tags_of(boto, "bucket", b) == {"team": "data", **OUR_TAGS}
    assert s3.get_bucket_versioning(Bucket=LAKE).get("Status") == "Enabled"
    assert "Status" not in s3.get_bucket_versioning(Bucket=ARTIFACTS)
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=LAKE)["Rules"]}
    assert set(rules) == {"expire-tmp/", "expire-all"}
    assert rules["expire-tmp/"]["Filter"]["Prefix"] == "tmp/"
    assert rules["expire-tmp/"]["Expiration"]["Days"] == 7
    assert rules["expire-all"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert all(r["Status"] == "Enabled" for r in rules.values())

    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [TOPIC_ARN]
    subs = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("email", "data-team@example.com")]
    assert tags_of(boto, "topic", TOPIC_ARN) == {"team": "data", **OUR_TAGS}


def test_second_up_sends_no_mutating_request(pw, proxy):
    up(pw)
    proxy.clear()
    out = up(pw)
    assert "no changes" in out
    assert proxy.requests, "the proxy saw nothing: the binary did not go through it"
    assert proxy.mutating() == []
    rc, out, err = pw("plan", "--detailed-exitcode")
    assert rc == 0, out + err
    assert "no changes" in out
    rc, out, err = pw("drift")
    assert rc == 0, out + err
    assert "5 in sync, 0 modified, 0 missing, 0 not checked" in out
    rc, out, err = pw("up", "--yes", "--output", "json")
    assert rc == 0, err
    rep = json.loads(out)
    assert rep["ok"] is True and rep["changes"] is False
    assert {r["outcome"] for r in rep["resources"]} == {"nothing"}
    assert proxy.mutating() == []


def test_plan_before_up_lists_every_property_and_changes_nothing(pw, proxy, boto):
    rc, out, err = pw("plan", "--detailed-exitcode")
    assert rc == 2, out + err
    assert "+ table.orders (Orders-e2e): create" in out
    assert "    stream = new-and-old-images" in out
    assert "plan: 5 to create" in out
    assert proxy.mutating() == []
    assert boto("dynamodb").list_tables()["TableNames"] == []
    rc, out, err = pw("plan", "--output", "json")
    assert rc == 0, err
    plan = json.loads(out)
    assert plan["changes"] is True and plan["complete"] is True
    assert {r["address"]: r["action"] for r in plan["resources"]} == {
        "table.orders": "create", "table.events": "create", "bucket.lake": "create",
        "bucket.artifacts": "create", "topic.events": "create"}
    orders = next(r for r in plan["resources"] if r["address"] == "table.orders")
    assert {"property": "key.hash", "old": None, "new": "orderid:S", "mode": "in-place"} in orders["changes"]


# --- drift ---------------------------------------------------------------------------------


def suspend_versioning(boto):
    boto("s3").put_bucket_versioning(Bucket=LAKE, VersioningConfiguration={"Status": "Suspended"})


def remove_encryption(boto):
    boto("s3").delete_bucket_encryption(Bucket=ARTIFACTS)


def table_to_provisioned(boto):
    boto("dynamodb").update_table(TableName=ORDERS, BillingMode="PROVISIONED",
                                  ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 3})


def change_bucket_tag(boto):
    tags = [{"Key": k, "Value": v} for k, v in tags_of(boto, "bucket", LAKE).items() if k != "team"]
    boto("s3").put_bucket_tagging(Bucket=LAKE, Tagging={"TagSet": tags + [{"Key": "team", "Value": "ops"}]})


def change_table_tag(boto):
    d = boto("dynamodb")
    arn = d.describe_table(TableName=EVENTS)["Table"]["TableArn"]
    d.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "ops"}])


def delete_subscription(boto):
    sns = boto("sns")
    for s in sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]:
        sns.unsubscribe(SubscriptionArn=s["SubscriptionArn"])


def disable_pitr(boto):
    boto("dynamodb").update_continuous_backups(
        TableName=ORDERS, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})


def open_public_access(boto):
    boto("s3").delete_public_access_block(Bucket=LAKE)


def delete_topic(boto):
    boto("sns").delete_topic(TopicArn=TOPIC_ARN)


# (change, address, property, expected, actual, status)
CHANGES = [
    (suspend_versioning, "bucket.lake", "versioning", "true", "false", "MODIFIED"),
    (remove_encryption, "bucket.artifacts", "encryption", "sse-s3", "none", "MODIFIED"),
    (table_to_provisioned, "table.orders", "billing", "on-demand", "provisioned", "MODIFIED"),
    (change_bucket_tag, "bucket.lake", "tags[team]", "data", "ops", "MODIFIED"),
    (change_table_tag, "table.events", "tags[team]", "data", "ops", "MODIFIED"),
    (delete_subscription, "topic.events", "subscription[email:data-team@example.com]", "subscribed",
     None, "MODIFIED"),
    (disable_pitr, "table.orders", "point_in_time_recovery", "true", "false", "MODIFIED"),
    (open_public_access, "bucket.lake", "public_access_block.block_public_acls", "true", "false", "MODIFIED"),
    (delete_topic, "topic.events", None, None, None, "MISSING"),
]


@pytest.mark.parametrize("change,address,prop,expected,actual,status", CHANGES,
                         ids=[c[0].__name__ for c in CHANGES])
def test_out_of_band_change_is_detected_then_repaired(pw, boto, change, address, prop, expected,
                                                      actual, status):
    up(pw)
    change(boto)

    rc, out, err = pw("drift")
    assert rc == 2, out + err
    line = next((ln for ln in out.splitlines() if f" {address} (" in ln), "")
    assert line.startswith(status), out
    if prop:
        shown = f"    {prop}: expected {expected}, actual {actual if actual is not None else '(none)'}"
        assert shown in out, out

    rc, rep, err = drift_json(pw)
    assert rc == 2 and rep["exit"] == 2 and rep["in_sync"] is False
    res = {r["address"]: r for r in rep["resources"]}
    assert res[address]["status"] == status
    if prop:
        assert {"property": prop, "expected": expected, "actual": actual} in res[address]["differences"]
    others = [r for a, r in res.items() if a != address]
    assert all(r["status"] == "IN_SYNC" for r in others), others

    up(pw)
    rc, out, err = pw("drift")
    assert rc == 0, out + err


def test_drift_junit_and_ignore(pw, boto):
    up(pw)
    suspend_versioning(boto)
    rc, out, err = pw("drift", "--output", "junit")
    assert rc == 2, err
    root = ET.fromstring(out)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"table.orders", "table.events", "bucket.lake", "bucket.artifacts", "topic.events"}
    failure = cases["bucket.lake"].find("failure")
    assert failure is not None and "versioning: expected true, actual false" in failure.text
    assert cases["table.orders"].find("failure") is None
    assert root.find("testsuite").get("failures") == "1"

    rc, out, err = pw("drift", "--ignore", "bucket.lake.versioning")
    assert rc == 0, out + err
    assert "1 differences ignored" in out
    rc, out, err = pw("drift", "--ignore", "bucket.nope.versioning")
    assert rc == 64 and "no resource 'bucket.nope'" in err


def test_unreadable_resource_is_not_checked_never_in_sync(pw, moto):
    up(pw)
    # The key stops working: every read fails, and each resource must say so.
    moto.client("iam").delete_user_policy(UserName=USER_NAME, PolicyName="allow-all")
    rc, out, err = pw("drift")
    assert rc in (1, 4), out + err
    assert "IN_SYNC" not in out
    if rc == 1:
        assert out.count("NOT_CHECKED") == 5, out


def test_throttled_read_is_not_checked_and_up_changes_nothing(pw, proxy):
    up(pw)
    proxy.clear()
    proxy.throttle("DescribeTable")
    rc, rep, err = drift_json(pw)
    assert rc == 1 and rep["exit"] == 1 and rep["in_sync"] is False
    status = {r["address"]: r["status"] for r in rep["resources"]}
    assert status == {"table.orders": "NOT_CHECKED", "table.events": "NOT_CHECKED",
                      "bucket.lake": "IN_SYNC", "bucket.artifacts": "IN_SYNC", "topic.events": "IN_SYNC"}
    reasons = [r["reason"] for r in rep["resources"] if r["status"] == "NOT_CHECKED"]
    assert all("ThrottlingException" in r for r in reasons), reasons
    rc, out, err = pw("up", "--yes")
    assert rc == 1 and "could not be read" in err and "table.orders" in err
    assert proxy.mutating() == []


# --- ownership -----------------------------------------------------------------------------


def test_foreign_bucket_is_refused_without_adopt_and_left_by_down(pw, boto, proxy):
    s3 = boto("s3")
    s3.create_bucket(Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_tagging(Bucket=ARTIFACTS, Tagging={"TagSet": [{"Key": "owner", "Value": "someone"}]})
    s3.put_object(Bucket=ARTIFACTS, Key="theirs.txt", Body=b"not ours")

    rc, out, err = pw("plan")
    assert rc == 0, err
    assert f"? bucket.artifacts ({ARTIFACTS}): exists without the tag pipewright:stack=pwtest" in out

    rc, out, err = pw("up", "--yes")
    assert rc == 1, out + err
    assert "nothing was changed" in err and "bucket.artifacts" in err and "--adopt" in err
    rc, out, err = pw("up", "--yes", "--output", "json")
    rep = json.loads(out)
    assert rc == 1 and rep["ok"] is False and "bucket.artifacts" in rep["refused"]
    assert proxy.mutating() == []
    assert boto("dynamodb").list_tables()["TableNames"] == []

    rc, out, err = pw("drift", "--output", "json")
    res = {r["address"]: r for r in json.loads(out)["resources"]}
    assert res["bucket.artifacts"]["status"] == "MODIFIED" and res["bucket.artifacts"]["owned"] is False

    rc, out, err = pw("down", "--yes", "--delete-data")
    assert rc == 0, out + err
    assert f"bucket.artifacts ({ARTIFACTS}): left alone" in out
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=ARTIFACTS)["Contents"]] == ["theirs.txt"]
    assert tags_of(boto, "bucket", ARTIFACTS) == {"owner": "someone"}


def test_adopt_takes_a_foreign_bucket_over(pw, boto):
    s3 = boto("s3")
    s3.create_bucket(Bucket=ARTIFACTS, CreateBucketConfiguration={"LocationConstraint": REGION})
    rc, out, err = pw("plan", "--adopt")
    assert "~ bucket.artifacts" in out and "adopt" in out
    up(pw, "--adopt")
    assert tags_of(boto, "bucket", ARTIFACTS) == {"team": "data", **OUR_TAGS}
    rc, out, err = pw("drift")
    assert rc == 0, out + err


# --- down ----------------------------------------------------------------------------------


def fill(boto, n_objects=1105):
    s3, d = boto("s3"), boto("dynamodb")
    # More than one DeleteObjects batch: versions of many keys, overwrites, and delete markers.
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda i: s3.put_object(Bucket=LAKE, Key=f"data/part-{i:05d}.json", Body=b"{}"),
                    range(n_objects)))
    s3.put_object(Bucket=LAKE, Key="data/part-00000.json", Body=b"{\"v\": 2}")
    s3.delete_object(Bucket=LAKE, Key="data/part-00001.json")
    d.put_item(TableName=EVENTS, Item={"userID": {"S": "u1"}, "at": {"N": "1"}})


def everything_exists(boto):
    assert sorted(boto("dynamodb").list_tables()["TableNames"]) == sorted([ORDERS, EVENTS])
    assert sorted(b["Name"] for b in boto("s3").list_buckets()["Buckets"]) == sorted([LAKE, ARTIFACTS])
    assert [t["TopicArn"] for t in boto("sns").list_topics()["Topics"]] == [TOPIC_ARN]


def test_down_refuses_when_data_would_be_lost_then_deletes_everything_with_delete_data(pw, boto, proxy):
    up(pw)
    fill(boto)
    proxy.clear()

    rc, out, err = pw("down", "--yes")
    assert rc == 1, out + err
    assert "nothing was deleted" in err
    assert "bucket.lake" in err and "table.events" in err   # hold data
    assert "table.orders" in err                           # deletion protection
    assert "bucket.artifacts" not in err
    assert proxy.mutating() == []
    everything_exists(boto)

    rc, out, err = pw("down", "--yes", "--delete-data")
    assert rc == 0, out + err
    assert "5 deleted, 0 failed" in out
    assert boto("dynamodb").list_tables()["TableNames"] == []
    assert boto("s3").list_buckets()["Buckets"] == []
    assert boto("sns").list_topics()["Topics"] == []
    deletes = [op for op in proxy.mutating() if op.startswith("POST /") and op.endswith("?delete=")]
    assert len(deletes) >= 2, proxy.mutating()

    rc, out, err = pw("drift")
    assert rc == 2 and out.count("MISSING") == 5


def test_down_honours_deletion_protection_without_delete_data(pw, boto, proxy):
    up(pw)
    proxy.clear()
    rc, out, err = pw("down", "--yes")
    assert rc == 1, out + err
    assert "deletion protection" in err and "table.orders" in err
    assert "hold data" not in err
    assert proxy.mutating() == []
    everything_exists(boto)


def test_down_needs_yes_off_a_terminal_and_of_nothing_succeeds(pw, proxy):
    rc, out, err = pw("down")
    assert rc == 64 and "--yes" in err
    rc, out, err = pw("down", "--yes")
    assert rc == 0, out + err
    assert "0 deleted, 0 failed" in out and out.count("absent") == 5
    assert proxy.mutating() == []


# --- another region: the orders example ---------------------------------------------------

ORDERS_SPEC = ROOT / "examples" / "orders" / "pipewright.yaml"


def test_orders_example_is_provisioned_whole_in_its_region(pw, boto):
    # The stack lives in the spec's region (us-east-1) whatever AWS_REGION says (eu-west-1).
    rc, out, err = pw("plan", "--region", "eu-west-2", spec=ORDERS_SPEC)
    assert rc == 64 and "differs from the spec's region us-east-1" in err

    rc, out, err = pw("plan", spec=ORDERS_SPEC)
    assert rc == 0, err
    assert "+ database.orders_dev (orders_dev): create Glue database" in out
    assert "+ catalog_table.orders (orders): create Glue catalog table" in out
    assert "+ table.pipeline-checkpoints (orders-dev-checkpoints): create" in out
    assert "not supported yet" not in out

    up(pw, spec=ORDERS_SPEC)
    d, s3, glue = boto("dynamodb", "us-east-1"), boto("s3", "us-east-1"), boto("glue", "us-east-1")
    assert sorted(d.list_tables()["TableNames"]) == ["OrderTable-dev", "orders-dev-checkpoints"]
    cp = d.describe_table(TableName="orders-dev-checkpoints")["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in cp["KeySchema"]} == {("pipeline", "HASH"), ("shard", "RANGE")}
    lake = f"orders-lake-dev-{ACCOUNT_ID}"
    assert s3.get_bucket_location(Bucket=lake)["LocationConstraint"] is None
    t = glue.get_table(DatabaseName="orders_dev", Name="orders")["Table"]
    assert t["StorageDescriptor"]["Location"] == f"s3://{lake}/orders/"
    assert [(c["Name"], c["Type"]) for c in t["StorageDescriptor"]["Columns"]] == [
        ("orderid", "string"), ("product_name", "string"), ("quantity", "bigint"),
        ("price", "decimal(38,18)"), ("createdAt", "timestamp")]
    assert t["PartitionKeys"] == [{"Name": "order_date", "Type": "string"}]
    assert boto("dynamodb").list_tables()["TableNames"] == []   # nothing in eu-west-1
    assert boto("glue").get_databases()["DatabaseList"] == []

    rc, out, err = pw("plan", "--detailed-exitcode", spec=ORDERS_SPEC)
    assert rc == 0, out + err
    rc, rep, err = drift_json(pw, spec=ORDERS_SPEC)
    assert rc == 0 and rep["in_sync"] is True
    assert {r["address"]: r["status"] for r in rep["resources"]} == {
        "table.orders": "IN_SYNC", "table.pipeline-checkpoints": "IN_SYNC", "bucket.lake": "IN_SYNC",
        "database.orders_dev": "IN_SYNC", "catalog_table.orders": "IN_SYNC"}

    rc, out, err = pw("down", "--yes", "--delete-data", spec=ORDERS_SPEC)
    assert rc == 0, out + err
    assert "5 deleted, 0 failed" in out
    assert d.list_tables()["TableNames"] == [] and glue.get_databases()["DatabaseList"] == []


def test_indexes_are_created_rebuilt_and_dropped_in_place(pw, boto, tmp_path):
    up(pw)
    text = SPEC.read_text()
    changed = text.replace("        projection: keys-only\n", "        projection: all\n").replace(
        "    ttl: expiresAt\n",
        "    ttl: expiresAt\n    global_indexes:\n      by_status:\n        key: {hash: status:S}\n")
    assert changed != text
    spec = tmp_path / "lake.yaml"
    spec.write_text(changed)

    rc, out, err = pw("plan", "--detailed-exitcode", spec=spec)
    assert rc == 2, out + err
    assert "~ table.orders (Orders-e2e): update in place" in out
    assert "    index[by_status]: (none) → hash=status:S projection=all" in out
    assert ("    index[by_kind]: hash=kind:S range=at:N projection=keys-only → "
            "hash=kind:S range=at:N projection=all") in out
    rc, out, err = pw("up", "--yes", spec=spec)
    assert rc == 0, out + err
    d = boto("dynamodb")
    [o] = d.describe_table(TableName=ORDERS)["Table"]["GlobalSecondaryIndexes"]
    assert o["IndexName"] == "by_status" and o["Projection"]["ProjectionType"] == "ALL"
    [e] = d.describe_table(TableName=EVENTS)["Table"]["GlobalSecondaryIndexes"]
    assert e["IndexName"] == "by_kind" and e["Projection"]["ProjectionType"] == "ALL"
    rc, out, err = pw("drift", spec=spec)
    assert rc == 0, out + err

    # Back to the original spec: by_status goes, by_kind is rebuilt keys-only.
    up(pw)
    assert "GlobalSecondaryIndexes" not in d.describe_table(TableName=ORDERS)["Table"] or \
        d.describe_table(TableName=ORDERS)["Table"]["GlobalSecondaryIndexes"] == []
    rc, out, err = pw("drift")
    assert rc == 0, out + err


# --- resources the spec no longer declares -------------------------------------------------


def test_resources_left_out_of_the_spec_are_deleted_by_up_unless_they_hold_data(pw, boto, proxy, tmp_path):
    up(pw)
    boto("dynamodb").put_item(TableName=EVENTS, Item={"userID": {"S": "u1"}, "at": {"N": "1"}})
    text = SPEC.read_text()
    # Drop the artifacts bucket (empty) and the topic; rename nothing else.
    smaller = text.replace("  artifacts:\n    name: pwtest-artifacts-${env}-${account}\n", "")
    smaller = smaller[:smaller.index("topics:")]
    spec = tmp_path / "smaller.yaml"
    spec.write_text(smaller)

    rc, out, err = pw("plan", "--detailed-exitcode", spec=spec)
    assert rc == 2, out + err
    assert f"- bucket.{ARTIFACTS} ({ARTIFACTS}): delete S3 bucket" in out
    assert f"- topic.{TOPIC} ({TOPIC}): delete SNS topic" in out
    rc, out, err = pw("plan", "--output", "json", spec=spec)
    plan = json.loads(out)
    assert plan["orphans_checked"] is True
    deletes = {r["address"] for r in plan["resources"] if r["action"] == "delete"}
    assert deletes == {f"bucket.{ARTIFACTS}", f"topic.{TOPIC}"}
    assert all(not r["in_spec"] for r in plan["resources"] if r["action"] == "delete")

    proxy.clear()
    up(pw, spec=spec)
    assert sorted(proxy.mutating()) == sorted([f"DELETE /{ARTIFACTS}", "DeleteTopic"])
    assert [b["Name"] for b in boto("s3").list_buckets()["Buckets"]] == [LAKE]
    assert boto("sns").list_topics()["Topics"] == []
    rc, out, err = pw("plan", "--detailed-exitcode", spec=spec)
    assert rc == 0, out + err

    # A table holding items is never deleted by up: the plan says so, up refuses whole.
    no_events = smaller.replace(smaller[smaller.index("  events:\n"):smaller.index("buckets:")], "")
    spec.write_text(no_events)
    rc, out, err = pw("plan", spec=spec)
    assert f"x table.{EVENTS} ({EVENTS}): cannot apply: the spec no longer declares it, but it holds data" in out
    proxy.clear()
    rc, out, err = pw("up", "--yes", spec=spec)
    assert rc == 1 and "nothing was changed" in err and f"table.{EVENTS}" in err
    assert proxy.mutating() == []
    assert EVENTS in boto("dynamodb").list_tables()["TableNames"]


def test_subscriptions_with_attributes_are_added_changed_and_removed(pw, boto, tmp_path):
    up(pw)
    queue = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:pwtest-events"
    spec = tmp_path / "subs.yaml"
    spec.write_text(SPEC.read_text().replace(
        '    subscriptions: ["email:data-team@example.com"]\n',
        '    subscriptions:\n'
        '      - email:data-team@example.com\n'
        f'      - {{protocol: sqs, endpoint: "{queue}", raw_delivery: true,\n'
        '         filter_policy: {status: [failed], kind: [run]}}\n'))
    up(pw, spec=spec)
    sns = boto("sns")

    def sqs_sub():
        subs = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
        found = [s for s in subs if s["Protocol"] == "sqs"]
        return found[0] if found else None

    attrs = sns.get_subscription_attributes(SubscriptionArn=sqs_sub()["SubscriptionArn"])["Attributes"]
    assert attrs["Endpoint"] == queue and attrs["RawMessageDelivery"] == "true"
    assert json.loads(attrs["FilterPolicy"]) == {"status": ["failed"], "kind": ["run"]}
    rc, out, err = pw("drift", spec=spec)
    assert rc == 0, out + err

    # Out of band: raw delivery off. Drift names it; up sets it back on the same subscription.
    arn = sqs_sub()["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RawMessageDelivery",
                                    AttributeValue="false")
    rc, out, err = pw("drift", spec=spec)
    assert rc == 2 and f"subscription[sqs:{queue}].raw_delivery: expected true, actual (none)" in out
    up(pw, spec=spec)
    assert sqs_sub()["SubscriptionArn"] == arn
    attrs = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"

    # Back to the original spec: the sqs subscription goes, its attributes with it.
    up(pw)
    assert sqs_sub() is None
    rc, out, err = pw("drift")
    assert rc == 0, out + err
