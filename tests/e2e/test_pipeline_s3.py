"""`pipeline run --from-file` into the spec's bucket, on moto with signature checking on: each
partition's version under its S3 folder, the Glue partition created or switched to it (one
UpdatePartition), old versions kept for the grace period; every row read back with boto3 and
compared with the independent reference (transform_ref.py)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from motoserver import ACCOUNT_ID
from test_pipeline_offline import WHITECUBE, generated, parse_report, write_lines
from transform_ref import Config, Reference, read_jsonl_row

REGION = "ap-south-1"                       # the spec's; pipewright pins it
BUCKET = f"whitecube-curated-dev-{ACCOUNT_ID}"
DATABASE = "whitecube_dev"
TABLE = "user_campaign_tasks"
PREFIX = "user_campaign_tasks/"

pytestmark = pytest.mark.clean_moto


@pytest.fixture
def lake(moto):
    """The bucket and the Glue table `up` makes for the pipeline (made here with boto3)."""
    cfg = Config.from_spec(WHITECUBE)
    s3 = moto.client("s3", REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    glue = moto.client("glue", REGION)
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_table(DatabaseName=DATABASE, TableInput={
        "Name": TABLE,
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "createdAt_date", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": "string"} for c in cfg.columns],
            "Location": f"s3://{BUCKET}/{PREFIX}",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        },
    })
    return s3, glue, cfg


def partitions(glue) -> dict:
    out = {}
    for page in glue.get_paginator("get_partitions").paginate(DatabaseName=DATABASE,
                                                              TableName=TABLE):
        for p in page["Partitions"]:
            out[p["Values"][0]] = p["StorageDescriptor"]["Location"]
    return out


def read_lake(s3, glue) -> dict:
    """What Athena would read: for each Glue partition, the data files at its location."""
    out = {}
    for value, loc in partitions(glue).items():
        assert loc.startswith(f"s3://{BUCKET}/{PREFIX}createdAt_date={value}/v=") and \
            loc.endswith("/"), loc
        key_prefix = loc[len(f"s3://{BUCKET}/"):]
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=key_prefix)
                      .get("Contents", []))
        assert f"{key_prefix}_state.gz" in keys and f"{key_prefix}_manifest.json" in keys
        rows = []
        for k in keys:
            if k.rsplit("/", 1)[1].startswith("part-"):
                body = gzip.decompress(s3.get_object(Bucket=BUCKET, Key=k)["Body"].read())
                rows += [read_jsonl_row(line) for line in body.decode().split("\n")[:-1]]
        out[f"createdAt_date={value}"] = rows
    return out


def versions(s3) -> set:
    keys = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        keys |= {o["Key"].rsplit("/", 1)[0] for o in page.get("Contents", [])}
    return keys


def test_s3_lake_matches_reference_and_switches_partitions(lake, run_pw, pw_env, tmp_path):
    s3, glue, cfg = lake
    records, dims = generated(tmp_path, 900, seed=29, campaigns=8)
    dim = write_lines(tmp_path / "dim.jsonl", dims, wrap="Item")

    def run(src, *extra):
        r = run_pw(["-f", WHITECUBE, "pipeline", "run", "--from-file", src, *extra], env=pw_env,
                   timeout=300)
        assert r.rc == 0, r.err
        return parse_report(r.out)

    first = run(write_lines(tmp_path / "a.jsonl", records[:600]), "--dimension-file", dim)
    ref = Reference(cfg, dims)
    ref.apply_records(records[:600])
    want = {p: rows for p, rows in ref.lake().items()}
    assert read_lake(s3, glue) == want
    assert first["partitions_written"] == len(want)
    before = partitions(glue)

    second = run(write_lines(tmp_path / "b.jsonl", records[600:]))
    ref.apply_records(records[600:])
    assert read_lake(s3, glue) == ref.lake()
    after = partitions(glue)
    switched = {v for v in before if v in after and after[v] != before[v]}
    assert switched and second["partitions_written"] >= len(switched)
    # The replaced versions are still there for readers that started on them ...
    kept = versions(s3)
    for v in switched:
        assert before[v][len(f"s3://{BUCKET}/"):].rstrip("/") in kept
    # ... until the grace period is over; the lake's own copy of the dimension is used.
    third = run(tmp_path / "b.jsonl", "--grace", "0")
    assert third["partitions_written"] == 0 and third["old_versions_removed"] > 0
    left = versions(s3)
    for v in switched:
        assert before[v][len(f"s3://{BUCKET}/"):].rstrip("/") not in left
    assert read_lake(s3, glue) == ref.lake()
    # Quarantined records and the pipeline's own objects sit beside the table, not in it.
    q = s3.list_objects_v2(Bucket=BUCKET, Prefix="user_campaign_tasks_quarantine/")
    assert (q.get("KeyCount", 0) > 0) == (ref.counts["quarantined"] > 0)
    meta = s3.list_objects_v2(Bucket=BUCKET, Prefix="user_campaign_tasks_pipewright/")
    assert {o["Key"].rsplit("/", 1)[1] for o in meta["Contents"]} == {"pipeline.json",
                                                                      "dimension.gz"}


def test_removing_every_item_of_a_partition_removes_it_from_glue(lake, run_pw, pw_env, tmp_path):
    s3, glue, cfg = lake
    item = {"userID": {"S": "u1"}, "campaignID": {"S": "101"},
            "createdAt": {"S": "2024-03-03T10:00:00Z"},
            "progressDetails": {"L": [{"M": {"taskID": {"S": "t1"}}}]}}
    keys = {"userID": item["userID"], "campaignID": item["campaignID"]}
    ins = {"eventName": "INSERT", "dynamodb": {"Keys": keys, "NewImage": item}}
    rem = {"eventName": "REMOVE", "dynamodb": {"Keys": keys, "OldImage": item}}
    dim = write_lines(tmp_path / "dim.jsonl", [{"campaignID": {"S": "101"}}], wrap="Item")
    for recs in ([ins], [rem]):
        r = run_pw(["-f", WHITECUBE, "pipeline", "run", "--from-file",
                    write_lines(tmp_path / "r.jsonl", recs), "--dimension-file", dim],
                   env=pw_env, timeout=120)
        assert r.rc == 0, r.err
        if recs == [ins]:
            assert list(partitions(glue)) == ["2024-03-03"]
    assert parse_report(r.out)["partitions_removed"] == 1
    assert partitions(glue) == {}


def test_missing_glue_table_is_named(moto, run_pw, pw_env, tmp_path):
    s3 = moto.client("s3", REGION)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    r = run_pw(["-f", WHITECUBE, "pipeline", "run", "--from-file", empty], env=pw_env)
    assert r.rc == 1
    assert f"{DATABASE}.{TABLE} does not exist" in r.err and "pipewright up" in r.err
