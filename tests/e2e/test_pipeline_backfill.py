"""`pipeline backfill` on moto with signature checking on, verified with boto3: the lake rebuilt
from a parallel Scan equals the reference transform (transform_ref.py) of a boto3 Scan of both
tables, row for row; the Scan used the segments asked for; the checkpoints equal the last
sequence number of each shard as boto3 reads the stream; an export (a folder, or S3) gives the
same lake as `pipeline run --from-file` of the same lines, offline without a single AWS call;
`--engine glue` starts the job run with the pipeline's arguments and waits for it.

moto runs no Glue job (a run goes STARTING -> RUNNING -> SUCCEEDED as GetJobRun is called,
writing nothing), so the Glue test checks the run, its arguments, the wait and the checkpoints,
not the lake; the transform on Spark is proven by the parity test of issue 6."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from motoserver import ACCOUNT_ID
from test_pipeline_offline import WHITECUBE, Lake, expect_lake, generated, write_lines
from test_pipeline_s3 import BUCKET, PREFIX, lake, read_lake  # noqa: F401 (lake: a fixture)
from transform_ref import Config, Reference

REGION = "ap-south-1"                       # the spec's; pipewright pins it
SOURCE = "user_Campaign-dev"
DIMENSION = "campaignInfo-dev"
CHECKPOINTS = "whitecube-checkpoints-dev"
PIPELINE = "user_campaign"                  # pipeline.name defaults to the source's id
JOB = "whitecube-dev-flatten_join"

pytestmark = pytest.mark.clean_moto


# ---- helpers ------------------------------------------------------------------------------

def make_tables(moto):
    ddb = moto.client("dynamodb", REGION)
    stream = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    ddb.create_table(TableName=SOURCE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "userID", "KeyType": "HASH"},
                                {"AttributeName": "campaignID", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "userID", "AttributeType": "S"},
                                           {"AttributeName": "campaignID", "AttributeType": "S"}],
                     StreamSpecification=stream)
    ddb.create_table(TableName=DIMENSION, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "campaignID", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "campaignID", "AttributeType": "S"}],
                     StreamSpecification=stream)
    ddb.create_table(TableName=CHECKPOINTS, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pipeline", "KeyType": "HASH"},
                                {"AttributeName": "shard", "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": "pipeline", "AttributeType": "S"},
                                           {"AttributeName": "shard", "AttributeType": "S"}])
    return ddb


def load_tables(ddb, records, dims):
    """The generated changes applied to the tables (puts and deletes, as a writer would); what
    DynamoDB itself refuses (a key of the wrong type) never gets in, as in real life."""
    for d in dims:
        try:
            ddb.put_item(TableName=DIMENSION, Item=d)
        except ddb.exceptions.ClientError:
            pass
    for r in records:
        d = r.get("dynamodb", {})
        try:
            if r.get("eventName") == "REMOVE":
                ddb.delete_item(TableName=SOURCE, Key=d["Keys"])
            elif d.get("NewImage"):
                ddb.put_item(TableName=SOURCE, Item=d["NewImage"])
        except (ddb.exceptions.ClientError, KeyError):
            pass


def scan(ddb, table):
    items = []
    for page in ddb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        items += page["Items"]
    return items


def stream_ends(moto, table) -> dict:
    """{shard id: its last sequence number}, read with boto3 from each shard's oldest record."""
    ddb = moto.client("dynamodb", REGION)
    streams = moto.client("dynamodbstreams", REGION)
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    out = {}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        last, empty = None, 0
        while it and empty < 3:
            page = streams.get_records(ShardIterator=it, Limit=1000)
            recs = page["Records"]
            empty = 0 if recs else empty + 1
            if recs:
                last = recs[-1]["dynamodb"]["SequenceNumber"]
            it = page.get("NextShardIterator")
        out[shard["ShardId"]] = last
    return out


