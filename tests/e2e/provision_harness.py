"""moto (server mode, signature checking on) behind a loopback proxy that counts requests, for
the provisioning tests (plan, up, drift, down).

Signature checking is moto's: every request after the first INITIAL_NO_AUTH_ACTION_COUNT is
verified with botocore against the secret of the IAM key it names, and the key's policies must
allow the action. `provision()` spends exactly those free calls on an IAM user with an
allow-all policy and an access key, then proves a wrong secret is refused. (The approach of the
e2e harness on branch wt/e2e; kept here until that harness is merged.)

The proxy forwards every request byte for byte (the Host header included, so the signature
still verifies) and records method, path and operation, so a test can assert that a second
`up` sent no mutating request.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.config
from botocore.exceptions import ClientError

ACCOUNT_ID = "123456789012"
USER_NAME = "pipewright-provision-e2e"
SETUP_CALLS = 3
ALLOW_ALL = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

READ_PREFIXES = ("Describe", "List", "Get", "Scan", "Query", "BatchGet", "Head")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Credentials:
    access_key: str
    secret: str


class Moto:
    def __init__(self, region: str):
        self.region = region
        self.proc = None
        self.url = ""
        self.creds: Credentials | None = None
        self._log = None

    def start(self) -> "Moto":
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._log = tempfile.TemporaryFile()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update({"INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS),
                    "AWS_DEFAULT_REGION": self.region, "MOTO_PORT": str(port)})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=2):
                    self.provision()
                    return self
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                time.sleep(0.1)
        self._log.seek(0)
        raise RuntimeError("moto did not start:\n" + self._log.read().decode()[-3000:])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self._log:
            self._log.close()

    def api(self, path: str, body: str = ""):
        rq = urllib.request.Request(self.url + path, data=body.encode(), method="POST",
                                    headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(rq, timeout=30) as r:
            return r.read()

    def reset(self):
        """Empties every backend (IAM too), then provisions a new user and key."""
        self.api("/moto-api/reset")
        self.provision()

    def provision(self):
        self.api("/moto-api/reset-auth", str(SETUP_CALLS))
        iam = self._client("iam", Credentials("AKIAFREECALLSETUP000", "free-calls"))
        iam.create_user(UserName=USER_NAME)
        key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
        iam.put_user_policy(UserName=USER_NAME, PolicyName="allow-all",
                            PolicyDocument=json.dumps(ALLOW_ALL))
        self.creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        wrong = Credentials(self.creds.access_key, self.creds.secret[:-1] + "#")
        try:
            self._client("sts", wrong).get_caller_identity()
        except ClientError as e:
            if e.response["Error"]["Code"] != "SignatureDoesNotMatch":
                raise
        else:
            raise RuntimeError("moto accepted a wrong secret: signature checking is off")

    def _client(self, service: str, creds: Credentials):
        cfg = botocore.config.Config(retries={"total_max_attempts": 1},
                                     s3={"addressing_style": "path"})
        return boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=self.region,
            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret, config=cfg)

    def client(self, service: str):
        return self._client(service, self.creds)


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as curl expects
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(self.command, self.path, self.headers, body)
        up = urllib.parse.urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # skip_host: the Host header is sent as received, so the signature still verifies.
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() not in ("connection", "keep-alive", "proxy-connection"):
                conn.putheader(k, v)
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        self.send_response(r.status, r.reason)
        for k, v in r.getheaders():
            if k.lower() not in ("transfer-encoding", "connection", "content-length", "keep-alive",
                                 "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward

    def log_message(self, *args):
        pass


def operation_of(method: str, path: str, headers, body: bytes) -> tuple[str, bool]:
    """(operation, mutating) of one request, whatever the protocol."""
    target = headers.get("X-Amz-Target")
    if target:
        op = target.rsplit(".", 1)[-1]
        return op, not op.startswith(READ_PREFIXES)
    ctype = headers.get("Content-Type") or ""
    if method == "POST" and "x-www-form-urlencoded" in ctype:
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        op = (form.get("Action") or ["?"])[0]
        return op, not op.startswith(READ_PREFIXES)
    query = urllib.parse.urlsplit(path).query
    op = f"{method} {urllib.parse.urlsplit(path).path}" + (f"?{query}" if query else "")
    return op, method not in ("GET", "HEAD")


class CountingProxy(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128   # the binary opens many connections at once; a full backlog
                               # drops SYNs, and each retry costs a second

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def record(self, method, path, headers, body):
        op, mutating = operation_of(method, path, headers, body)
        with self.lock:
            self.requests.append({"method": method, "path": path, "op": op, "mutating": mutating})

    def clear(self):
        with self.lock:
            self.requests.clear()

    def mutating(self) -> list[str]:
        with self.lock:
            return [r["op"] for r in self.requests if r["mutating"]]

    def stop(self):
        self.shutdown()
        self.server_close()
