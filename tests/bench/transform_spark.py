#!/usr/bin/env python3
"""The transform benchmark's local PySpark reference (issue 7, benchmark 1, reference (b)): our
Glue job, templates/glue/flatten_join.py, on a local Spark over the same file of stream records
and the same dimension, into the same lake layout as `pipeline run --to file://OUTDIR`
(OUTDIR/user_campaign_tasks/createdAt_date=YYYY-MM-DD/ -> its version's part-*.gz):

    transform_spark.py STREAM.jsonl DIMENSION.jsonl OUTDIR [--format jsonl|csv] [--level N]

The arguments are transform_lambda.py's, so bench_transform.py runs either the same way. The
job gets the campaign example's pipeline as `up` would pass it (tests/e2e/sparkjob.py), with
`--source_format stream`: the records are applied in file order on the (fresh) lake, per key
the last one wins, as `pipeline run --from-file` does on an empty lake. Spark runs as
bench_spark.py runs it: local[2] (the machine's two cores), 2 GiB of driver memory, its time
including the JVM's and the Python workers' start, as a Glue run's would.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "tests" / "e2e"))

from sparkjob import SPARK_MISSING, job_arguments, spark_submit  # noqa: E402

SPEC = HERE.parents[1] / "examples" / "whitecube" / "pipewright.yaml"
DATA_LEVEL = 1          # the job's gzip level for data files (flatten_join.py DATA_LEVEL)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stream")
    ap.add_argument("dimension")
    ap.add_argument("out")
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--level", type=int, default=DATA_LEVEL,
                    help=f"gzip level: the job writes at {DATA_LEVEL}, as the binary does")
    a = ap.parse_args(argv)
    if SPARK_MISSING:
        raise SystemExit(f"transform_spark: {SPARK_MISSING}")
    if a.level != DATA_LEVEL:
        raise SystemExit(f"transform_spark: the Glue job writes gzip level {DATA_LEVEL} only, "
                         f"not {a.level}")
    out = Path(a.out).resolve()
    args = job_arguments(SPEC, Path(a.stream).resolve(), Path(a.dimension).resolve(), out,
                         source_format="stream", output_format=a.format)
    with tempfile.TemporaryDirectory(prefix="pw-spark-") as tmp:
        report = spark_submit(args, Path(tmp), parallelism=2, memory="2g")
    print(f"{report['records']} records, {report['rows_written']} rows in "
          f"{report['partitions_written']} partitions, {report['quarantined']} quarantined")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
