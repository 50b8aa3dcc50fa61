"""`pipewright pipeline run --from-file` with a file:// lake, no AWS endpoint: every row the
binary writes is compared with the independent reference (transform_ref.py, written from
docs/transform.md), partition by partition, in file order."""

from __future__ import annotations

import copy
import gzip
import json
import os
import random
import sys
from pathlib import Path

import pytest

from lakeread import expected_rows, parse_part
from transform_ref import Cell, Config, Reference
from util import REPO, load_json, to_dynamodb_json

sys.path.insert(0, str(REPO / "tests" / "bench"))
import gen_stream  # noqa: E402

WHITECUBE = REPO / "examples" / "whitecube" / "pipewright.yaml"
ECOMMERCE = REPO / "examples" / "ecommerce" / "pipewright.yaml"
DATA = REPO / "examples" / "whitecube" / "data"


# ---- helpers ------------------------------------------------------------------------------

def write_lines(path: Path, records, wrap=None):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps({wrap: r} if wrap else r, separators=(",", ":")) + "\n")
    return path


def record(op, key_names, new=None, old=None, seq=None):
    src = new if new is not None else old
    d = {"Keys": {k: src[k] for k in key_names if k in src}}
    if new is not None:
        d["NewImage"] = new
    if old is not None:
        d["OldImage"] = old
    if seq is not None:
        d["SequenceNumber"] = f"{seq:021d}"
    return {"eventName": op, "dynamodb": d}


