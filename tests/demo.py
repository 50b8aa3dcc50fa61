"""`make demo`: pipewright against a local AWS emulator (moto, signature checking on).

For now it shows the wire: doctor, then the whitecube scenario's tables, its two sample records,
the curated bucket and an object in it, each as the `pipewright` command a user would type, with
its output. Later issues turn this into the full pipeline (up, seed, pipeline run, drift, down).
Exits non-zero when any step does not do what it should.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "e2e"))

from motoserver import MotoServer  # noqa: E402
from util import REPO, base_env, load_json, pipewright_path, to_dynamodb_json  # noqa: E402

DATA = REPO / "examples" / "whitecube" / "data"
REGION = "ap-south-1"
ENV = "dev"

BOLD, DIM, RED, RESET = ("\033[1m", "\033[2m", "\033[31m", "\033[0m") if sys.stdout.isatty() \
    else ("", "", "", "")


def say(text: str):
    print(f"\n{BOLD}# {text}{RESET}", flush=True)


class Demo:
    def __init__(self, binary: Path, env: dict, workdir: Path):
        self.binary = binary
        self.env = env
        self.workdir = workdir
        self.failures = 0

    def file(self, name: str, content) -> str:
        """Writes a request body to a file; returns `@path`, the -d argument that sends it."""
        p = self.workdir / name
        if isinstance(content, (dict, list)):
            content = json.dumps(content, indent=2, default=str)
        p.write_text(content)
        return f"@{p}"

    def pw(self, *args: str, expect=(0,), max_lines: int = 30, env: dict | None = None) -> str:
        shown = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
        shown += "pipewright " + " ".join(shlex.quote(a) for a in args)
        print(f"$ {shown}", flush=True)
        p = subprocess.run([str(self.binary), *args], env=dict(self.env, **(env or {})),
                           capture_output=True,
                           text=True, timeout=120)
        lines = p.stdout.rstrip("\n").split("\n") if p.stdout.strip() else []
        for line in lines[:max_lines]:
            print(f"  {line}")
        if len(lines) > max_lines:
            print(f"  {DIM}... {len(lines) - max_lines} more lines{RESET}")
        for line in p.stderr.rstrip("\n").split("\n") if p.stderr.strip() else []:
            print(f"  {DIM}{line}{RESET}")
        self.rc = p.returncode
        if p.returncode not in expect:
            print(f"  {RED}exit {p.returncode}, expected {' or '.join(map(str, expect))}{RESET}")
            self.failures += 1
        return p.stdout


    def quiet(self, *args: str) -> str:
        return subprocess.run([str(self.binary), *args], env=self.env, capture_output=True,
                              text=True, timeout=120).stdout


def table_spec(name: str, hash_key: str, range_key: str | None = None) -> dict:
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    attrs = [{"AttributeName": hash_key, "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
        attrs.append({"AttributeName": range_key, "AttributeType": "S"})
    return {"TableName": name, "KeySchema": keys, "AttributeDefinitions": attrs,
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True,
                                    "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def main() -> int:
    binary = pipewright_path()
    if not binary.is_file():
        print(f"demo: no pipewright binary at {binary}: run `make`", file=sys.stderr)
        return 1

    say("starting moto (a local AWS emulator) with signature checking on")
    with MotoServer(region=REGION) as moto, tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = base_env(tmp / "home")
        env.update({"AWS_REGION": REGION, "AWS_ENDPOINT_URL": moto.url,
                    "AWS_ACCESS_KEY_ID": moto.creds.access_key,
                    "AWS_SECRET_ACCESS_KEY": moto.creds.secret})
        print(f"moto answers on {moto.url}; every request must be signed with the access key of "
              f"IAM user {moto.user_arn.split('/')[-1]!r}, made for this demo:")
        print(f"  export AWS_ENDPOINT_URL={moto.url} AWS_REGION={REGION}")
        print(f"  export AWS_ACCESS_KEY_ID={moto.creds.access_key} AWS_SECRET_ACCESS_KEY=…")
        demo = Demo(binary, env, tmp)

        say("where am I, who am I, and does every service answer?")
        # moto cannot verify body-less non-S3 requests, botocore's included, so it refuses every
        # Scheduler read under signature checking (DESIGN §8, tests/e2e/sigcheck.py). doctor then
        # reports scheduler as rejected and exits 1; every other service must answer.
        demo.pw("doctor", expect=(0, 1))
        if demo.rc == 1:
            d = json.loads(demo.quiet("doctor", "--output", "json"))
            bad = {s["name"] for s in d["services"] if not s["ok"]}
            if bad <= {"scheduler"}:
                print(f"  {DIM}(scheduler: moto's known gap with signed GETs, not pipewright's; "
                      f"against AWS it answers){RESET}")
            else:
                print(f"  {RED}services not answering: {', '.join(sorted(bad))}{RESET}")
                demo.failures += 1

        say("the two source tables of the whitecube scenario, with streams")
        user_campaign, campaign_info = f"user_Campaign-{ENV}", f"campaignInfo-{ENV}"
        demo.pw("api", "dynamodb", "CreateTable", "-d", demo.file(
            "user_campaign.json", table_spec(user_campaign, "userID", "campaignID")),
            max_lines=8)
        demo.pw("api", "dynamodb", "CreateTable", "-d", demo.file(
            "campaign_info.json", table_spec(campaign_info, "campaignID")), max_lines=8)
        demo.pw("api", "dynamodb", "ListTables")

        say(f"the two sample records (from {DATA.relative_to(REPO)}/)")
        for table, src in ((user_campaign, "user_campaign.json"),
                           (campaign_info, "campaign_info.json")):
            for i, record in enumerate(load_json(DATA / src)):
                req = {"TableName": table, "Item": to_dynamodb_json(record)}
                demo.pw("api", "dynamodb", "PutItem", "-d",
                        demo.file(f"put-{table}-{i}.json", req))
        demo.pw("api", "dynamodb", "GetItem", json.dumps(
            {"TableName": user_campaign,
             "Key": {"userID": {"S": "user-002"}, "campaignID": {"S": "101"}},
             "ProjectionExpression": "userID, campaignID, createdAt, totalTaskRewardsEarned"}))
        demo.pw("api", "dynamodbstreams", "ListStreams",
                json.dumps({"TableName": user_campaign}), max_lines=12)

        say("the curated bucket, and an object under a Hive-style partition")
        bucket = f"whitecube-curated-{ENV}-{moto.account_id}"
        demo.pw("api", "s3", "PUT", f"/{bucket}", "-d", demo.file(
            "location.xml",
            '<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
            f"<LocationConstraint>{REGION}</LocationConstraint></CreateBucketConfiguration>"))
        rows = "".join(json.dumps(r, default=str) + "\n"
                       for r in load_json(DATA / "user_campaign.json"))
        key = f"{bucket}/user_campaign_tasks/createdAt_date=2024-01-01/part 0000.jsonl"
        demo.pw("api", "s3", "PUT", f"/{key}", "-d", demo.file("part.jsonl", rows))
        demo.pw("api", "s3", "GET", f"/{bucket}", "--query", "list-type=2",
                "--query", "prefix=user_campaign_tasks/")
        demo.pw("api", "s3", "GET", f"/{key}", "--raw", max_lines=3)

        say("the catalog database, the run topic, and who signed all this")
        demo.pw("api", "glue", "CreateDatabase",
                json.dumps({"DatabaseInput": {"Name": f"whitecube_{ENV}"}}))
        demo.pw("api", "sns", "CreateTopic", f"Name=whitecube-events-{ENV}")
        demo.pw("api", "sts", "GetCallerIdentity")

        say("a request signed with a wrong secret is refused (exit 4)")
        demo.pw("api", "dynamodb", "ListTables", expect=(4,),
                env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"})

        say("stopping moto")
    if demo.failures:
        print(f"\n{RED}demo: {demo.failures} step(s) did not do what they should{RESET}")
        return 1
    print("\ndemo: done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
