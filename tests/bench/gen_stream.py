#!/usr/bin/env python3
"""Writes N DynamoDB Streams records of the campaign schema (user_Campaign), deterministically.

    gen_stream.py N [--seed S] [--out FILE] [--dimension FILE] [--campaigns C] [--edge-cases]

Records are JSON Lines, each shaped as GetRecords returns it ({"eventName": ..., "dynamodb":
{"Keys", "NewImage", "OldImage", "SequenceNumber", "ApproximateCreationDateTime", ...}}), with
NEW_AND_OLD_IMAGES. The mix: about 5% MODIFY and 2% REMOVE of items inserted earlier, the rest
INSERT of new (user, campaign) items with 1-8 tasks each. --dimension writes the campaignInfo
table (C campaigns with 5-20 tasks each, default 10,000) as DynamoDB export lines.

--edge-cases sprinkles the cases of docs/transform.md's decision table into both files: missing
and empty task lists, tasks the dimension does not know, duplicate task ids, long decimals,
missing and NULL attributes, and bad records (missing key, wrong types, a list that is not a list
of maps, an unparsable timestamp); the dimension gets duplicate task ids, a campaign without
tasks and tasks without a deadline.

The same arguments always give the same bytes (random.Random(seed), no clock, no hash order).
The module's generate() is also used by the end-to-end tests.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from datetime import datetime, timedelta, timezone

EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
STATES = ["NOTSTARTED", "INPROGRESS", "COMPLETED"]
TASK_STATES = ["PENDING", "VALIDATED", "FAILED"]
REASONS = ["", "", "", "proof missing", "duplicate submission, \"retried\"", "screenshot, blurry"]


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def s(v: str) -> dict:
    return {"S": v}


def n(v) -> dict:
    return {"N": str(v)}


def money(rng: random.Random) -> str:
    """An exact decimal with 0-2 places, as DynamoDB keeps it (no trailing zeros)."""
    cents = rng.randrange(0, 10000)
    if cents % 100 == 0:
        return str(cents // 100)
    text = f"{cents // 100}.{cents % 100:02d}"
    return text.rstrip("0")


def campaign_id(i: int) -> str:
    return str(100 + i)


def task_id(j: int) -> str:
    return f"task{j + 1:03d}"


class Dimension:
    """campaignInfo: campaigns with their tasks (task ids task001...)."""

    def __init__(self, rng: random.Random, campaigns: int, edge: bool):
        self.items = []
        self.tasks = []          # per campaign: the task ids it declares
        for i in range(campaigns):
            start = EPOCH + timedelta(days=rng.randrange(0, 300))
            ntasks = rng.randint(5, 20)
            ids = [task_id(j) for j in range(ntasks)]
            tasks = []
            for tid in ids:
                m = {"taskID": s(tid), "rewardAmount": n(rng.choice([5, 10, 20, 25, 50])),
                     "taskDeadline": s(iso(start + timedelta(days=rng.randrange(10, 200),
                                                             seconds=86399)))}
                tasks.append({"M": m})
            item = {
                "campaignID": s(campaign_id(i)),
                "title": s(f"Campaign {i}"),
                "createdAt": s(iso(start - timedelta(days=30))),
                "endsAtTimestamp": s(iso(start + timedelta(days=60))),
                "campaignTasks": {"L": tasks},
            }
            if edge and i % 50 == 7:     # duplicate task id: the first one wins
                dup = {"M": dict(tasks[0]["M"])}
                dup["M"]["taskDeadline"] = s("2030-01-01T00:00:00Z")
                tasks.append(dup)
            if edge and i % 50 == 11:    # a task without a deadline
                del tasks[1]["M"]["taskDeadline"]
            if edge and i % 97 == 13:    # a campaign without tasks
                del item["campaignTasks"]
            self.items.append(item)
            self.tasks.append(ids)


class Stream:
    def __init__(self, rng: random.Random, dim: Dimension, edge: bool):
        self.rng = rng
        self.dim = dim
        self.edge = edge
        self.live = []           # keys of items that exist now
        self.where = {}          # key -> index in live
        self.images = {}         # key -> current image, as JSON text (a third of a dict's memory)
        self.next_user = 0
        self.seq = 0
        self.clock = EPOCH + timedelta(days=400)

    def tasks_for(self, c: int, k: int) -> list:
        ids = self.dim.tasks[c]
        chosen = self.rng.sample(ids, min(k, len(ids)))
        out = []
        for tid in chosen:
            state = self.rng.choice(TASK_STATES)
            m = {"taskID": s(tid), "userCampaignTaskProgressState": s(state),
                 "validationFailureReason": s(self.rng.choice(REASONS) if state == "FAILED" else ""),
                 "rewardEarned": n(money(self.rng) if state == "VALIDATED" else 0)}
            if state != "PENDING":
                m["validatedAt"] = s(iso(EPOCH + timedelta(seconds=self.rng.randrange(0, 400 * 86400))))
            out.append({"M": m})
        return out

    def new_image(self) -> dict:
        rng = self.rng
        c = rng.randrange(len(self.dim.tasks))
        user = f"user-{self.next_user:06d}"
        self.next_user += 1
        created = EPOCH + timedelta(seconds=rng.randrange(0, 366 * 86400))
        img = {
            "userID": s(user),
            "campaignID": s(campaign_id(c)),
            "userCampaignProgressState": s(rng.choice(STATES)),
            "createdAt": s(iso(created)),
            "updatedAt": s(iso(created + timedelta(seconds=rng.randrange(0, 30 * 86400)))),
            "totalTaskRewardsEarned": n(money(rng)),
            "progressDetails": {"L": self.tasks_for(c, rng.randint(1, 8))},
        }
        if self.edge:
            self.edge_case(img, c)
        return img

    def edge_case(self, img: dict, c: int):
        """Good-but-unusual items (kept) and bad ones (quarantined), per docs/transform.md."""
        rng = self.rng
        r = rng.random()
        tasks = img["progressDetails"]["L"]
        if r < 0.02:
            del img["progressDetails"]                                  # missing array
        elif r < 0.04:
            img["progressDetails"] = {"L": []}                          # empty array
        elif r < 0.06:
            tasks[0]["M"]["taskID"] = s("task999")                      # unmatched join
        elif r < 0.08:
            tasks.append({"M": dict(tasks[0]["M"])})                    # duplicate task id
        elif r < 0.10:
            img["totalTaskRewardsEarned"] = n("12345678901234567890.123456789012345678")
        elif r < 0.12:
            tasks[0]["M"].pop("validatedAt", None)                      # missing attribute
            img.pop("updatedAt")
        elif r < 0.13:
            tasks[0]["M"]["validatedAt"] = {"NULL": True}               # NULL attribute
        elif r < 0.14:
            img["nested"] = {"M": {"a": n(1), "b": {"M": {"c": s("x")}}}}  # map, not a column
        elif r < 0.145:
            img["createdAt"] = s("yesterday")                           # bad: timestamp
        elif r < 0.15:
            tasks[0]["M"]["rewardEarned"] = s("lots")                   # bad: not a decimal
        elif r < 0.155:
            img["progressDetails"] = {"L": [s("task001")]}              # bad: list of strings
        elif r < 0.16:
            img["progressDetails"] = s("task001")                       # bad: not a list
        elif r < 0.165:
            img["createdAt"] = n(1704067200)                            # epoch seconds
        elif r < 0.17:
            img.pop("createdAt")                                        # default partition

    def record(self, name: str, key: tuple, new, old) -> dict:
        self.seq += 1
        self.clock += timedelta(milliseconds=self.rng.randrange(1, 2000))
        keys = {"userID": s(key[0]), "campaignID": s(key[1])}
        d = {"ApproximateCreationDateTime": int(self.clock.timestamp()), "Keys": keys,
             "SequenceNumber": f"{self.seq:021d}", "StreamViewType": "NEW_AND_OLD_IMAGES"}
        if new is not None:
            d["NewImage"] = new
        if old is not None:
            d["OldImage"] = old
        d["SizeBytes"] = len(json.dumps(d, separators=(",", ":")))
        return {"eventID": f"{self.seq:032x}", "eventName": name, "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "ap-south-1", "dynamodb": d}

    def add(self, key, img):
        self.where[key] = len(self.live)
        self.live.append(key)
        self.images[key] = json.dumps(img)

    def drop(self, key):
        i = self.where.pop(key)
        last = self.live.pop()
        if last != key:
            self.live[i] = last
            self.where[last] = i
        del self.images[key]

    def next(self) -> dict:
        rng = self.rng
        r = rng.random()
        if r < 0.02 and self.live:
            key = self.live[rng.randrange(len(self.live))]
            old = json.loads(self.images[key])
            self.drop(key)
            return self.record("REMOVE", key, None, old)
        if r < 0.07 and self.live:
            key = self.live[rng.randrange(len(self.live))]
            old = json.loads(self.images[key])
            new = json.loads(self.images[key])
            new["userCampaignProgressState"] = s(rng.choice(STATES))
            new["updatedAt"] = s(iso(self.clock))
            new["totalTaskRewardsEarned"] = n(money(rng))
            c = int(key[1]) - 100
            if rng.random() < 0.5 or "progressDetails" not in new:
                new["progressDetails"] = {"L": self.tasks_for(c, rng.randint(1, 8))}
            if self.edge and rng.random() < 0.1:
                self.edge_case(new, c)
            self.images[key] = json.dumps(new)
            return self.record("MODIFY", key, new, old)
        img = self.new_image()
        user = img["userID"]["S"]
        camp = img["campaignID"]["S"]
        key = (user, camp)
        if self.edge and rng.random() < 0.005:                          # bad: missing key
            del img["campaignID"]
            rec = self.record("INSERT", key, img, None)
            del rec["dynamodb"]["Keys"]["campaignID"]
            return rec
        self.add(key, img)
        return self.record("INSERT", key, img, None)


def generate(count: int, seed: int = 1, campaigns: int = 10000, edge: bool = False):
    """(stream records, dimension items), both lists of plain dicts."""
    rng = random.Random(seed)
    dim = Dimension(rng, campaigns, edge)
    stream = Stream(rng, dim, edge)
    return [stream.next() for _ in range(count)], dim.items


def write_stream(path: str, count: int, seed: int = 1, campaigns: int = 10000,
                 edge: bool = False) -> list:
    """Writes the same records as generate() to path as they are made (1,000,000 records do
    not fit in memory as dicts); returns the dimension items."""
    rng = random.Random(seed)
    dim = Dimension(rng, campaigns, edge)
    stream = Stream(rng, dim, edge)
    dump_lines(path, (stream.next() for _ in range(count)))
    return dim.items


def dump_lines(path: str, rows, wrap=None):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({wrap: r} if wrap else r, separators=(",", ":")))
            f.write("\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("count", type=int)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="-", help="stream records (.gz: gzip); - for stdout")
    ap.add_argument("--dimension", help="also write the campaignInfo export lines here")
    ap.add_argument("--campaigns", type=int, default=10000)
    ap.add_argument("--edge-cases", action="store_true")
    a = ap.parse_args(argv)
    records, dim = generate(a.count, a.seed, a.campaigns, a.edge_cases)
    if a.out == "-":
        for r in records:
            sys.stdout.write(json.dumps(r, separators=(",", ":")) + "\n")
    else:
        dump_lines(a.out, records)
    if a.dimension:
        dump_lines(a.dimension, dim, wrap="Item")
    return 0


if __name__ == "__main__":
    sys.exit(main())
