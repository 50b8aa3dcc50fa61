"""The pipeline's input side: capture from DynamoDB Streams with durable checkpoints and leases,
`pipeline status` and `pipeline reset`, on moto with signature checking on, verified with boto3.

The capture API (pipeline/capture.h) is driven by tests/tools/capture_driver, built beside the
binary, until `pipeline run` drives it: one JSON line per command (next, commit, drain, shards).

moto's DynamoDB Streams (5.x) is partial: one open shard per table, always with the same
ShardId, no EndingSequenceNumber, DescribeStream in one page, iterators that never expire and
data never trimmed. The tests that need more — shards with parents, closed shards, paging,
expired iterators, trimmed data, several shards for two runners to share — point the binary's
Streams endpoint at tests/e2e/fakestreams.py (AWS_ENDPOINT_URL_DYNAMODB_STREAMS), which checks
every signature with botocore; DynamoDB (the source table, the checkpoints) stays on moto.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from countingproxy import CountingProxy  # noqa: E402
from fakestreams import FakeShard, FakeStreams  # noqa: E402
from onlinestack import moto_stream_records  # noqa: E402
from util import SANITIZER_REPORT, one_error_line, out_json, pipewright_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "tests" / "e2e" / "provision" / "capture.yaml"
OTHER_SPEC = ROOT / "tests" / "e2e" / "provision" / "lake.yaml"
SOURCE = "Facts-e2e"
CHECKPOINTS = "pwcap-checkpoints-e2e"
PIPELINE = "facts_lake"
MOTO_SHARD = "shardId-00000001541626099285-f35f62ef"   # moto's one shard, whatever the table

pytestmark = pytest.mark.clean_moto


def driver_path() -> Path:
    return pipewright_path().parent / "tests" / "tools" / "capture_driver"


class Driver:
    """One capture session in a capture_driver process."""

    def __init__(self, env: dict, *args: str):
        path = driver_path()
        if not os.access(path, os.X_OK):
            pytest.fail(f"no capture driver at {path}: run `make {path.relative_to(ROOT)}`",
                        pytrace=False)
        self.p = subprocess.Popen([str(path), "-f", str(SPEC), *args], env=env, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, bufsize=1)
        self.lines: queue.Queue = queue.Queue()
        self.err = ""
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()
        self.opened = self.read()
        assert "open" in self.opened, f"the session did not open: {self.opened}\n{self.err}"
        self.runner = self.opened["open"]["runner"]

    def _pump(self):
        for line in self.p.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _pump_err(self):
        self.err = self.p.stderr.read()

    def read(self, timeout: float = 60) -> dict:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"capture_driver gave no answer in {timeout} s", pytrace=False)
        if line is None:
            self.p.wait(10)
            self._check_stderr()
            pytest.fail(f"capture_driver ended (exit {self.p.returncode}): {self.err[-3000:]}",
                        pytrace=False)
        return json.loads(line)

    def send(self, command: str):
        self.p.stdin.write(command + "\n")
        self.p.stdin.flush()

    def ask(self, command: str, timeout: float = 60) -> dict:
        self.send(command)
        return self.read(timeout)

    def next(self, timeout: float = 60) -> dict:
        return self.ask("next", timeout)

    def commit(self) -> dict:
        return self.ask("commit")

    def drain(self, timeout: float = 120) -> list[dict]:
        """Every batch handed out (each committed) until the session is idle."""
        self.send("drain")
        batches = []
        while True:
            j = self.read(timeout)
            if "batch" in j:
                batches.append(j["batch"])
            else:
                assert j.get("idle"), f"drain stopped: {j}"
                return batches

    def shards(self) -> dict:
        return {s["shard"]: s for s in self.ask("shards")["shards"]}

    def _check_stderr(self):
        if SANITIZER_REPORT.search(self.err):
            pytest.fail(f"capture_driver: sanitizer report:\n{self.err[-6000:]}", pytrace=False)

    def close(self):
        """quit: the session lets its leases go."""
        if self.p.poll() is None:
            self.send("quit")
            self.p.stdin.close()
            self.p.wait(30)
        time.sleep(0.05)   # let the stderr pump finish
        self._check_stderr()
        assert self.p.returncode == 0, f"capture_driver exit {self.p.returncode}: {self.err}"

    def kill(self):
        """SIGKILL: nothing released, nothing committed after this instant."""
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(10)


@pytest.fixture
def stack(run_pw, pw_env):
    r = run_pw(["-f", SPEC, "up", "--yes"], env=pw_env, timeout=180)
    assert r.rc == 0, f"up failed ({r.rc}):\n{r.out}\n{r.err}"
    return pw_env


@pytest.fixture
def drivers():
    started: list[Driver] = []

    def start(env, *args):
        d = Driver(env, *args)
        started.append(d)
        return d
    yield start
    for d in started:
        if d.p.poll() is None:
            d.kill()


def status(run_pw, env, *extra):
    return run_pw(["-f", SPEC, "pipeline", "status", "--output", "json", *extra], env=env)


def checkpoint_items(boto, pipeline=PIPELINE) -> dict:
    items = boto("dynamodb").scan(TableName=CHECKPOINTS, ConsistentRead=True)["Items"]
    return {i["shard"]["S"]: i for i in items if i["pipeline"]["S"] == pipeline}


def stream_records(boto) -> list[dict]:
    """Every record moto's stream of the source table holds, read with boto3."""
    return moto_stream_records(boto("dynamodb"), boto("dynamodbstreams"), SOURCE)


