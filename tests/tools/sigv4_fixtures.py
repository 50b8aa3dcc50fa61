#!/usr/bin/env python3
"""Generate the SigV4 signing fixtures with botocore, the independent signer.

Each case is a raw (unencoded) request; botocore builds it the way its own serializers and
endpoint code do (path percent-encoded with safe='/~', query with percent_encode_sequence),
signs it with SigV4Auth or S3SigV4Auth at a fixed time, and every stage it computed is
recorded: canonical request, string to sign, signature, Authorization, the headers it added,
and the wire target (encoded path + '?' + canonical query) that pipewright sends verbatim.

    python tests/tools/sigv4_fixtures.py           # (re)write tests/fixtures/sigv4/*.json
    python tests/tools/sigv4_fixtures.py --check   # exit 1 when a file differs or is stale

tests/unit/test_sigv4.c signs every fixture with pipewright's signer and compares stage by
stage; tests/e2e/test_sigv4_fixtures.py re-generates them here to keep the files honest.
"""

import argparse
import base64
import datetime
import json
import os
import sys
from unittest import mock

import botocore
import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode, percent_encode_sequence

FIXTURE_DIR = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sigv4")
)

TIME = "2024-01-01T00:00:00Z"
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = (
    "IQoJb3JpZ2luX2VjEXAMPLE//////////wEaCWV1LXdlc3QtMSJHMEUCIQ+token/with+slashes="
)
UNSIGNED = "UNSIGNED-PAYLOAD"
EU = "eu-west-1"
S3_EU = "s3.eu-west-1.amazonaws.com"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
JSON10 = "application/x-amz-json-1.0"
JSON11 = "application/x-amz-json-1.1"


def case(name, description, method, host, path, service, region=EU, s3=False, scheme="https",
         query=(), headers=(), body=None, token=None, payload_hash=None, time=TIME,
         access_key_id=AKID, secret=SECRET, path_encoded=False):
    """One input. body: None, str (UTF-8 text), bytes (stored base64) or ("pattern", n),
    n bytes where byte i is i % 251 (deterministic, binary, and not aligned to any power of 2).
    path_encoded: path is already percent-encoded (a REST label holding '/', sent as %2F) and
    goes on the wire as is."""
    c = {
        "case": name,
        "description": description,
        "input": {
            "method": method,
            "scheme": scheme,
            "host": host,
            "path": path,
            "query": [list(q) for q in query],
            "headers": [list(h) for h in headers],
            "body": _body_spec(body),
            "payload_hash": payload_hash,
            "region": region,
            "service": service,
            "s3": s3,
            "credentials": {
                "access_key_id": access_key_id,
                "secret_access_key": secret,
                "session_token": token,
            },
            "time": time,
        },
    }
    if path_encoded:
        c["input"]["path_encoded"] = True
    return c


def _body_spec(body):
    if body is None:
        return {"text": ""}
    if isinstance(body, str):
        return {"text": body}
    if isinstance(body, bytes):
        return {"base64": base64.b64encode(body).decode("ascii")}
    kind, n = body
    assert kind == "pattern"
    return {"pattern_length": n}


def body_bytes(spec):
    if "text" in spec:
        return spec["text"].encode("utf-8")
    if "base64" in spec:
        return base64.b64decode(spec["base64"])
    return bytes(i % 251 for i in range(spec["pattern_length"]))


