"""A DynamoDB Streams endpoint with what moto's lacks, for the capture tests.

moto 5.x gives every table one open shard (always the same ShardId), answers DescribeStream in one
page, never closes a shard, never expires an iterator and never trims data. Real streams have
shards that close and split into children, DescribeStream pages (LastEvaluatedShardId),
iterators that expire after 15 minutes and records trimmed after 24 hours. This server plays a
stream with all of that, scripted by the test:

    fs = FakeStreams([FakeShard("shardId-root", records=5, closed=True),
                      FakeShard("shardId-child", parent="shardId-root", records=3)],
                     page_size=2, expire_calls={3}).start()
    env["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = fs.url   # DynamoDB itself stays on moto

Every request is recorded (FaultServer's `requests`) and its SigV4 signature is checked with
botocore as the independent signer (`signature_errors`), so the binary's requests to this
endpoint are held to the same standard as those to moto.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from faultserver import FaultServer, Received, respond
from sigcheck import botocore_signature

JSON_10 = "application/x-amz-json-1.0"
TARGET = "DynamoDBStreams_20120810."


@dataclass
class FakeShard:
    id: str
    parent: str | None = None
    records: int = 0               # how many records the shard holds
    closed: bool = False           # has an EndingSequenceNumber; GetRecords ends at its last record
    first_seq: int = 0             # sequence number of its first record (set by FakeStreams)
    trimmed: int = 0               # records [0, trimmed) aged out: only the rest can be read
    empty_pages_at: dict = field(default_factory=dict)   # position -> empty answers before it
    keys: list = field(default_factory=list)             # the item key of each record
    # Whole records instead of made-up ones: {"eventName", "dynamodb": {Keys, NewImage, ...}}
    # per record (its SequenceNumber is replaced by the shard's).
    payloads: list = field(default_factory=list)

    def seq(self, i: int) -> str:
        return str(self.first_seq + i)


def stream_record(shard: FakeShard, i: int) -> dict:
    if i < len(shard.payloads):
        p = shard.payloads[i]
        return {"eventID": f"{shard.id}-{i}", "eventName": p["eventName"], "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
                "dynamodb": dict(p["dynamodb"], SequenceNumber=shard.seq(i))}
    key = shard.keys[i] if i < len(shard.keys) else f"{shard.id}#{i}"
    return {
        "eventID": f"{shard.id}-{i}",
        "eventName": "INSERT" if i % 3 else "MODIFY",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "eu-west-1",
        "dynamodb": {
            "ApproximateCreationDateTime": time.time() - 30,
            "Keys": {"id": {"S": key}},
            "NewImage": {"id": {"S": key}, "n": {"N": str(i)}},
            "SequenceNumber": shard.seq(i),
            "SizeBytes": 40,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


class FakeStreams(FaultServer):
    def __init__(self, shards: list[FakeShard], secret: str, page_size: int = 100,
                 expire_calls: set | None = None, delay: float = 0.0, first_seq: int = 0):
        super().__init__([respond(500)])     # the script is unused: answers are computed
        self.shards = {s.id: s for s in shards}
        self.order = [s.id for s in shards]  # DescribeStream lists them in this order
        self.secret = secret
        self.page_size = page_size
        self.expire_calls = set(expire_calls or ())
        self.delay = delay
        self.get_records_calls = 0
        self.iterators: dict[str, tuple[str, int]] = {}
        self.signature_errors: list[str] = []
        self.calls: list[tuple[str, dict]] = []        # (operation, input)
        # What happened, in order: ("iterator", shard, type, seq), ("records", shard, [seqs]),
        # ("expired", shard): enough to check how the reader moves through a shard.
        self.events: list[tuple] = []
        self._n = 0
        # Sequence numbers of different lengths across shards (21 and 22 digits and a jump
        # across the boundary inside one shard when first_seq is set so), as real ones are.
        seq = first_seq or 10 ** 20 + 1000
        for s in shards:
            if not s.first_seq:
                s.first_seq = seq
            seq = s.first_seq + s.records + 1000

    # --- the protocol ----------------------------------------------------------------------

    def next_action(self, rec: Received):
        with self._lock:
            self.requests.append(rec)
            answer = self._answer(rec)
        if self.delay:
            time.sleep(self.delay)
        return answer

    def _error(self, code: str, message: str, status: int = 400):
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}",
                           "message": message})
        return respond(status, body, {"Content-Type": JSON_10, "x-amzn-RequestId": "FAKE"})

    def _ok(self, obj: dict):
        return respond(200, json.dumps(obj), {"Content-Type": JSON_10,
                                              "x-amzn-RequestId": f"FAKE-{len(self.requests)}"})

    def _answer(self, rec: Received):
        try:
            sent, want = botocore_signature(rec, self.secret)
            scope = rec.headers["authorization"].split("Credential=")[1].split(",")[0]
            if sent != want:
                self.signature_errors.append(f"{rec.path}: signature {sent} != botocore {want}")
            service = scope.split("/")[3]
            if service != "dynamodb":
                self.signature_errors.append(f"signed for service {service}, not dynamodb")
        except Exception as e:   # noqa: BLE001 - any malformed request is a signature failure
            self.signature_errors.append(f"unverifiable request: {e!r}")
        target = rec.headers.get("x-amz-target", "")
        if not target.startswith(TARGET):
            return self._error("UnknownOperationException", f"target {target!r}")
        op = target[len(TARGET):]
        body = json.loads(rec.body or b"{}")
        self.calls.append((op, body))
        handler = getattr(self, f"_op_{op}", None)
        if not handler:
            return self._error("UnknownOperationException", op)
        return handler(body)

    def _op_DescribeStream(self, body):
        limit = int(body.get("Limit") or 100)
        start = body.get("ExclusiveStartShardId")
        ids = self.order[self.order.index(start) + 1:] if start else self.order
        page = ids[:limit]
        shards = []
        for sid in page:
            s = self.shards[sid]
            rng = {"StartingSequenceNumber": s.seq(s.trimmed)}
            if s.closed:
                rng["EndingSequenceNumber"] = s.seq(max(s.records - 1, 0))
            d = {"ShardId": s.id, "SequenceNumberRange": rng}
            if s.parent:
                d["ParentShardId"] = s.parent
            shards.append(d)
        desc = {"StreamArn": body["StreamArn"], "StreamStatus": "ENABLED",
                "StreamViewType": "NEW_AND_OLD_IMAGES", "Shards": shards}
        if len(ids) > limit:
            desc["LastEvaluatedShardId"] = page[-1]
        return self._ok({"StreamDescription": desc})

    def _iterator(self, shard: str, pos: int) -> str:
        self._n += 1
        token = f"it-{shard}-{pos}-{self._n}"
        self.iterators[token] = (shard, pos)
        return token

    def _op_GetShardIterator(self, body):
        s = self.shards.get(body["ShardId"])
        if not s:
            return self._error("ResourceNotFoundException", "Requested resource not found: "
                               "Shard does not exist")
        kind = body["ShardIteratorType"]
        self.events.append(("iterator", s.id, kind, body.get("SequenceNumber")))
        if kind == "TRIM_HORIZON":
            pos = s.trimmed
        elif kind == "LATEST":
            pos = s.records
        else:
            seq = int(body["SequenceNumber"])
            pos = seq - s.first_seq + (1 if kind == "AFTER_SEQUENCE_NUMBER" else 0)
            pos = max(pos, 0)
            if pos < s.trimmed:
                return self._error("TrimmedDataAccessException",
                                   "The operation attempted to read past the oldest stream record")
        return self._ok({"ShardIterator": self._iterator(s.id, pos)})

    def _op_GetRecords(self, body):
        self.get_records_calls += 1
        it = self.iterators.get(body["ShardIterator"])
        if not it:
            return self._error("ValidationException", "Invalid ShardIterator")
        sid, pos = it
        if self.get_records_calls in self.expire_calls:
            self.events.append(("expired", sid))
            return self._error("ExpiredIteratorException", "Iterator expired")
        s = self.shards[sid]
        if pos < s.trimmed:
            return self._error("TrimmedDataAccessException", "trimmed")
        if s.empty_pages_at.get(pos, 0) > 0:
            s.empty_pages_at[pos] -= 1
            return self._ok({"Records": [], "NextShardIterator": self._iterator(sid, pos)})
        limit = int(body.get("Limit") or 1000)
        end = min(pos + limit, s.records)
        out = {"Records": [stream_record(s, i) for i in range(pos, end)]}
        self.events.append(("records", sid, [s.seq(i) for i in range(pos, end)]))
        if not (s.closed and end >= s.records):
            out["NextShardIterator"] = self._iterator(sid, end)
        return self._ok(out)

    def ops(self, name: str) -> list[dict]:
        with self._lock:
            return [b for op, b in self.calls if op == name]

    def all_seqs(self) -> dict[str, list[str]]:
        """Every readable record's sequence number, per shard."""
        return {s.id: [s.seq(i) for i in range(s.trimmed, s.records)] for s in self.shards.values()}