def seqs(batches) -> list[str]:
    return [r["dynamodb"]["SequenceNumber"] for b in batches for r in b["records"]]


def write_changes(boto, start: int, n: int):
    """n changes: puts of new items, then an update and a delete of earlier ones."""
    d = boto("dynamodb")
    for i in range(start, start + n):
        if i % 5 == 3:
            d.update_item(TableName=SOURCE, Key={"id": {"S": f"item-{i - 2}"}},
                          UpdateExpression="SET v = :v",
                          ExpressionAttributeValues={":v": {"N": "7"}})
        elif i % 5 == 4:
            d.delete_item(TableName=SOURCE, Key={"id": {"S": f"item-{i - 3}"}})
        else:
            d.put_item(TableName=SOURCE, Item={"id": {"S": f"item-{i}"}, "v": {"N": str(i)}})


# ---- moto: one shard --------------------------------------------------------------------------


def test_status_shows_the_shard_then_the_committed_checkpoint_and_lease(run_pw, stack, boto,
                                                                         drivers):
    write_changes(boto, 0, 10)
    events = [r["eventName"] for r in stream_records(boto)]
    assert len(events) == 10 and {"INSERT", "MODIFY", "REMOVE"} <= set(events)

    st = out_json(status(run_pw, stack))
    assert st["pipeline"] == PIPELINE and st["source_table"] == SOURCE
    assert st["checkpoint_table"] == CHECKPOINTS
    assert st["stream_arn"] == boto("dynamodb").describe_table(
        TableName=SOURCE)["Table"]["LatestStreamArn"]
    [sh] = st["shards"]
    assert sh["shard_id"] == MOTO_SHARD and sh["state"] == "open"
    assert sh["checkpoint"] is None and sh["lease"] is None and not sh["finished"]
    assert sh["records_behind"] == 10 and not sh["records_behind_at_least"]
    assert sh["lag_seconds"] >= 0 and sh["oldest_unprocessed_at"]

    d = drivers(stack, "--limit", "4", "--lease-ms", "120000")
    first = d.next()["batch"]
    assert first["n"] == 4 and first["shard"] == MOTO_SHARD
    assert d.commit()["committed"]["last"] == first["last"]
    second = d.next()["batch"]          # handed out, not committed
    assert second["first"] != first["first"]

    st = out_json(status(run_pw, stack))
    [sh] = st["shards"]
    assert sh["checkpoint"] == first["last"]
    assert sh["records_behind"] == 6    # the uncommitted batch still counts as behind
    assert sh["lease"]["owner"] == d.runner and not sh["lease"]["expired"]
    left_ms = sh["lease"]["expires_ms"] - time.time() * 1000
    assert 60000 < left_ms <= 121000, left_ms
    # The text form says the same, in columns.
    r = run_pw(["-f", SPEC, "pipeline", "status"], env=stack)
    assert r.rc == 0, r.err
    row = [line for line in r.out.splitlines() if line.startswith(MOTO_SHARD)][0].split()
    assert row[1:5] == ["-", "open", first["last"], "6"] and d.runner in row

    # What the table holds, read independently.
    item = checkpoint_items(boto)[MOTO_SHARD]
    assert item["sequence"]["S"] == first["last"]
    assert item["sequence_order"]["S"] == first["last"].rjust(40, "0")
    assert item["owner"]["S"] == d.runner
    d.close()
    item = checkpoint_items(boto)[MOTO_SHARD]
    assert "owner" not in item and "lease_expires" not in item   # released at close
    assert out_json(status(run_pw, stack))["shards"][0]["lease"] is None


