"""The IAM roles a stack generates, end to end: up, plan, drift and down on the real binary
against moto with signature checking on, verified with boto3.

The stack is tests/e2e/provision/iam.yaml: a crawler over a declared prefix and a DynamoDB
table, a job that runs the pipeline at scale (source and join tables, output prefix and Glue
table), and a crawler that runs under an existing role named by ARN. Each generated role must
hold exactly the expected trust policy and inline policy — every resource ARN one of the
stack's own — and nothing else; the named role is never created, changed or deleted.

The binary talks to moto through a counting proxy (countingproxy.py), so "a second up sends
no mutating request" is checked on the wire. The crawlers and jobs themselves are Glue kinds
that may not be provisioned by this build (stackrun.py): expected exit codes follow from
what each report says about them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from motoserver import ACCOUNT_ID  # noqa: E402
from stackrun import (by_address, exit_for, run_json, runner, statements, statuses,  # noqa: E402
                      unsupported)

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "e2e" / "provision" / "iam.yaml"
REGION = "eu-west-1"

CRAWLER_ROLE, JOB_ROLE = "pwiam-e2e-crawler-curated", "pwiam-e2e-job-flatten"
NAMED_ROLE = "ExistingCrawlerRole"
LAKE, ARTIFACTS = f"pwiam-lake-e2e-{ACCOUNT_ID}", f"pwiam-artifacts-e2e-{ACCOUNT_ID}"
DB = "pwiam_e2e"
OUR_TAGS = {"team": "data", "pipewright:stack": "pwiam", "pipewright:env": "e2e"}

GLUE = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group"
CATALOG_READ_WRITE = ["glue:BatchCreatePartition", "glue:BatchGetPartition", "glue:BatchUpdatePartition",
                      "glue:CreatePartition", "glue:CreateTable", "glue:GetDatabase", "glue:GetPartition",
                      "glue:GetPartitions", "glue:GetTable", "glue:UpdatePartition", "glue:UpdateTable"]
LOG_WRITE = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]

TRUST_GLUE = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "GlueInThisAccountOnly", "Effect": "Allow",
        "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
    }],
}

# Sid -> (actions, resources, condition): what each role may do, in full.
CRAWLER_POLICY = {
    "ReadTheCrawledObjects": (["s3:GetObject"], [f"arn:aws:s3:::{LAKE}/rows/*"], None),
    "LocateTheCrawledBuckets": (["s3:GetBucketLocation"], [f"arn:aws:s3:::{LAKE}"], None),
    "ListTheCrawledPrefix": (["s3:ListBucket"], [f"arn:aws:s3:::{LAKE}"],
                             {"StringLike": {"s3:prefix": "rows/*"}}),
    "ReadTheCrawledTables": (["dynamodb:DescribeTable", "dynamodb:Scan"], [f"{TABLE}/Src-e2e"], None),
    "CatalogWhatItFinds": (sorted(CATALOG_READ_WRITE + ["glue:GetTables"]),
                           [f"{GLUE}:catalog", f"{GLUE}:database/{DB}", f"{GLUE}:table/{DB}/*"], None),
    # The spec's schema policy deletes what disappeared: the crawler may delete tables there.
    "DeleteWhatDisappeared": (["glue:BatchDeletePartition", "glue:BatchDeleteTable",
                               "glue:DeletePartition", "glue:DeleteTable"],
                              [f"{GLUE}:catalog", f"{GLUE}:database/{DB}", f"{GLUE}:table/{DB}/*"], None),
    "WriteItsLogs": (LOG_WRITE, [f"{LOGS}:/aws-glue/crawlers", f"{LOGS}:/aws-glue/crawlers:*"], None),
}
JOB_POLICY = {
    "ReadItsScript": (["s3:GetObject"], [f"arn:aws:s3:::{ARTIFACTS}/scripts/flatten.py"], None),
    "ReadTheSourceTables": (["dynamodb:DescribeTable", "dynamodb:Scan"],
                            [f"{TABLE}/Dims-e2e", f"{TABLE}/Src-e2e"], None),
    "ReadTheirStreams": (["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
                         [f"{TABLE}/Dims-e2e/stream/*", f"{TABLE}/Src-e2e/stream/*"], None),
    "WriteTheOutput": (["s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                       [f"arn:aws:s3:::{LAKE}/rows/*", f"arn:aws:s3:::{LAKE}/rows_quarantine/*"], None),
    "ListTheOutputPrefixes": (["s3:ListBucket"], [f"arn:aws:s3:::{LAKE}"],
                              {"StringLike": {"s3:prefix": ["rows/*", "rows_quarantine/*"]}}),
    "RegisterTheOutputTable": (CATALOG_READ_WRITE,
                               [f"{GLUE}:catalog", f"{GLUE}:database/{DB}", f"{GLUE}:table/{DB}/rows"], None),
    "WriteItsLogs": (LOG_WRITE, [f"{LOGS}:/aws-glue/jobs/*"], None),
    # The one "*": CloudWatch has no resource-level permission for PutMetricData.
    "PublishGlueMetrics": (["cloudwatch:PutMetricData"], ["*"],
                           {"StringEquals": {"cloudwatch:namespace": "Glue"}}),
}
EXPECTED = {CRAWLER_ROLE: CRAWLER_POLICY, JOB_ROLE: JOB_POLICY}


pytestmark = pytest.mark.clean_moto   # every test starts from an empty moto


@pytest.fixture
def iam(boto):
    return boto("iam")


@pytest.fixture
def named_role(iam):
    """The role the spec names by ARN: someone else's, with a policy and a tag of its own."""
    iam.create_role(RoleName=NAMED_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST_GLUE),
                    Tags=[{"Key": "owner", "Value": "platform"}])
    iam.put_role_policy(RoleName=NAMED_ROLE, PolicyName="theirs", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                 "Resource": "arn:aws:s3:::someone-elses-bucket/*"}]}))
    return NAMED_ROLE


