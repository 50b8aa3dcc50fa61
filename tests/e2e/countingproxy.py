"""A loopback proxy in front of moto that counts requests, for the provisioning tests.

It forwards every request byte for byte (the Host header included, so moto's signature check
still verifies it) and records method, path and operation, so a test can assert that a second
`up` sent no mutating request, or that `down` refused before sending any. It can also answer
one operation with a canned error (throttling) every time, or only its first N requests (a
refusal that goes away, as a new IAM role's does), whatever order requests come in, or hand
every request to a `rewrite` hook that may answer it itself, change its body (re-signed, see
sigcheck.resign) and change moto's answer: the seeder's throttling test makes DynamoDB's
partial BatchWriteItem answers that way. Each record keeps the headers and body too, so
sigcheck.py can re-sign it with botocore.

`serialize=True` forwards one request at a time. moto's server answers requests in threads and
its DynamoDB backend takes no lock, so two conditional writes to one item sent at the same
instant can both pass their condition: DynamoDB makes each item write atomic, moto does not.
Tests of concurrent runners (leases) route DynamoDB through a serializing proxy to get the
atomicity they rely on.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional

READ_PREFIXES = ("Describe", "List", "Get", "Scan", "Query", "BatchGet", "Head")


@dataclass
class Rewrite:
    """What a rewrite hook wants done with one request (None: nothing to change)."""
    respond: Optional[tuple] = None          # (status, content type, body): answer, do not forward
    body: Optional[bytes] = None             # forward this body instead
    headers: Optional[dict] = None           # with these headers replaced (a new Authorization)
    answer: Optional[Callable[[int, bytes], bytes]] = None   # (status, moto's body) -> body


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as curl expects
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        op = self.server.record(self.command, self.path, self.headers, body)
        fault = self.server.take_fault(op)
        rw = self.server.rewrite(op, self.command, self.path, dict(self.headers.items()), body) \
            if self.server.rewrite else None
        if rw and rw.respond:
            fault = rw.respond
        if fault:
            status, ctype, data = fault
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        if self.server.serial:
            with self.server.serial:
                self._upstream(body, rw)
        else:
            self._upstream(body, rw)

    def _upstream(self, body: bytes, rw: Optional[Rewrite]):
        up = urllib.parse.urlsplit(self.server.upstream)
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        conn.connect()
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # skip_host: the Host header is sent as received, so the signature still verifies.
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        replaced = {k.lower(): v for k, v in ((rw.headers or {}) if rw else {}).items()}
        if rw and rw.body is not None:
            body = rw.body
        for k, v in self.headers.items():
            if k.lower() not in ("connection", "keep-alive", "proxy-connection", "content-length"):
                conn.putheader(k, replaced.get(k.lower(), v))
        if body or self.headers.get("Content-Length") is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        if rw and rw.answer:
            data = rw.answer(r.status, data)
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

    def __init__(self, upstream: str, serialize: bool = False):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.serial = threading.Lock() if serialize else None
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.faults: dict[str, tuple[int, str, bytes]] = {}   # operation -> canned answer
        # rewrite(op, method, path, headers, body) -> Rewrite | None, for every request
        self.rewrite: Optional[Callable[..., Optional[Rewrite]]] = None
        self.fault_counts: dict[str, int] = {}                 # operation -> answers left
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def record(self, method, path, headers, body):
        op, mutating = operation_of(method, path, headers, body)
        with self.lock:
            self.requests.append({"method": method, "path": path, "op": op, "mutating": mutating,
                                  "headers": {k.lower(): v for k, v in headers.items()},
                                  "body": body})
        return op

    def take_fault(self, op):
        """The canned answer for op, if any (one fewer left when it is counted)."""
        with self.lock:
            fault = self.faults.get(op)
            if fault and op in self.fault_counts:
                self.fault_counts[op] -= 1
                if self.fault_counts[op] <= 0:
                    del self.faults[op]
                    del self.fault_counts[op]
            return fault

    def fail_first(self, operation: str, times: int, status: int, body: dict,
                   ctype: str = "application/json"):
        """Answers the first `times` requests of operation with status and a JSON error body,
        then forwards as usual."""
        with self.lock:
            self.faults[operation] = (status, ctype, json.dumps(body).encode())
            self.fault_counts[operation] = times

    def throttle(self, operation: str):
        """Answers every request of a JSON-protocol operation with DynamoDB's throttling error."""
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                           "message": "Rate of requests exceeds the allowed throughput."}).encode()
        self.faults[operation] = (400, "application/x-amz-json-1.0", body)

    def clear(self):
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            self.rewrite = None
            self.fault_counts.clear()

    def mutating(self) -> list[str]:
        with self.lock:
            return [r["op"] for r in self.requests if r["mutating"]]

    def stop(self):
        self.shutdown()
        self.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