CASES = [
    # --- S3: path encoded once, no normalisation, X-Amz-Content-SHA256 signed ---------------
    case("s3-put-key-space-plus", "S3 PutObject, key with space, '+' and '=' (Hive partition)",
         "PUT", S3_EU, "/my-bucket/dt=2024-01-01/a b+c.json", "s3", s3=True,
         headers=[("Content-Type", "application/json")], body='{"id": 1, "name": "a b+c"}\n'),
    case("s3-get-key-reserved-chars", "S3 GetObject, key with % ~ , : = & ; @ $ ! ' ( ) * and #",
         "GET", S3_EU, "/my-bucket/odd/a=b%c~d,e:f&g;h@i$j!k'l(m)n*o#p.json", "s3", s3=True),
    case("s3-put-key-unicode", "S3 PutObject, non-ASCII key (UTF-8 percent-encoded)",
         "PUT", S3_EU, "/my-bucket/naïve/日本.json", "s3", s3=True,
         headers=[("Content-Type", "application/json")], body='{"ok": true}'),
    case("s3-virtual-host-put", "S3 PutObject, virtual-hosted bucket in the host",
         "PUT", "my-bucket.s3.eu-west-1.amazonaws.com", "/dt=2024-01-01/a b+c.json", "s3",
         s3=True, body="x"),
    case("s3-key-dot-segments", "S3 GetObject, key with '//', '..' and '.': signed literally",
         "GET", S3_EU, "/my-bucket/a//b/../c/./d", "s3", s3=True),
    case("s3-list-objects-v2", "S3 ListObjectsV2 with prefix and delimiter",
         "GET", S3_EU, "/my-bucket", "s3", s3=True,
         query=[("list-type", "2"), ("prefix", "dt=2024-01-01/"), ("delimiter", "/")]),
    case("s3-list-objects-v2-continuation",
         "S3 ListObjectsV2 page 2: continuation token with '+', '/' and '=', unicode prefix",
         "GET", S3_EU, "/my-bucket", "s3", s3=True,
         query=[("list-type", "2"), ("prefix", "naïve/a b"), ("encoding-type", "url"),
                ("continuation-token", "1a/b+c=="), ("max-keys", "1000")]),
    case("s3-delete-objects", "S3 DeleteObjects: empty-valued ?delete, Content-MD5 signed",
         "POST", S3_EU, "/my-bucket", "s3", s3=True, query=[("delete", "")],
         headers=[("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("Content-Type", "application/xml")],
         body='<Delete><Object><Key>a b+c.json</Key></Object><Quiet>true</Quiet></Delete>'),
    case("s3-session-token", "S3 GetObject with temporary credentials",
         "GET", S3_EU, "/my-bucket/dt=2024-01-01/a b+c.json", "s3", s3=True, token=TOKEN),
    case("s3-unsigned-payload", "S3 PutObject with UNSIGNED-PAYLOAD",
         "PUT", S3_EU, "/my-bucket/big.bin", "s3", s3=True, payload_hash=UNSIGNED,
         body=b"\x00\x01\x02unsigned"),
    case("s3-put-binary-body", "S3 PutObject, binary (gzip-like) body",
         "PUT", S3_EU, "/my-bucket/part-0000.jsonl.gz", "s3", s3=True,
         headers=[("Content-Type", "application/gzip")],
         body=b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\x00\r\n\x80"),
    case("s3-put-large-body", "S3 PutObject, 1 MiB deterministic body",
         "PUT", S3_EU, "/my-bucket/large.bin", "s3", s3=True, body=("pattern", 1 << 20)),
    case("s3-custom-endpoint-port", "S3 path-style on a local emulator: host with a port, http",
         "PUT", "127.0.0.1:5000", "/my-bucket/dt=2024-01-01/a b+c.json", "s3", s3=True,
         scheme="http", body="{}"),

    # --- other services: path encoded twice in the canonical URI, dot segments removed ------
    case("dynamodb-put-item", "DynamoDB PutItem, JSON 1.0 protocol",
         "POST", "dynamodb.eu-west-1.amazonaws.com", "/", "dynamodb",
         headers=[("Content-Type", JSON10), ("X-Amz-Target", "DynamoDB_20120810.PutItem")],
         body='{"TableName": "user_Campaign-dev", "Item": {"userID": {"S": "u1"}}}'),
    case("dynamodb-session-token", "DynamoDB DescribeTable with temporary credentials",
         "POST", "dynamodb.eu-west-1.amazonaws.com", "/", "dynamodb", token=TOKEN,
         headers=[("Content-Type", JSON10), ("X-Amz-Target", "DynamoDB_20120810.DescribeTable")],
         body='{"TableName": "campaignInfo-dev"}'),
    case("dynamodbstreams-get-records", "DynamoDB Streams GetRecords: signing name dynamodb",
         "POST", "streams.dynamodb.eu-west-1.amazonaws.com", "/", "dynamodb",
         headers=[("Content-Type", JSON10),
                  ("X-Amz-Target", "DynamoDBStreams_20120810.GetRecords")],
         body='{"ShardIterator": "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x|1|AAA+/="}'),
    case("dynamodb-custom-endpoint-port", "DynamoDB on a local emulator: host with a port, http",
         "POST", "127.0.0.1:5000", "/", "dynamodb", region="us-east-1", scheme="http",
         headers=[("Content-Type", JSON10), ("X-Amz-Target", "DynamoDB_20120810.ListTables")],
         body="{}"),
    case("glue-get-table", "Glue GetTable, JSON 1.1 protocol",
         "POST", "glue.eu-west-1.amazonaws.com", "/", "glue",
         headers=[("Content-Type", JSON11), ("X-Amz-Target", "AWSGlue.GetTable")],
         body='{"DatabaseName": "whitecube_dev", "Name": "user_campaign_tasks"}'),
    case("glue-unsigned-payload", "Glue with UNSIGNED-PAYLOAD: botocore adds and signs X-Amz-Content-SHA256",
         "POST", "glue.eu-west-1.amazonaws.com", "/", "glue", payload_hash=UNSIGNED,
         headers=[("Content-Type", JSON11), ("X-Amz-Target", "AWSGlue.GetDatabases")],
         body="{}"),
    case("glue-caller-content-sha256",
         "Glue with the caller's own X-Amz-Content-SHA256 header: its value is the payload hash",
         "POST", "glue.eu-west-1.amazonaws.com", "/", "glue",
         headers=[("Content-Type", JSON11), ("X-Amz-Target", "AWSGlue.GetDatabases"),
                  ("X-Amz-Content-SHA256",
                   "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")],
         body="{}"),
    case("sns-publish", "SNS Publish, Query protocol form body",
         "POST", "sns.eu-west-1.amazonaws.com", "/", "sns", time="2024-02-29T23:59:59Z",
         headers=[("Content-Type", FORM)],
         body=percent_encode_sequence([
             ("Action", "Publish"),
             ("TopicArn", "arn:aws:sns:eu-west-1:123456789012:whitecube-events-dev"),
             ("Message", "run ok: 2 rows, 1 partition (createdAt_date=2024-01-01)"),
             ("Version", "2010-03-31")])),
    case("sts-get-caller-identity", "STS GetCallerIdentity, Query protocol",
         "POST", "sts.eu-west-1.amazonaws.com", "/", "sts", headers=[("Content-Type", FORM)],
         body="Action=GetCallerIdentity&Version=2011-06-15"),
    case("iam-list-roles", "IAM ListRoles: global endpoint signed for us-east-1",
         "POST", "iam.amazonaws.com", "/", "iam", region="us-east-1",
         headers=[("Content-Type", FORM)],
         body="Action=ListRoles&PathPrefix=%2Fpipewright%2F&Version=2010-05-08"),
    case("aws-docs-iam-list-users",
         "The AWS documentation's example: signature 5d672d79...b2f5d7 (docs: create-signed-request)",
         "GET", "iam.amazonaws.com", "/", "iam", region="us-east-1",
         query=[("Action", "ListUsers"), ("Version", "2010-05-08")],
         headers=[("Content-Type", FORM)], time="2015-08-30T12:36:00Z"),
    case("scheduler-get-schedule", "EventBridge Scheduler GetSchedule, REST-JSON, empty body",
         "GET", "scheduler.eu-west-1.amazonaws.com", "/schedules/my-schedule", "scheduler",
         query=[("GroupName", "default")]),
    case("query-repeated-and-empty", "Repeated keys sorted by value, empty values kept, encoded names",
         "GET", "scheduler.eu-west-1.amazonaws.com", "/schedules", "scheduler",
         query=[("tag", "b"), ("tag", ""), ("tag", "a"), ("empty", ""), ("a", "="),
                ("sp ace", "x y+z/~*"), ("ünï", "cödé"), ("Z", "upper sorts first")]),
    case("rest-path-double-encoding",
         "Lambda Invoke, REST path with ':' and a space: wire %3A, canonical %253A",
         "POST", "lambda.eu-west-1.amazonaws.com",
         "/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:my fn/invocations",
         "lambda", headers=[("X-Amz-Invocation-Type", "Event")], body='{"a": 1}'),
    case("rest-path-encoded-arn-label",
         "Scheduler TagResource: the ARN label sent encoded ('/' as %2F), canonical %252F",
         "POST", "scheduler.eu-west-1.amazonaws.com",
         "/tags/arn%3Aaws%3Ascheduler%3Aeu-west-1%3A123456789012%3Aschedule-group%2Fpw-hourly",
         "scheduler", headers=[("Content-Type", "application/json")],
         body='{"Tags": [{"Key": "pipewright:stack", "Value": "pw"}]}', path_encoded=True),
    case("rest-path-dot-segments", "Non-S3 path with '.', '..' and '//': normalised in the canonical URI only",
         "GET", "scheduler.eu-west-1.amazonaws.com", "/schedules/./x/../my-schedule//", "scheduler"),
    case("headers-canonicalisation",
         "Mixed-case and repeated names, tabs and runs of spaces, headers botocore never signs",
         "POST", "dynamodb.eu-west-1.amazonaws.com", "/", "dynamodb",
         headers=[("Content-Type", JSON10), ("X-Amz-Target", "DynamoDB_20120810.Scan"),
                  ("X-Custom", "  a   b\t\tc  "), ("x-custom", "second"), ("X-CUSTOM", ""),
                  ("X-Empty", ""), ("User-Agent", "pipewright/0.1"), ("Expect", "100-continue"),
                  ("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793"),
                  ("Connection", "keep-alive"), ("Transfer-Encoding", "chunked")],
         body='{"TableName": "t"}'),
    case("retry-stale-signer-headers",
         "A retry passing back the last attempt's Authorization, X-Amz-Date and token: all replaced",
         "POST", "dynamodb.eu-west-1.amazonaws.com", "/", "dynamodb", token=TOKEN,
         headers=[("Content-Type", JSON10), ("X-Amz-Target", "DynamoDB_20120810.GetItem"),
                  ("Authorization", "AWS4-HMAC-SHA256 Credential=stale"),
                  ("X-Amz-Date", "20231231T235959Z"), ("X-Amz-Security-Token", "stale-token")],
         body='{"TableName": "t", "Key": {"k": {"S": "v"}}}'),
]


def _recording_signer(base):
    """A signer class that records the stages botocore computed during add_auth (recomputing
    them afterwards would see the headers add_auth just added)."""

    class Recording(base):
        def __init__(self, *a, **kw):
            super().__init__(*a, **kw)
            self.stages = {}

        def canonical_request(self, request):
            value = super().canonical_request(request)
            self.stages["canonical_request"] = value
            self.stages["canonical_query"] = self.canonical_query_string(request)
            return value

        def string_to_sign(self, request, canonical_request):
            value = super().string_to_sign(request, canonical_request)
            self.stages["string_to_sign"] = value
            return value

        def signature(self, string_to_sign, request):
            value = super().signature(string_to_sign, request)
            self.stages["signature"] = value
            return value

    return Recording


def _without(items, remove):
    """items minus remove, as multisets of (name, value), keeping order."""
    left = list(remove)
    out = []
    for item in items:
        if item in left:
            left.remove(item)
        else:
            out.append(item)
    return out


def generate(c):
    """Signs one case with botocore; returns the fixture (the case plus "expected")."""
    inp = c["input"]
    wire_path = inp["path"] if inp.get("path_encoded") else percent_encode(inp["path"], safe="/~")
    url = f'{inp["scheme"]}://{inp["host"]}{wire_path}'
    if inp["query"]:
        url += "?" + percent_encode_sequence([tuple(q) for q in inp["query"]])

    request = AWSRequest(method=inp["method"], url=url, data=body_bytes(inp["body"]))
    for name, value in inp["headers"]:
        request.headers[name] = value   # HTTPHeaders appends: repeated names are kept
    if inp["payload_hash"] == UNSIGNED and inp["s3"]:
        request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    elif inp["payload_hash"] == UNSIGNED:
        request.context["payload_signing_enabled"] = False
    elif inp["payload_hash"] is not None:
        raise ValueError(f'{c["case"]}: botocore only overrides the payload hash with {UNSIGNED}')

    creds = inp["credentials"]
    signer = _recording_signer(S3SigV4Auth if inp["s3"] else SigV4Auth)(
        Credentials(creds["access_key_id"], creds["secret_access_key"], creds["session_token"]),
        inp["service"], inp["region"])
    now = datetime.datetime.strptime(inp["time"], "%Y-%m-%dT%H:%M:%SZ")
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=now):
        signer.add_auth(request)

    # The wire target is the path botocore sends and its query in canonical (sorted) order:
    # prove that order is only a permutation of the pairs botocore itself puts on the wire.
    query = signer.stages["canonical_query"]
    sent = request.url.partition("?")[2]
    assert sorted(sent.split("&") if sent else []) == sorted(query.split("&") if query else []), c["case"]
    wire_target = wire_path + ("?" + query if query else "")

    final = [(k, v) for k, v in request.headers.items()]
    added = sorted(_without(final, [tuple(h) for h in inp["headers"]]))
    return {
        "case": c["case"],
        "description": c["description"],
        "generated_by": "tests/tools/sigv4_fixtures.py (botocore SigV4Auth / S3SigV4Auth)",
        "input": inp,
        "expected": {
            "wire_target": wire_target,
            "canonical_request": signer.stages["canonical_request"],
            "string_to_sign": signer.stages["string_to_sign"],
            "signature": signer.stages["signature"],
            "authorization": request.headers["Authorization"],
            "added_headers": [list(h) for h in added],
        },
    }


def botocore_version():
    return botocore.__version__


def render(fixture):
    return json.dumps(fixture, indent=2, ensure_ascii=False) + "\n"


def all_fixtures():
    """{file name: file text} for every case, generated in memory."""
    names = [c["case"] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    return {c["case"] + ".json": render(generate(c)) for c in CASES}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=FIXTURE_DIR, help="fixture folder (default: %(default)s)")
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args(argv)

    wanted = all_fixtures()
    os.makedirs(args.out, exist_ok=True)
    present = {f for f in os.listdir(args.out) if f.endswith(".json")}
    bad = 0
    for name, text in sorted(wanted.items()):
        path = os.path.join(args.out, name)
        old = open(path, encoding="utf-8").read() if name in present else None
        if old == text:
            continue
        if args.check:
            print(f"{path}: {'differs from' if old else 'missing, per'} botocore", file=sys.stderr)
            bad += 1
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote {path}")
    for name in sorted(present - set(wanted)):
        path = os.path.join(args.out, name)
        if args.check:
            print(f"{path}: stale, no such case", file=sys.stderr)
            bad += 1
        else:
            os.remove(path)
            print(f"removed {path}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