@pytest.fixture
def pw(run_pw, pw_env, proxy, named_role):
    """pw(*args) -> (rc, stdout, stderr), the binary going through the proxy."""
    return runner(run_pw, dict(pw_env, AWS_ENDPOINT_URL=proxy.url), SPEC)


def up(pw, *extra):
    rc, rep, err = run_json(pw, "up", "--yes", *extra)
    assert rc == exit_for(rep, 0), f"up failed ({rc}):\n{json.dumps(rep, indent=1)}\n{err}"
    return rep


def tags_of(iam, role):
    return {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}


def inline(iam, role, name="pipewright"):
    return iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]


def named_role_untouched(iam):
    role = iam.get_role(RoleName=NAMED_ROLE)["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST_GLUE
    assert iam.list_role_policies(RoleName=NAMED_ROLE)["PolicyNames"] == ["theirs"]
    assert tags_of(iam, NAMED_ROLE) == {"owner": "platform"}


def roles_are_as_declared(iam):
    for name, policy in EXPECTED.items():
        role = iam.get_role(RoleName=name)["Role"]
        assert role["AssumeRolePolicyDocument"] == TRUST_GLUE, name
        assert tags_of(iam, name) == OUR_TAGS, name
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == ["pipewright"], name
        assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [], name
        assert statements(inline(iam, name)) == {sid: (sorted(a), sorted(r), c)
                                                 for sid, (a, r, c) in policy.items()}, name


ROLE_KINDS = {"role"}


# --- up ------------------------------------------------------------------------------------


def test_up_creates_each_role_with_exactly_its_policies(pw, iam):
    rep = up(pw)
    res = by_address(rep)
    assert {a for a, r in res.items() if r["kind"] == "role"} == {f"role.{CRAWLER_ROLE}", f"role.{JOB_ROLE}"}
    assert all(res[f"role.{n}"]["outcome"] == "done" for n in EXPECTED)
    assert sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == sorted([CRAWLER_ROLE, JOB_ROLE, NAMED_ROLE])
    roles_are_as_declared(iam)
    # Every resource of every generated policy is one of the stack's, none broader; the
    # account's Data Catalog is named beside its database because Glue checks both.
    for name in EXPECTED:
        for sid, (_, resources, _) in statements(inline(iam, name)).items():
            for arn in resources:
                if sid == "PublishGlueMetrics":
                    assert arn == "*"
                    continue
                if arn == f"{GLUE}:catalog":
                    continue
                assert any(s in arn for s in (LAKE, ARTIFACTS, "Src-e2e", "Dims-e2e", DB, "/aws-glue/")), arn
                assert not arn.endswith(":*:*") and arn not in ("*", "arn:aws:s3:::*"), arn
    named_role_untouched(iam)


def test_plan_shows_the_documents_before_up_and_changes_nothing(pw, proxy, iam):
    rc, rep, err = run_json(pw, "plan")
    assert rc == 0, err
    res = by_address(rep)
    crawler = {c["property"]: c["new"] for c in res[f"role.{CRAWLER_ROLE}"]["changes"]}
    assert res[f"role.{CRAWLER_ROLE}"]["action"] == "create"
    assert json.loads(crawler["trust_policy"]) == TRUST_GLUE
    assert set(crawler) == {"trust_policy", "policy[pipewright]", "tags[team]", "tags[pipewright:stack]",
                            "tags[pipewright:env]"}
    assert statements(json.loads(crawler["policy[pipewright]"])).keys() == CRAWLER_POLICY.keys()
    assert proxy.mutating() == []
    assert sorted(r["RoleName"] for r in iam.list_roles()["Roles"]) == [NAMED_ROLE]


def test_second_up_sends_no_mutating_request_and_drift_is_clean(pw, proxy):
    up(pw)
    proxy.clear()
    rep = up(pw)
    assert all(r["outcome"] == "nothing" for r in rep["resources"]), rep
    assert proxy.requests, "the proxy saw nothing: the binary did not go through it"
    assert proxy.mutating() == []
    rc, rep, err = run_json(pw, "drift")
    assert rc == exit_for(rep, 0), err
    assert set(statuses(rep, ROLE_KINDS).values()) == {"IN_SYNC"}
    assert all(r["status"] in ("IN_SYNC", "NOT_CHECKED") for r in rep["resources"])
    assert {r["address"] for r in rep["resources"] if r["status"] == "NOT_CHECKED"} == unsupported(rep)
    rc, out, err = pw("plan", "--detailed-exitcode")
    assert f"= role.{CRAWLER_ROLE} ({CRAWLER_ROLE}): no change" in out
    assert f"= role.{JOB_ROLE} ({JOB_ROLE}): no change" in out


# --- drift -----------------------------------------------------------------------------------

BROAD = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}