def test_every_change_is_handed_out_once_across_runs(stack, boto, drivers):
    """Runs that commit some batches and stop; changes written between runs; in the end every
    record of the stream was committed exactly once, in stream order."""
    write_changes(boto, 0, 13)
    committed = []
    # Run 1: commits two batches, hands out a third and quits without committing it.
    d = drivers(stack, "--limit", "3")
    for _ in range(2):
        committed.append(d.next()["batch"])
        d.commit()
    uncommitted = d.next()["batch"]
    d.close()
    write_changes(boto, 13, 9)
    # Run 2 starts with the batch run 1 did not commit, then drains everything.
    d = drivers(stack, "--limit", "3")
    batches = d.drain()
    assert batches[0]["first"] == uncommitted["first"]
    committed += batches
    assert d.shards()[MOTO_SHARD]["state"] == "caught-up"
    d.close()
    # Run 3: nothing new, nothing handed out.
    d = drivers(stack, "--limit", "3")
    assert d.drain() == []
    d.close()
    write_changes(boto, 22, 4)
    d = drivers(stack, "--limit", "50")
    committed += d.drain()
    d.close()

    reference = stream_records(boto)
    assert len(reference) == 26
    got = seqs(committed)
    assert got == [r["dynamodb"]["SequenceNumber"] for r in reference]
    assert len(set(got)) == len(got)
    # The records are GetRecords' own, untouched: event names and keys as the stream has them.
    by_seq = {r["dynamodb"]["SequenceNumber"]: r for r in reference}
    for b in committed:
        for r in b["records"]:
            ref = by_seq[r["dynamodb"]["SequenceNumber"]]
            assert r["eventName"] == ref["eventName"]
            assert r["dynamodb"]["Keys"] == {"id": {"S": ref["dynamodb"]["Keys"]["id"]["S"]}}
    assert checkpoint_items(boto)[MOTO_SHARD]["sequence"]["S"] == got[-1]


def test_a_batch_not_committed_by_a_killed_runner_is_handed_out_again(stack, boto, drivers):
    write_changes(boto, 0, 6)
    a = drivers(stack, "--limit", "4", "--lease-ms", "2000")
    lost = a.next()["batch"]
    a.kill()                            # SIGKILL: its lease stays in the table until it runs out
    item = checkpoint_items(boto)[MOTO_SHARD]
    assert item["owner"]["S"] == a.runner and "sequence" not in item

    b = drivers(stack, "--limit", "4")
    again = b.next(timeout=30)["batch"]
    # It waited for the dead runner's lease to run out rather than taking it early.
    assert time.time() * 1000 >= int(item["lease_expires"]["N"])
    assert (again["first"], again["last"]) == (lost["first"], lost["last"])
    assert seqs([again]) == seqs([lost])
    b.commit()
    rest = b.drain()
    assert seqs([again] + rest) == [r["dynamodb"]["SequenceNumber"] for r in stream_records(boto)]
    # Caught up with nothing left to commit: the lease is let go at once, not at the end.
    assert b.shards()[MOTO_SHARD]["state"] == "caught-up"
    assert "owner" not in checkpoint_items(boto)[MOTO_SHARD]
    b.close()


