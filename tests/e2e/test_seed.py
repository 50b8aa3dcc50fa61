"""`pipewright seed` on the real binary, against moto with signature checking on, verified with
boto3: every example's data lands exactly (each attribute and its type, item by item), the
generators are reproducible, --mutate shows in the table's stream, a throttling proxy that
answers ProvisionedThroughputExceededException and partial UnprocessedItems still ends with
every item written once, and broken inputs are refused before anything is sent.

The binary talks to moto through a loopback proxy (countingproxy.py) that records every request,
so "nothing was sent" is checked on the wire; boto3 talks to moto directly. Tables are made with
boto3 as `up` makes them (the stack's two tags), each test under its own env name.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import pty
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from countingproxy import Rewrite  # noqa: E402
from sigcheck import resign  # noqa: E402
from util import EXAMPLES, load_json, to_dynamodb_json  # noqa: E402

WHITECUBE = EXAMPLES / "whitecube" / "pipewright.yaml"
ORDERS = EXAMPLES / "orders" / "pipewright.yaml"
FIGURES = EXAMPLES / "daily-figures" / "pipewright.yaml"
ECOMMERCE = EXAMPLES / "ecommerce" / "pipewright.yaml"
PRODUCTS = {"Laptop", "Phone", "Tablet", "Headphones", "Charger"}
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def unique(prefix: str) -> str:
    """An env no other test uses: the examples put it in table, bucket and Glue names, so
    lower-case letters and digits only."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


@pytest.fixture
def pw(run_pw, pw_env, proxy):
    """pw(spec, env, *args, extra_env=None, input=None) -> result, through the proxy."""
    def run(spec, env, *args, extra_env=None, input=None, timeout=120):
        e = dict(pw_env, AWS_ENDPOINT_URL=proxy.url, **(extra_env or {}))
        return run_pw(["-f", str(spec), "--var", f"env={env}", "seed", *args], env=e, input=input,
                      timeout=timeout)
    return run


def make_table(boto, region, name, key, stack, env, tagged=True):
    """A table as `up` makes it: on demand, a stream with both images, the stack's tags."""
    d = boto("dynamodb", region)
    schema = [{"AttributeName": a, "KeyType": k} for a, k in zip([n for n, _ in key], ["HASH", "RANGE"])]
    tags = [{"Key": "pipewright:stack", "Value": stack}, {"Key": "pipewright:env", "Value": env}]
    d.create_table(TableName=name, KeySchema=schema,
                   AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in key],
                   BillingMode="PAY_PER_REQUEST",
                   StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
                   **({"Tags": tags} if tagged else {}))
    return d


def scan(d, name) -> list[dict]:
    items, kwargs = [], {"TableName": name}
    while True:
        page = d.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def typed(v):
    """A DynamoDB JSON value with its type kept and numbers compared as numbers ("2.10" is
    2.1, as DynamoDB itself answers)."""
    (t, x), = v.items()
    if t == "N":
        return ("N", Decimal(x))
    if t == "L":
        return ("L", [typed(e) for e in x])
    if t == "M":
        return ("M", {k: typed(e) for k, e in x.items()})
    return (t, x)


def by_key(items, *key) -> dict:
    out = {}
    for it in items:
        k = tuple(typed(it[a]) for a in key)
        assert k not in out, f"key {k} twice"
        out[k] = {a: typed(v) for a, v in it.items()}
    return out


def summary(r) -> dict:
    assert r.rc == 0, f"exit {r.rc}\nstdout:\n{r.out}\nstderr:\n{r.err}"
    return json.loads(r.out)


# --- every example's data, exactly ---------------------------------------------------------