def parse_report(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        name = name.strip()
        if value.isdigit():
            out[name.replace(" ", "_")] = int(value)
    return out


class Lake:
    """A file:// lake as a reader sees it: partition links, their files."""

    def __init__(self, root: Path, cfg: Config):
        self.root = root
        self.cfg = cfg
        self.table = root / cfg.prefix.rstrip("/")

    def partitions(self) -> dict:
        out = {}
        if not self.table.exists():
            return out
        for p in sorted(self.table.iterdir()):
            if p.name.startswith((".", "_")):
                continue
            assert p.is_symlink(), f"{p} is not a partition link"
            rows = []
            files = sorted(f for f in p.iterdir() if f.name.startswith("part-"))
            for f in files:
                rows += parse_part(self.cfg, f.name, f.read_bytes())
            out[p.name] = rows
        return out

    def links(self) -> dict:
        return {p.name: os.readlink(p) for p in self.table.iterdir() if p.is_symlink()}

    def versions(self) -> list:
        store = self.root / (self.cfg.prefix.rstrip("/") + "_versions")
        return sorted(str(v.relative_to(store)) for v in store.glob("*/v=*"))

    def quarantine(self) -> list:
        out = []
        for f in sorted((self.root / self.cfg.quarantine_prefix).glob("q-*.jsonl.gz")):
            out += [json.loads(line) for line in gzip.decompress(f.read_bytes()).splitlines()]
        return out


def expect_lake(lake: Lake, ref: Reference):
    got = lake.partitions()
    want = expected_rows(lake.cfg, ref.lake())
    assert sorted(got) == sorted(want), "partitions differ"
    for p in want:
        assert len(got[p]) == len(want[p]), f"{p}: {len(got[p])} rows, expected {len(want[p])}"
        for i, (g, w) in enumerate(zip(got[p], want[p])):
            assert g == w, f"{p} row {i}:\n got  {g}\n want {w}"


@pytest.fixture
def pw(run_pw, offline_env, tmp_path):
    def _pw(*args, spec=WHITECUBE, ok=True):
        r = run_pw(["-f", spec, "pipeline", "run", *args], env=offline_env, timeout=300)
        if ok:
            assert r.rc == 0, f"exit {r.rc}: {r.err}"
        return r
    return _pw


def whitecube_dimension(tmp_path, items):
    return write_lines(tmp_path / "dim.jsonl", items, wrap="Item")


# ---- the campaign example ----------------------------------------------------------------------

def test_whitecube_sample_gives_two_rows(pw, tmp_path):
    users = [to_dynamodb_json(i) for i in load_json(DATA / "user_campaign.json")]
    dims = [to_dynamodb_json(i) for i in load_json(DATA / "campaign_info.json")]
    src = write_lines(tmp_path / "s.jsonl",
                      [record("INSERT", ["userID", "campaignID"], u, seq=i + 1)
                       for i, u in enumerate(users)])
    lake_dir = tmp_path / "lake"
    r = pw("--from-file", src, "--dimension-file", whitecube_dimension(tmp_path, dims),
           "--to", f"file://{lake_dir}")
    rep = parse_report(r.out)
    assert rep["records"] == 1 and rep["inserted"] == 1 and rep["rows_written"] == 2
    assert rep["partitions_written"] == 1 and rep["quarantined"] == 0

    cfg = Config.from_spec(WHITECUBE)
    lake = Lake(lake_dir, cfg)
    got = lake.partitions()
    assert list(got) == ["createdAt_date=2024-01-01"]
    rows = [dict(r) for r in got["createdAt_date=2024-01-01"]]
    assert [r["taskID"].value for r in rows] == ["task002", "task005"]
    assert [r["taskDeadline"].value for r in rows] == ["2024-01-20T23:59:59Z",
                                                      "2024-05-20T23:59:59Z"]
    assert [c for c, _ in got["createdAt_date=2024-01-01"][0]] == [c.name for c in cfg.columns]
    # Real data passed through unchanged: rewards that do not add up, a task validated late.
    assert rows[0]["totalTaskRewardsEarned"] == Cell("num", "20")
    assert [r["rewardEarned"].value for r in rows] == ["20", "30"]
    assert rows[1]["validatedAt"] == Cell("str", "2024-05-10T00:00:00Z")
    assert rows[0]["validationFailureReason"] == Cell("str", "")

    ref = Reference(cfg, dims)
    ref.apply_records(json.loads(line) for line in src.read_text().splitlines())
    expect_lake(lake, ref)


def generated(tmp_path, n, seed=7, campaigns=40, edge=True):
    records, dims = gen_stream.generate(n, seed=seed, campaigns=campaigns, edge=edge)
    return records, dims


def test_generated_workload_matches_reference(pw, tmp_path):
    records, dims = generated(tmp_path, 3000)
    src = write_lines(tmp_path / "s.jsonl.gz", records)
    lake_dir = tmp_path / "lake"
    r = pw("--from-file", src, "--dimension-file", whitecube_dimension(tmp_path, dims),
           "--to", f"file://{lake_dir}", "--batch-records", "700")
    rep = parse_report(r.out)
    cfg = Config.from_spec(WHITECUBE)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    for k, v in ref.counts.items():
        assert rep[k] == v, f"{k}: {rep[k]} reported, {v} expected"
    assert rep["batches"] == 5
    assert ref.counts["quarantined"] > 10 and ref.counts["empty"] > 10
    assert ref.counts["unmatched"] > 10 and ref.counts["modified"] > 100
    lake = Lake(lake_dir, cfg)
    expect_lake(lake, ref)
    # Every bad record is in the quarantine, with the reason the decision table gives.
    q = lake.quarantine()
    assert sorted(e["reason"] for e in q) == sorted(ref.quarantine)
    for e in q:
        assert e["source"] == "s.jsonl.gz" and e["line"] >= 1
        assert records[e["line"] - 1] == e["record"]
        assert e["sequenceNumber"] == records[e["line"] - 1]["dynamodb"]["SequenceNumber"]


def test_rerun_changes_nothing(pw, tmp_path):
    records, dims = generated(tmp_path, 1500, seed=3)
    src = write_lines(tmp_path / "s.jsonl", records)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    first = parse_report(pw("--from-file", src, "--dimension-file", dim, "--to",
                            f"file://{lake_dir}").out)
    cfg = Config.from_spec(WHITECUBE)
    lake = Lake(lake_dir, cfg)
    links, rows = lake.links(), lake.partitions()
    again = parse_report(pw("--from-file", src, "--dimension-file", dim, "--to",
                            f"file://{lake_dir}").out)
    assert again["partitions_written"] == 0 and again["rows_written"] == 0
    assert again["partitions_unchanged"] == first["partitions_written"]
    assert lake.links() == links
    assert lake.partitions() == rows
    # In smaller batches the replay passes through older states of items, and ends the same.
    pw("--from-file", src, "--to", f"file://{lake_dir}", "--batch-records", "400")
    assert lake.partitions() == rows
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(lake, ref)


def test_changes_across_runs_and_batches(pw, tmp_path):
    """The lake after several runs (any batch sizes) equals the reference of all records."""
    records, dims = generated(tmp_path, 2400, seed=11)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    cuts = [0, 500, 1300, 2400]
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        src = write_lines(tmp_path / f"s{i}.jsonl", records[a:b])
        pw("--from-file", src, "--dimension-file", dim, "--to", f"file://{lake_dir}",
           "--batch-records", str(97 * (i + 1)))
    cfg = Config.from_spec(WHITECUBE)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(lake_dir, cfg), ref)