def test_a_following_session_picks_up_later_changes(stack, boto, drivers):
    write_changes(boto, 0, 3)
    d = drivers(stack, "--follow", "--limit", "10")
    first = d.drain()
    assert len(seqs(first)) == 3
    assert d.next() == {"idle": True, "outstanding": 0}
    write_changes(boto, 3, 4)
    later = d.next()["batch"]
    d.commit()
    assert seqs(first + [later]) == [r["dynamodb"]["SequenceNumber"] for r in stream_records(boto)]
    # Following, the session keeps its shard (and its lease) between polls.
    assert d.shards()[MOTO_SHARD]["state"] == "active"
    assert checkpoint_items(boto)[MOTO_SHARD]["owner"]["S"] == d.runner
    d.close()
    assert "owner" not in checkpoint_items(boto)[MOTO_SHARD]


def test_a_following_session_takes_over_a_dead_runners_shard(stack, boto, drivers):
    write_changes(boto, 0, 4)
    a = drivers(stack, "--limit", "2", "--lease-ms", "1500")
    lost = a.next()["batch"]
    a.kill()
    b = drivers(stack, "--follow", "--limit", "2")
    # Following, a held shard is not waited for inside a call: idle now, taken once it runs out.
    assert b.next() == {"idle": True, "outstanding": 0}
    assert b.shards()[MOTO_SHARD]["state"] == "held"
    deadline = time.monotonic() + 15
    while True:
        j = b.next()
        if "batch" in j or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert j["batch"]["first"] == lost["first"]
    b.close()


def test_a_second_session_leaves_a_leased_shard_alone(stack, boto, drivers):
    write_changes(boto, 0, 5)
    a = drivers(stack, "--limit", "2", "--lease-ms", "60000")
    first = a.next()["batch"]
    # --lease-wait-ms -1: do not wait for a live runner's lease, skip its shards.
    b = drivers(stack, "--limit", "2", "--lease-wait-ms", "-1")
    assert b.next() == {"idle": True, "outstanding": 0}
    sh = b.shards()[MOTO_SHARD]
    assert sh["state"] == "skipped" and sh["holder"] == a.runner and sh["handed"] == 0
    b.close()
    # B's close must not have released A's lease.
    assert checkpoint_items(boto)[MOTO_SHARD]["owner"]["S"] == a.runner
    a.commit()
    rest = a.drain()
    assert seqs([first] + rest) == [r["dynamodb"]["SequenceNumber"] for r in stream_records(boto)]
    a.close()


def test_a_commit_is_refused_when_another_runner_holds_the_lease(stack, boto, drivers):
    write_changes(boto, 0, 6)
    d = drivers(stack, "--limit", "2", "--lease-ms", "60000")
    b1 = d.next()["batch"]
    d.commit()
    b2 = d.next()["batch"]
    # Someone else takes the shard over (as a runner would after our lease ran out).
    ddb = boto("dynamodb")
    until = int(time.time() * 1000) + 300000
    ddb.update_item(TableName=CHECKPOINTS,
                    Key={"pipeline": {"S": PIPELINE}, "shard": {"S": MOTO_SHARD}},
                    UpdateExpression="SET #o = :o, lease_expires = :e",
                    ExpressionAttributeNames={"#o": "owner"},
                    ExpressionAttributeValues={":o": {"S": "elsewhere:42:beefcafe"},
                                               ":e": {"N": str(until)}})
    refused = d.commit()
    msg = refused["error"]
    assert refused["exit"] == 1
    assert f"committing shard '{MOTO_SHARD}' of pipeline '{PIPELINE}'" in msg
    assert "the lease is held by runner 'elsewhere:42:beefcafe'" in msg
    assert f"not by this runner ({d.runner})" in msg
    item = checkpoint_items(boto)[MOTO_SHARD]
    assert item["sequence"]["S"] == b1["last"] != b2["last"]     # unchanged
    assert item["owner"]["S"] == "elsewhere:42:beefcafe"

    # Ours again, but the checkpoint is already past the batch: never moved back.
    ddb.update_item(TableName=CHECKPOINTS,
                    Key={"pipeline": {"S": PIPELINE}, "shard": {"S": MOTO_SHARD}},
                    UpdateExpression="SET #o = :o, #s = :s, sequence_order = :k",
                    ExpressionAttributeNames={"#o": "owner", "#s": "sequence"},
                    ExpressionAttributeValues={":o": {"S": d.runner},
                                               ":s": {"S": b2["last"]},
                                               ":k": {"S": b2["last"].rjust(40, "0")}})
    refused = d.commit()["error"]
    assert f"at sequence number {b2['last']}: refused: the checkpoint is already at " \
           f"{b2['last']}" in refused
    d.close()


