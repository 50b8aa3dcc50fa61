#!/usr/bin/env python3
"""Transform throughput, offline (issue 7, benchmark 1): `pipeline run --from-file … --to
file://…` over N stream records of the campaign schema (gen_stream.py), jsonl+gzip and csv+gzip,
side by side with its references on the same file and the same lake:

  (a) transform_lambda.py: the transform written the way a stream Lambda is (boto3
      TypeDeserializer, json, gzip); its rows are checked equal to ours on a small file first;
  (b) local PySpark: transform_spark.py (the same arguments as transform_lambda.py), our Glue
      job over the stream records on local[2]; its rows are checked equal to ours too; skipped,
      and said so, when pyspark is not installed;
  (c) the parse-only floor: `pipeline run --parse-only`, our binary reading, parsing and
      checking every record and writing nothing: the limit the transform can approach.

Rounds alternate ours and the references (A B A B …); figures are medians. Peak RSS comes from
/usr/bin/time -v (getrusage of the child without it). Input MB/s per core is input bytes over
the process's CPU time (user + system). Files are generated once into the cache directory
(PW_BENCH_CACHE, default build/bench-cache) and reused. Start-up: `pipewright version` and
`validate` of the whitecube spec, median of many runs (hyperfine when installed).
"""

from __future__ import annotations

import csv
import gzip
import json
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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import gen_stream  # noqa: E402

from sparkjob import SPARK_MISSING  # noqa: E402
from util import base_env, pipewright_path  # noqa: E402

SPEC = REPO / "examples" / "whitecube" / "pipewright.yaml"
LAMBDA = HERE / "transform_lambda.py"
# (b) local PySpark: a script with transform_lambda.py's arguments (STREAM DIMENSION OUTDIR
# --format F --level N) that runs our Glue job on local Spark.
SPARK_REFERENCE = HERE / "transform_spark.py"
TIME = "/usr/bin/time"
PREFIX = "user_campaign_tasks"
GZIP_LEVEL = 1          # the binary's level for data files (pipeline/partition.c DATA_LEVEL)