def test_whitecube_samples_land_exactly(pw, boto):
    env = unique("wc")
    d = make_table(boto, "ap-south-1", f"user_Campaign-{env}", [("userID", "S"), ("campaignID", "S")],
                   "whitecube", env)
    make_table(boto, "ap-south-1", f"campaignInfo-{env}", [("campaignID", "S")], "whitecube", env)
    for table, name, key, data in [
            ("user_campaign", f"user_Campaign-{env}", ("userID", "campaignID"), "user_campaign.json"),
            ("campaign_info", f"campaignInfo-{env}", ("campaignID",), "campaign_info.json")]:
        path = EXAMPLES / "whitecube" / "data" / data
        r = pw(WHITECUBE, env, "--table", table, "--from", path)
        assert r.rc == 0, r.err
        assert "written  1 item in" in r.out and "; 0 failed" in r.out
        want = [to_dynamodb_json(i) for i in load_json(path)]
        got = scan(d, name)
        assert by_key(got, *key) == by_key(want, *key)
    # The fact: both tasks with their progress, numbers as numbers, strings as strings.
    uc = scan(d, f"user_Campaign-{env}")[0]
    assert uc["totalTaskRewardsEarned"] == {"N": "20"}
    details = uc["progressDetails"]["L"]
    assert [e["M"]["taskID"]["S"] for e in details] == ["task002", "task005"]
    assert details[1]["M"]["rewardEarned"] == {"N": "30"}
    assert details[0]["M"]["validationFailureReason"] == {"S": ""}
    info = scan(d, f"campaignInfo-{env}")[0]
    assert info["title"] == {"S": "New Year Airdrop 2024"}
    assert [t["M"]["taskDeadline"]["S"] for t in info["campaignTasks"]["L"]] == \
        ["2024-01-20T23:59:59Z", "2024-05-20T23:59:59Z"]


def csv_expected(path: Path, numbers: set[str]) -> list[dict]:
    """The rows as the spec types them: numbers N, the rest S; an empty cell is no attribute."""
    with path.open(newline="") as f:
        return [{k: {"N" if k in numbers else "S": v} for k, v in row.items() if v != ""}
                for row in csv.DictReader(f)]


def test_daily_figures_csv_typed_by_the_spec(pw, boto):
    env = unique("df")
    name = f"daily-figures-{env}"
    d = make_table(boto, "eu-west-1", name, [("date", "S")], "daily-figures", env)
    path = EXAMPLES / "daily-figures" / "data" / "us.csv"
    s = summary(pw(FIGURES, env, "--table", "figures", "--from", path, "--output", "json"))
    want = csv_expected(path, {"cases", "deaths", "recovered"})
    assert s["items"] == s["written"] == len(want) == 20
    assert s["format"] == "csv" and s["failed"] == 0
    got = scan(d, name)
    assert by_key(got, "date") == by_key(want, "date")
    last = next(i for i in got if i["date"]["S"] == "2020-03-20")
    assert "recovered" not in last                    # empty: absent, not "" or "nan"
    assert last["cases"] == {"N": "14250"}


def test_ecommerce_csv_with_empty_customer_and_a_return(pw, boto):
    env = unique("ec")
    name = f"invoices-{env}"
    d = make_table(boto, "eu-central-1", name, [("InvoiceNo", "S"), ("StockCode", "S")], "ecommerce", env)
    path = EXAMPLES / "ecommerce" / "data" / "invoices.csv"
    r = pw(ECOMMERCE, env, "--table", "invoices", "--from", path)
    assert r.rc == 0, r.err
    want = csv_expected(path, {"Quantity", "UnitPrice"})
    got = scan(d, name)
    assert by_key(got, "InvoiceNo", "StockCode") == by_key(want, "InvoiceNo", "StockCode")
    rows = {(i["InvoiceNo"]["S"], i["StockCode"]["S"]): i for i in got}
    no_customer = rows[("536372", "22632")]
    assert "CustomerID" not in no_customer
    assert no_customer["Description"] == {"S": 'HAND WARMER RED "POLKA" DOT'}
    assert rows[("C536383", "35004C")]["Quantity"] == {"N": "-2"}
    assert rows[("536365", "85123A")]["InvoiceDate"] == {"S": "12/1/2010 8:26"}   # as written
    assert rows[("536367", "22745")]["Description"] == {"S": "POPPY'S PLAYHOUSE, BEDROOM"}


def test_dynamodb_export_lines_gzipped_from_stdin(pw, boto):
    env = unique("ex")
    name = f"OrderTable-{env}"
    d = make_table(boto, "us-east-1", name, [("orderid", "S")], "orders", env)
    items = [{"orderid": f"o-{i}", "price": Decimal("12.50"), "tags": {"a", "b"}, "ok": i % 2 == 0,
              "none": None, "lines": [{"sku": "x", "n": i}]} for i in range(30)]
    export = "".join(json.dumps({"Item": to_dynamodb_json(i)}) + "\n" for i in items)
    s = summary(pw(ORDERS, env, "--table", "orders", "--from", "-", "--output", "json",
                   input=gzip.compress(export.encode())))
    assert s["format"] == "ddb-json" and s["written"] == 30
    assert by_key(scan(d, name), "orderid") == by_key([to_dynamodb_json(i) for i in items], "orderid")


