#!/usr/bin/env python3
"""End to end on the emulator: `up` of examples/whitecube on local moto (signature checking on),
20,000 items seeded into user_Campaign and then `--mutate`d (MODIFY and REMOVE records), the
dimension campaignInfo seeded, then `pipewright pipeline run --once`: the stream into the S3
lake, the Glue partitions, the checkpoints and one SNS message. Figure: changes per second
(stream records consumed over wall time).

Reference: pipeline_boto3.py, the same capture, transform (transform_lambda.py's) and write done
with boto3 one call after another. Its lake is checked to hold our rows, partition by partition
(both read back through their Glue partitions, as Athena reads them), before timing is trusted.
That check round goes through a loopback proxy that counts each side's requests; the timed
rounds go straight to moto, ours and the reference alternating over the same stream (ours:
`pipeline reset` and its lake and partitions deleted first; the reference reads from
TRIM_HORIZON into its own prefix and Glue table, emptied first).

The example's generator makes at most users x campaigns items (200 x 5): the bench runs a copy
of the spec with 20 campaigns and enough users, nothing else changed. Seeding uses --parallel 1:
moto numbers stream records without a lock, so concurrent writes can get sequence numbers out of
order (the stream reader refuses such an answer, as it must)."""

from __future__ import annotations

import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import boto3
import botocore.config

from common import REPO, Emulator, Result, Row, finish, median, parse_args

from countingproxy import CountingProxy

import pipeline_boto3 as ref

EXAMPLE = REPO / "examples" / "whitecube" / "pipewright.yaml"
REGION = "ap-south-1"          # the example's
CAMPAIGNS = 20
OURS_PREFIX = "user_campaign_tasks"      # the example's output prefix, and its _pipewright etc.
REF_PREFIX = "boto3/user_campaign_tasks/"
GLUE_TABLE = "user_campaign_tasks"
REF_GLUE_TABLE = "user_campaign_tasks_boto3"


def spec_variant(tmp: Path, items: int) -> Path:
    """The example with generators big enough for `items` items; nothing else changed."""
    users = -(-items // CAMPAIGNS)
    text, n = re.subn(r"\{kind: campaign, users: \d+, campaigns: \d+,",
                      f"{{kind: campaign, users: {users}, campaigns: {CAMPAIGNS},",
                      EXAMPLE.read_text())
    text, m = re.subn(r"\{kind: campaign-info, campaigns: \d+,",
                      f"{{kind: campaign-info, campaigns: {CAMPAIGNS},", text)
    assert n == 1 and m == 1, "the example's seed generators moved"
    path = tmp / "whitecube.yaml"
    path.write_text(text)
    return path


class Bench:
    def __init__(self, emu: Emulator, spec: Path):
        self.emu, self.spec = emu, spec
        acct = emu.moto.account_id
        self.target = ref.Target(
            source_table="user_Campaign-dev", dimension_table="campaignInfo-dev",
            bucket=f"whitecube-curated-dev-{acct}", prefix=REF_PREFIX, database="whitecube_dev",
            glue_table=REF_GLUE_TABLE, topic_arn=f"arn:aws:sns:{REGION}:{acct}:whitecube-dev-events")

    # -- the two sides --------------------------------------------------------------------

    def pw(self, *args: str, env: dict | None = None) -> str:
        p = subprocess.run([self.emu.binary, "-f", str(self.spec), *args],
                           env=env or self.emu.env, capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
            raise SystemExit(f"bench: pipewright {' '.join(args)} exited {p.returncode}")
        return p.stdout

    def ours(self, endpoint: str | None = None) -> tuple[float, float, dict]:
        """(wall, CPU seconds of the process, its report) of one `pipeline run --once`."""
        env = dict(self.emu.env, AWS_ENDPOINT_URL=endpoint) if endpoint else None
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = self.pw("pipeline", "run", "--once", "--output", "json", env=env)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        return wall, cpu, json.loads(out)

    def reference(self, endpoint: str | None = None) -> tuple[float, float, dict]:
        """(wall, CPU seconds of this process, its counters) of one reference run."""
        client = clients(endpoint or self.emu.moto.url, self.emu)
        c0, t0 = time.process_time(), time.perf_counter()
        counts = ref.run(client, self.target)
        return time.perf_counter() - t0, time.process_time() - c0, counts

    # -- setting up and resetting --------------------------------------------------------

    def setup(self, items: int, mutate: int):
        self.pw("up", "--yes", "--no-progress")
        self.pw("seed", "--table", "campaign_info", "--generate", str(CAMPAIGNS), "--parallel", "1")
        self.pw("seed", "--table", "user_campaign", "--generate", str(items), "--seed", "1",
                "--parallel", "1")
        if mutate:
            self.pw("seed", "--table", "user_campaign", "--mutate", str(mutate), "--seed", "1",
                    "--parallel", "1")
        # The reference's Glue table: ours (which `up` made) at the reference's prefix, as a
        # team's would be provisioned beside it.
        glue = self.emu.client("glue")
        t = glue.get_table(DatabaseName=self.target.database, Name=GLUE_TABLE)["Table"]
        sd = dict(t["StorageDescriptor"],
                  Location=f"s3://{self.target.bucket}/{REF_PREFIX}")
        glue.create_table(DatabaseName=self.target.database, TableInput={
            "Name": REF_GLUE_TABLE, "StorageDescriptor": sd,
            "PartitionKeys": t["PartitionKeys"], "TableType": t.get("TableType", "EXTERNAL_TABLE"),
            "Parameters": t.get("Parameters", {})})

    def reset_ours(self):
        self.pw("pipeline", "reset", "--yes")
        self.empty(OURS_PREFIX, GLUE_TABLE)

    def reset_reference(self):
        self.empty(REF_PREFIX, REF_GLUE_TABLE)

    def empty(self, prefix: str, glue_table: str):
        """Every object version under `prefix` and every partition of `glue_table` deleted."""
        s3, glue, bucket = self.emu.client("s3"), self.emu.client("glue"), self.target.bucket
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket,
                                                                      Prefix=prefix):
            gone = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                    for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            if gone:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": gone, "Quiet": True})
        values = [p["Values"] for p in self.partitions(glue_table)]
        for i in range(0, len(values), 25):
            glue.batch_delete_partition(
                DatabaseName=self.target.database, TableName=glue_table,
                PartitionsToDelete=[{"Values": v} for v in values[i:i + 25]])

    # -- reading a lake back -------------------------------------------------------------

    def partitions(self, glue_table: str) -> list[dict]:
        out = []
        for page in self.emu.client("glue").get_paginator("get_partitions").paginate(
                DatabaseName=self.target.database, TableName=glue_table):
            out += page["Partitions"]
        return out

    def lake(self, glue_table: str) -> dict:
        """partition value -> its rows (sorted), read at each Glue partition's location."""
        s3, bucket, out = self.emu.client("s3"), self.target.bucket, {}
        for p in self.partitions(glue_table):
            loc = p["StorageDescriptor"]["Location"]
            prefix = loc[len(f"s3://{bucket}/"):]
            rows = []
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                      Prefix=prefix):
                for o in page.get("Contents", []):
                    if o["Key"].rsplit("/", 1)[1].startswith("part-"):
                        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
                        rows += [tuple(sorted(json.loads(line, parse_float=Decimal).items()))
                                 for line in gzip.decompress(body).decode().splitlines()]
            out[p["Values"][0]] = sorted(rows, key=repr)
        return out


