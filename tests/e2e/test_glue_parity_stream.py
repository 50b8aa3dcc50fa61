"""The Glue job over a file of DynamoDB stream records (`--source_format stream`) computes what
`pipewright pipeline run --from-file STREAM` computes on an empty lake: the same records
through both engines give the same lake, partition for partition, file for file, byte for byte
after decompression (as test_glue_parity.py proves for exports), the same state, manifests,
metadata, quarantine and counters; and both equal the independent reference
(transform_ref.Reference: per key the last record wins, REMOVE deletes).

The file: the generator's records with its edge cases (NEW_AND_OLD_IMAGES, INSERT / MODIFY /
REMOVE, bad images, a missing key) and, spliced in, the cases of the stream itself: a key
modified many times, a key moving between partitions (and a partition left empty by it), a
REMOVE of a key never seen, a bad new image for a key that had rows, and records that are not
changes at all."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from lakeread import expected_rows, parse_part
from sparkjob import SPARK_MISSING, job_arguments, lake_files, side, spark_submit
from transform_ref import Config, Reference
from util import REPO

sys.path.insert(0, str(REPO / "tests" / "bench"))
import gen_stream  # noqa: E402

WHITECUBE = REPO / "examples" / "whitecube" / "pipewright.yaml"
s, n = gen_stream.s, gen_stream.n


def image(user, created, reward, camp="100", task="task001"):
    return {"userID": s(user), "campaignID": s(camp), "userCampaignProgressState": s("INPROGRESS"),
            "createdAt": s(created), "updatedAt": s(created), "totalTaskRewardsEarned": n(reward),
            "progressDetails": {"L": [{"M": {"taskID": s(task), "rewardEarned": n(reward),
                                             "userCampaignTaskProgressState": s("VALIDATED")}}]}}


class Changes:
    """Stream records of hand-made changes, with the sequence numbers DynamoDB would give."""

    def __init__(self):
        self.records, self.seq, self.now = [], 900000, {}

    def put(self, name, user, new, camp="100", old="current"):
        self.seq += 1
        key = (user, camp)
        d = {"Keys": {"userID": s(user), "campaignID": s(camp)}, "SequenceNumber": f"{self.seq:021d}",
             "StreamViewType": "NEW_AND_OLD_IMAGES", "ApproximateCreationDateTime": 1717200000}
        old = self.now.get(key) if old == "current" else old
        if new is not None:
            d["NewImage"] = new
        if old is not None:
            d["OldImage"] = old
        self.now[key] = copy.deepcopy(new) if name != "REMOVE" else None
        self.records.append({"eventName": name, "eventVersion": "1.1", "dynamodb": d})


def stream_cases() -> list:
    c = Changes()
    day1, day5, day9 = "2024-06-01T10:00:00Z", "2024-06-05T10:00:00Z", "2024-06-09T10:00:00Z"
    c.put("INSERT", "st-many", image("st-many", day1, "1"))
    for i in range(2, 8):                                        # modified many times
        c.put("MODIFY", "st-many", image("st-many", day1, str(i)))
    c.put("INSERT", "st-move", image("st-move", day1, "5"))
    c.put("MODIFY", "st-move", image("st-move", day5, "6"))     # to another partition
    c.put("INSERT", "st-lonely", image("st-lonely", day9, "7"))
    c.put("MODIFY", "st-lonely", image("st-lonely", day5, "8"))  # leaves day 9 empty
    c.put("INSERT", "st-gone", image("st-gone", day1, "9"))
    c.put("REMOVE", "st-gone", None)
    c.put("REMOVE", "st-never", None, old=image("st-never", day1, "1"))   # unknown key
    c.put("INSERT", "st-back", image("st-back", day1, "3"))
    c.put("REMOVE", "st-back", None)
    c.put("INSERT", "st-back", image("st-back", day5, "4"))      # removed, then back elsewhere
    c.put("INSERT", "st-spoilt", image("st-spoilt", day1, "2"))
    bad = image("st-spoilt", day1, "2")
    bad["progressDetails"]["L"][0]["M"]["rewardEarned"] = s("lots")
    c.put("MODIFY", "st-spoilt", bad)                            # a bad image: no rows left
    c.put("INSERT", "st-badfirst", bad | {"userID": s("st-badfirst")})
    c.put("MODIFY", "st-badfirst", image("st-badfirst", day5, "3"))   # bad, then good
    lines = [json.dumps(r, separators=(",", ":")) for r in c.records]
    lines += [
        "this is not JSON",
        json.dumps({"Item": image("st-export", day1, "1")}),     # an export line
        json.dumps({"eventName": "UPSERT", "dynamodb": {"Keys": {}}}),
        json.dumps({"eventName": "MODIFY", "dynamodb": {"Keys": {"userID": s("st-x"),
                                                                 "campaignID": s("100")}}}),
        json.dumps({"eventName": "INSERT", "dynamodb": {"Keys": {"userID": s("st-y")},
                                                        "NewImage": image("st-y", day1, "1"),
                                                        "SequenceNumber": "900999"}}),
    ]
    return lines


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("parity-stream")
    records, dims = gen_stream.generate(500, seed=11, campaigns=25, edge=True)
    lines = [json.dumps(r, separators=(",", ":")) for r in records]
    cases = stream_cases()
    stream = d / "stream.jsonl"
    # The cases in the middle: generated records before and after them.
    stream.write_text("\n".join(lines[:200] + cases + lines[200:]) + "\n")
    gen_stream.dump_lines(str(d / "dim.json"), dims, wrap="Item")
    spec = d / "spec.yaml"
    spec.write_text(WHITECUBE.read_text())
    return spec, stream, d / "dim.json", dims


def partition_rows(cfg: Config, files: dict) -> dict:
    """{partition: rows in file order} of lake_files' content (a partition without a data file
    maps to [])."""
    out = {}
    for name, content in files.items():
        part, _, f = name.partition("/")
        rows = out.setdefault(part, [])
        if f.startswith("part-"):
            rows += parse_part(cfg, f.removesuffix(".gz"), content)
    return out


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_spark_job_applies_stream_records_as_the_c_pipeline_does(data, run_pw, offline_env,
                                                                  tmp_path):
    spec, stream, dim, dims = data
    cfg = Config.from_spec(spec)
    a, b = tmp_path / "A", tmp_path / "B"
    r = run_pw(["-f", spec, "--output", "json", "pipeline", "run", "--from-file", stream,
                "--dimension-file", dim, "--to", f"file://{a}"], env=offline_env, timeout=120)
    assert r.rc == 0, r.err
    c_report = json.loads(r.out)
    spark_report = spark_submit(job_arguments(spec, stream, dim, b, source_format="stream"),
                                tmp_path)

    for k in ("records", "inserted", "modified", "removed", "quarantined", "empty", "unmatched",
              "rows_written", "partitions_written", "files_written", "partitions_removed"):
        assert spark_report[k] == c_report[k], k
    assert c_report["modified"] >= 20 and c_report["removed"] >= 10
    assert c_report["quarantined"] >= 10 and c_report["empty"] >= 3

    la, lb = lake_files(a, cfg.prefix), lake_files(b, cfg.prefix)
    assert sorted(la) == sorted(lb)
    for k in la:
        assert la[k] == lb[k], k
    meta = cfg.prefix.rstrip("/") + "_versions/_meta"
    assert side(a, meta) == side(b, meta)
    qa, qb = side(a, cfg.quarantine_prefix), side(b, cfg.quarantine_prefix)
    assert qa == qb and len(qa) == 1

    # Both are the independent reference's lake: per key the last record wins.
    ref = Reference(cfg, dims)
    # (It knows no file kinds: the lines both engines reject before reading them are left out.)
    recs = [json.loads(x) for x in stream.read_text().splitlines() if x[0] == "{"]
    ref.apply_records(r for r in recs if "Item" not in r)
    got, want = partition_rows(cfg, lb), expected_rows(cfg, ref.lake())
    assert sorted(got) == sorted(want)
    for p in want:
        assert got[p] == want[p], p
    assert "createdAt_date=2024-06-09" not in got         # st-lonely moved away
    day1, day5 = got["createdAt_date=2024-06-01"], got["createdAt_date=2024-06-05"]
    users = lambda rows: [dict(r)["userID"].value for r in rows]    # noqa: E731
    assert users(day1).count("st-many") == 1 and "st-move" not in users(day1)
    assert [dict(r)["rewardEarned"].value for r in day1 if dict(r)["userID"].value == "st-many"] \
        == ["7"]
    assert {"st-move", "st-lonely", "st-back", "st-badfirst"} <= set(users(day5))
    for u in ("st-gone", "st-never", "st-spoilt", "st-export", "st-x", "st-y"):
        assert all(u not in users(rows) for rows in got.values()), u

    quarantined = [json.loads(x) for x in next(iter(qb.values())).splitlines()]
    reasons = {q["reason"] for q in quarantined}
    assert {"not valid JSON", "an export line in a file of stream records",
            "unknown eventName 'UPSERT' (INSERT, MODIFY or REMOVE)",
            "MODIFY record without a NewImage: the stream must carry new images (new-image or "
            "new-and-old-images)", "missing key attribute 'campaignID'",
            "column 'rewardEarned': 'lots' is not a decimal"} <= reasons
    # A change that was read carries its sequence number; a line that is no change cannot.
    by_reason = {q["reason"]: q for q in quarantined}
    assert by_reason["missing key attribute 'campaignID'"]["sequenceNumber"]
    assert "sequenceNumber" not in by_reason["not valid JSON"]


@pytest.mark.skipif(SPARK_MISSING is not None, reason=SPARK_MISSING or "")
def test_changes_without_old_images_remove_the_key_everywhere(run_pw, offline_env, tmp_path):
    """A MODIFY or REMOVE without an old image (a NEW_IMAGE stream): the C pipeline applies
    what it read so far and searches every partition for the key from then on; the job drops
    the key's earlier rows from every partition. The lakes are the same (the C run's
    rows_written and partitions_written also count that extra publication)."""
    records, dims = gen_stream.generate(300, seed=5, campaigns=25)
    c, day1, day5 = Changes(), "2024-06-01T10:00:00Z", "2024-06-05T10:00:00Z"
    c.put("INSERT", "no-old-move", image("no-old-move", day1, "1"))
    c.put("MODIFY", "no-old-move", image("no-old-move", day5, "2"), old=None)
    c.put("INSERT", "no-old-gone", image("no-old-gone", day1, "1"))
    c.put("REMOVE", "no-old-gone", None, old=None)
    stream = tmp_path / "s.jsonl"
    stream.write_text("".join(json.dumps(r) + "\n" for r in records[:150] + c.records + records[150:]))
    gen_stream.dump_lines(str(tmp_path / "dim.json"), dims, wrap="Item")
    cfg = Config.from_spec(WHITECUBE)
    a, b = tmp_path / "A", tmp_path / "B"
    r = run_pw(["-f", WHITECUBE, "--output", "json", "pipeline", "run", "--from-file", stream,
                "--dimension-file", tmp_path / "dim.json", "--to", f"file://{a}"],
               env=offline_env, timeout=120)
    assert r.rc == 0, r.err
    c_report = json.loads(r.out)
    spark_report = spark_submit(job_arguments(WHITECUBE, stream, tmp_path / "dim.json", b,
                                              source_format="stream"), tmp_path)
    for k in ("records", "inserted", "modified", "removed", "quarantined"):
        assert spark_report[k] == c_report[k], k
    la, lb = lake_files(a, cfg.prefix), lake_files(b, cfg.prefix)
    assert sorted(la) == sorted(lb)
    for k in la:
        assert la[k] == lb[k], k
    got = partition_rows(cfg, lb)
    users = {p: {dict(r)["userID"].value for r in rows} for p, rows in got.items()}
    assert "no-old-move" in users["createdAt_date=2024-06-05"]
    assert all("no-old-move" not in u for p, u in users.items() if p != "createdAt_date=2024-06-05")
    assert all("no-old-gone" not in u for u in users.values())