# --- generators ----------------------------------------------------------------------------


def test_orders_generator_same_seed_same_items(pw, boto):
    envs = [unique("ga"), unique("gb"), unique("gc")]
    d = None
    for e in envs:
        d = make_table(boto, "us-east-1", f"OrderTable-{e}", [("orderid", "S")], "orders", e)
    for e, seed in zip(envs, ["7", "7", "8"]):
        s = summary(pw(ORDERS, e, "--table", "orders", "--generate", "120", "--seed", seed,
                       "--output", "json"))
        assert s["written"] == 120 and s["requests"] == 5       # 25 items per request
    a, b, c = (by_key(scan(d, f"OrderTable-{e}"), "orderid") for e in envs)
    assert a == b
    assert len(a) == 120 and not set(a) & set(c)
    for item in a.values():
        assert item["product_name"][1] in PRODUCTS
        assert 1 <= item["quantity"][1] <= 5
        price = item["price"][1]
        assert Decimal("10.00") <= price <= Decimal("500.00") and price == price.quantize(Decimal("0.01"))
        assert ISO_Z.match(item["createdAt"][1])


def test_campaign_generators_agree_on_tasks(pw, boto):
    env = unique("gw")
    d = make_table(boto, "ap-south-1", f"user_Campaign-{env}", [("userID", "S"), ("campaignID", "S")],
                   "whitecube", env)
    make_table(boto, "ap-south-1", f"campaignInfo-{env}", [("campaignID", "S")], "whitecube", env)
    assert summary(pw(WHITECUBE, env, "--table", "campaign_info", "--generate", "5", "--seed", "3",
                      "--output", "json"))["written"] == 5
    assert summary(pw(WHITECUBE, env, "--table", "user_campaign", "--generate", "200", "--seed", "3",
                      "--output", "json"))["written"] == 200
    tasks = {c["campaignID"]["S"]: {t["M"]["taskID"]["S"] for t in c["campaignTasks"]["L"]}
             for c in scan(d, f"campaignInfo-{env}")}
    assert len(tasks) == 5 and all(len(t) == 6 for t in tasks.values())
    facts = scan(d, f"user_Campaign-{env}")
    assert len({f["userID"]["S"] for f in facts}) == 40            # 200 items over 5 campaigns
    for f in facts:
        details = f["progressDetails"]["L"]
        assert details, f
        for e in details:
            assert e["M"]["taskID"]["S"] in tasks[f["campaignID"]["S"]]
        assert ISO_Z.match(f["createdAt"]["S"]) and f["updatedAt"]["S"] >= f["createdAt"]["S"]
        earned = sum(Decimal(e["M"]["rewardEarned"]["N"]) for e in details)
        assert Decimal(f["totalTaskRewardsEarned"]["N"]) == earned


# --- the change workload -------------------------------------------------------------------


def stream_records(boto, region, d, name) -> list[dict]:
    s = boto("dynamodbstreams", region)
    arn = d.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    out = []
    for shard in s.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        it = s.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it:
            page = s.get_records(ShardIterator=it, Limit=1000)
            out += page["Records"]
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    return out