def test_replaying_a_suffix_converges(pw, tmp_path):
    """A runner killed after writing but before its checkpoint replays records already in the
    lake: the lake ends as if each record had been applied once."""
    records, dims = generated(tmp_path, 1600, seed=5)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    pw("--from-file", write_lines(tmp_path / "a.jsonl", records[:1200]), "--dimension-file", dim,
       "--to", f"file://{lake_dir}")
    pw("--from-file", write_lines(tmp_path / "b.jsonl", records[700:]), "--dimension-file", dim,
       "--to", f"file://{lake_dir}", "--batch-records", "50")
    cfg = Config.from_spec(WHITECUBE)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(lake_dir, cfg), ref)


def test_dimension_change_reenriches_rows(pw, tmp_path):
    records, dims = generated(tmp_path, 1200, seed=13, campaigns=12, edge=False)
    lake_dir = tmp_path / "lake"
    src = write_lines(tmp_path / "s.jsonl", records)
    pw("--from-file", src, "--dimension-file", whitecube_dimension(tmp_path, dims), "--to",
       f"file://{lake_dir}")
    cfg = Config.from_spec(WHITECUBE)
    lake = Lake(lake_dir, cfg)
    before = lake.partitions()

    changed = copy.deepcopy(dims)
    for t in changed[3]["campaignTasks"]["L"]:          # new deadlines for campaign 103
        t["M"]["taskDeadline"] = {"S": "2031-06-30T12:00:00Z"}
    del changed[5]                                      # campaign 105 is gone: unmatched
    dim2 = write_lines(tmp_path / "dim2.jsonl", changed, wrap="Item")
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    rep = parse_report(pw("--from-file", empty, "--dimension-file", dim2, "--to",
                          f"file://{lake_dir}").out)
    assert rep["records"] == 0 and rep["dimension_changes"] == 2
    ref = Reference(cfg, changed)
    ref.apply_records(records)
    expect_lake(lake, ref)
    after = lake.partitions()
    touched = {p for p in after if after[p] != before.get(p)}
    assert touched and rep["partitions_written"] == len(touched)
    deadlines = {c.value for rows in after.values() for r in rows for k, c in r
                 if k == "taskDeadline" and c}
    assert "2031-06-30T12:00:00Z" in deadlines

    # Without --dimension-file the lake's own copy is used: nothing changes.
    rep = parse_report(pw("--from-file", src, "--to", f"file://{lake_dir}").out)
    assert rep["dimension_changes"] == 0 and rep["partitions_written"] == 0
    expect_lake(lake, ref)


def test_export_is_a_snapshot(pw, tmp_path):
    records, dims = generated(tmp_path, 1500, seed=17)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    pw("--from-file", write_lines(tmp_path / "s.jsonl", records), "--dimension-file", dim,
       "--to", f"file://{lake_dir}")
    cfg = Config.from_spec(WHITECUBE)
    full = Reference(cfg, dims)
    full.apply_records(records)
    # An export of some of the items: the lake becomes exactly its transform.
    items = [full.items[k] for k in sorted(full.items)][::3]
    exp = write_lines(tmp_path / "export.json.gz", items, wrap="Item")
    rep = parse_report(pw("--from-file", exp, "--to", f"file://{lake_dir}",
                          "--batch-records", "150").out)
    assert rep["records"] == len(items) and rep["inserted"] == len(items)
    ref = Reference(cfg, dims)
    ref.apply_records({"Item": i} for i in items)
    lake = Lake(lake_dir, cfg)
    expect_lake(lake, ref)
    assert rep["partitions_removed"] == len(set(full.lake()) - set(ref.lake()))
    # The same export again writes nothing.
    again = parse_report(pw("--from-file", exp, "--to", f"file://{lake_dir}").out)
    assert again["partitions_written"] == 0 and again["partitions_removed"] == 0