def cache_dir() -> Path:
    d = Path(os.environ.get("PW_BENCH_CACHE", REPO / "build" / "bench-cache"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def inputs(n: int) -> tuple[Path, Path]:
    """The stream file of n records and the dimension, generated once."""
    d = cache_dir()
    stream, dim = d / f"stream-{n}.jsonl", d / "dimension.jsonl"
    if not stream.exists() or not dim.exists():
        print(f"  generating {n:,} records into {d} (once)", flush=True)
        tmp = stream.with_suffix(".tmp")
        items = gen_stream.write_stream(str(tmp), n)
        gen_stream.dump_lines(str(dim), items, wrap="Item")
        tmp.rename(stream)
    return stream, dim


def measure(cmd: list, env: dict | None = None) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MiB, stdout) of one run; fails the benchmark on a non-zero exit."""
    use_time = os.access(TIME, os.X_OK)
    full = [TIME, "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(full, env=env, capture_output=True, text=True, timeout=7200)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.stderr.write(p.stdout[-2000:] + p.stderr[-3000:])
        raise SystemExit(f"bench: {' '.join(map(str, cmd[:3]))} … exited {p.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    rss = int(m.group(1)) / 1024 if m else after.ru_maxrss / 1024
    return wall, cpu, rss, p.stdout


def spec_variant(tmp: Path, fmt: str) -> Path:
    """The whitecube spec with output.format set, in the temporary directory."""
    text = SPEC.read_text()
    if fmt != "jsonl":
        text, k = re.subn(r"(\n    format: )jsonl", rf"\g<1>{fmt}", text)
        assert k == 1, "the example's pipeline output format moved"
    path = tmp / f"spec-{fmt}.yaml"
    path.write_text(text)
    return path


def lake_rows(lake: Path, fmt: str) -> dict:
    """partition -> sorted rows (parsed), of our lake or the reference's."""
    out = {}
    for part in sorted((lake / PREFIX).iterdir()):
        rows = []
        for f in sorted(part.iterdir()):
            if not f.name.startswith("part-"):
                continue
            text = gzip.decompress(f.read_bytes()).decode()
            if fmt == "jsonl":
                rows += [json.dumps(json.loads(line), sort_keys=True) for line in text.splitlines()]
            else:
                rows += [json.dumps(r) for r in list(csv.reader(text.splitlines()))[1:]]
        out[part.name] = sorted(rows)
    return out


def references() -> dict:
    """name -> script of the references that take transform_lambda.py's arguments (local
    PySpark when pyspark imports: `make deps` installs it)."""
    refs = {"Lambda-style Python": LAMBDA}
    if SPARK_MISSING is None:
        refs["local PySpark"] = SPARK_REFERENCE
    return refs


def size_label(n: int) -> str:
    return f"{n // 1000:,}k" if n < 1_000_000 else f"{n // 1_000_000}M"


def run_reference(script: Path, stream: Path, dim: Path, out: Path, fmt: str):
    return measure([sys.executable, str(script), str(stream), str(dim), str(out), "--format", fmt,
                    "--level", str(GZIP_LEVEL)])


def check_reference(tmp: Path, env: dict, specs: dict, stream: Path, dim: Path):
    """Each reference makes our rows: compared partition by partition on the first 2,000
    records."""
    small = tmp / "small.jsonl"
    with open(stream) as src, open(small, "w") as dst:
        for _, line in zip(range(2000), src):
            dst.write(line)
    for fmt, spec in specs.items():
        ours = tmp / f"check-ours-{fmt}"
        measure([str(pipewright_path()), "-f", str(spec), "pipeline", "run", "--from-file",
                 str(small), "--dimension-file", str(dim), "--to", f"file://{ours}"], env)
        a = lake_rows(ours, fmt)
        for i, (name, script) in enumerate(references().items()):
            ref = tmp / f"check-ref{i}-{fmt}"
            run_reference(script, small, dim, ref, fmt)
            b = lake_rows(ref, fmt)
            if a != b:
                diff = [p for p in sorted(set(a) | set(b)) if a.get(p) != b.get(p)]
                raise SystemExit(f"bench: the {name} reference's {fmt} rows differ from ours in "
                                 f"{len(diff)} partitions, first {diff[0]}")
            print(f"  reference check ({fmt}, {name}): {sum(map(len, a.values()))} rows in "
                  f"{len(a)} partitions, equal", flush=True)


def startup(result: Result, env: dict, runs: int):
    pw = str(pipewright_path())
    for what, args in (("version", ["version"]),
                       ("validate (whitecube)", ["validate", "-f", str(SPEC)])):
        if shutil.which("hyperfine"):
            out = Path(tempfile.mktemp(suffix=".json"))
            subprocess.run(["hyperfine", "-N", "--warmup", "5", "--runs", str(runs),
                            "--export-json", str(out), " ".join([pw, *args])],
                           env=env, capture_output=True, check=True)
            took = json.loads(out.read_text())["results"][0]["median"]
            out.unlink()
        else:
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                subprocess.run([pw, *args], env=env, capture_output=True, check=True)
                times.append(time.perf_counter() - t0)
            took = median(times)
        result.rows.append(Row(f"start-up: {what}", took, None, "s"))
        print(f"  start-up {what}: {took * 1000:.1f} ms", flush=True)


def one_size(result: Result, tmp: Path, env: dict, specs: dict, n: int, rounds: int,
             formats: list):
    stream, dim = inputs(n)
    mb = stream.stat().st_size / 1e6
    pw = str(pipewright_path())
    spark = "local PySpark" in references()
    label = size_label(n)
    for fmt in formats:
        spec = specs[fmt]
        f = {k: [] for k in ("wall", "cpu", "rss", "ref", "ref_rss", "spark", "spark_rss", "floor",
                             "floor_rss")}
        rows = 0
        for i in range(rounds):
            lake, ref = tmp / "lake", tmp / "ref"
            shutil.rmtree(lake, ignore_errors=True)
            wall, cpu, rss, out = measure([pw, "-f", str(spec), "pipeline", "run", "--from-file",
                                           str(stream), "--dimension-file", str(dim), "--to",
                                           f"file://{lake}"], env)
            f["wall"].append(wall), f["cpu"].append(cpu), f["rss"].append(rss)
            m = re.search(r"^batches\s+(\d+)$", out, re.M)
            if i == 0:
                rows = sum(len(v) for v in lake_rows(lake, fmt).values())
            shutil.rmtree(lake, ignore_errors=True)
            w, _, r, _ = run_reference(LAMBDA, stream, dim, ref, fmt)
            f["ref"].append(w), f["ref_rss"].append(r)
            shutil.rmtree(ref, ignore_errors=True)
            if spark:
                w, _, r, _ = run_reference(SPARK_REFERENCE, stream, dim, ref, fmt)
                f["spark"].append(w), f["spark_rss"].append(r)
                shutil.rmtree(ref, ignore_errors=True)
            w, _, r, _ = measure([pw, "-f", str(spec), "pipeline", "run", "--from-file",
                                  str(stream), "--parse-only"], env)
            f["floor"].append(w), f["floor_rss"].append(r)
            spark_took = f", local PySpark {f['spark'][-1]:.2f} s" if spark else ""
            print(f"  {label} {fmt}: ours {wall:.2f} s ({m.group(1) if m else '?'} batches, "
                  f"{rss:.0f} MiB), Lambda-style Python {f['ref'][-1]:.2f} s{spark_took}, "
                  f"parse-only {f['floor'][-1]:.2f} s (round {i + 1})", flush=True)
        wall, cpu = median(f["wall"]), median(f["cpu"])
        what = f"{label} records, {fmt}+gzip"
        result.rows += [
            Row(f"{what}: wall time", wall, median(f["ref"]), "s", "Lambda-style Python"),
        ]
        if spark:
            result.rows.append(Row(f"{what}: wall time", wall, median(f["spark"]), "s",
                                   "local PySpark"))
        result.rows += [
            Row(f"{what}: vs parse-only floor", wall, median(f["floor"]), "s", "parse-only"),
            Row(f"{what}: input per core", mb / cpu, None, "MB/s"),
            Row(f"{what}: input", mb / wall, mb / median(f["ref"]), "MB/s", "Lambda-style Python"),
            Row(f"{what}: rows", rows / wall, rows / median(f["ref"]), "rows/s",
                "Lambda-style Python"),
            *([Row(f"{what}: rows", rows / wall, rows / median(f["spark"]), "rows/s",
                   "local PySpark")] if spark else []),
            # no ratio: less is better here, and the reference holds the whole table
            Row(f"{what}: peak RSS", median(f["rss"]), None, "MiB"),
        ]
        spark_rss = (f", of local PySpark (the largest process: the JVM) "
                     f"{median(f['spark_rss']):,.0f} MiB" if spark else "")
        result.notes.append(f"{what}: peak RSS of the Lambda-style Python "
                            f"{median(f['ref_rss']):,.0f} MiB{spark_rss}, of the parse-only floor "
                            f"{median(f['floor_rss']):,.0f} MiB")


def main() -> int:
    def extra(p):
        p.add_argument("--sizes", default=os.environ.get("PW_BENCH_SIZES", "100000,1000000"),
                       help="record counts (default $PW_BENCH_SIZES or 100000,1000000)")
        p.add_argument("--large-rounds", type=int, default=1,
                       help="rounds for sizes of 1,000,000 and more (default 1)")
        p.add_argument("--formats", default=os.environ.get("PW_BENCH_FORMATS", "jsonl,csv"))
        p.add_argument("--large-formats",
                       default=os.environ.get("PW_BENCH_LARGE_FORMATS", "jsonl"),
                       help="formats at 1,000,000 records and more (default jsonl: one round of "
                            "the references there takes about 20 minutes per format)")
        p.add_argument("--startup-runs", type=int, default=50)
    args = parse_args(int(os.environ.get("PW_BENCH_ROUNDS", "3")), __doc__, extra)
    result = Result("transform", "Transform throughput, offline: stream records of the campaign "
                    "example into a file:// lake (medians)", command="make bench BENCH=transform")
    formats = args.formats.split(",")
    large_formats = [f for f in args.large_formats.split(",") if f in formats]
    sizes = [(n, args.large_rounds if n >= 1_000_000 else args.rounds)
             for n in map(int, args.sizes.split(","))]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = base_env(tmp / "home")
        specs = {fmt: spec_variant(tmp, fmt) for fmt in formats}
        startup(result, env, args.startup_runs)
        stream, dim = inputs(int(args.sizes.split(",")[0]))
        check_reference(tmp, env, specs, stream, dim)
        for n, rounds in sizes:
            one_size(result, tmp, env, specs, n, rounds,
                     large_formats if n >= 1_000_000 else formats)
    result.notes[:0] = [
        "; ".join(f"{r} round{'s' if r != 1 else ''} at {size_label(n)}" for n, r in sizes) +
        f"; ours, {', '.join(references())} and the parse-only floor alternating; input is the "
        "JSON Lines of gen_stream.py (100k records: about 144 MB), uncompressed" +
        (f"; at 1M, {' and '.join(large_formats)} only" if any(n >= 1_000_000 for n, _ in sizes)
         and large_formats != formats else ""),
        "input per core: input bytes over the run's CPU time (user + system)",
        "the Python reference holds every item in memory and writes each partition once at the "
        "end (no state, manifests, versions or quarantine); its rows were checked equal to ours",
        "parse-only: `pipeline run --parse-only`, reading, parsing and checking every record "
        "without transforming or writing; its ratio below 1 is how far above the floor we are",
        "local PySpark: " + (
            "our Glue job (templates/glue/flatten_join.py, --source_format stream) on local[2] "
            "with 2 GiB of driver memory, through tests/bench/transform_spark.py; its time "
            "includes the JVM's start; its rows were checked equal to ours"
            if "local PySpark" in references() else f"not run ({SPARK_MISSING})"),
    ]
    finish(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