def test_mutate_shows_modify_and_remove_in_the_stream(pw, boto):
    env = unique("mu")
    name = f"user_Campaign-{env}"
    d = make_table(boto, "ap-south-1", name, [("userID", "S"), ("campaignID", "S")], "whitecube", env)
    summary(pw(WHITECUBE, env, "--table", "user_campaign", "--generate", "60", "--seed", "5",
               "--output", "json"))
    before = by_key(scan(d, name), "userID", "campaignID")
    s = summary(pw(WHITECUBE, env, "--table", "user_campaign", "--mutate", "20", "--seed", "9",
                   "--output", "json"))
    m = s["mutate"]
    assert m["scanned"] == 60 and m["failed"] == 0 and m["gone"] == 0
    assert m["modified"] + m["deleted"] == 20 and m["deleted"] >= 5 and m["modified"] >= 1
    after = by_key(scan(d, name), "userID", "campaignID")
    assert len(after) == 60 - m["deleted"]
    changed = [k for k in after if after[k] != before[k]]
    assert len(changed) == m["modified"]
    for k in changed:                    # one value changed; keys and the rest as they were
        diff = [a for a in before[k] if before[k][a] != after[k].get(a)]
        assert len(diff) == 1, (before[k], after[k])
    events = Counter(r["eventName"] for r in stream_records(boto, "ap-south-1", d, name))
    assert events == {"INSERT": 60, "MODIFY": m["modified"], "REMOVE": m["deleted"]}
    # The same seed on the same data picks the same items and changes.
    env2 = unique("mu")
    d2 = make_table(boto, "ap-south-1", f"user_Campaign-{env2}", [("userID", "S"), ("campaignID", "S")],
                    "whitecube", env2)
    summary(pw(WHITECUBE, env2, "--table", "user_campaign", "--generate", "60", "--seed", "5",
               "--output", "json"))
    summary(pw(WHITECUBE, env2, "--table", "user_campaign", "--mutate", "20", "--seed", "9",
               "--output", "json"))
    assert by_key(scan(d2, f"user_Campaign-{env2}"), "userID", "campaignID") == after


def test_mutate_more_than_the_table_holds_is_refused(pw, boto):
    env = unique("mx")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env)
    summary(pw(ORDERS, env, "--table", "orders", "--generate", "3", "--output", "json"))
    r = pw(ORDERS, env, "--table", "orders", "--mutate", "4")
    assert r.rc == 1
    assert "--mutate 4: table 'OrderTable-" in r.err and "holds only 3 items" in r.err
    assert len(scan(d, f"OrderTable-{env}")) == 3


# --- throttling ----------------------------------------------------------------------------