def test_stream_without_old_images(pw, tmp_path):
    """A new-image stream: modifies and removes carry no OldImage, so the rows are found by
    their key wherever they are."""
    cfg = Config.from_spec(WHITECUBE)
    records, dims = generated(tmp_path, 900, seed=19, edge=False)
    rng = random.Random(4)
    moved = []
    for rec in records:
        rec["dynamodb"].pop("OldImage", None)
        if rec["eventName"] == "MODIFY" and rng.random() < 0.5:   # to another partition
            rec["dynamodb"]["NewImage"]["createdAt"] = {"S": "2023-12-31T23:00:00+05:00"}
            moved.append(rec)
    assert moved
    lake_dir = tmp_path / "lake"
    pw("--from-file", write_lines(tmp_path / "s.jsonl", records), "--dimension-file",
       whitecube_dimension(tmp_path, dims), "--to", f"file://{lake_dir}", "--batch-records", "300")
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(lake_dir, cfg), ref)
    assert "createdAt_date=2023-12-31" in ref.lake()


def test_bad_lines_are_quarantined_and_the_run_goes_on(pw, tmp_path):
    users = [to_dynamodb_json(i) for i in load_json(DATA / "user_campaign.json")]
    dims = [to_dynamodb_json(i) for i in load_json(DATA / "campaign_info.json")]
    good = json.dumps(record("INSERT", ["userID", "campaignID"], users[0], seq=9))
    huge = json.dumps(record("INSERT", ["userID", "campaignID"],
                             dict(users[0], blob={"S": "x" * (5 << 20)})))
    src = tmp_path / "s.jsonl"
    src.write_text("\n".join([
        "{not json",
        json.dumps({"eventName": "TRUNCATE", "dynamodb": {}}),
        json.dumps({"Item": users[0]}),
        huge,
        json.dumps({"eventName": "INSERT", "dynamodb": {"Keys": {"userID": {"S": "u"}}}}),
        "",
        good,
    ]) + "\n")
    lake_dir = tmp_path / "lake"
    rep = parse_report(pw("--from-file", src, "--dimension-file",
                          whitecube_dimension(tmp_path, dims), "--to", f"file://{lake_dir}").out)
    assert rep["records"] == 6 and rep["quarantined"] == 5 and rep["rows_written"] == 2
    q = Lake(lake_dir, Config.from_spec(WHITECUBE)).quarantine()
    reasons = {e["line"]: e["reason"] for e in q}
    assert reasons[1] == "not valid JSON"
    assert "unknown eventName 'TRUNCATE'" in reasons[2]
    assert reasons[3] == "an export line in a file of stream records"
    assert reasons[4].startswith("record longer than 4194304 bytes")
    assert "without a NewImage" in reasons[5]
    assert q[0]["record"] == "{not json"
    assert len([e for e in q if e["line"] == 4][0]["record"]) == 256


def test_old_versions_go_after_the_grace_period(pw, tmp_path):
    records, dims = generated(tmp_path, 600, seed=23, campaigns=5, edge=False)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    cfg = Config.from_spec(WHITECUBE)
    lake = Lake(lake_dir, cfg)
    pw("--from-file", write_lines(tmp_path / "a.jsonl", records[:300]), "--dimension-file", dim,
       "--to", f"file://{lake_dir}")
    rep = parse_report(pw("--from-file", write_lines(tmp_path / "b.jsonl", records[300:]),
                          "--to", f"file://{lake_dir}").out)
    assert rep["old_versions_removed"] == 0
    assert len(lake.versions()) > len(lake.links())
    rep = parse_report(pw("--from-file", tmp_path / "b.jsonl", "--to", f"file://{lake_dir}",
                          "--grace", "0").out)
    assert rep["old_versions_removed"] > 0
    current = {f"{p}/{Path(t).name}" for p, t in lake.links().items()}
    assert set(lake.versions()) == current


