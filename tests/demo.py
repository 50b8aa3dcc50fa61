"""`make demo`: pipewright against a local AWS emulator (moto, signature checking on).

The whitecube scenario, each step as the `pipewright` command a user would type, with its output:
validate, plan, up, seed the two sample records, pipeline status, pipeline run (the lake read back
with boto3), a deadline changed and re-enriched, drift (in sync), changes made
by hand found by drift and repaired by up, down refusing while data is there, down
--delete-data, and boto3 confirming nothing is left. Exits non-zero when any step does not do
what it should.
"""

from __future__ import annotations

import gzip
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "e2e"))

from motoserver import MotoServer  # noqa: E402
from util import REPO, base_env, pipewright_path  # noqa: E402

SPEC = REPO / "examples" / "whitecube" / "pipewright.yaml"
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



def show_lake(moto) -> list:
    """What Athena would read, with boto3: each Glue partition's location, its data files."""
    s3, glue = moto.client("s3"), moto.client("glue")
    bucket = f"whitecube-curated-{ENV}-{moto.account_id}"
    rows = []
    parts = glue.get_partitions(DatabaseName=f"whitecube_{ENV}",
                                TableName="user_campaign_tasks")["Partitions"]
    for p in parts:
        loc = p["StorageDescriptor"]["Location"]
        prefix = loc[len(f"s3://{bucket}/"):]
        print(f"  {DIM}boto3: Glue partition {p['Values'][0]} -> {loc}{RESET}")
        for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", []):
            if o["Key"].rsplit("/", 1)[1].startswith("part-"):
                body = gzip.decompress(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
                rows += [json.loads(line) for line in body.decode().splitlines()]
    for r in rows:
        print(f"  {DIM}row: {r['userID']} {r['campaignID']} {r['taskID']} "
              f"deadline {r['taskDeadline']}{RESET}")
    return rows


def moto_change_deadline(moto):
    """task002's deadline moves in the dimension table (an item of campaignInfo)."""
    ddb = moto.client("dynamodb")
    table = f"campaignInfo-{ENV}"
    for item in ddb.scan(TableName=table)["Items"]:
        tasks = item["campaignTasks"]["L"]
        for t in tasks:
            if t["M"]["taskID"]["S"] == "task002":
                t["M"]["taskDeadline"] = {"S": "2024-02-29T23:59:59Z"}
        ddb.put_item(TableName=table, Item=item)
    print(f"  {DIM}boto3: task002's deadline in {table} set to 2024-02-29T23:59:59Z{RESET}")


def main() -> int:
    binary = pipewright_path()
    if not binary.is_file():
        print(f"demo: no pipewright binary at {binary}: run `make`", file=sys.stderr)
        return 1

    say("starting moto (a local AWS emulator) with signature checking on")
    with MotoServer(region=REGION) as moto, \
            MotoServer(region=REGION, check_signatures=False) as sched_moto, \
            tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = base_env(tmp / "home")
        env.update({"AWS_REGION": REGION, "AWS_ENDPOINT_URL": moto.url,
                    "AWS_ENDPOINT_URL_SCHEDULER": sched_moto.url,
                    "AWS_ACCESS_KEY_ID": moto.creds.access_key,
                    "AWS_SECRET_ACCESS_KEY": moto.creds.secret})
        print(f"moto answers on {moto.url}; every request must be signed with the access key of "
              f"IAM user {moto.user_arn.split('/')[-1]!r}, made for this demo:")
        print(f"  export AWS_ENDPOINT_URL={moto.url} AWS_REGION={REGION}")
        print(f"  export AWS_ACCESS_KEY_ID={moto.creds.access_key} AWS_SECRET_ACCESS_KEY=…")
        print(f"{DIM}(EventBridge Scheduler alone goes to a second moto without signature checking,"
              f" {sched_moto.url}: moto refuses even botocore's own signed Scheduler GETs;"
              f" tests/e2e/test_provision_schedules.py proves it){RESET}")
        demo = Demo(binary, env, tmp)
        spec = str(SPEC.relative_to(REPO))

        say("check the spec offline: every error would be shown at FILE:LINE:COL")
        demo.pw("validate", "-f", spec)

        say("what up would do (the plan, per resource and property)")
        demo.pw("plan", "-f", spec, "--detailed-exitcode", expect=(2,), max_lines=40)

        say("up: roles, tables, buckets, topic, job script, Glue, schedule — in dependency order")
        demo.pw("up", "--yes", "-f", spec, "--no-progress", max_lines=60)
        demo.pw("plan", "-f", spec, "--detailed-exitcode", max_lines=3)

        say(f"the two sample records into the tables (from {DATA.relative_to(REPO)}/)")
        demo.pw("seed", "-f", spec, "--table", "user_campaign", "--from",
                str((DATA / "user_campaign.json").relative_to(REPO)))
        demo.pw("seed", "-f", spec, "--table", "campaign_info", "--from",
                str((DATA / "campaign_info.json").relative_to(REPO)))
        demo.pw("pipeline", "status", "-f", spec, max_lines=8)

        say("pipeline run: the stream into the lake — one row per task, joined with its deadline, "
            "partitioned by day, registered in Glue at once; then the checkpoint is committed")
        demo.pw("pipeline", "run", "-f", spec, max_lines=30)
        rows = show_lake(moto)
        if sorted((r["taskID"], r["taskDeadline"]) for r in rows) != [
                ("task002", "2024-01-20T23:59:59Z"), ("task005", "2024-05-20T23:59:59Z")]:
            print(f"  {RED}the lake does not hold the two expected rows{RESET}")
            demo.failures += 1

        say("a deadline changes in campaignInfo (boto3): the next run re-enriches the rows it affects")
        moto_change_deadline(moto)
        demo.pw("pipeline", "run", "-f", spec, max_lines=30)
        if ("task002", "2024-02-29T23:59:59Z") not in {(r["taskID"], r["taskDeadline"])
                                                        for r in show_lake(moto)}:
            print(f"  {RED}task002 did not get its new deadline{RESET}")
            demo.failures += 1
        demo.pw("pipeline", "status", "-f", spec, max_lines=8)

        say("drift: the environment is as declared (exit 0)")
        demo.pw("drift", "-f", spec, max_lines=20)

        say("someone changes things by hand: versioning suspended, the crawler deleted")
        curated = f"whitecube-curated-{ENV}-{moto.account_id}"
        moto.client("s3").put_bucket_versioning(
            Bucket=curated, VersioningConfiguration={"Status": "Suspended"})
        moto.client("glue").delete_crawler(Name=f"whitecube-{ENV}-curated")
        print(f"  (boto3: versioning of {curated} suspended; crawler whitecube-{ENV}-curated "
              f"deleted)")
        demo.pw("drift", "-f", spec, expect=(2,), max_lines=30)
        demo.pw("up", "--yes", "-f", spec, "--no-progress", max_lines=20)
        demo.pw("drift", "-f", spec, max_lines=3)

        say("down refuses while the tables hold data; --delete-data takes everything away")
        demo.pw("down", "--yes", "-f", spec, expect=(1,), max_lines=12)
        demo.pw("down", "--yes", "--delete-data", "-f", spec, "--no-progress", max_lines=30)
        left = [t for t in moto.client("dynamodb").list_tables()["TableNames"]]
        left += [b["Name"] for b in moto.client("s3").list_buckets()["Buckets"]]
        left += [j for j in moto.client("glue").get_jobs()["Jobs"]]
        print(f"  boto3 finds {len(left)} table(s), bucket(s) or job(s) left")
        if left:
            demo.failures += 1

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