def edit_policy(iam):
    iam.put_role_policy(RoleName=JOB_ROLE, PolicyName="pipewright", PolicyDocument=json.dumps(BROAD))


def add_inline_policy(iam):
    iam.put_role_policy(RoleName=CRAWLER_ROLE, PolicyName="extra", PolicyDocument=json.dumps(BROAD))


def attach_managed_policy(iam):
    arn = iam.create_policy(PolicyName="broad", PolicyDocument=json.dumps(BROAD))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=JOB_ROLE, PolicyArn=arn)


def widen_trust(iam):
    trust = json.loads(json.dumps(TRUST_GLUE))
    del trust["Statement"][0]["Condition"]
    iam.update_assume_role_policy(RoleName=CRAWLER_ROLE, PolicyDocument=json.dumps(trust))


def change_tag(iam):
    iam.tag_role(RoleName=JOB_ROLE, Tags=[{"Key": "team", "Value": "ops"}])


def delete_role(iam):
    iam.delete_role_policy(RoleName=CRAWLER_ROLE, PolicyName="pipewright")
    iam.delete_role(RoleName=CRAWLER_ROLE)


POLICY_ARN = f"arn:aws:iam::{ACCOUNT_ID}:policy/broad"

# (change, role, property, expected-is-declared, actual, status)
CHANGES = [
    (edit_policy, JOB_ROLE, "policy[pipewright]", True, BROAD, "MODIFIED"),
    (add_inline_policy, CRAWLER_ROLE, "policy[extra]", False, BROAD, "MODIFIED"),
    (attach_managed_policy, JOB_ROLE, f"managed_policy[{POLICY_ARN}]", False, "attached", "MODIFIED"),
    (widen_trust, CRAWLER_ROLE, "trust_policy", True, None, "MODIFIED"),
    (change_tag, JOB_ROLE, "tags[team]", True, "ops", "MODIFIED"),
    (delete_role, CRAWLER_ROLE, None, None, None, "MISSING"),
]