def test_reset_deletes_this_pipelines_checkpoints_only(run_pw, stack, boto, drivers):
    write_changes(boto, 0, 4)
    d = drivers(stack, "--limit", "10")
    done = d.drain()
    d.close()
    ddb = boto("dynamodb")
    foreign = {"pipeline": {"S": "another_pipeline"}, "shard": {"S": MOTO_SHARD},
               "sequence": {"S": "1"}}
    ddb.put_item(TableName=CHECKPOINTS, Item=foreign)
    assert MOTO_SHARD in checkpoint_items(boto)

    # Not a terminal and no --yes: a usage error, nothing deleted.
    r = run_pw(["-f", SPEC, "pipeline", "reset"], env=stack)
    assert r.rc == 64 and "pass --yes" in r.err
    assert MOTO_SHARD in checkpoint_items(boto)

    r = run_pw(["-f", SPEC, "pipeline", "reset", "--yes", "--output", "json"], env=stack)
    rep = out_json(r)
    assert rep == {"pipeline": PIPELINE, "checkpoint_table": CHECKPOINTS, "deleted": 1,
                   "live_leases": []}
    assert checkpoint_items(boto) == {}
    assert list(checkpoint_items(boto, "another_pipeline")) == [MOTO_SHARD]
    st = out_json(status(run_pw, stack))
    assert st["shards"][0]["checkpoint"] is None and st["shards"][0]["records_behind"] == 4

    # The next session starts from the stream's oldest record again.
    d = drivers(stack, "--limit", "10")
    assert seqs(d.drain()) == seqs(done)
    d.close()

    r = run_pw(["-f", SPEC, "pipeline", "reset", "--yes"], env=stack)
    assert r.rc == 0 and r.out == f"deleted 1 checkpoint of pipeline {PIPELINE} from table " \
                                  f"{CHECKPOINTS}\n", r.out


def test_pipeline_commands_need_a_pipeline_in_the_spec(run_pw, pw_env):
    for sub in (["status"], ["reset", "--yes"]):
        r = run_pw(["-f", OTHER_SPEC, "pipeline", *sub], env=pw_env)
        assert r.rc == 3
        one_error_line(r, "the spec declares no pipeline")
    r = run_pw(["-f", SPEC, "pipeline", "stauts"], env=pw_env)
    assert r.rc == 64 and "did you mean 'status'" in r.err