def checkpoints(ddb) -> dict:
    items = ddb.query(TableName=CHECKPOINTS, ConsistentRead=True,
                      KeyConditionExpression="#p = :p", ExpressionAttributeNames={"#p": "pipeline"},
                      ExpressionAttributeValues={":p": {"S": PIPELINE}})["Items"]
    return {i["shard"]["S"]: i for i in items}


def reference_of_tables(ddb, cfg):
    ref = Reference(cfg, scan(ddb, DIMENSION))
    ref.apply_records({"Item": i} for i in scan(ddb, SOURCE))
    return ref


def scan_requests(proxy, table):
    out = []
    for q in proxy.requests:
        if q["op"] == "Scan":
            body = json.loads(q["body"])
            if body["TableName"] == table:
                out.append(body)
    return out


def set_transition(moto, model, transition):
    moto.moto_api("POST", "/moto-api/state-manager/set-transition",
                  json.dumps({"model_name": model, "transition": transition}))


def export_folder(root: Path, items, files=3) -> Path:
    """An export as DynamoDB writes it: manifests beside data/<id>.json.gz files."""
    data = root / "data"
    data.mkdir(parents=True)
    for n in range(files):
        write_lines(data / f"part{n:02d}-{n:08x}.json.gz", items[n::files], wrap="Item")
    (root / "manifest-summary.json").write_text(json.dumps({"itemCount": len(items)}))
    (root / "manifest-files.json").write_text("{}\n")
    (root / "_started").write_text("")
    return root


@pytest.fixture
def bf(run_pw, pw_env, proxy):
    """bf(*args, ok=True) -> result of `pipeline backfill` through the counting proxy."""
    def _bf(*args, ok=True, env=None):
        e = env or dict(pw_env, AWS_ENDPOINT_URL=proxy.url)
        r = run_pw(["-f", WHITECUBE, "--output", "json", "pipeline", "backfill", *args], env=e,
                    timeout=300)
        if ok:
            assert r.rc == 0, f"exit {r.rc}: {r.err}"
        return r
    return _bf


# ---- the Scan -----------------------------------------------------------------------------

