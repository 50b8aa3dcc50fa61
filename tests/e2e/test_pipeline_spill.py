"""`pipeline run --from-file` without --batch-records applies the file partition by partition
(pipeline/state_spill.c, docs/transform.md §6): it must make exactly the lake the batch path
makes, and its memory must not grow with the input."""

from __future__ import annotations

import copy
import gzip
import os
import subprocess
from pathlib import Path

import pytest

from test_pipeline_offline import (WHITECUBE, Lake, expect_lake, generated, parse_report,
                                   pw, whitecube_dimension, write_lines)
from transform_ref import Config, Reference
from util import asan_build

__all__ = ["pw"]    # the fixture, shared with test_pipeline_offline
TIME = "/usr/bin/time"


def state_files(lake_dir: Path, cfg: Config) -> dict:
    """partition -> the items its current version keeps (_state.gz), as text."""
    table = lake_dir / cfg.prefix.rstrip("/")
    return {p.name: gzip.decompress((p / "_state.gz").read_bytes()).decode()
            for p in sorted(table.iterdir()) if p.is_symlink()}


def same_lakes(a: Path, b: Path, cfg: Config):
    la, lb = Lake(a, cfg), Lake(b, cfg)
    assert la.partitions() == lb.partitions()
    assert state_files(a, cfg) == state_files(b, cfg)
    assert sorted(map(str, la.quarantine())) == sorted(map(str, lb.quarantine()))


def test_spilled_run_equals_batches(pw, tmp_path):
    records, dims = generated(tmp_path, 3000, seed=23)
    src = write_lines(tmp_path / "s.jsonl", records)
    dim = whitecube_dimension(tmp_path, dims)
    cfg = Config.from_spec(WHITECUBE)
    one = parse_report(pw("--from-file", src, "--dimension-file", dim, "--to",
                          f"file://{tmp_path / 'spill'}").out)
    many = parse_report(pw("--from-file", src, "--dimension-file", dim, "--to",
                           f"file://{tmp_path / 'batches'}", "--batch-records", "1000").out)
    assert one["batches"] == 1 and many["batches"] == 3
    for k in ("records", "inserted", "modified", "removed", "quarantined", "empty", "unmatched"):
        assert one[k] == many[k], k
    assert one["quarantined"] > 10 and one["modified"] > 100
    same_lakes(tmp_path / "spill", tmp_path / "batches", cfg)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(tmp_path / "spill", cfg), ref)
    # Nothing of the spill is left beside the lake.
    assert not [p for p in (tmp_path / "spill").iterdir() if p.name.startswith(".pipewright-spill")]


def test_spilled_run_on_a_lake_and_a_changed_dimension(pw, tmp_path):
    """A second file on an existing lake, with a dimension that changed: the partitions the
    file does not touch but whose rows the dimension changes are rewritten too."""
    records, dims = generated(tmp_path, 2400, seed=29, campaigns=12)
    cfg = Config.from_spec(WHITECUBE)
    changed = copy.deepcopy(dims)
    for t in changed[3]["campaignTasks"]["L"]:
        t["M"]["taskDeadline"] = {"S": "2031-06-30T12:00:00Z"}
    for name, extra in (("spill", ()), ("batches", ("--batch-records", "500"))):
        lake = f"file://{tmp_path / name}"
        pw("--from-file", write_lines(tmp_path / "a.jsonl", records[:1500]), "--dimension-file",
           whitecube_dimension(tmp_path, dims), "--to", lake, *extra)
        pw("--from-file", write_lines(tmp_path / "b.jsonl", records[1500:]), "--dimension-file",
           whitecube_dimension(tmp_path, changed), "--to", lake, *extra)
    same_lakes(tmp_path / "spill", tmp_path / "batches", cfg)
    ref = Reference(cfg, changed)
    ref.apply_records(records)
    expect_lake(Lake(tmp_path / "spill", cfg), ref)


def test_old_images_missing_halfway_hand_over_to_batches(pw, tmp_path):
    """From the first modify without an old image on, the item's old rows could be anywhere:
    what was spilled is applied, and batches (which search the lake) take the rest."""
    records, dims = generated(tmp_path, 2000, seed=31, edge=False)
    for rec in records[1000:]:
        rec["dynamodb"].pop("OldImage", None)
    src = write_lines(tmp_path / "s.jsonl", records)
    dim = whitecube_dimension(tmp_path, dims)
    cfg = Config.from_spec(WHITECUBE)
    rep = parse_report(pw("--from-file", src, "--dimension-file", dim, "--to",
                          f"file://{tmp_path / 'spill'}").out)
    assert rep["batches"] == 2
    pw("--from-file", src, "--dimension-file", dim, "--to", f"file://{tmp_path / 'batches'}",
       "--batch-records", "300")
    same_lakes(tmp_path / "spill", tmp_path / "batches", cfg)
    ref = Reference(cfg, dims)
    ref.apply_records(records)
    expect_lake(Lake(tmp_path / "spill", cfg), ref)


def peak_rss_mib(cmd, env) -> float:
    """The peak RSS of one run, as GNU time reports it. Not measured from here: a child forked
    from this (large) Python process starts with its peak as the child's own."""
    p = subprocess.run([TIME, "-f", "%M", *map(str, cmd)], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return int(p.stderr.strip().splitlines()[-1]) / 1024


@pytest.mark.skipif(not os.access(TIME, os.X_OK), reason=f"{TIME} (GNU time) is not installed")
@pytest.mark.skipif(asan_build(), reason="AddressSanitizer build: its quarantine keeps freed "
                    "memory, so peak RSS says nothing; the measure runs on the normal build")
def test_memory_does_not_grow_with_the_input(pipewright, offline_env, tmp_path):
    """Four times the records (spread over the same partitions) and the same peak memory, where
    one batch of the whole file (the control) grows with it: the measure can fail."""
    records, dims = generated(tmp_path, 24000, seed=37, campaigns=400, edge=False)
    dim = whitecube_dimension(tmp_path, dims)
    small = write_lines(tmp_path / "small.jsonl", records[:6000])
    large = write_lines(tmp_path / "large.jsonl", records)
    growth = large.stat().st_size - small.stat().st_size

    def run(src, name, *extra):
        return peak_rss_mib([pipewright, "-f", WHITECUBE, "pipeline", "run", "--from-file", src,
                             "--dimension-file", dim, "--to", f"file://{tmp_path / name}",
                             *extra], offline_env)

    spilled = run(large, "l1") - run(small, "s1")
    batch = run(large, "l2", "--batch-records", "24000") - run(small, "s2", "--batch-records", "24000")
    assert batch > growth / 2 / 2**20, f"the control grew by {batch:.1f} MiB only"
    assert spilled < growth / 4 / 2**20, f"{spilled:.1f} MiB more for {growth / 2**20:.0f} MB more input"
