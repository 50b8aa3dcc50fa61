"""The Glue job (templates/glue/flatten_join.py) run under a local Spark, with the arguments
`up` gives it, and a file:// lake read back as both engines write it: shared by the
test_glue_parity*.py tests and tests/bench (bench_spark.py, transform_spark.py)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from transform_ref import Config
from util import REPO

SCRIPT = REPO / "templates" / "glue" / "flatten_join.py"

try:
    import pyspark  # noqa: F401
    SPARK_MISSING = None
except ImportError as e:        # CI installs it (tests/requirements.txt): this is for a bare box
    SPARK_MISSING = f"pyspark cannot be imported ({e}): `make deps` installs it"


def job_arguments(spec: Path, export: Path, dim: Path, out: Path, **extra) -> list:
    """The arguments provision/job.c (job_pipeline_arguments) derives from the spec, with the
    export paths `pipeline backfill --engine glue` adds and a file:// lake for --output_path;
    extra arguments (source_format="stream", output_format="csv") added or replaced."""
    cfg = Config.from_spec(spec)
    cols = [{"name": c.name, "type": c.type, **({"from": c.src} if c.src != c.name else {}),
             **({"format": c.format} if c.format else {}), **({"required": True} if c.required else {})}
            for c in cfg.columns]
    args = {"source_path": export, "source_key": json.dumps([list(k) for k in cfg.keys]),
            "explode": cfg.explode, "explode_empty": cfg.empty,
            "dimension_path": dim, "dimension_key": json.dumps([list(k) for k in cfg.join_keys]),
            "dimension_explode": cfg.join_explode, "dimension_explode_empty": cfg.join_empty,
            "join_on": json.dumps(cfg.join_on), "join_columns": json.dumps(cfg.join_columns),
            "join_kind": cfg.join_kind, "columns": json.dumps(cols),
            "partition_column": cfg.partition.name, "partition_granularity": cfg.granularity,
            "partition_as": cfg.partition_as, "output_path": f"file://{out}/{cfg.prefix}",
            "output_prefix": cfg.prefix, "quarantine_prefix": cfg.quarantine_prefix,
            "output_format": cfg.fmt, "output_compression": cfg.compression,
            "output_header": "true" if cfg.header else "false",
            "target_file_size": str(128 << 20),    # the spec's default
            **extra}
    return [x for k, v in args.items() for x in (f"--{k}", str(v))]


def spark_submit(args, tmp: Path, parallelism: int = 2, memory: str = "1g") -> dict:
    """Runs the job on local[parallelism]; its report (the last line of its output)."""
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}",
           "PYSPARK_PYTHON": sys.executable, "SPARK_LOCAL_DIRS": str(tmp)}
    cmd = [str(venv_bin / "spark-submit"), "--master", f"local[{parallelism}]", "--conf", "spark.ui.enabled=false",
           "--conf", f"spark.default.parallelism={parallelism}", "--driver-memory", memory, str(SCRIPT), *args]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
    assert p.returncode == 0, p.stderr[-4000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def lake_files(root: Path, prefix: str) -> dict:
    """{partition/file: content} as a reader and the C pipeline see them: through the partition
    links, data decompressed, manifests without their version name."""
    out = {}
    table = root / prefix.rstrip("/")
    for part in sorted(table.iterdir()):
        assert part.is_symlink(), part
        for f in sorted(part.iterdir()):
            data = f.read_bytes()
            if f.name == "_manifest.json":
                m = json.loads(data)
                assert m.pop("version") == os.readlink(part).rsplit("/", 1)[1]
                data = m
            elif f.name.endswith(".gz"):
                data = gzip.decompress(data)
            out[f"{part.name}/{f.name}"] = data
    return out


def side(root: Path, area: str) -> dict:
    """{file: content} of a side area (pipeline metadata, quarantine), decompressed."""
    return {f.name: gzip.decompress(f.read_bytes()) if f.name.endswith(".gz") else f.read_bytes()
            for f in sorted((root / area).iterdir())}