@pytest.mark.parametrize("change,role,prop,declared,actual,status", CHANGES, ids=[c[0].__name__ for c in CHANGES])
def test_out_of_band_change_is_drift_then_repaired(pw, iam, change, role, prop, declared, actual, status):
    up(pw)
    change(iam)
    address = f"role.{role}"

    rc, rep, err = run_json(pw, "drift")
    assert rc == exit_for(rep, 2) and rep["in_sync"] is False, err
    res = by_address(rep)
    assert res[address]["status"] == status
    assert all(s == "IN_SYNC" for a, s in statuses(rep, ROLE_KINDS).items() if a != address)
    if prop:
        [diff] = [d for d in res[address]["differences"] if d["property"] == prop]
        assert len(res[address]["differences"]) == 1, res[address]["differences"]
        assert (diff["expected"] is not None) == declared
        if isinstance(actual, dict):
            assert json.loads(diff["actual"]) == actual
        elif actual is not None:
            assert diff["actual"] == actual
    rc, out, err = pw("drift")
    assert f"{status:<11} {address} ({role})" in out, out
    if prop:
        assert f"    {prop}: expected " in out

    up(pw)
    rc, rep, err = run_json(pw, "drift")
    assert rc == exit_for(rep, 0), err
    assert set(statuses(rep, ROLE_KINDS).values()) == {"IN_SYNC"}
    roles_are_as_declared(iam)
    named_role_untouched(iam)


# --- ownership and down ------------------------------------------------------------------------


def test_foreign_role_with_a_generated_name_is_refused_and_left_alone(pw, iam, proxy):
    iam.create_role(RoleName=JOB_ROLE, AssumeRolePolicyDocument=json.dumps(TRUST_GLUE),
                    Tags=[{"Key": "owner", "Value": "someone"}])
    rc, out, err = pw("plan")
    assert f"? role.{JOB_ROLE} ({JOB_ROLE}): exists without the tag pipewright:stack=pwiam" in out
    rc, out, err = pw("up", "--yes")
    assert rc == 1 and "nothing was changed" in err and f"role.{JOB_ROLE}" in err, out + err
    assert proxy.mutating() == []
    rc, out, err = pw("down", "--yes")
    assert f"role.{JOB_ROLE} ({JOB_ROLE}): left alone" in out, out + err
    assert tags_of(iam, JOB_ROLE) == {"owner": "someone"}
    assert iam.list_role_policies(RoleName=JOB_ROLE)["PolicyNames"] == []


def test_down_deletes_the_generated_roles_never_the_named_one(pw, iam, proxy):
    up(pw)
    attach_managed_policy(iam)   # attached out of band: detached, never deleted, by down
    add_inline_policy(iam)
    proxy.clear()
    rc, rep, err = run_json(pw, "down", "--yes", "--delete-data")
    assert rc == exit_for(rep, 0), err
    states = {r["address"]: r["state"] for r in rep["resources"] if r["kind"] == "role"}
    assert states == {f"role.{CRAWLER_ROLE}": "deleted", f"role.{JOB_ROLE}": "deleted"}
    assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == [NAMED_ROLE]
    assert [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]] == [POLICY_ARN]
    named_role_untouched(iam)
    ops = proxy.mutating()
    assert {"DetachRolePolicy", "DeleteRolePolicy", "DeleteRole"} <= set(ops)
    assert "DeletePolicy" not in ops
