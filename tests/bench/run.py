#!/usr/bin/env python3
"""`make bench`: runs every tests/bench/bench_*.py (or those named in BENCH=a,b), prints their
figures, and writes the table of the latest run to docs/performance.md with the machine and the
commands that reproduce it."""

from __future__ import annotations

import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from common import REPO, fmt, machine

HERE = Path(__file__).resolve().parent
OUT = REPO / "docs" / "performance.md"


def selected() -> list[Path]:
    benches = sorted(HERE.glob("bench_*.py"))
    only = [b for b in os.environ.get("BENCH", "").split(",") if b]
    if only:
        benches = [b for b in benches if b.stem.removeprefix("bench_") in only]
    return benches


def render(results: list[dict]) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        "# Performance",
        "",
        "Written by `make bench` (tests/bench/run.py); do not edit by hand. Every comparison runs",
        "side by side in one run (ours and the reference alternating) and quotes medians. A ratio",
        "is how many times better pipewright is than the reference (higher is better).",
        "",
        f"Latest run: {today}, on {machine()}.",
        "",
    ]
    for r in results:
        lines += [f"## {r['title']}", "", f"Reproduce: `{r['command']}`", "",
                  "| measure | pipewright | reference | ratio |", "|---|---:|---:|---:|"]
        for row in r["rows"]:
            ratio = f"{row['ratio']:.1f}x" if row.get("ratio") else "-"
            ref = fmt(row["reference"], row["unit"])
            if row.get("reference_name") and row["reference"] is not None:
                ref += f" ({row['reference_name']})"
            lines.append(f"| {row['what']} | {fmt(row['ours'], row['unit'])} | {ref} | {ratio} |")
        lines += [""] + [f"- {n}" for n in r.get("notes", [])] + [""]
    return "\n".join(lines)


def kept_sections(ran: set) -> str:
    """The sections of docs/performance.md whose benchmark did not run this time (BENCH=...
    picks some), so running one benchmark does not drop the others' figures."""
    if not OUT.exists():
        return ""
    kept = []
    for sec in OUT.read_text().split("\n## ")[1:]:
        m = re.search(r"BENCH=([a-z_]+)`", sec)
        if m and m.group(1) not in ran:
            kept.append("## " + sec.rstrip("\n") + "\n")
    return "".join(kept)


def main() -> int:
    results, failed = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for bench in selected():
            out = Path(tmp) / f"{bench.stem}.json"
            print(f"== {bench.stem}", flush=True)
            p = subprocess.run([sys.executable, str(bench), "--json", str(out)], cwd=HERE)
            if p.returncode != 0 or not out.exists():
                failed.append(bench.stem)
                continue
            results.append(json.loads(out.read_text()))
    if results:
        OUT.write_text(render(results) + kept_sections({r["name"] for r in results}))
        print(f"\nwrote {OUT.relative_to(REPO)}")
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not results else 0


if __name__ == "__main__":
    raise SystemExit(main())