# ---- other examples and modes -------------------------------------------------------------

def invoice(no, code, date, customer="17850", qty="6", price="2.55"):
    item = {"InvoiceNo": {"S": no}, "StockCode": {"S": code}, "Description": {"S": "WHITE MUG, \"large\""},
            "Quantity": {"N": qty}, "InvoiceDate": {"S": date}, "UnitPrice": {"N": price},
            "Country": {"S": "United Kingdom"}}
    if customer is not None:
        item["CustomerID"] = {"S": customer}
    return item


def test_ecommerce_csv_with_non_iso_dates(pw, tmp_path):
    items = [invoice("536365", "85123A", "12/1/2010 8:26"),
             invoice("536365", "71053", "12/1/2010 8:26", qty="-1"),
             invoice("536366", "22633", "12/1/2010 23:59", price="1.8500"),
             invoice("536367", "84879", "1/12/2011 9:02", customer=None),     # quarantined
             invoice("536368", "22960", "13/1/2011 9:02"),                    # not a date
             invoice("536369", "21756", "2/3/2011 10:00", customer="")]
    recs = [record("INSERT", ["InvoiceNo", "StockCode"], i, seq=n + 1) for n, i in enumerate(items)]
    recs.append(record("MODIFY", ["InvoiceNo", "StockCode"], invoice("536365", "85123A",
                                                                     "12/2/2010 8:26"),
                       old=items[0], seq=50))
    src = write_lines(tmp_path / "s.jsonl", recs)
    lake_dir = tmp_path / "lake"
    rep = parse_report(pw("--from-file", src, "--to", f"file://{lake_dir}", spec=ECOMMERCE).out)
    cfg = Config.from_spec(ECOMMERCE)
    assert cfg.fmt == "csv" and cfg.partition_as == "invoice_date"
    ref = Reference(cfg)
    ref.apply_records(recs)
    assert rep["quarantined"] == ref.counts["quarantined"] == 2
    lake = Lake(lake_dir, cfg)
    expect_lake(lake, ref)
    got = lake.partitions()
    assert sorted(got) == ["invoice_date=2010-12-01", "invoice_date=2010-12-02",
                           "invoice_date=2011-01-12"][:0] + sorted(ref.lake())
    row = dict(got["invoice_date=2010-12-01"][0])
    assert row["InvoiceDate"] == "2010-12-01T08:26:00Z" and row["UnitPrice"] == "2.55"
    assert row["Description"] == 'WHITE MUG, "large"'
    assert dict(got["invoice_date=2011-02-03"][0])["CustomerID"] == ""   # empty, not null
    reasons = sorted(e["reason"] for e in lake.quarantine())
    assert reasons == ["column 'InvoiceDate': '13/1/2011 9:02' does not match the format "
                       "'%m/%d/%Y %H:%M'", "missing required attribute 'CustomerID'"]


SPEC_ALL_COLUMNS = """\
version: 1
stack: flat
region: eu-west-1
tables:
  things:
    name: things
    key: {hash: id, range: n:N}
    stream: true
pipeline:
  source: things
  explode: {attribute: parts, empty: keep}
  partition: {column: kind, granularity: value}
  output: {url: "file://lake", prefix: things/, compression: none}
"""


