"""One spec provisioned on moto (its own env), run by the binary, and read back with boto3: the
tables (Scan), the lake (through the Glue partitions, as Athena reads it), the stream records
moto holds, the SNS messages moto recorded. Shared by the online pipeline tests."""

from __future__ import annotations

import json
from pathlib import Path

from lakeread import parse_part
from motoserver import ACCOUNT_ID
from transform_ref import Config, Reference
from util import SANITIZER_REPORT


def moto_stream_records(ddb, streams, table: str) -> list[dict]:
    """Every record moto's stream of `table` holds (moto has one shard per stream), read with
    the boto3 clients given."""
    arn = ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    out = []
    while True:
        page = streams.get_records(ShardIterator=it, Limit=1000)
        if not page["Records"]:
            return out
        out += page["Records"]
        it = page["NextShardIterator"]


class OnlineStack:
    """`spec` with `--var env=<env>` in `region`; `bucket`, `database` and `table` name where
    the pipeline's output lands (read from the spec's conventions by the caller)."""

    def __init__(self, moto, run_pw, pw_env, spec: Path, env: str, region: str, *,
                 bucket: str, database: str, table: str):
        self.moto, self.run_pw, self.pw_env, self.env = moto, run_pw, pw_env, env
        self.spec, self.region = spec, region
        self.bucket, self.database, self.table = bucket, database, table
        self.cfg = Config.from_spec(spec)
        self.ddb = moto.client("dynamodb", region)
        self.s3 = moto.client("s3", region)
        self.glue = moto.client("glue", region)

    def pw(self, *args, env=None, timeout=300):
        return self.run_pw(["-f", self.spec, "--var", f"env={self.env}", *args],
                           env=env or self.pw_env, timeout=timeout)

    def seed(self, *args):
        """Seeds with one writer: moto numbers stream records without a lock, so concurrent
        writes can get sequence numbers out of order (a gap the stream reader refuses)."""
        r = self.pw("seed", "--parallel", "1", *args)
        assert r.rc == 0, r.err
        return r

    def run(self, *args, env=None, timeout=300) -> dict:
        r = self.pw("pipeline", "run", "--output", "json", *args, env=env, timeout=timeout)
        assert r.rc == 0, r.err
        assert not SANITIZER_REPORT.search(r.err), r.err
        return json.loads(r.out)

    # -- what the tables hold, and what the lake should be --

    def scan(self, table) -> list[dict]:
        items, kw = [], {}
        while True:
            page = self.ddb.scan(TableName=table, ConsistentRead=True, **kw)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            kw = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def reference(self, facts: str, dims: str | None = None) -> Reference:
        ref = Reference(self.cfg, self.scan(dims) if dims else ())
        ref.apply_records([{"Item": it} for it in self.scan(facts)])
        return ref

    def stream_records(self, table) -> list[dict]:
        return moto_stream_records(self.ddb, self.moto.client("dynamodbstreams", self.region),
                                   table)

    # -- what the lake holds, as Athena reads it --

    def partitions(self) -> dict:
        out = {}
        for page in self.glue.get_paginator("get_partitions").paginate(
                DatabaseName=self.database, TableName=self.table):
            for p in page["Partitions"]:
                out[p["Values"][0]] = p["StorageDescriptor"]["Location"]
        return out

    def keys(self, prefix: str) -> list[str]:
        out = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                       Prefix=prefix):
            out += [o["Key"] for o in page.get("Contents", [])]
        return sorted(out)

    def get(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def read_lake(self) -> dict:
        """{partition folder: rows} from each Glue partition's location."""
        out = {}
        for value, loc in self.partitions().items():
            folder = f"{self.cfg.partition_as}={value}"
            base = f"s3://{self.bucket}/{self.cfg.prefix}{folder}/v="
            assert loc.startswith(base) and loc.endswith("/"), loc
            key_prefix = loc[len(f"s3://{self.bucket}/"):]
            keys = self.keys(key_prefix)
            assert f"{key_prefix}_manifest.json" in keys, keys
            rows = []
            for k in keys:
                name = k.rsplit("/", 1)[1]
                if name.startswith("part-"):
                    rows += parse_part(self.cfg, name, self.get(k))
            out[folder] = rows
        return out

    def assert_lake_is(self, want: dict):
        """The lake (Glue partitions and the rows at their locations) is exactly `want`
        ({partition folder: rows}, as the format's reader sees them)."""
        got = self.read_lake()
        assert set(got) == set(want), (sorted(set(got) ^ set(want)))[:10]
        for part in want:
            assert got[part] == want[part], part
        # A partition folder with a current version is exactly a Glue partition.
        prefix = self.cfg.prefix
        folders = {k[len(prefix):].split("/", 1)[0] for k in self.keys(prefix)}
        assert set(want) <= folders

    def messages(self, topic: str) -> list[tuple[str, str]]:
        """(subject, message) of every SNS message sent to the topic named `topic`, in order."""
        arn = f"arn:aws:sns:{self.region}:{ACCOUNT_ID}:{topic}"
        for t in self.moto.data()["sns"]["Topic"]:
            if t["arn"] == arn:
                return [(n[2], n[1]) for n in t["sent_notifications"]]
        return []