def test_status_before_up_says_what_is_missing(run_pw, pw_env, boto):
    r = run_pw(["-f", SPEC, "pipeline", "status"], env=pw_env)
    assert r.rc == 1
    one_error_line(r, f"finding the stream of table '{SOURCE}'", "ResourceNotFoundException",
                   "`pipewright up` creates it")
    boto("dynamodb").create_table(
        TableName=SOURCE, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    r = run_pw(["-f", SPEC, "pipeline", "status"], env=pw_env)
    assert r.rc == 1
    one_error_line(r, f"reading the checkpoints of pipeline '{PIPELINE}' from table "
                      f"'{CHECKPOINTS}'", "`pipewright up` creates it")


# ---- a fake Streams endpoint: shards with parents, pages, expiry, trimmed data ------------------


@pytest.fixture
def fake(moto):
    servers: list[FakeStreams] = []

    def start(shards, **kw) -> FakeStreams:
        fs = FakeStreams(shards, moto.creds.secret, **kw)
        fs.start()
        servers.append(fs)
        return fs
    yield start
    for fs in servers:
        fs.stop()
        assert fs.signature_errors == [], fs.signature_errors


def with_fake(env: dict, fs: FakeStreams) -> dict:
    return dict(env, AWS_ENDPOINT_URL_DYNAMODB_STREAMS=fs.url)


def lineage() -> list[FakeShard]:
    """root (closed) -> left (closed) -> leaf (open); root -> right (open); orphan (open) whose
    parent aged out of the stream. Listed children first, so the order is ours to find.
    Sequence numbers in `left` go from 21 to 22 digits. Empty answers: more in a row in the
    middle of the closed root than would end an open shard's read, and some at the start of
    the open orphan."""
    root, left = "shardId-00000000000000000001-root0000", "shardId-00000000000000000002-left0000"
    return [
        FakeShard("shardId-00000000000000000004-leaf0000", parent=left, records=3),
        FakeShard("shardId-00000000000000000003-right000", parent=root, records=4),
        FakeShard(left, parent=root, records=5, closed=True, first_seq=10 ** 21 - 3),
        FakeShard(root, records=7, closed=True, empty_pages_at={3: 4}),
        FakeShard("shardId-00000000000000000005-orphan00",
                  parent="shardId-00000000000000000000-expired0", records=2,
                  empty_pages_at={0: 2}),
    ]


def test_parents_are_drained_before_children_across_pages_and_expired_iterators(
        run_pw, stack, boto, drivers, fake):
    shards = lineage()
    fs = fake(shards, expire_calls={3, 9})
    env = with_fake(stack, fs)
    arn = boto("dynamodb").describe_table(TableName=SOURCE)["Table"]["LatestStreamArn"]

    d = drivers(env, "--limit", "3", "--describe-limit", "2")
    batches = d.drain()
    by_shard = {}
    for i, b in enumerate(batches):
        by_shard.setdefault(b["shard"], []).append(i)
    # Every readable record once, in order within its shard (the empty pages in `orphan` and the
    # expired iterators lost nothing and doubled nothing).
    for sid, want in fs.all_seqs().items():
        assert seqs([b for b in batches if b["shard"] == sid]) == want, sid
    assert len(seqs(batches)) == sum(s.records for s in shards)
    # Parents first: no batch of a child before the last batch of its parent.
    ids = {s.id: s for s in shards}
    for s in shards:
        if s.parent in ids:
            assert max(by_shard[s.parent]) < min(by_shard[s.id]), (s.parent, s.id)
    # DescribeStream was read page by page (5 shards, 2 per page), from the table's own stream.
    pages = fs.ops("DescribeStream")
    assert [p.get("ExclusiveStartShardId") for p in pages[:3]] == [
        None, shards[1].id, shards[3].id]
    assert all(p["StreamArn"] == arn and p["Limit"] == 2 for p in pages)
    # Each expired iterator was renewed, for its shard, after the last record handed out from
    # it (from the shard's start when none was).
    last, expired = {}, None
    renewed = 0
    for ev in fs.events:
        if ev[0] == "records" and ev[2]:
            last[ev[1]] = ev[2][-1]
        elif ev[0] == "expired":
            expired = ev[1]
        elif ev[0] == "iterator" and expired:
            want = ("AFTER_SEQUENCE_NUMBER", last[expired]) if expired in last else \
                ("TRIM_HORIZON", None)
            assert (ev[1], ev[2], ev[3]) == (expired, *want), ev
            expired = None
            renewed += 1
    assert renewed == 2
    info = d.shards()
    assert info[shards[3].id]["state"] == "finished" and info[shards[2].id]["state"] == "finished"
    assert {info[s.id]["state"] for s in (shards[0], shards[1], shards[4])} == {"caught-up"}
    d.close()

    # What the checkpoint table holds, read independently: closed shards finished, the 22-digit
    # commit after the 21-digit ones accepted (the order key), leases let go.
    items = checkpoint_items(boto)
    left = items[shards[2].id]
    assert left["finished"]["BOOL"] and left["sequence"]["S"] == str(10 ** 21 + 1)
    assert left["parent"]["S"] == shards[3].id
    assert all("owner" not in i for i in items.values())

    st = out_json(status(run_pw, env))
    states = {s["shard_id"]: (s["state"], s["records_behind"]) for s in st["shards"]}
    assert states == {shards[3].id: ("finished", 0), shards[2].id: ("finished", 0),
                      shards[1].id: ("open", 0), shards[0].id: ("open", 0),
                      shards[4].id: ("open", 0)}
    assert [s["shard_id"] for s in st["shards"]].index(shards[3].id) < \
        [s["shard_id"] for s in st["shards"]].index(shards[2].id)

    # A second session has nothing to do: finished shards are not even leased again.
    before = len(fs.ops("GetShardIterator"))
    d = drivers(env, "--limit", "3")
    assert d.drain() == []
    d.close()
    iterated = {b["ShardId"] for b in fs.ops("GetShardIterator")[before:]}
    assert iterated == {shards[0].id, shards[1].id, shards[4].id}


@pytest.fixture
def atomic_dynamodb(moto):
    """DynamoDB through a proxy that forwards one request at a time: moto does not make two
    concurrent conditional writes to one item atomic, DynamoDB does (see countingproxy.py)."""
    p = CountingProxy(moto.url, serialize=True)
    try:
        yield p
    finally:
        p.stop()


def test_two_sessions_at_once_split_the_shards(stack, drivers, fake, atomic_dynamodb):
    shards = [FakeShard(f"shardId-0000000000000000000{i}-split000", records=6) for i in range(6)]
    shards.append(FakeShard("shardId-00000000000000000009-child000", parent=shards[0].id,
                            records=3))
    shards[0].closed = True
    fs = fake(shards, delay=0.05)       # slow reads, so that the sessions overlap in time
    env = dict(with_fake(stack, fs), AWS_ENDPOINT_URL_DYNAMODB=atomic_dynamodb.url)
    a = drivers(env, "--limit", "2", "--lease-wait-ms", "-1")
    b = drivers(env, "--limit", "2", "--lease-wait-ms", "-1")
    results = {}

    def run(name, d):
        results[name] = d.drain()
    threads = [threading.Thread(target=run, args=(n, d)) for n, d in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    shards_a = {x["shard"] for x in results["a"]}
    shards_b = {x["shard"] for x in results["b"]}
    assert shards_a and shards_b, "both sessions should have taken shards"
    assert not shards_a & shards_b, f"a shard read by both: {shards_a & shards_b}"
    got = seqs(results["a"]) + seqs(results["b"])
    assert sorted(got) == sorted(s for v in fs.all_seqs().values() for s in v)
    assert len(set(got)) == len(got)
    # Both raced for the same shards: the losers' lease requests were refused by the condition.
    assert atomic_dynamodb.mutating().count("UpdateItem") > len(shards)
    a.close()
    b.close()


def test_trimmed_data_stops_with_the_gap_and_the_way_back(run_pw, stack, boto, drivers, fake):
    shard = FakeShard("shardId-00000000000000000001-trim0000", records=10, trimmed=6)
    fs = fake([shard])
    env = with_fake(stack, fs)
    # A checkpoint from before the trim: records 3..5 were never read and are gone.
    boto("dynamodb").put_item(TableName=CHECKPOINTS, Item={
        "pipeline": {"S": PIPELINE}, "shard": {"S": shard.id},
        "sequence": {"S": shard.seq(2)}, "sequence_order": {"S": shard.seq(2).rjust(40, "0")}})
    d = drivers(env)
    err = d.next()["error"]
    assert f"shard '{shard.id}'" in err
    assert f"the records after sequence number {shard.seq(2)} are no longer in the stream" in err
    assert f"the oldest it still holds is {shard.seq(6)}" in err
    assert "run `pipewright pipeline backfill`" in err
    d.close()
    assert checkpoint_items(boto)[shard.id]["sequence"]["S"] == shard.seq(2)

    r = status(run_pw, env)
    assert r.rc == 1
    [sh] = json.loads(r.out)["shards"]
    assert sh["checkpoint"] == shard.seq(2) and sh["records_behind"] is None
    assert "pipeline backfill" in sh["error"]
