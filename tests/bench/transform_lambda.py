#!/usr/bin/env python3
"""The transform benchmark's Python reference: the campaign example's transform written the way
a team's stream Lambda is (boto3's TypeDeserializer, json, gzip), over the same file of stream
records and the same dimension, into the same lake layout as `pipeline run --to file://DIR`
(DIR/user_campaign_tasks/createdAt_date=YYYY-MM-DD/part-00000.<ext>.gz).

    transform_lambda.py STREAM.jsonl DIMENSION.jsonl OUTDIR [--format jsonl|csv] [--level N]

It is the favourable case for Python: one process holds every current item in a dict (the last
change of each key wins, REMOVE deletes) and writes each partition once at the end, with no
state files, no manifests, no versions and no quarantine. The rows equal the binary's (same
columns, values and partitions; bench_transform.py checks it on a small file): the spec's
columns in order, exploded by progressDetails, left-joined to campaignInfo's tasks on
(campaignID, taskID), decimals as exact JSON numbers, timestamps as ISO 8601 UTC.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
from datetime import datetime, timezone
from decimal import Decimal

from boto3.dynamodb.types import TypeDeserializer

COLUMNS = [
    ("userID", "string"), ("campaignID", "string"), ("userCampaignProgressState", "string"),
    ("createdAt", "timestamp"), ("updatedAt", "timestamp"), ("totalTaskRewardsEarned", "decimal"),
    ("taskID", "string"), ("userCampaignTaskProgressState", "string"),
    ("validatedAt", "timestamp"), ("validationFailureReason", "string"),
    ("rewardEarned", "decimal"), ("taskDeadline", "timestamp"),
]
PREFIX = "user_campaign_tasks"
deser = TypeDeserializer()


def plain(image: dict) -> dict:
    return {k: deser.deserialize(v) for k, v in image.items()}


def timestamp(v):
    if v is None:
        return None
    t = datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def number(d: Decimal) -> str:
    """A DynamoDB number as exact JSON number text (json has no Decimal)."""
    return format(d.normalize(), "f") if d == d.to_integral_value() else str(d)


def dimension_of(items) -> dict:
    """(campaignID, taskID) -> the task's deadline, from campaignInfo items in DynamoDB JSON;
    the first task of an id wins."""
    dim = {}
    for raw in items:
        item = plain(raw)
        for task in item.get("campaignTasks") or []:
            dim.setdefault((item["campaignID"], task.get("taskID")), task.get("taskDeadline"))
    return dim


def load_dimension(path: str) -> dict:
    with open(path) as f:
        return dimension_of(json.loads(line)["Item"] for line in f)


def rows_of(item: dict, dim: dict):
    for task in item.get("progressDetails") or []:
        merged = {**item, **task, "taskDeadline": dim.get((item["campaignID"], task.get("taskID")))}
        row = {}
        for name, kind in COLUMNS:
            v = merged.get(name)
            if kind == "timestamp":
                v = timestamp(v)
            elif kind == "decimal" and v is not None:
                v = number(v)
            row[name] = v
        yield row


def apply(items: dict, rec: dict):
    """One stream record (as GetRecords returns it, DynamoDB JSON) applied to the current
    items, by key: the last change of a key wins, REMOVE deletes."""
    d = rec["dynamodb"]
    key = json.dumps(plain(d["Keys"]), sort_keys=True, default=str)
    if rec["eventName"] == "REMOVE":
        items.pop(key, None)
    else:
        items[key] = plain(d["NewImage"])


def handler(stream_path: str, dim_path: str) -> dict:
    """The Lambda's work: the current items, by key."""
    items = {}
    with open(stream_path) as f:
        for line in f:
            apply(items, json.loads(line))
    return items


def partitions(items, dim: dict) -> dict:
    """partition day -> its rows, for the current items."""
    parts: dict[str, list] = {}
    for item in items:
        day = timestamp(item["createdAt"])[:10]
        parts.setdefault(day, []).extend(rows_of(item, dim))
    return parts


def part_file(rows: list, fmt: str = "jsonl", level: int = 1) -> bytes:
    """One partition's data file: the rows rendered and gzipped (level 1: the binary's)."""
    return gzip.compress(render(rows, fmt), compresslevel=level)


def render(rows: list, fmt: str) -> bytes:
    decimals = {name for name, kind in COLUMNS if kind == "decimal"}
    if fmt == "jsonl":
        lines = []
        for r in rows:
            fields = (f"{json.dumps(k)}:{v if k in decimals and v is not None else json.dumps(v, ensure_ascii=False)}"
                      for k, v in r.items())
            lines.append("{" + ",".join(fields) + "}\n")
        return "".join(lines).encode()
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([name for name, _ in COLUMNS])
    for r in rows:
        w.writerow(["" if v is None else v for v in r.values()])
    return out.getvalue().encode()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stream")
    ap.add_argument("dimension")
    ap.add_argument("out")
    ap.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    ap.add_argument("--level", type=int, default=1, help="gzip level (the binary's: 1)")
    a = ap.parse_args(argv)
    dim = load_dimension(a.dimension)
    for day, rows in partitions(handler(a.stream, a.dimension).values(), dim).items():
        folder = os.path.join(a.out, PREFIX, f"createdAt_date={day}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"part-00000.{a.format}.gz"), "wb") as f:
            f.write(part_file(rows, a.format, a.level))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
