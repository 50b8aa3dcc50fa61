"""A loopback proxy in front of moto that counts requests, for the provisioning tests.

It forwards every request byte for byte (the Host header included, so moto's signature check
still verifies it) and records method, path and operation, so a test can assert that a second
`up` sent no mutating request, or that `down` refused before sending any. It can also answer
one operation with a canned error (throttling) every time, whatever order requests come in.

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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

READ_PREFIXES = ("Describe", "List", "Get", "Scan", "Query", "BatchGet", "Head")


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as curl expects
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        op = self.server.record(self.command, self.path, self.headers, body)
        fault = self.server.faults.get(op)
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
                self._upstream(body)
        else:
            self._upstream(body)

    def _upstream(self, body: bytes):
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

    def __init__(self, upstream: str, serialize: bool = False):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream
        self.serial = threading.Lock() if serialize else None
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.faults: dict[str, tuple[int, str, bytes]] = {}   # operation -> canned answer
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def record(self, method, path, headers, body):
        op, mutating = operation_of(method, path, headers, body)
        with self.lock:
            self.requests.append({"method": method, "path": path, "op": op, "mutating": mutating})
        return op

    def throttle(self, operation: str):
        """Answers every request of a JSON-protocol operation with DynamoDB's throttling error."""
        body = json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                           "message": "Rate of requests exceeds the allowed throughput."}).encode()
        self.faults[operation] = (400, "application/x-amz-json-1.0", body)

    def clear(self):
        with self.lock:
            self.requests.clear()
            self.faults.clear()

    def mutating(self) -> list[str]:
        with self.lock:
            return [r["op"] for r in self.requests if r["mutating"]]

    def stop(self):
        self.shutdown()
        self.server_close()