THROTTLE = (400, "application/x-amz-json-1.0", json.dumps({
    "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "message": "The level of configured provisioned throughput for the table was exceeded."}).encode())


class PartialWrites:
    """Every third BatchWriteItem is refused whole with ProvisionedThroughputExceededException;
    every third is cut in half: the first half goes on to moto (re-signed, so the signature
    check still holds) and the rest comes back as UnprocessedItems, as DynamoDB answers under
    load; the others pass. Counts how often each item reached moto."""

    def __init__(self, secret: str):
        self.secret = secret
        self.lock = threading.Lock()
        self.n = 0
        self.throttled = self.cut = 0
        self.reached = Counter()

    def _count(self, puts):
        with self.lock:
            self.reached.update(p["PutRequest"]["Item"]["orderid"]["S"] for p in puts)

    def __call__(self, op, method, path, headers, body):
        if op != "BatchWriteItem":
            return None
        with self.lock:
            self.n += 1
            n = self.n
        (table, puts), = json.loads(body)["RequestItems"].items()
        if n % 3 == 1:
            with self.lock:
                self.throttled += 1
            return Rewrite(respond=THROTTLE)
        if n % 3 == 2 and len(puts) > 1:
            keep, rest = puts[:len(puts) // 2], puts[len(puts) // 2:]
            new = json.dumps({"RequestItems": {table: keep}}).encode()
            auth = resign(method, path, headers, body, new, self.secret)
            self._count(keep)
            with self.lock:
                self.cut += 1

            def answer(status, data):
                assert status == 200, data
                out = json.loads(data)
                assert not out.get("UnprocessedItems")
                out["UnprocessedItems"] = {table: rest}
                return json.dumps(out).encode()
            return Rewrite(body=new, headers={"Authorization": auth}, answer=answer)
        self._count(puts)
        return None


def test_throttled_and_partial_answers_still_write_every_item_once(pw, boto, proxy, moto):
    env, ref = unique("th"), unique("tr")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env)
    make_table(boto, "us-east-1", f"OrderTable-{ref}", [("orderid", "S")], "orders", ref)
    summary(pw(ORDERS, ref, "--table", "orders", "--generate", "300", "--seed", "11", "--output", "json"))
    faults = PartialWrites(moto.creds.secret)
    proxy.rewrite = faults
    start = time.monotonic()
    s = summary(pw(ORDERS, env, "--table", "orders", "--generate", "300", "--seed", "11",
                   "--parallel", "6", "--output", "json", timeout=170))
    assert time.monotonic() - start < 150
    assert s["written"] == 300 and s["failed"] == 0
    assert faults.throttled > 0 and faults.cut > 0
    assert s["resent"] > 0 and faults.n > 300 // 25
    # Every item reached moto exactly once, and the table equals an undisturbed run's.
    assert len(faults.reached) == 300 and set(faults.reached.values()) == {1}
    assert by_key(scan(d, f"OrderTable-{env}"), "orderid") == \
        by_key(scan(d, f"OrderTable-{ref}"), "orderid")


def test_endless_throttling_gives_up_in_bounded_time(pw, boto, proxy):
    env = unique("tg")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env)
    proxy.rewrite = lambda op, *a: Rewrite(respond=THROTTLE) if op == "BatchWriteItem" else None
    start = time.monotonic()
    r = pw(ORDERS, env, "--table", "orders", "--generate", "60", "--retry-time", "2", "--output", "json",
           extra_env={"AWS_MAX_ATTEMPTS": "1"})
    took = time.monotonic() - start
    assert r.rc == 1, r.err
    assert took < 30
    s = json.loads(r.out)
    assert s["ok"] is False and s["written"] == 0 and s["failed"] == 60
    assert "60 of 60 items were not written" in s["error"]
    assert "ProvisionedThroughputExceededException" in r.err
    assert scan(d, f"OrderTable-{env}") == []


# --- refusals: nothing sent ----------------------------------------------------------------

BROKEN = {
    "bad-json-line-7": (".jsonl", "".join(f'{{"orderid": "o{i}", "quantity": {i}}}\n' for i in range(6))
                        + '{"orderid": "o7", "quantity": 7,, "price": 1}\n',
                        ":7:33: error: invalid JSON: unexpected ','"),
    "csv-too-many-fields": (".csv", "orderid,product_name,quantity\no1,Phone,1\no2,Laptop,2,3\n",
                            ":3:13: error: the row has 4 fields, the header has 3"),
    "missing-key": (".json", '[{"orderid": "o1"},\n {"order_id": "o2", "quantity": 1}]',
                    ":2:2: error: record 2: missing key attribute 'orderid' (the table's hash key, a string (S))"),
    "number-for-string-key": (".json", '[{"orderid": 17, "quantity": 1}]',
                              ":1:2: error: record 1: key attribute 'orderid' is a number (N), but the "
                              "table's hash key is a string (S)"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_input_writes_nothing(pw, boto, proxy, tmp_path, case):
    suffix, text, message = BROKEN[case]
    env = unique("br")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env)
    path = tmp_path / f"data{suffix}"
    path.write_text(text)
    r = pw(ORDERS, env, "--table", "orders", "--from", path)
    assert r.rc == 1
    assert f"{path}{message}" in r.err, r.err
    assert r.err.rstrip().endswith(f"pipewright: error: 1 problem in {path}: nothing was written")
    assert proxy.requests == []                      # not a single request: checked offline
    assert scan(d, f"OrderTable-{env}") == []


def test_every_problem_is_listed_with_its_place(pw, tmp_path):
    path = tmp_path / "orders.json"
    path.write_text('[\n {"orderid": "a", "price": 1e400},\n {"orderid": "a"},\n'
                    ' {"orderid": ""},\n {"orderid": "b", "tags": [' + '[' * 40 + ']' * 40 + ']}\n]\n')
    r = pw(ORDERS, unique("bp"), "--table", "orders", "--from", path, "--dry-run")
    assert r.rc == 1
    assert f"{path}:2:2: error: record 1: attribute 'price': '1e400' is too large for DynamoDB" in r.err
    assert f"{path}:4:2: error: record 3: attribute 'orderid': the hash key is empty" in r.err
    assert f"{path}:5:2: error: record 4: attribute 'tags" in r.err and "nest more than 32 levels" in r.err
    # record 2 repeats record 1's key only if record 1 was valid: it was not, so no duplicate.
    assert "given twice" not in r.err
    assert "3 problems in" in r.err
    r = pw(ORDERS, unique("bp"), "--table", "orders", "--from", path, "--dry-run", "--output", "json")
    assert r.rc == 1
    s = json.loads(r.out)
    assert s["ok"] is False and s["problem_count"] == 3 and s["items"] == 1
    assert [(p["line"], p["column"]) for p in s["problems"]] == [(2, 2), (4, 2), (5, 2)]
    assert s["problems"][1]["message"].startswith("record 3: attribute 'orderid': the hash key is empty")
    assert s["error"].endswith("3 problems in " + str(path) + ": nothing was written")


def test_table_of_another_owner_or_key_is_refused(pw, boto, proxy):
    env = unique("fo")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env, tagged=False)
    r = pw(ORDERS, env, "--table", "orders", "--generate", "10")
    assert r.rc == 1
    assert f"table 'OrderTable-{env}' exists without the tag pipewright:stack=orders (not ours)" in r.err
    assert "BatchWriteItem" not in [q["op"] for q in proxy.requests]
    assert scan(d, f"OrderTable-{env}") == []

    env = unique("fk")
    d = make_table(boto, "us-east-1", f"OrderTable-{env}", [("id", "S")], "orders", env)
    r = pw(ORDERS, env, "--table", "orders", "--generate", "10")
    assert r.rc == 1
    assert "has key.hash id:S but the spec declares orderid:S" in r.err
    assert scan(d, f"OrderTable-{env}") == []

    r = pw(ORDERS, unique("fm"), "--table", "orders", "--generate", "10")
    assert r.rc == 1 and "does not exist: create it with 'pipewright up'" in r.err


def test_dry_run_needs_no_endpoint(run_pw, offline_env):
    r = run_pw(["-f", ORDERS, "seed", "--table", "orders", "--generate", "1000", "--seed", "3",
                "--dry-run"], env=offline_env)
    assert r.rc == 0, r.err
    assert "read     1000 items from the orders generator" in r.out
    assert "written  nothing (--dry-run)" in r.out


@pytest.mark.parametrize("args,message", [
    ([], "seed needs --table KEY"),
    (["--table", "orders"], "nothing to do"),
    (["--table", "orders", "--generate", "0"], "--generate takes a whole number from 1"),
    (["--table", "orders", "--from", "x.json", "--generate", "3"], "choose one"),
    (["--table", "orders", "--generate", "3", "--format", "csv"], "--format describes the --from file"),
    (["--table", "orders", "--from", "x", "--format", "xml"], "--format takes json, jsonl, ddb-json or csv"),
    (["--table", "order", "--generate", "3"], "did you mean 'orders'?"),
    (["--table", "orders", "--from", "x.json", "--seed", "3"], "--seed goes with --generate or --mutate"),
])
def test_usage_errors(run_pw, offline_env, args, message):
    r = run_pw(["-f", ORDERS, "seed", *args], env=offline_env)
    assert r.rc == 64, r.err
    assert message in r.err


def test_progress_only_on_a_terminal(pipewright, pw_env, proxy, boto):
    """A progress line with items/s when stderr is a terminal; nothing at all on stderr when it
    is not (a log or a pipe)."""
    env = unique("pg")
    make_table(boto, "us-east-1", f"OrderTable-{env}", [("orderid", "S")], "orders", env)
    e = dict(pw_env, AWS_ENDPOINT_URL=proxy.url)
    args = [pipewright, "-f", str(ORDERS), "--var", f"env={env}", "seed", "--table", "orders",
            "--generate", "400"]
    main, child = pty.openpty()
    try:
        p = subprocess.run(args, env=e, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=child, timeout=120)
        os.close(child)
        child = -1
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:             # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if child >= 0:
            os.close(child)
        os.close(main)
    assert p.returncode == 0, seen
    text = seen.decode()
    assert "\r  writing   [########################] 400/400 (100%)" in text and "items/s" in text
    quiet = subprocess.run(args[:4] + [f"env={unique('pg')}"] + args[5:] + ["--dry-run"], env=e,
                           capture_output=True, timeout=60)
    assert quiet.returncode == 0 and quiet.stderr == b""
    r = subprocess.run(args + ["--mutate", "5"], env=e, capture_output=True, timeout=60)
    assert r.returncode == 0 and r.stderr == b"", r.stderr