def test_every_attribute_without_declared_columns(pw, tmp_path):
    spec = tmp_path / "pipewright.yaml"
    spec.write_text(SPEC_ALL_COLUMNS)
    items = [
        {"id": {"S": "a"}, "n": {"N": "1"}, "kind": {"S": "x/y"}, "flag": {"BOOL": True},
         "meta": {"M": {"src": {"S": "web"}, "deep": {"M": {"v": {"N": "007.50"}}}}},
         "tags": {"SS": ["b", "a"]}, "raw": {"B": "YQ=="}, "none": {"NULL": True},
         "parts": {"L": [{"M": {"p": {"N": "1"}, "flag": {"BOOL": False}}},
                         {"M": {"p": {"N": "2"}, "l": {"L": [{"S": "q"}, {"N": "3"}]}}}]}},
        {"id": {"S": "b"}, "n": {"N": "2"}, "parts": {"L": []}},
        {"id": {"S": "c"}, "n": {"N": "3"}, "kind": {"S": ""}},
    ]
    recs = [record("INSERT", ["id", "n"], i) for i in items]
    src = write_lines(tmp_path / "s.jsonl", recs)
    pw("--from-file", src, spec=spec)
    cfg = Config.from_spec(spec)
    ref = Reference(cfg)
    ref.apply_records(recs)
    lake = Lake(tmp_path / "lake", cfg)
    expect_lake(lake, ref)
    got = lake.partitions()
    assert sorted(got) == ["kind_value=__HIVE_DEFAULT_PARTITION__", "kind_value=x%2Fy"]
    first = dict(got["kind_value=x%2Fy"][0])
    assert first["meta_deep_v"] == Cell("num", "7.50") and first["flag"] == Cell("bool", False)
    assert first["tags"] == Cell("json", ("arr", [("str", "b"), ("str", "a")]))
    assert first["none"] is None and first["raw"] == Cell("str", "YQ==")
    second = dict(got["kind_value=x%2Fy"][1])
    assert second["l"] == Cell("json", ("arr", [("str", "q"), ("num", "3")]))
    assert second["flag"] == Cell("bool", True) and second["p"] == Cell("num", "2")
    assert len(got["kind_value=__HIVE_DEFAULT_PARTITION__"]) == 2


# ---- the command line -------------------------------------------------------------------------

def test_usage_and_errors(run_pw, offline_env, tmp_path):
    def run(*args, spec=WHITECUBE):
        return run_pw(["-f", spec, "pipeline", *args], env=offline_env)
    r = run("run", "--once", "--follow")
    assert r.rc == 64 and "--once and --follow exclude each other" in r.err
    r = run("run", "--from-file", "x", "--follow")
    assert r.rc == 64 and "not with --from-file" in r.err
    r = run("run", "--max-records", "0")
    assert r.rc == 64 and "--max-records" in r.err
    r = run("run", "--from-file", "x", "--batch-records", "0")
    assert r.rc == 64 and "--batch-records" in r.err
    r = run("rnu")
    assert r.rc == 64 and "did you mean 'run'" in r.err
    r = run("-h")
    assert r.rc == 0 and "run" in r.out
    r = run("run", "-h")
    assert r.rc == 0 and "--from-file FILE" in r.out
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    r = run("run", "--from-file", empty)     # the spec's bucket: AWS is needed, and unreachable
    assert r.rc in (1, 4) and "sts GetCallerIdentity" in r.err
    r = run("run", "--from-file", tmp_path / "missing.jsonl", "--to", f"file://{tmp_path}/l")
    assert r.rc == 1 and "missing.jsonl" in r.err
    r = run("run", "--from-file", empty, "--to", f"file://{tmp_path}/l2")
    assert r.rc == 1 and "--dimension-file" in r.err and "campaign_info" in r.err


def test_a_truncated_gzip_input_fails_and_writes_nothing(pw, tmp_path):
    """A gzip file cut short is missing records: the run fails and commits nothing, rather
    than taking the records it could read as the whole file. The same file whole goes in."""
    records, dims = generated(tmp_path, 3000, seed=5)
    whole = write_lines(tmp_path / "s.jsonl.gz", records)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    dim = whitecube_dimension(tmp_path, dims)
    r = pw("--from-file", cut, "--dimension-file", dim, "--to", f"file://{tmp_path / 'a'}", ok=False)
    assert r.rc == 1 and "cut.jsonl.gz" in r.err and "middle of its gzip stream" in r.err, r.err
    lake = Lake(tmp_path / "a", Config.from_spec(WHITECUBE))
    assert lake.partitions() == {} and lake.versions() == [] and lake.quarantine() == []
    r = pw("--from-file", whole, "--dimension-file", dim, "--to", f"file://{tmp_path / 'b'}")
    assert parse_report(r.out)["records"] == len(records)


