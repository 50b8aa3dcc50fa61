#!/usr/bin/env python3
"""Seeding speed on the local emulator: `pipewright seed --generate N` against a plain boto3
`batch_writer` loop writing the same N items to the same moto, side by side.

    PIPEWRIGHT=build/pipewright .venv/bin/python tests/bench/bench_seed.py [--items 5000] [--rounds 3]

On the emulator both are bound by moto (one Python process), so the figure that matters is how
well each keeps it busy: the reference sends one BatchWriteItem at a time and waits for each,
pipewright keeps several in flight (--parallel, default 8). Rounds alternate A B A B on fresh
tables, because the machine is shared and noisy; the medians and their ratio are printed. A last,
separate run goes through a loopback proxy that counts the requests in flight at once (the proxy
slows things down, so that run is not timed). Not a test: it prints figures, it never fails on
a slow machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from countingproxy import CountingProxy, Rewrite  # noqa: E402
from motoserver import MotoServer  # noqa: E402

SPEC = REPO / "examples" / "orders" / "pipewright.yaml"
REGION = "us-east-1"      # the orders spec's


def pipewright_path() -> str:
    p = Path(os.environ.get("PIPEWRIGHT") or REPO / "build" / "pipewright")
    return str(p if p.is_absolute() else REPO / p)


def make_table(moto, env: str) -> str:
    name = f"OrderTable-{env}"
    moto.client("dynamodb", REGION).create_table(
        TableName=name, KeySchema=[{"AttributeName": "orderid", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderid", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "pipewright:stack", "Value": "orders"}, {"Key": "pipewright:env", "Value": env}])
    return name


def count(moto, name: str) -> int:
    d, n, kw = moto.client("dynamodb", REGION), 0, {"TableName": name, "Select": "COUNT"}
    while True:
        page = d.scan(**kw)
        n += page["Count"]
        if "LastEvaluatedKey" not in page:
            return n
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def env_for(moto, endpoint: str) -> dict:
    home = tempfile.mkdtemp(prefix="pw-bench-")
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
            "AWS_ENDPOINT_URL": endpoint, "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": moto.creds.access_key, "AWS_SECRET_ACCESS_KEY": moto.creds.secret,
            "AWS_CONFIG_FILE": f"{home}/none", "AWS_SHARED_CREDENTIALS_FILE": f"{home}/none",
            "AWS_EC2_METADATA_DISABLED": "true"}


def run_pipewright(moto, items: int, endpoint: str | None = None, parallel: int | None = None) -> tuple[str, float]:
    env = f"b{uuid.uuid4().hex[:10]}"
    name = make_table(moto, env)
    args = [pipewright_path(), "-f", str(SPEC), "--var", f"env={env}", "seed", "--table", "orders",
            "--generate", str(items), "--seed", "1"]
    if parallel:
        args += ["--parallel", str(parallel)]
    start = time.perf_counter()
    p = subprocess.run(args, env=env_for(moto, endpoint or moto.url), capture_output=True, text=True)
    took = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"pipewright seed failed ({p.returncode}):\n{p.stderr}")
    return name, took


def scan_items(moto, name: str) -> list[dict]:
    d, out, kw = moto.client("dynamodb", REGION), [], {"TableName": name}
    while True:
        page = d.scan(**kw)
        out += page["Items"]
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def run_boto3(moto, items: list[dict]) -> tuple[str, float]:
    """The straightforward loop: a boto3 resource's batch_writer, one put_item per item."""
    import boto3
    from boto3.dynamodb.types import TypeDeserializer
    de = TypeDeserializer()
    plain = [{k: de.deserialize(v) for k, v in it.items()} for it in items]
    name = make_table(moto, f"r{uuid.uuid4().hex[:10]}")
    table = boto3.session.Session().resource(
        "dynamodb", endpoint_url=moto.url, region_name=REGION,
        aws_access_key_id=moto.creds.access_key, aws_secret_access_key=moto.creds.secret).Table(name)
    start = time.perf_counter()
    with table.batch_writer() as w:
        for it in plain:
            w.put_item(Item=it)
    return name, time.perf_counter() - start


def in_flight(moto, items: int, parallel: int) -> int:
    """The most BatchWriteItem requests pipewright had open at once, seen by a proxy."""
    proxy = CountingProxy(moto.url)
    lock, now, peak = threading.Lock(), [0], [0]

    def hook(op, *_):
        if op != "BatchWriteItem":
            return None
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])

        def done(status, data):
            with lock:
                now[0] -= 1
            return data
        return Rewrite(answer=done)
    proxy.rewrite = hook
    try:
        run_pipewright(moto, items, proxy.url, parallel)
    finally:
        proxy.stop()
    return peak[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--parallel", type=int, default=8)
    a = ap.parse_args()
    with MotoServer(region=REGION) as moto:
        # The reference writes exactly what pipewright writes: the generator's items, read back.
        warm, _ = run_pipewright(moto, a.items)
        workload = scan_items(moto, warm)
        assert len(workload) == a.items
        pw_rates, ref_rates = [], []
        print(f"seed: {a.items} items (the orders generator), moto on 127.0.0.1 with signature "
              f"checking on, {a.rounds} rounds A B A B; {platform.machine()}, {os.cpu_count()} cpus")
        print(f"{'round':>5}  {'pipewright items/s':>19}  {'boto3 batch_writer items/s':>27}")
        for i in range(a.rounds):
            name, t = run_pipewright(moto, a.items, parallel=a.parallel)
            assert count(moto, name) == a.items
            pw_rates.append(a.items / t)
            name, t = run_boto3(moto, workload)
            assert count(moto, name) == a.items
            ref_rates.append(a.items / t)
            print(f"{i + 1:>5}  {pw_rates[-1]:>19.0f}  {ref_rates[-1]:>27.0f}")
        pw_m, ref_m = statistics.median(pw_rates), statistics.median(ref_rates)
        print(f"{'median':>6} {pw_m:>19.0f}  {ref_m:>27.0f}   ratio {pw_m / ref_m:.2f}x")
        print("(pipewright's time is the whole process: start, spec, STS, DescribeTable, generate, "
              "write)")
        peak = in_flight(moto, min(a.items, 2000), a.parallel)
        print(f"requests in flight: pipewright kept up to {peak} BatchWriteItem requests open at once "
              f"(--parallel {a.parallel}); the batch_writer loop keeps 1")
    return 0


if __name__ == "__main__":
    sys.exit(main())