def test_scan_backfill_rebuilds_the_lake_and_sets_the_checkpoints(lake, moto, bf, proxy,  # noqa: F811
                                                                  run_pw, pw_env, tmp_path):
    s3, glue, cfg = lake
    ddb = make_tables(moto)
    records, dims = generated(tmp_path, 500, seed=41, campaigns=12)
    load_tables(ddb, records, dims)
    # A lake with rows of items the table never held: the backfill is a snapshot, they go.
    ghosts = [{"userID": {"S": f"ghost-{i}"}, "campaignID": {"S": "999"},
               "createdAt": {"S": f"2019-0{i + 1}-01T00:00:00Z"},
               "progressDetails": {"L": [{"M": {"taskID": {"S": "t1"}}}]}} for i in range(3)]
    r = run_pw(["-f", WHITECUBE, "pipeline", "run", "--from-file",
                write_lines(tmp_path / "ghosts.jsonl", ghosts, wrap="Item"), "--dimension-file",
                write_lines(tmp_path / "dim.jsonl", dims, wrap="Item")], env=pw_env, timeout=120)
    assert r.rc == 0, r.err
    assert any(p.startswith("createdAt_date=2019-") for p in read_lake(s3, glue))

    r = bf("--segments", "3", "--scan-page-limit", "40")
    rep = json.loads(r.out)

    ref = reference_of_tables(ddb, cfg)
    got = read_lake(s3, glue)
    assert not any(p.startswith("createdAt_date=2019-") for p in got)
    assert got == ref.lake()
    assert rep["run"]["records"] == len(scan(ddb, SOURCE)) == rep["source"]["items"]
    assert rep["run"]["quarantined"] == ref.counts["quarantined"]
    assert rep["run"]["unmatched"] == ref.counts["unmatched"] > 0

    # A parallel Scan of 3 segments, every segment read to its end in pages of 40.
    src = scan_requests(proxy, SOURCE)
    assert {b["TotalSegments"] for b in src} == {3}
    assert {b["Segment"] for b in src} == {0, 1, 2}
    assert all(b["ConsistentRead"] and b["Limit"] == 40 for b in src)
    assert len(src) == rep["source"]["scan_requests"] >= len(scan(ddb, SOURCE)) // 40
    assert sum(1 for b in src if "ExclusiveStartKey" not in b) == 3
    assert {b["TotalSegments"] for b in scan_requests(proxy, DIMENSION)} == {3}

    # The checkpoints: each shard's last sequence number, as boto3 reads the stream.
    ends = stream_ends(moto, SOURCE)
    cps = checkpoints(ddb)
    assert ends and set(cps) == set(ends)
    for shard, seq in ends.items():
        assert cps[shard]["sequence"]["S"] == seq
        assert "owner" not in cps[shard]                        # the lease was let go
    assert rep["checkpoints"]["set"] is True
    # The lake was written under the writers' lock `pipeline run` takes, then let go.
    lock = ddb.get_item(TableName=CHECKPOINTS, ConsistentRead=True,
                        Key={"pipeline": {"S": f"{PIPELINE}#lake"},
                             "shard": {"S": "writers"}}).get("Item")
    assert lock is not None and "owner" not in lock
    assert [s["sequence_number"] for s in rep["checkpoints"]["shards"]] == list(ends.values())

    # Changes after the backfill move the stream on; a second backfill moves the checkpoints
    # forward to the new end (never back), and the lake follows the table.
    ddb.delete_item(TableName=SOURCE, Key={k: v for k, v in scan(ddb, SOURCE)[0].items()
                                           if k in ("userID", "campaignID")})
    rep2 = json.loads(bf().out)
    ends2 = stream_ends(moto, SOURCE)
    for shard, seq in ends2.items():
        assert checkpoints(ddb)[shard]["sequence"]["S"] == seq and int(seq) > int(ends[shard])
    assert [s["outcome"] for s in rep2["checkpoints"]["shards"]] == ["set"] * len(ends2)
    assert read_lake(s3, glue) == reference_of_tables(ddb, cfg).lake()


def test_a_runner_holding_a_lease_stops_the_backfill_before_any_scan(lake, moto, bf,  # noqa: F811
                                                                    proxy):
    ddb = make_tables(moto)
    ddb.put_item(TableName=SOURCE, Item={"userID": {"S": "u"}, "campaignID": {"S": "c"}})
    shard = next(iter(stream_ends(moto, SOURCE)))
    ddb.put_item(TableName=CHECKPOINTS, Item={
        "pipeline": {"S": PIPELINE}, "shard": {"S": shard}, "owner": {"S": "host:1:abcd0123"},
        "lease_expires": {"N": "99999999999999"}})
    r = bf(ok=False)
    assert r.rc == 1
    assert f"shard '{shard}'" in r.err and "leased by runner 'host:1:abcd0123'" in r.err
    assert scan_requests(proxy, SOURCE) == [] and scan_requests(proxy, DIMENSION) == []
    assert checkpoints(ddb)[shard]["owner"]["S"] == "host:1:abcd0123"


# ---- exports ------------------------------------------------------------------------------

def exported(tmp_path, n=900, seed=43):
    records, dims = generated(tmp_path, n, seed=seed, campaigns=15)
    ref = Reference(Config.from_spec(WHITECUBE), dims)
    ref.apply_records(records)
    # Every current item, plus a line that is no item and one whose key is missing: an export
    # of a real table never holds those, but the reader must quarantine, not stop.
    items = [ref.items[k] for k in sorted(ref.items)]
    items.append({"campaignID": {"S": "101"}})
    return items, dims


