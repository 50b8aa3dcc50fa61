#!/usr/bin/env python3
"""The offline pipeline: `pipeline run --from-file` over stream records of the campaign schema
(gen_stream.py: 1-8 tasks each, 10,000 campaigns with 5-20 tasks, 5% MODIFY, 2% REMOVE) into a
file:// lake, for 10,000 and 100,000 records, with the default batches (64 MiB) and in one
batch. Prints wall time, input MB/s, rows/s and peak RSS (from /usr/bin/time -v when it is
there, else getrusage of the child); the RSS at 10k and 100k shows the memory bound
(dimension + one batch), the single batch what larger batches buy.

There is no external reference to run side by side (issue 6's Spark comparison is its own
benchmark); the figures are ours only."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, Result, Row, finish, median, parse_args

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_stream  # noqa: E402

from util import base_env, pipewright_path  # noqa: E402

SPEC = str(REPO / "examples" / "whitecube" / "pipewright.yaml")
TIME = "/usr/bin/time"


def run(args: list, env: dict) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout) of one run."""
    cmd = [str(pipewright_path()), *args]
    use_time = os.access(TIME, os.X_OK)
    if use_time:
        cmd = [TIME, "-v", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    took = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr[-3000:])
        raise SystemExit(f"bench: pipewright exited {p.returncode}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) if m else max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
                                        before)
    return took, rss, p.stdout


def counter(out: str, name: str) -> int:
    m = re.search(rf"^{name}\s+(\d+)$", out, re.M)
    return int(m.group(1)) if m else 0


def main() -> int:
    args = parse_args(3, __doc__)
    result = Result("pipeline", "Offline pipeline: stream records of the campaign example into a "
                    "file:// lake (medians)", command="make bench BENCH=pipeline")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = base_env(tmp / "home")
        records, dims = gen_stream.generate(100_000, seed=1)
        gen_stream.dump_lines(str(tmp / "dim.jsonl"), dims, wrap="Item")
        for n in (10_000, 100_000):
            src = tmp / f"s{n}.jsonl"
            gen_stream.dump_lines(str(src), records[:n])
            mb = src.stat().st_size / 1e6
            for label, extra in (("64 MiB batches", []), ("one batch", ["--batch-records", str(n)])):
                walls, rsss = [], []
                for i in range(args.rounds):
                    lake = tmp / "lake"
                    shutil.rmtree(lake, ignore_errors=True)
                    wall, rss, out = run(["-f", SPEC, "pipeline", "run", "--from-file", str(src),
                                          "--dimension-file", str(tmp / "dim.jsonl"),
                                          "--to", f"file://{lake}", *extra], env)
                    walls.append(wall)
                    rsss.append(rss / 1024)
                    print(f"  {n:,} records, {label}: {wall:.2f} s, {rss / 1024:.0f} MiB peak, "
                          f"{counter(out, 'batches')} batches (round {i + 1})", flush=True)
                wall = median(walls)
                rows = sum(1 for _ in lake_rows(tmp / "lake"))     # the rows the lake holds
                what = f"{n // 1000}k records, {label}"
                result.rows += [
                    Row(f"{what}: wall time", wall, None, "s"),
                    Row(f"{what}: input", mb / wall, None, "MB/s"),
                    Row(f"{what}: rows", rows / wall, None, "rows/s"),
                    Row(f"{what}: peak RSS", median(rsss), None, "MiB"),
                ]
    result.notes = [
        f"{args.rounds} rounds each; input is JSON Lines, uncompressed (100k records: about "
        "144 MB); the lake's rows are gzip level 1",
        "createdAt is spread over a whole year, so every batch touches every daily partition: the "
        "worst case for rewriting partitions, which grows with the number of batches",
    ]
    finish(result, args)
    return 0


def lake_rows(lake: Path):
    import gzip
    for part in (lake / "user_campaign_tasks").iterdir():
        for f in part.iterdir():
            if f.name.startswith("part-"):
                yield from gzip.decompress(f.read_bytes()).splitlines()


if __name__ == "__main__":
    raise SystemExit(main())
