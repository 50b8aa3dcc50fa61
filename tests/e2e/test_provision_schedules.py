"""Schedules and workflows, end to end: EventBridge Scheduler schedules, a Glue scheduled
trigger and the hourly crawler -> job -> crawler chain as a Glue workflow, with the roles the
scheduler assumes; up, plan, drift and down on the real binary, verified with boto3.

The stack is tests/e2e/provision/schedules.yaml.

Why Scheduler talks to a second moto. moto mis-verifies the signature of every body-less
Scheduler request (GET and DELETE: GetSchedule, GetScheduleGroup, ListTagsForResource,
DeleteSchedule, ...): it rebuilds the request with a made-up body before checking, so even
botocore's own correctly signed requests are refused (test_moto_refuses_botocores_own_
scheduler_gets below proves it, and fails the day moto is fixed, so that this workaround can
go). So, for these tests only, the scheduler service alone is pointed at a second moto started
WITHOUT signature checking (AWS_ENDPOINT_URL_SCHEDULER; MotoServer(check_signatures=False)),
and every request the binary sends there is re-signed afterwards with botocore, the
independent signer, through the counting proxy's records (sigcheck.py): a wrong signature
still fails the test. Everything else (IAM, Glue, S3, tagging) stays on the signature-checking
moto.

Both servers are reached through counting proxies, so "a second up sends no mutating request"
is checked on the wire of both. The crawlers and jobs the schedules start are Glue kinds this
build may not provision yet (stackrun.py): moto's Scheduler does not check that a target
exists, nor do its Glue triggers, and expected exit codes follow from what each report says.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))

from countingproxy import CountingProxy  # noqa: E402
from motoserver import ACCOUNT_ID  # noqa: E402
from sigcheck import assert_botocore_agrees  # noqa: E402
from stackrun import (by_address, exit_for, run_json, runner, signed_requests,  # noqa: E402
                      statements, statuses, unsupported)

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "e2e" / "provision" / "schedules.yaml"
REGION = "eu-west-1"

HOURLY, NIGHTLY, NATIVE = "pwsched-e2e-hourly", "pwsched-e2e-nightly_crawl", "pwsched-e2e-native"
WORKFLOW = "pwsched-e2e-refresh"
START, STEP2, STEP3 = f"{WORKFLOW}-start", f"{WORKFLOW}-step-2", f"{WORKFLOW}-step-3"
JOB, RAW, CURATED = "pwsched-e2e-flatten", "pwsched-e2e-raw", "pwsched-e2e-curated"
GLUE = f"arn:aws:glue:{REGION}:{ACCOUNT_ID}"
GROUP = f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule-group"
OUR_TAGS = {"team": "data", "pipewright:stack": "pwsched", "pipewright:env": "e2e"}
KINDS = {"schedule", "workflow", "role"}
ASSUME_REFUSAL = {"__type": "ValidationException",
                  "message": "The execution role you provide must allow AWS EventBridge Scheduler "
                             "to assume the role."}

pytestmark = pytest.mark.clean_moto   # every test starts from an empty moto (both of them)


@pytest.fixture(scope="module")
def sched_proxy(sched_moto):
    with CountingProxy(sched_moto.url) as p:
        yield p


@pytest.fixture(autouse=True)
def _fresh(proxy, sched_proxy, sched_moto, pw_env):
    sched_moto.reset()
    sched_proxy.clear()
    yield
    # Whatever the test did, every Scheduler request the binary sent was signed as botocore
    # signs it (the second moto does not check; this does).
    if sched_proxy.requests:
        assert_botocore_agrees(signed_requests(sched_proxy), pw_env["AWS_SECRET_ACCESS_KEY"])


@pytest.fixture
def pw(run_pw, pw_env, proxy, sched_proxy):
    return runner(run_pw, dict(pw_env, AWS_ENDPOINT_URL=proxy.url, AWS_ENDPOINT_URL_SCHEDULER=sched_proxy.url),
                  SPEC)


@pytest.fixture
def glue(boto):
    return boto("glue")


@pytest.fixture
def sched(sched_moto):
    return sched_moto.client("scheduler")


def up(pw, *extra, spec=SPEC):
    rc, rep, err = run_json(pw, "up", "--yes", *extra, spec=spec)
    assert rc == exit_for(rep, 0), f"up failed ({rc}):\n{json.dumps(rep, indent=1)}\n{err}"
    return rep


def group_tags(sched, name):
    return {t["Key"]: t["Value"] for t in sched.list_tags_for_resource(ResourceArn=f"{GROUP}/{name}")["Tags"]}


def workflow_triggers(glue):
    return {t["Name"]: t for t in glue.get_triggers()["Triggers"] if t.get("WorkflowName") == WORKFLOW}


def in_sync(pw):
    rc, rep, err = run_json(pw, "drift")
    assert rc == exit_for(rep, 0), err
    assert set(statuses(rep, KINDS).values()) == {"IN_SYNC"}, statuses(rep, KINDS)
    assert {r["address"] for r in rep["resources"] if r["status"] == "NOT_CHECKED"} == unsupported(rep)


# --- the gap ---------------------------------------------------------------------------------


def test_moto_refuses_botocores_own_scheduler_gets(moto):
    """The note behind the second moto: boto3, correctly signed, is refused by the
    signature-checking moto on a body-less Scheduler request, while a POST passes."""
    client = moto.client("scheduler")
    client.create_schedule_group(Name="pw-gap-proof")   # POST: verified and accepted
    for call in (lambda: client.get_schedule_group(Name="pw-gap-proof"),
                 lambda: client.list_schedule_groups(),
                 lambda: client.delete_schedule_group(Name="pw-gap-proof")):
        with pytest.raises(ClientError) as e:
            call()
        # moto answers in XML, which boto3's REST-JSON parser leaves in the message.
        assert "SignatureDoesNotMatch" in str(e.value.response["Error"]), (
            "moto now verifies Scheduler GET/DELETE: point the scheduler at the checking moto "
            "and drop the second one")


# --- up --------------------------------------------------------------------------------------


def test_up_creates_schedules_roles_trigger_and_workflow(pw, boto, glue, sched, sched_proxy):
    rep = up(pw)
    res = by_address(rep)
    for a in ("schedule.hourly", "schedule.nightly_crawl", "schedule.native", "workflow.refresh",
              f"role.pwsched-e2e-schedule-hourly", f"role.pwsched-e2e-schedule-nightly_crawl"):
        assert res[a]["outcome"] == "done", res[a]
    # A glue trigger needs no role: none is generated for it.
    assert "role.pwsched-e2e-schedule-native" not in res

    s = sched.get_schedule(Name=HOURLY, GroupName=HOURLY)
    assert s["ScheduleExpression"] == "rate(1 hour)" and s["ScheduleExpressionTimezone"] == "UTC"
    assert s["State"] == "ENABLED" and s["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert s["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:glue:startJobRun"
    assert json.loads(s["Target"]["Input"]) == {"JobName": JOB}
    assert s["Target"]["RoleArn"] == f"arn:aws:iam::{ACCOUNT_ID}:role/pwsched-e2e-schedule-hourly"
    assert group_tags(sched, HOURLY) == {**OUR_TAGS, "cadence": "hourly"}

    n = sched.get_schedule(Name=NIGHTLY, GroupName=NIGHTLY)
    assert n["ScheduleExpression"] == "cron(0 2 * * ? *)"
    assert n["ScheduleExpressionTimezone"] == "Europe/Paris" and n["State"] == "DISABLED"
    assert n["Target"]["Arn"] == "arn:aws:scheduler:::aws-sdk:glue:startCrawler"
    assert json.loads(n["Target"]["Input"]) == {"Name": RAW}
    assert group_tags(sched, NIGHTLY) == OUR_TAGS
    assert sorted(x["Name"] for x in sched.list_schedules()["Schedules"]) == sorted([HOURLY, NIGHTLY])

    # The role each schedule assumes: trusted by Scheduler for its group only, and allowed to
    # start exactly its target.
    iam = boto("iam")
    for name, group, action, target in (("hourly", HOURLY, "glue:StartJobRun", f"{GLUE}:job/{JOB}"),
                                        ("nightly_crawl", NIGHTLY, "glue:StartCrawler", f"{GLUE}:crawler/{RAW}")):
        role = f"pwsched-e2e-schedule-{name}"
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        [st] = trust["Statement"]
        assert st["Principal"] == {"Service": "scheduler.amazonaws.com"} and st["Action"] == "sts:AssumeRole"
        assert st["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID,
                                                    "aws:SourceArn": f"{GROUP}/{group}"}}
        policy = iam.get_role_policy(RoleName=role, PolicyName="pipewright")["PolicyDocument"]
        [(actions, resources, cond)] = statements(policy).values()
        assert (actions, resources, cond) == ([action], [target], None)

    t = glue.get_trigger(Name=NATIVE)["Trigger"]
    assert t["Type"] == "SCHEDULED" and t["Schedule"] == "cron(30 3 * * ? *)"
    assert t["Actions"] == [{"CrawlerName": CURATED}] and t["State"] == "ACTIVATED"
    assert "WorkflowName" not in t
    assert glue.get_tags(ResourceArn=f"{GLUE}:trigger/{NATIVE}")["Tags"] == OUR_TAGS

    assert glue.get_workflow(Name=WORKFLOW)["Workflow"]["Name"] == WORKFLOW
    assert glue.get_tags(ResourceArn=f"{GLUE}:workflow/{WORKFLOW}")["Tags"] == {**OUR_TAGS, "chain": "hourly"}
    tr = workflow_triggers(glue)
    assert set(tr) == {START, STEP2, STEP3}
    assert tr[START]["Type"] == "SCHEDULED" and tr[START]["Schedule"] == "cron(0 * * * ? *)"
    assert tr[START]["Actions"] == [{"CrawlerName": RAW}]
    assert tr[STEP2]["Type"] == "CONDITIONAL" and tr[STEP2]["Actions"] == [{"JobName": JOB}]
    assert tr[STEP2]["Predicate"] == {"Logical": "AND", "Conditions": [
        {"LogicalOperator": "EQUALS", "CrawlerName": RAW, "CrawlState": "SUCCEEDED"}]}
    assert tr[STEP3]["Actions"] == [{"CrawlerName": CURATED}]
    assert tr[STEP3]["Predicate"] == {"Logical": "AND", "Conditions": [
        {"LogicalOperator": "EQUALS", "JobName": JOB, "State": "SUCCEEDED"}]}
    assert all(x["State"] == "ACTIVATED" for x in tr.values())
    for name in tr:
        assert glue.get_tags(ResourceArn=f"{GLUE}:trigger/{name}")["Tags"] == {**OUR_TAGS, "chain": "hourly"}
    assert sched_proxy.requests   # the scheduler went through its proxy (and its signatures are checked)


def test_second_up_sends_no_mutating_request_and_drift_is_clean(pw, proxy, sched_proxy):
    up(pw)
    proxy.clear()
    sched_proxy.clear()
    rep = up(pw)
    assert all(r["outcome"] == "nothing" for r in rep["resources"]), rep
    assert proxy.requests and sched_proxy.requests
    assert proxy.mutating() == [] and sched_proxy.mutating() == []
    in_sync(pw)
    rc, out, err = pw("plan", "--detailed-exitcode")
    for a, name in (("schedule.hourly", HOURLY), ("schedule.native", NATIVE), ("workflow.refresh", WORKFLOW)):
        assert f"= {a} ({name}): no change" in out, out


# --- drift -------------------------------------------------------------------------------------


def delete_workflow_trigger(glue, sched):
    glue.delete_trigger(Name=STEP2)


def delete_schedule(glue, sched):
    sched.delete_schedule(Name=NIGHTLY, GroupName=NIGHTLY)


def delete_schedule_group(glue, sched):
    sched.delete_schedule_group(Name=HOURLY)


def change_group_tag(glue, sched):
    sched.tag_resource(ResourceArn=f"{GROUP}/{HOURLY}", Tags=[{"Key": "cadence", "Value": "daily"}])


def change_expression(glue, sched):
    s = sched.get_schedule(Name=HOURLY, GroupName=HOURLY)
    sched.update_schedule(Name=HOURLY, GroupName=HOURLY, ScheduleExpression="rate(2 hours)",
                          FlexibleTimeWindow={"Mode": "OFF"}, Target=s["Target"], State="ENABLED")


def point_at_another_job(glue, sched):
    s = sched.get_schedule(Name=HOURLY, GroupName=HOURLY)
    target = dict(s["Target"], Input=json.dumps({"JobName": "someone-elses-job"}))
    sched.update_schedule(Name=HOURLY, GroupName=HOURLY, ScheduleExpression="rate(1 hour)",
                          FlexibleTimeWindow={"Mode": "OFF"}, Target=target, State="ENABLED")


def stop_native_trigger(glue, sched):
    glue.stop_trigger(Name=NATIVE)


def delete_native_trigger(glue, sched):
    glue.delete_trigger(Name=NATIVE)


def change_workflow_tag(glue, sched):
    glue.tag_resource(ResourceArn=f"{GLUE}:workflow/{WORKFLOW}", TagsToAdd={"chain": "daily"})


# (change, address, property, expected, actual, status)
CHANGES = [
    (delete_workflow_trigger, "workflow.refresh", f"trigger[{STEP2}].type", "CONDITIONAL", None, "MODIFIED"),
    (delete_schedule, "schedule.nightly_crawl", None, None, None, "MISSING"),
    (delete_schedule_group, "schedule.hourly", None, None, None, "MISSING"),
    (change_group_tag, "schedule.hourly", "tags[cadence]", "hourly", "daily", "MODIFIED"),
    (change_expression, "schedule.hourly", "expression", "rate(1 hour)", "rate(2 hours)", "MODIFIED"),
    (point_at_another_job, "schedule.hourly", "target.input", json.dumps({"JobName": JOB}, separators=(",", ":")),
     json.dumps({"JobName": "someone-elses-job"}, separators=(",", ":")), "MODIFIED"),
    (stop_native_trigger, "schedule.native", "enabled", "true", "false", "MODIFIED"),
    (delete_native_trigger, "schedule.native", None, None, None, "MISSING"),
    (change_workflow_tag, "workflow.refresh", "tags[chain]", "hourly", "daily", "MODIFIED"),
]


@pytest.mark.parametrize("change,address,prop,expected,actual,status", CHANGES, ids=[c[0].__name__ for c in CHANGES])
def test_out_of_band_change_is_drift_then_repaired(pw, glue, sched, change, address, prop, expected, actual,
                                                   status):
    up(pw)
    change(glue, sched)

    rc, rep, err = run_json(pw, "drift")
    assert rc == exit_for(rep, 2) and rep["in_sync"] is False, err
    res = by_address(rep)
    assert res[address]["status"] == status
    assert all(s == "IN_SYNC" for a, s in statuses(rep, KINDS).items() if a != address), statuses(rep, KINDS)
    if prop:
        assert {"property": prop, "expected": expected, "actual": actual} in res[address]["differences"]
    rc, out, err = pw("drift")
    assert f"{status:<11} {address} (" in out, out

    up(pw)
    in_sync(pw)


def test_workflow_trigger_change_is_a_new_trigger_and_tags_follow(pw, glue, proxy):
    up(pw)
    # Someone rewires step 2 to start on the wrong crawler: replaced by a new trigger (Glue's
    # UpdateTrigger answers 500 on moto, and a trigger holds no data).
    glue.delete_trigger(Name=STEP2)
    glue.create_trigger(Name=STEP2, WorkflowName=WORKFLOW, Type="CONDITIONAL",
                        Predicate={"Logical": "AND",
                                   "Conditions": [{"LogicalOperator": "EQUALS", "CrawlerName": CURATED,
                                                   "CrawlState": "SUCCEEDED"}]},
                        Actions=[{"JobName": JOB}], StartOnCreation=True)
    rc, rep, err = run_json(pw, "drift")
    diffs = {d["property"]: d for d in by_address(rep)["workflow.refresh"]["differences"]}
    assert diffs[f"trigger[{STEP2}].when"]["expected"] == f"crawler:{RAW} SUCCEEDED"
    assert diffs[f"trigger[{STEP2}].when"]["actual"] == f"crawler:{CURATED} SUCCEEDED"
    proxy.clear()
    up(pw)
    assert [op for op in proxy.mutating() if "Trigger" in op] == ["DeleteTrigger", "CreateTrigger"]
    assert workflow_triggers(glue)[STEP2]["Predicate"]["Conditions"][0]["CrawlerName"] == RAW
    assert "UpdateTrigger" not in proxy.mutating()
    in_sync(pw)


# --- a new role is not assumable at once -------------------------------------------------------


def test_role_not_yet_assumable_is_retried(pw, sched, sched_proxy):
    op = f"POST /schedules/{HOURLY}"
    sched_proxy.fail_first(op, 2, 400, ASSUME_REFUSAL)
    start = time.monotonic()
    up(pw)
    attempts = [r for r in sched_proxy.requests if r["op"] == op]
    assert len(attempts) == 3
    assert time.monotonic() - start >= 3.0   # waited 1 s, then 2 s
    assert sched.get_schedule(Name=HOURLY, GroupName=HOURLY)["ScheduleExpression"] == "rate(1 hour)"


def test_other_refusals_are_not_retried(pw, sched_proxy):
    op = f"POST /schedules/{HOURLY}"
    sched_proxy.fail_first(op, 1, 400, {"__type": "ValidationException",
                                        "message": "Invalid Schedule Expression rate(1 hour)."})
    rc, out, err = pw("up", "--yes")
    assert rc == 1, out + err
    assert "schedule.hourly" in out and "Invalid Schedule Expression" in out
    assert len([r for r in sched_proxy.requests if r["op"] == op]) == 1


# --- ownership, orphans and down ---------------------------------------------------------------


def test_foreign_group_and_workflow_are_refused_and_left_alone(pw, glue, sched, sched_proxy, proxy):
    sched.create_schedule_group(Name=HOURLY, Tags=[{"Key": "owner", "Value": "someone"}])
    glue.create_workflow(Name=WORKFLOW, Tags={"owner": "someone"})
    rc, out, err = pw("plan")
    assert f"? schedule.hourly ({HOURLY}): exists without the tag pipewright:stack=pwsched" in out, out
    assert f"? workflow.refresh ({WORKFLOW}): exists without the tag" in out, out
    rc, out, err = pw("up", "--yes")
    assert rc == 1 and "nothing was changed" in err, out + err
    assert "schedule.hourly" in err and "workflow.refresh" in err
    assert proxy.mutating() == [] and sched_proxy.mutating() == []
    rc, out, err = pw("down", "--yes")
    assert f"schedule.hourly ({HOURLY}): left alone" in out and f"workflow.refresh ({WORKFLOW}): left alone" in out
    assert group_tags(sched, HOURLY) == {"owner": "someone"}
    assert glue.get_workflow(Name=WORKFLOW)["Workflow"]["Name"] == WORKFLOW


def test_someone_elses_triggers_are_never_touched(pw, glue, proxy):
    # A trigger added to our workflow without our tag is theirs: not drift, never deleted.
    up(pw)
    glue.create_trigger(Name="theirs-in-our-workflow", WorkflowName=WORKFLOW, Type="ON_DEMAND",
                        Actions=[{"JobName": JOB}], Tags={"owner": "someone"})
    in_sync(pw)
    proxy.clear()
    up(pw)
    assert proxy.mutating() == []
    rc, rep, err = run_json(pw, "down", "--yes")
    assert by_address(rep)["workflow.refresh"]["state"] == "deleted"
    assert [t["Name"] for t in glue.get_triggers()["Triggers"]] == ["theirs-in-our-workflow"]


@pytest.mark.parametrize("existing", ["standalone", "in_the_workflow_untagged"])
def test_declared_trigger_name_taken_by_someone_else_is_refused(pw, glue, proxy, existing):
    """The name the workflow's first step needs is taken: before the workflow exists (nothing
    is created) and after (nothing is changed), up refuses and says where the trigger is."""
    if existing == "standalone":
        glue.create_trigger(Name=START, Type="ON_DEMAND", Actions=[{"JobName": JOB}])
        where = "outside any workflow"
        rc, rep, err = run_json(pw, "up", "--yes")
        assert rc == 1 and by_address(rep)["workflow.refresh"]["outcome"] == "failed", err
        assert f"the trigger '{START}' that workflow '{WORKFLOW}' needs exists {where}" in \
            by_address(rep)["workflow.refresh"]["error"]
        assert glue.list_workflows()["Workflows"] == []
    else:
        up(pw)
        glue.delete_trigger(Name=START)
        # moto keeps a deleted trigger's tags for the next one of that name: overwrite ours.
        glue.create_trigger(Name=START, WorkflowName=WORKFLOW, Type="ON_DEMAND", Actions=[{"JobName": JOB}],
                            Tags={"pipewright:stack": "another-stack"})
        where = "in it without the tag pipewright:stack=pwsched"
    proxy.clear()
    rc, rep, err = run_json(pw, "up", "--yes")
    assert rc == 1, err
    assert f"the trigger '{START}' that workflow '{WORKFLOW}' needs exists {where}" in \
        by_address(rep)["workflow.refresh"]["error"]
    assert not [op for op in proxy.mutating() if "Trigger" in op]
    t = glue.get_trigger(Name=START)["Trigger"]
    assert t["Type"] == "ON_DEMAND" and t["Actions"] == [{"JobName": JOB}]


def test_workflow_no_longer_declared_is_deleted_with_its_triggers(pw, glue, tmp_path):
    up(pw)
    text = SPEC.read_text()
    spec = tmp_path / "schedules.yaml"
    spec.write_text(text[:text.index("\nworkflows:")] + "\n")
    shutil.copytree(SPEC.parent / "jobs", tmp_path / "jobs")
    rc, rep, err = run_json(pw, "plan", spec=spec)
    orphan = by_address(rep)[f"workflow.{WORKFLOW}"]
    assert orphan["action"] == "delete" and orphan["in_spec"] is False
    up(pw, spec=spec)
    assert glue.list_workflows()["Workflows"] == []
    assert workflow_triggers(glue) == {}
    assert [t["Name"] for t in glue.get_triggers()["Triggers"]] == [NATIVE]


def test_down_deletes_every_schedule_trigger_workflow_and_role(pw, boto, glue, sched):
    up(pw)
    rc, rep, err = run_json(pw, "down", "--yes")
    assert rc == exit_for(rep, 0), err
    states = {r["address"]: r["state"] for r in rep["resources"] if r["kind"] in KINDS}
    assert set(states.values()) == {"deleted"} and len(states) == 9, states   # 5 roles, 3 schedules, 1 workflow
    assert sched.list_schedules()["Schedules"] == []
    assert [g["Name"] for g in sched.list_schedule_groups()["ScheduleGroups"]] == ["default"]
    assert glue.get_triggers()["Triggers"] == []
    assert glue.list_workflows()["Workflows"] == []
    assert [r["RoleName"] for r in boto("iam").list_roles()["Roles"]] == []
    rc, rep, err = run_json(pw, "drift")
    assert set(statuses(rep, KINDS).values()) == {"MISSING"}


# --- the examples ------------------------------------------------------------------------------


def planned(pw, example):
    rc, rep, err = run_json(pw, "plan", spec=ROOT / "examples" / example / "pipewright.yaml")
    assert rc == 0, err
    return {a: {c["property"]: c["new"] for c in r["changes"]} for a, r in by_address(rep).items()
            if r["action"] == "create"}, by_address(rep)


def test_examples_declare_their_schedules(pw):
    """whitecube: an hourly schedule of the flatten/join job; daily-figures: a rate(1 day)
    schedule of its crawler, and a topic; each schedule with its generated role."""
    created, res = planned(pw, "whitecube")
    hourly = created["schedule.hourly"]
    assert hourly["expression"] == "rate(1 hour)" and hourly["enabled"] == "true"
    assert hourly["target"] == "arn:aws:scheduler:::aws-sdk:glue:startJobRun"
    assert json.loads(hourly["target.input"]) == {"JobName": "whitecube-dev-flatten_join"}
    assert hourly["target.role"] == f"arn:aws:iam::{ACCOUNT_ID}:role/whitecube-dev-schedule-hourly"
    assert {"role.whitecube-dev-schedule-hourly", "role.whitecube-dev-crawler-curated",
            "role.whitecube-dev-job-flatten_join"} <= set(created)
    assert "subscription[email:data-team@example.com]" in created["topic.events"]

    created, res = planned(pw, "daily-figures")
    daily = created["schedule.daily"]
    assert daily["expression"] == "rate(1 day)"
    assert daily["target"] == "arn:aws:scheduler:::aws-sdk:glue:startCrawler"
    assert json.loads(daily["target.input"]) == {"Name": "daily-figures-dev-figures"}
    assert "topic.runs" in created and "role.daily-figures-dev-schedule-daily" in created
    assert created["table.figures"]["stream"] == "new-and-old-images"