def test_export_offline_equals_run_from_file(run_pw, offline_env, tmp_path):
    items, dims = exported(tmp_path)
    folder = export_folder(tmp_path / "AWSDynamoDB" / "01700000000000-abcdef01", items)
    dim = write_lines(tmp_path / "dim.jsonl", dims, wrap="Item")
    a, b = tmp_path / "a", tmp_path / "b"
    # offline_env points every AWS call at a closed port: one call would fail the run.
    r = run_pw(["-f", WHITECUBE, "--output", "json", "pipeline", "backfill", "--from-export",
                folder, "--dimension-file", dim, "--to", f"file://{a}", "--batch-records", "200"],
               env=offline_env, timeout=300)
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    assert rep["source"]["files"] == 3 and rep["source"]["lines"] == len(items)
    assert rep["checkpoints"]["set"] is False and "offline" in rep["checkpoints"]["note"]
    r = run_pw(["-f", WHITECUBE, "pipeline", "run", "--from-file",
                write_lines(tmp_path / "all.jsonl.gz", items, wrap="Item"), "--dimension-file",
                dim, "--to", f"file://{b}"], env=offline_env, timeout=300)
    assert r.rc == 0, r.err
    cfg = Config.from_spec(WHITECUBE)
    assert Lake(a, cfg).partitions() == Lake(b, cfg).partitions()
    ref = Reference(cfg, dims)
    ref.apply_records({"Item": i} for i in items)
    expect_lake(Lake(a, cfg), ref)
    assert rep["run"]["quarantined"] == ref.counts["quarantined"] >= 1
    assert sorted(e["reason"] for e in Lake(a, cfg).quarantine()) == sorted(ref.quarantine)


def test_export_in_s3_equals_the_same_export_on_disk(run_pw, pw_env, offline_env, moto,
                                                     tmp_path):
    items, dims = exported(tmp_path, n=600, seed=47)
    folder = export_folder(tmp_path / "exp", items)
    dim_folder = export_folder(tmp_path / "dimexp", dims, files=2)
    s3 = moto.client("s3", REGION)
    bucket = f"exports-{ACCOUNT_ID}"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for base, prefix in ((folder, "AWSDynamoDB/01/"), (dim_folder, "dim/AWSDynamoDB/02/")):
        for f in sorted(base.rglob("*")):
            if f.is_file():
                s3.put_object(Bucket=bucket, Key=prefix + str(f.relative_to(base)),
                              Body=f.read_bytes())
    on_disk, in_s3 = tmp_path / "disk", tmp_path / "s3"
    r = run_pw(["-f", WHITECUBE, "pipeline", "backfill", "--from-export", folder,
                "--dimension-from-export", dim_folder, "--to", f"file://{on_disk}"],
               env=offline_env, timeout=300)
    assert r.rc == 0, r.err
    r = run_pw(["-f", WHITECUBE, "--output", "json", "pipeline", "backfill", "--from-export",
                f"s3://{bucket}/AWSDynamoDB/01/", "--dimension-from-export",
                f"s3://{bucket}/dim/AWSDynamoDB/02", "--to", f"file://{in_s3}"], env=pw_env,
               timeout=300)
    assert r.rc == 0, r.err
    rep = json.loads(r.out)
    assert rep["source"]["files"] == 3 and rep["dimension"]["files"] == 2
    assert rep["checkpoints"]["set"] is False
    cfg = Config.from_spec(WHITECUBE)
    got = Lake(in_s3, cfg).partitions()
    assert got and got == Lake(on_disk, cfg).partitions()
    # A prefix without data files is an error that names it.
    r = run_pw(["-f", WHITECUBE, "pipeline", "backfill", "--from-export",
                f"s3://{bucket}/nothing/", "--dimension-file",
                write_lines(tmp_path / "d.jsonl", dims, wrap="Item"), "--to",
                f"file://{tmp_path / 'x'}"], env=pw_env, timeout=120)
    assert r.rc == 1 and f"s3://{bucket}/nothing/" in r.err and "no data files" in r.err


# ---- the Glue engine ----------------------------------------------------------------------

