"""What every benchmark shares: the emulator, the binary's environment, side-by-side rounds,
medians, and one result format that run.py turns into docs/performance.md.

A benchmark is a script `bench_<name>.py [--rounds N] [--json FILE]` that prints its figures
as it goes and, with --json, writes a Result: rows of (what, ours, reference, unit, ratio).
Rounds alternate ours and the reference (A B A B ...) and figures are medians, because the
machines are shared and noisy. Benchmarks never fail on a slow machine: they only fail when
something did not do what it should (a non-zero exit, a wrong result)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from motoserver import MotoServer  # noqa: E402
from util import base_env, pipewright_path  # noqa: E402


@dataclass
class Row:
    what: str
    ours: float
    reference: float | None
    unit: str                   # "s" (lower is better) or "items/s" (higher is better)
    reference_name: str = ""

    @property
    def ratio(self) -> float | None:
        """How many times better ours is than the reference (> 1: ours wins)."""
        if not self.reference or not self.ours:
            return None
        return self.reference / self.ours if self.unit == "s" else self.ours / self.reference


@dataclass
class Result:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    command: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        for r, row in zip(d["rows"], self.rows):
            r["ratio"] = row.ratio
        return d


def parse_args(default_rounds: int, doc: str, extra=None) -> argparse.Namespace:
    """--rounds and --json; extra(parser) adds a benchmark's own options."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("--rounds", type=int, default=default_rounds,
                   help=f"side-by-side rounds (default {default_rounds})")
    p.add_argument("--json", type=Path, help="write the result here (run.py does)")
    if extra:
        extra(p)
    return p.parse_args()


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else 0.0


def fmt(v: float | None, unit: str) -> str:
    if v is None:
        return "-"
    if unit == "s":
        return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"
    return f"{v:,.0f} {unit}"


def print_rows(result: Result):
    print(f"\n{result.title}")
    print(f"  {'':34} {'pipewright':>12} {'reference':>12} {'ratio':>8}")
    for row in result.rows:
        ratio = f"{row.ratio:.1f}x" if row.ratio else "-"
        vs = f"  ({row.reference_name})" if row.reference_name else ""
        print(f"  {row.what:34} {fmt(row.ours, row.unit):>12} {fmt(row.reference, row.unit):>12} "
              f"{ratio:>8}{vs}")
    for n in result.notes:
        print(f"  note: {n}")


def finish(result: Result, args: argparse.Namespace):
    print_rows(result)
    if args.json:
        args.json.write_text(json.dumps(result.to_json(), indent=2))


class Emulator:
    """moto with signature checking on, and the environment that points pipewright at it.

    EventBridge Scheduler alone goes to a second moto without signature checking: moto refuses
    even botocore's own signed Scheduler GETs (tests/e2e/test_provision_schedules.py). The
    boto3 references use that one for the scheduler too, so both sides do the same work."""

    def __init__(self, region: str, workdir: Path):
        self.moto = MotoServer(region=region).start()
        self.sched = MotoServer(region=region, check_signatures=False).start()
        self.region = region
        self.env = base_env(workdir / "home")
        self.env.update({"AWS_REGION": region, "AWS_ENDPOINT_URL": self.moto.url,
                         "AWS_ENDPOINT_URL_SCHEDULER": self.sched.url,
                         "AWS_ACCESS_KEY_ID": self.moto.creds.access_key,
                         "AWS_SECRET_ACCESS_KEY": self.moto.creds.secret})
        self.binary = str(pipewright_path())

    def reset(self):
        self.sched.reset()
        self.moto.reset()
        # reset() provisions a fresh IAM user with a new key: follow it
        self.env["AWS_ACCESS_KEY_ID"] = self.moto.creds.access_key
        self.env["AWS_SECRET_ACCESS_KEY"] = self.moto.creds.secret

    def client(self, service: str):
        return (self.sched if service == "scheduler" else self.moto).client(service)

    def pw(self, *args: str, expect: tuple[int, ...] = (0,)) -> float:
        """Runs pipewright; returns its wall time. Fails the benchmark on an unexpected exit."""
        t0 = time.perf_counter()
        p = subprocess.run([self.binary, *args], env=self.env, capture_output=True, text=True,
                           timeout=600)
        took = time.perf_counter() - t0
        if p.returncode not in expect:
            sys.stderr.write(p.stdout[-3000:] + p.stderr[-3000:])
            raise SystemExit(f"bench: pipewright {' '.join(args)} exited {p.returncode}")
        return took

    def stop(self):
        self.moto.stop()
        self.sched.stop()


def timed(fn, *a, **kw) -> float:
    t0 = time.perf_counter()
    fn(*a, **kw)
    return time.perf_counter() - t0


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}, {os.uname().sysname} {os.uname().release}"