def clients(url: str, emu: Emulator):
    """client(service): boto3 clients on `url`, signed with moto's provisioned key."""
    cfg = botocore.config.Config(s3={"addressing_style": "path"}, retries={"mode": "standard"})
    session = boto3.session.Session()
    made: dict = {}

    def client(service: str):
        if service not in made:
            made[service] = session.client(
                service, endpoint_url=url, region_name=REGION, config=cfg,
                aws_access_key_id=emu.moto.creds.access_key,
                aws_secret_access_key=emu.moto.creds.secret)
        return made[service]
    return client


def service_of(r: dict) -> str:
    """One counted request as 'service operation' (S3 by method)."""
    target = r["headers"].get("x-amz-target", "")
    if target:
        prefix = target.split(".", 1)[0]
        svc = {"AWSGlue": "Glue", "DynamoDBStreams_20120810": "Streams"}.get(prefix, "DynamoDB")
        return f"{svc} {r['op']}"
    if r["op"] in ("Publish", "GetCallerIdentity"):
        return f"{'SNS' if r['op'] == 'Publish' else 'STS'} {r['op']}"
    if r["op"].startswith(("GET ", "PUT ", "POST ", "DELETE ", "HEAD ")):
        return f"S3 {r['method']}"
    return r["op"]


def request_counts(requests: list[dict]) -> str:
    c = Counter(service_of(r) for r in requests)
    return ", ".join(f"{k} {v}" for k, v in sorted(c.items()))


