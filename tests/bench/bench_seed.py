#!/usr/bin/env python3
"""Seeding speed on local moto (signature checking on): `pipewright seed --generate N` against a
plain boto3 `batch_writer` loop writing the same N items (the generator's, read back), side by
side, moto reset before each run.

On the emulator both are bound by moto (one Python process), so what the figure shows is how
well each keeps it busy: the batch_writer sends one BatchWriteItem at a time and waits for it;
pipewright keeps --parallel requests in flight (default 8). A last, untimed run goes through a
loopback proxy that counts the requests open at once."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from common import REPO, Emulator, Result, Row, finish, median, parse_args, timed

from countingproxy import CountingProxy, Rewrite

SPEC = str(REPO / "examples" / "orders" / "pipewright.yaml")
REGION = "us-east-1"          # the orders spec's
ENV = "bench"
TABLE = f"OrderTable-{ENV}"


def make_table(emu: Emulator):
    emu.client("dynamodb").create_table(
        TableName=TABLE, KeySchema=[{"AttributeName": "orderid", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "orderid", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "pipewright:stack", "Value": "orders"}, {"Key": "pipewright:env", "Value": ENV}])


def scan(emu: Emulator) -> list[dict]:
    d, out, kw = emu.client("dynamodb"), [], {"TableName": TABLE}
    while True:
        page = d.scan(**kw)
        out += page["Items"]
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def seed(emu: Emulator, items: int, parallel: int) -> float:
    return emu.pw("-f", SPEC, "--var", f"env={ENV}", "seed", "--table", "orders", "--generate",
                  str(items), "--seed", "1", "--parallel", str(parallel))


def batch_writer(emu: Emulator, items: list[dict]):
    """The straightforward loop: a boto3 Table's batch_writer, one put_item per item."""
    import boto3
    table = boto3.session.Session().resource(
        "dynamodb", endpoint_url=emu.moto.url, region_name=REGION,
        aws_access_key_id=emu.moto.creds.access_key,
        aws_secret_access_key=emu.moto.creds.secret).Table(TABLE)
    with table.batch_writer() as w:
        for it in items:
            w.put_item(Item=it)


def in_flight(emu: Emulator, items: int, parallel: int) -> int:
    """The most BatchWriteItem requests open at once, as a proxy in front of moto sees them."""
    proxy, lock, now, peak = CountingProxy(emu.moto.url), threading.Lock(), [0], [0]

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
    direct = emu.env["AWS_ENDPOINT_URL"]
    emu.env["AWS_ENDPOINT_URL"] = proxy.url
    try:
        emu.reset()
        make_table(emu)
        seed(emu, items, parallel)
    finally:
        emu.env["AWS_ENDPOINT_URL"] = direct
        proxy.stop()
    return peak[0]


def main() -> int:
    def options(p):
        p.add_argument("--items", type=int, default=5000, help="items per run (default 5000)")
        p.add_argument("--parallel", type=int, default=8, help="pipewright's --parallel (default 8)")
    args = parse_args(3, __doc__, options)
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(REGION, Path(tmp))
        try:
            # The reference writes exactly what pipewright writes: the generator's items.
            from boto3.dynamodb.types import TypeDeserializer
            make_table(emu)
            seed(emu, args.items, args.parallel)
            de = TypeDeserializer()
            workload = [{k: de.deserialize(v) for k, v in it.items()} for it in scan(emu)]
            assert len(workload) == args.items
            for i in range(args.rounds):
                emu.reset()
                make_table(emu)
                ours.append(args.items / seed(emu, args.items, args.parallel))
                assert len(scan(emu)) == args.items
                emu.reset()
                make_table(emu)
                theirs.append(args.items / timed(batch_writer, emu, workload))
                assert len(scan(emu)) == args.items
                print(f"  round {i + 1}/{args.rounds}: pipewright {ours[-1]:,.0f} items/s, "
                      f"batch_writer {theirs[-1]:,.0f} items/s", flush=True)
            peak = in_flight(emu, min(args.items, 2000), args.parallel)
        finally:
            emu.stop()
    result = Result("seed", f"Seeding {args.items} items into a table on local moto (medians)",
                    command="make bench BENCH=seed")
    result.rows = [Row(f"seed --generate {args.items}", median(ours), median(theirs), "items/s",
                       "boto3 batch_writer loop")]
    result.notes = [
        f"{args.rounds} rounds, pipewright and boto3 alternating, moto reset before each",
        "pipewright's time is the whole process: start, spec, STS, DescribeTable, generating and "
        "checking the items, writing them",
        f"requests in flight: pipewright kept up to {peak} BatchWriteItem requests open at once "
        f"(--parallel {args.parallel}); the batch_writer loop keeps one",
    ]
    finish(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
