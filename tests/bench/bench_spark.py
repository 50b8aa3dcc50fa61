#!/usr/bin/env python3
"""The same DynamoDB export through both engines of the transform: `pipewright pipeline run
--from-file` (C, one process) and the Glue job templates/glue/flatten_join.py under a local
Spark (local[2], the machine's two cores), each into a fresh file:// lake, alternating A B A B,
medians. The input: the campaign example's items (gen_stream.py's new images, 1-8 tasks each,
10,000 campaigns as the dimension), at least 200,000 source items, one gzip export file.

Both lakes are checked equal (rows, partitions) after the first round, so the times compare the
same work. Spark's time includes its start (JVM, Python workers), as a Glue run's would."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, Result, Row, finish, median, parse_args

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_stream  # noqa: E402

from sparkjob import job_arguments, spark_submit  # noqa: E402
from util import base_env, pipewright_path  # noqa: E402

SPEC = REPO / "examples" / "whitecube" / "pipewright.yaml"


def lake_digest(lake: Path) -> dict:
    """{partition: (digest, rows)} from the manifests a reader's links point at."""
    table = lake / "user_campaign_tasks"
    out = {}
    for p in table.iterdir():
        m = json.loads((p / "_manifest.json").read_text())
        out[p.name] = (m["digest"], m["rows"])
    return out


def main() -> int:
    args = parse_args(2, __doc__, lambda p: p.add_argument("--items", type=int, default=200_000))
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SystemExit("bench_spark: pyspark is not installed (make deps)")
    result = Result("spark", "The transform on both engines: a DynamoDB export into a file:// lake "
                    "(medians)", command="make bench BENCH=spark")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = base_env(tmp / "home")
        records, dims = gen_stream.generate(int(args.items * 1.15), seed=2)
        items = {}
        for r in records:               # an export holds each item once, as it is now
            key = tuple(r["dynamodb"]["Keys"][k]["S"] for k in ("userID", "campaignID"))
            if r["eventName"] == "REMOVE":
                items.pop(key, None)
            else:
                items[key] = r["dynamodb"]["NewImage"]
        items = list(items.values())[:args.items]
        assert len(items) >= args.items, "generate more records"
        export = tmp / "export.json.gz"
        with gzip.open(export, "wt", encoding="utf-8", compresslevel=1) as f:
            for it in items:
                f.write(json.dumps({"Item": it}, separators=(",", ":")) + "\n")
        dim = tmp / "dim.json"
        gen_stream.dump_lines(str(dim), dims, wrap="Item")
        c_walls, s_walls, rows = [], [], 0
        for i in range(args.rounds):
            a, b = tmp / "A", tmp / "B"
            shutil.rmtree(a, ignore_errors=True)
            shutil.rmtree(b, ignore_errors=True)
            t0 = time.perf_counter()
            p = subprocess.run([str(pipewright_path()), "-f", str(SPEC), "--output", "json",
                                "pipeline", "run", "--from-file", str(export), "--dimension-file",
                                str(dim), "--to", f"file://{a}"], env=env, capture_output=True,
                               text=True, timeout=1800)
            c_walls.append(time.perf_counter() - t0)
            if p.returncode != 0:
                raise SystemExit(f"bench_spark: pipewright failed: {p.stderr[-2000:]}")
            t0 = time.perf_counter()
            spark_submit(job_arguments(SPEC, export, dim, b), tmp, parallelism=2, memory="2g")
            s_walls.append(time.perf_counter() - t0)
            # The C run's rows_written counts partitions rewritten by later batches again: the
            # lake's rows are the manifests' sum.
            lake = lake_digest(a)
            rows = sum(r for _, r in lake.values())
            if i == 0 and lake != lake_digest(b):
                bad = sorted(k for k in lake if lake[k] != lake_digest(b).get(k))
                raise SystemExit(f"bench_spark: the two lakes differ in {len(bad)} partitions, "
                                 f"first {bad[:3]}")
            print(f"  round {i + 1}: C {c_walls[-1]:.2f} s, Spark {s_walls[-1]:.2f} s", flush=True)
    c, s = median(c_walls), median(s_walls)
    result.rows = [
        Row(f"{len(items) // 1000}k items ({rows:,} rows): wall time", c, s, "s",
            "PySpark 3.5 local[2]"),
        Row("rows per second", rows / c, rows / s, "rows/s", "PySpark 3.5 local[2]"),
    ]
    result.notes = [
        f"{args.rounds} rounds, C and Spark alternating; both lakes proven equal (every "
        "partition's content digest) before timing is trusted",
        "Spark runs on the same two cores as the C binary (local[2]); on Glue it would scale out, "
        "the C run does not: the ratio is what one machine does, not what a cluster does",
    ]
    finish(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
