"""The Glue job (templates/glue/flatten_join.py) on a local Spark computes exactly what the C
pipeline computes: the same export through `pipewright pipeline backfill --from-export` (offline,
into a file:// lake) and through `spark-submit flatten_join.py` gives the same lake, partition for partition, file for file (a file holds 128 MiB at
least: splitting is not exercised here, only in tests/bench/bench_spark.py), byte for byte
after decompression (rows are compared in file order: both engines order a partition's items by
key, so nothing is sorted), the same state and manifests (content digest and fingerprint), the
same quarantine and the same pipeline metadata. Then `pipeline run` on the Spark lake finds
nothing to rewrite: a Glue backfill followed by `pipeline run` continues seamlessly."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from sparkjob import SPARK_MISSING, job_arguments, lake_files, side, spark_submit
from transform_ref import Config
from util import REPO

sys.path.insert(0, str(REPO / "tests" / "bench"))
import gen_stream  # noqa: E402

WHITECUBE = REPO / "examples" / "whitecube" / "pipewright.yaml"


def s(v):
    return {"S": v}


def n(v):
    return {"N": v}


def task(tid, reward, **extra):
    return {"M": {"taskID": s(tid), "userCampaignTaskProgressState": s("VALIDATED"),
                  "validationFailureReason": s(""), "rewardEarned": n(reward), **extra}}


def item(user, camp, created, tasks, **extra):
    it = {"userID": s(user), "campaignID": s(camp), "userCampaignProgressState": s("COMPLETED"),
          "createdAt": s(created), "updatedAt": s(created), "totalTaskRewardsEarned": n("20")}
    if tasks is not None:
        it["progressDetails"] = tasks
    it.update(extra)
    return it


def without(it, name):
    it.pop(name)
    return it


def edge_lines():
    """Every case of docs/transform.md §2 an export can carry, beyond the generator's."""
    ok = "2024-03-01T10:00:00Z"
    lines = [
        {"Item": item("edge-01", "100", ok, {"L": [task("task001", "1.5E+10"), task("task001", "-0.000")]})},
        {"Item": item("edge-02", "100", "2024-03-01T23:30:00-02:00", {"L": [task("task002", "+00012.50")]},
                      totalTaskRewardsEarned=n("12345678901234567890.123456789012345678"))},
        {"Item": item("edge-03", "100", ok, {"L": [task("task003", ".5"), task("task999", "5.")]})},
        {"Item": item("edge-04", "100", ok, None)},                               # missing list
        {"Item": item("edge-05", "100", ok, {"NULL": True})},                     # NULL list
        {"Item": item("edge-06", "100", ok, {"L": []})},                          # empty list
        {"Item": item("edge-07", "100", ok, s("task001"))},                       # not a list
        {"Item": item("edge-08", "100", ok, {"L": [task("task001", "1"), s("x")]})},
        {"Item": item("edge-09", "100", ok, {"L": [task("task001", "1")]},
                      createdAt=n("-1.25"))},                             # epoch seconds
        {"Item": item("edge-10", "100", ok, {"L": [task("task001", "lots")]})},   # not a decimal
        {"Item": item("edge-11", "100", "2023-02-30", {"L": [task("task001", "1")]})},
        {"Item": {"userID": s("edge-12"), "progressDetails": {"L": []}}},         # missing key
        {"Item": item("edge-13", "100", ok, {"L": [task("task001", "1", validatedAt={"NULL": True})]},
                      userCampaignProgressState=s('tab\there, "quoted", é ✓'))},
        {"Item": item("edge-14", "100", ok, {"L": [task("task001", "1", createdAt=s(ok))]},
                      createdAt={"NULL": True})},                                 # default partition
        {"Item": without(item("edge-15", "100", ok, {"L": [task("task001", "1", createdAt=s(ok))]}),
                         "createdAt")},                                   # only on the element
        {"eventName": "INSERT", "dynamodb": {"Keys": {"userID": s("x")}, "NewImage": {}}},
        {"Item": item("edge-16", "100", ok, {"L": [task("task001", "7")]})},
        {"Item": item("edge-16", "100", ok, {"L": [task("task001", "8")]})},      # a later duplicate wins
        {"Item": item("edge-17", "100", ok, {"L": [task("task001", "7")]})},
        {"Item": item("edge-17", "100", ok, {"L": [task("task001", "bad")]})},    # ... even a bad one
    ]
    out = [json.dumps(x, ensure_ascii=False, separators=(",", ":")) for x in lines]
    out.insert(3, "this is not JSON")
    out.insert(5, "")
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("parity")
    records, dim = gen_stream.generate(400, seed=6, campaigns=25, edge=True)
    lines = [json.dumps({"Item": r["dynamodb"]["NewImage"]}, separators=(",", ":"))
             for r in records if "NewImage" in r["dynamodb"]]
    export = d / "export.json.gz"
    with gzip.open(export, "wt", encoding="utf-8") as f:
        f.write("\n".join(lines[:1] + edge_lines() + lines[1:]) + "\n")
    dims = [json.dumps({"Item": x}, separators=(",", ":")) for x in dim]
    dims.append(json.dumps({"Item": {"campaignID": s("100"), "campaignTasks": s("oops")}}))
    dims.append("not JSON either")
    (d / "dim.json").write_text("\n".join(dims) + "\n")
    return d, export, d / "dim.json"


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_job_writes_the_lake_the_c_pipeline_writes(data, run_pw, offline_env, tmp_path):
    d, export, dim = data
    spec = d / "spec.yaml"
    spec.write_text(WHITECUBE.read_text())
    cfg = Config.from_spec(spec)
    a, b = tmp_path / "A", tmp_path / "B"
    r = run_pw(["-f", spec, "--output", "json", "pipeline", "backfill", "--from-export", export,
                "--dimension-file", dim, "--to", f"file://{a}"], env=offline_env, timeout=120)
    assert r.rc == 0, r.err
    c_report = json.loads(r.out)["run"]
    spark_report = spark_submit(job_arguments(spec, export, dim, b), tmp_path)

    for k in ("records", "inserted", "quarantined", "empty", "unmatched", "rows_written",
              "partitions_written", "files_written"):
        assert spark_report[k] == c_report[k], k
    # The data set covers the decision table: bad records, empty lists, unmatched rows, split files.
    assert c_report["quarantined"] >= 10 and c_report["empty"] >= 3 and c_report["unmatched"] >= 3

    la, lb = lake_files(a, cfg.prefix), lake_files(b, cfg.prefix)
    assert sorted(la) == sorted(lb)
    assert any(k.startswith("createdAt_date=__HIVE_DEFAULT_PARTITION__/") for k in la)
    for k in la:
        assert la[k] == lb[k], k
    rows = b"".join(v for k, v in la.items() if "/part-" in k)
    assert b'"totalTaskRewardsEarned":12345678901234567890.123456789012345678' in rows
    assert b'"rewardEarned":1.5E+10' in rows and b'"rewardEarned":12.50' in rows
    assert b'"rewardEarned":0.5' in rows and b'"rewardEarned":5,' in rows

    meta = cfg.prefix.rstrip("/") + "_versions/_meta"
    assert side(a, meta) == side(b, meta)
    qa, qb = side(a, cfg.quarantine_prefix), side(b, cfg.quarantine_prefix)
    assert qa == qb and len(qa) == 1
    reasons = [json.loads(x)["reason"] for x in next(iter(qa.values())).splitlines()]
    assert "not valid JSON" in reasons and "a stream record in a file of export lines" in reasons
    assert "'progressDetails[0].rewardEarned': 'bad' is not a number" in reasons
    assert "column 'rewardEarned': 'lots' is not a decimal" in reasons
    assert "missing key attribute 'campaignID'" in reasons
    assert "dimension item: 'campaignTasks' is not a list of maps (it is S)" in reasons
    assert b'"createdAt":"1969-12-31T23:59:58.75Z"' in rows

    # The C pipeline continues on the Spark lake: nothing to rewrite.
    r = run_pw(["-f", spec, "--output", "json", "pipeline", "run", "--from-file", export,
                "--dimension-file", dim, "--to", f"file://{b}"], env=offline_env, timeout=120)
    assert r.rc == 0, r.err
    again = json.loads(r.out)
    assert again["partitions_written"] == 0 and again["partitions_removed"] == 0
    assert again["partitions_unchanged"] == c_report["partitions_written"]