def check_round(b: Bench) -> tuple[dict, str, str]:
    """One untimed run of each side through a counting proxy; both lakes must hold the same
    rows. Returns (ours' report, ours' requests, the reference's requests)."""
    proxy = CountingProxy(b.emu.moto.url)
    try:
        _, _, report = b.ours(proxy.url)
        ours_requests = request_counts(proxy.requests)
        proxy.clear()
        _, _, counts = b.reference(proxy.url)
        ref_requests = request_counts(proxy.requests)
    finally:
        proxy.stop()
    if report["records"] != counts["records"]:
        raise SystemExit(f"bench: pipewright read {report['records']} stream records, the "
                         f"reference {counts['records']}")
    a, r = b.lake(GLUE_TABLE), b.lake(REF_GLUE_TABLE)
    if a != r:
        diff = [p for p in sorted(set(a) | set(r)) if a.get(p) != r.get(p)]
        raise SystemExit(f"bench: the boto3 reference's rows differ from ours in {len(diff)} "
                         f"partitions, first {diff[0]}")
    print(f"  reference check: {sum(map(len, a.values())):,} rows in {len(a)} partitions, "
          f"equal\n  requests, pipewright: {ours_requests}\n  requests, boto3: {ref_requests}",
          flush=True)
    return report, ours_requests, ref_requests


def emulator_cpu(emu: Emulator) -> float:
    """CPU seconds moto's server process has used so far (user + system)."""
    fields = Path(f"/proc/{emu.moto.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    def options(p):
        p.add_argument("--items", type=int, default=20000, help="items seeded (default 20000)")
        p.add_argument("--mutate", type=int, default=2000,
                       help="items then modified or deleted by seed --mutate (default 2000)")
    args = parse_args(3, __doc__, options)
    walls = {"ours": [], "ref": []}
    cpus = {"ours": [], "ref": []}
    moto = {"ours": [], "ref": []}
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(REGION, Path(tmp))
        try:
            b = Bench(emu, spec_variant(Path(tmp), args.items))
            t0 = time.perf_counter()
            b.setup(args.items, args.mutate)
            print(f"  set up (up, seed {args.items:,} + --mutate {args.mutate:,}) in "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
            report, ours_requests, ref_requests = check_round(b)
            records = report["records"]
            for i in range(args.rounds):
                for side, reset, run in (("ours", b.reset_ours, b.ours),
                                         ("ref", b.reset_reference, b.reference)):
                    reset()
                    m0 = emulator_cpu(emu)
                    wall, cpu, _ = run()
                    moto[side].append(emulator_cpu(emu) - m0)
                    walls[side].append(wall)
                    cpus[side].append(cpu)
                print(f"  round {i + 1}/{args.rounds}: pipewright {walls['ours'][-1]:.1f} s "
                      f"({records / walls['ours'][-1]:,.0f} changes/s, moto CPU "
                      f"{moto['ours'][-1]:.1f} s), boto3 {walls['ref'][-1]:.1f} s "
                      f"({records / walls['ref'][-1]:,.0f} changes/s, moto CPU "
                      f"{moto['ref'][-1]:.1f} s)", flush=True)
        finally:
            emu.stop()
    result = Result("e2e", f"End to end on local moto: {args.items:,} items seeded and "
                    f"{args.mutate:,} mutated, then pipeline run --once (medians)",
                    command="make bench BENCH=e2e")
    boto = "boto3 consumer"
    result.rows = [
        Row(f"changes/s ({records:,} stream records)", records / median(walls["ours"]),
            records / median(walls["ref"]), "changes/s", boto),
        Row("wall time", median(walls["ours"]), median(walls["ref"]), "s", boto),
        Row("CPU time of the client", median(cpus["ours"]), median(cpus["ref"]), "s", boto),
        Row("CPU time of moto during the run", median(moto["ours"]), median(moto["ref"]), "s",
            boto),
    ]
    result.notes = [
        f"{args.rounds} rounds, pipewright and the boto3 consumer (tests/bench/pipeline_boto3.py) "
        "alternating over the same stream; before each, the side's lake objects (every version) "
        "and Glue partitions deleted, and for pipewright its checkpoints (`pipeline reset`)",
        f"stream: {report['inserted']:,} INSERT, {report['modified']:,} MODIFY, "
        f"{report['removed']:,} REMOVE records; {report['rows_written']:,} rows in "
        f"{report['partitions_written']} daily partitions; both lakes checked equal, partition "
        "by partition, read back through their Glue partitions",
        "both sides: DescribeTable, DescribeStream, GetShardIterator(TRIM_HORIZON) and GetRecords "
        "(1000 per answer) to the end of the shard, a Scan of campaignInfo, one gzip JSON Lines "
        "object per partition, the Glue partitions registered in batches of 100, one SNS "
        "message; pipewright also writes each partition's _state.gz and _manifest.json, its "
        "pipeline metadata and dimension copy, takes the writers' lock and commits the "
        "checkpoint; the reference holds every item in memory and keeps no state",
        f"requests, pipewright: {ours_requests}",
        f"requests, boto3: {ref_requests}",
        "CPU time of the client: pipewright's process (user + system); the reference's Python "
        "process (time.process_time). CPU time of moto: its server process over the run — "
        "where the wall time goes",
    ]
    finish(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
