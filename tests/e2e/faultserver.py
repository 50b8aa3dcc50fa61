"""A loopback HTTP server that misbehaves on purpose, one scripted answer per request.

    with FaultServer([ERR_503_HTML, THROTTLE_DDB, proxy_to(moto.url)]) as fs:
        run pipewright with AWS_ENDPOINT_URL=fs.url
        assert len(fs.requests) == 3

The script is a list of actions, used in order, one per request received; the last one repeats
when the script runs out (so `[THROTTLE_DDB]` is a storm that never ends). An action is:

    respond(status, body, headers)   an HTTP answer
    RESET                            close the connection without answering (TCP RST)
    hang(seconds)                    read the request, answer nothing for that long, then close
    proxy_to(url)                    forward the request byte for byte (Host included, so the
                                     signature still verifies) and relay the answer

Every request is recorded (method, path, headers, body, time) before it is answered, so tests
can assert how many attempts the client made and how far apart they were.
"""

from __future__ import annotations

import http.client
import socket
import struct
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Respond:
    status: int
    body: bytes = b""
    headers: dict = field(default_factory=dict)


@dataclass
class Hang:
    seconds: float


@dataclass
class Proxy:
    url: str


class _Reset:
    def __repr__(self):
        return "RESET"


RESET = _Reset()


def respond(status: int, body: bytes | str = b"", headers: dict | None = None) -> Respond:
    if isinstance(body, str):
        body = body.encode()
    return Respond(status, body, dict(headers or {}))


def hang(seconds: float) -> Hang:
    return Hang(seconds)


def proxy_to(url: str) -> Proxy:
    return Proxy(url)


# x-amz-retry-after (ms) keeps the client's backoff short, so retry tests stay fast.
FAST = {"x-amz-retry-after": "10"}

ERR_503_HTML = respond(
    503, "<html><body><h1>503 Service Unavailable</h1>No server is available.</body></html>",
    {"Content-Type": "text/html", **FAST})

ERR_500_HTML = respond(
    500, "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head>"
         "<body><h1>Internal Server Error</h1><p>The server encountered an internal error."
         "</p></body></html>",
    {"Content-Type": "text/html", **FAST})

THROTTLE_DDB = respond(
    400, '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
         '"message":"The level of configured provisioned throughput for the table was exceeded."}',
    {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "THROTTLE-REQ-1", **FAST})

SLOWDOWN_S3 = respond(
    503, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
         "<Message>Please reduce your request rate.</Message>"
         "<RequestId>SLOWDOWN-REQ-1</RequestId><HostId>fault</HostId></Error>",
    {"Content-Type": "application/xml", "x-amz-request-id": "SLOWDOWN-REQ-1", **FAST})

VALIDATION_DDB = respond(
    400, '{"__type":"com.amazon.coral.validate#ValidationException",'
         '"message":"1 validation error detected: Value null at \'tableName\'"}',
    {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "VALIDATION-REQ-1"})

OK_LIST_TABLES = respond(
    200, '{"TableNames":["from-fault-server"]}',
    {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "OK-REQ-1"})


@dataclass
class Received:
    method: str
    path: str
    headers: dict          # names lower-cased
    body: bytes
    time: float            # time.monotonic() when the request was complete


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, as a real endpoint: the client may reuse it
    server: "_Server"

    def log_message(self, fmt, *args):   # quiet: pytest shows failures, not access logs
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _handle(self):
        body = self._read_body()
        rec = Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                       body, time.monotonic())
        action = self.server.fault.next_action(rec)
        if isinstance(action, Respond):
            self._send(action.status, action.headers, action.body)
        elif action is RESET:
            # SO_LINGER 0: close() sends RST instead of FIN, a real "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
        elif isinstance(action, Hang):
            self.server.fault.stopping.wait(action.seconds)
            self.close_connection = True
        elif isinstance(action, Proxy):
            self._proxy(action.url, body)
        else:
            raise TypeError(f"unknown fault action {action!r}")

    def _send(self, status: int, headers: dict, body: bytes):
        self.send_response(status)
        names = {k.lower() for k in headers}
        for k, v in headers.items():
            self.send_header(k, v)
        if "content-length" not in names:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _proxy(self, url: str, body: bytes):
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        try:
            # putrequest/putheader send the path and every header exactly as received.
            conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers.items():
                if k.lower() in ("transfer-encoding", "content-length", "connection", "expect"):
                    continue
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            r = conn.getresponse()
            data = r.read()
            headers = {k: v for k, v in r.getheaders()
                       if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            headers["Content-Length"] = str(len(data))
            self._send(r.status, headers, data)
        finally:
            conn.close()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fault: "FaultServer"

    def handle_error(self, request, client_address):
        pass   # a client that gave up mid-answer (timeout tests) is expected, not an error


class FaultServer:
    def __init__(self, script: list):
        if not script:
            raise ValueError("the script needs at least one action")
        self.script = list(script)
        self.requests: list[Received] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.fault = self
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    def next_action(self, rec: Received):
        with self._lock:
            i = len(self.requests)
            self.requests.append(rec)
            return self.script[min(i, len(self.script) - 1)]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def start(self) -> "FaultServer":
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()   # wakes hanging handlers
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