ORDERS = REPO / "examples" / "orders" / "pipewright.yaml"


def test_orders_change_log(pw, tmp_path):
    """mode: changes also keeps every change, append-only, beside the current state."""
    def order(oid, qty, price, day):
        return {"orderid": {"S": oid}, "product_name": {"S": "Laptop"}, "quantity": {"N": qty},
                "price": {"N": price}, "createdAt": {"S": f"2024-01-{day:02d}T10:00:00Z"}}
    o1, o2 = order("o1", "1", "499.90", 1), order("o2", "2", "10.00", 2)
    o1b = order("o1", "3", "1499.70", 1)
    recs = [record("INSERT", ["orderid"], o1, seq=1), record("INSERT", ["orderid"], o2, seq=2),
            record("MODIFY", ["orderid"], o1b, old=o1, seq=3),
            record("REMOVE", ["orderid"], old=o2, seq=4)]
    for r, t in zip(recs, (1704103200, 1704103201, 1704103202, 1704103203)):
        r["dynamodb"]["ApproximateCreationDateTime"] = t
    src = write_lines(tmp_path / "s.jsonl", recs)
    lake_dir = tmp_path / "lake"
    pw("--from-file", src, "--to", f"file://{lake_dir}", spec=ORDERS)
    cfg = Config.from_spec(ORDERS)
    ref = Reference(cfg)
    ref.apply_records(recs)
    expect_lake(Lake(lake_dir, cfg), ref)
    logs = sorted((lake_dir / "orders_changes").glob("*.jsonl.gz"))
    assert [p.name for p in logs] == [f"c-{1:021d}-{4:021d}.jsonl.gz"]
    lines = [json.loads(x, parse_float=str, parse_int=str)
             for x in gzip.decompress(logs[0].read_bytes()).splitlines()]
    assert [x["op"] for x in lines] == ["INSERT", "INSERT", "MODIFY", "REMOVE"]
    assert [x["sequenceNumber"] for x in lines] == [f"{i:021d}" for i in (1, 2, 3, 4)]
    assert [x["keys"] for x in lines] == [{"orderid": k} for k in ("o1", "o2", "o1", "o2")]
    assert lines[2]["newImage"]["price"] == "1499.70" and lines[3]["newImage"] is None
    assert lines[0]["approximateCreationDateTime"] == "1704103200"
    # The same changes again: the same object, not a second copy.
    pw("--from-file", src, "--to", f"file://{lake_dir}", spec=ORDERS)
    assert sorted((lake_dir / "orders_changes").glob("*.jsonl.gz")) == logs


def test_two_runners_on_one_lake_lose_nothing(pipewright, offline_env, tmp_path):
    """Two runs at once (as two runners on two shards would), their items landing in the same
    partitions: the writers' lock keeps either from overwriting the other's batch."""
    import subprocess
    records, dims = generated(tmp_path, 2000, seed=31, campaigns=10, edge=False)
    dim = whitecube_dimension(tmp_path, dims)
    lake_dir = tmp_path / "lake"
    # A shard holds every change of its keys: split by key.
    shards = ([], [])
    for r in records:
        k = r["dynamodb"]["Keys"]["userID"]["S"]
        shards[int(k[-1]) % 2].append(r)
    # The dimension first, so that neither run starts from an empty lake.
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    subprocess.run([pipewright, "-f", WHITECUBE, "pipeline", "run", "--from-file", empty,
                    "--dimension-file", dim, "--to", f"file://{lake_dir}"], env=offline_env,
                   check=True, capture_output=True)
    procs = [subprocess.Popen([pipewright, "-f", WHITECUBE, "pipeline", "run", "--from-file",
                               write_lines(tmp_path / f"shard{i}.jsonl", shards[i]), "--to",
                               f"file://{lake_dir}", "--batch-records", "97"],
                              env=offline_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for i in (0, 1)]
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
        assert parse_report(out.decode())["batches"] > 5
    cfg = Config.from_spec(WHITECUBE)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(lake_dir, cfg), ref)