def test_engine_glue_starts_the_job_run_waits_and_sets_checkpoints(moto, bf, proxy):
    ddb = make_tables(moto)
    ddb.put_item(TableName=SOURCE, Item={"userID": {"S": "u"}, "campaignID": {"S": "c"}})
    glue = moto.client("glue", REGION)
    glue.create_job(Name=JOB, Role=f"arn:aws:iam::{ACCOUNT_ID}:role/glue",
                    Command={"Name": "glueetl", "ScriptLocation": "s3://a/flatten_join.py"})
    # STARTING, then RUNNING, then SUCCEEDED, one step per second GetJobRun.
    set_transition(moto, "glue::job_run", {"progression": "manual", "times": 1})
    try:
        r = bf("--engine", "glue", "--wait-timeout", "120")
    finally:
        set_transition(moto, "glue::job_run", {"progression": "immediate"})
    rep = json.loads(r.out)
    runs = glue.get_job_runs(JobName=JOB)["JobRuns"]
    assert len(runs) == 1 and runs[0]["Id"] == rep["glue"]["run_id"]
    args = runs[0]["Arguments"]
    assert args["--source_table"] == SOURCE and args["--dimension_table"] == DIMENSION
    assert args["--partition_as"] == "createdAt_date" and args["--backfill"] == "true"
    assert args["--output_path"] == f"s3://{BUCKET}/{PREFIX}"
    assert json.loads(args["--join_on"]) == ["campaignID", "taskID"]
    assert rep["glue"]["state"] == "SUCCEEDED"
    polls = [q for q in proxy.requests if q["op"] == "GetJobRun"]
    assert len(polls) >= 2                                   # it waited through RUNNING
    assert "RUNNING" in r.err and "SUCCEEDED" in r.err       # progress on stderr
    assert not [q for q in proxy.requests if q["op"] == "Scan"]   # Glue reads the table
    ends = stream_ends(moto, SOURCE)
    assert {s: c["sequence"]["S"] for s, c in checkpoints(ddb).items()} == ends


def test_engine_glue_gives_up_after_the_wait_timeout_without_checkpoints(moto, bf):
    ddb = make_tables(moto)
    ddb.put_item(TableName=SOURCE, Item={"userID": {"S": "u"}, "campaignID": {"S": "c"}})
    glue = moto.client("glue", REGION)
    glue.create_job(Name=JOB, Role=f"arn:aws:iam::{ACCOUNT_ID}:role/glue",
                    Command={"Name": "glueetl", "ScriptLocation": "s3://a/flatten_join.py"})
    set_transition(moto, "glue::job_run", {"progression": "manual", "times": 1000})
    try:
        r = bf("--engine", "glue", "--wait-timeout", "3", ok=False)
    finally:
        set_transition(moto, "glue::job_run", {"progression": "immediate"})
    assert r.rc == 1
    assert "still STARTING after" in r.err and "checkpoints were not moved" in r.err
    assert checkpoints(ddb) == {}


def test_usage_errors(run_pw, offline_env, tmp_path):
    def fails(*args):
        r = run_pw(["-f", WHITECUBE, "pipeline", "backfill", *args], env=offline_env)
        assert r.rc == 64, (args, r.rc, r.err)
        return r.err
    assert "--segments takes a whole number from 1 to 1000" in fails("--segments", "0")
    assert "--engine is local or glue" in fails("--engine", "spark")
    assert "--to takes file://DIR" in fails("--to", "s3://x/")
    assert "--to is for the local engine" in fails("--engine", "glue", "--to", "file:///tmp/x")
    assert "reads exports in S3" in fails("--engine", "glue", "--from-export", str(tmp_path))
    assert "give the dimension once" in fails("--from-export", str(tmp_path), "--dimension-file",
                                              "a", "--dimension-from-export", "b", "--to",
                                              f"file://{tmp_path}")
    r = run_pw(["pipeline", "backfill", "-h"], env=offline_env)
    assert r.rc == 0 and "--segments N" in r.out
