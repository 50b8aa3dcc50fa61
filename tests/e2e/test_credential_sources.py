"""Credential sources that answer over HTTP, through the real binary (`pipewright doctor`).

A Python http.server on 127.0.0.1 plays the container agent and EC2 instance metadata (IMDSv2);
moto in server mode plays STS for an assume-role profile. Each test runs the binary with a
private environment (no ~/.aws, no real AWS) and reads `credentials.source` from its JSON.
"""

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
BINARY = os.environ.get("PIPEWRIGHT", os.path.join(ROOT, "build", "pipewright"))

CONTAINER_JSON = {
    "AccessKeyId": "ASIACONTAINERKEY",
    "SecretAccessKey": "container-secret",
    "Token": "container-token",
    "Expiration": "2999-01-01T00:00:00Z",
}
IMDS_JSON = dict(CONTAINER_JSON, Code="Success", Type="AWS-HMAC", AccessKeyId="ASIAIMDSKEY",
                 SecretAccessKey="imds-secret")
SECRETS = ("container-secret", "container-token", "imds-secret", "imds-token-value")


class Recorder(BaseHTTPRequestHandler):
    """Answers from the server's routes {(method, path): (status, body)}; records every request."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.requests.append((self.command, self.path, dict(self.headers)))
        status, body = self.server.routes.get((self.command, self.path), (404, "not found"))
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    srv.routes, srv.requests = {}, []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = "http://127.0.0.1:%d" % srv.server_address[1]
    yield srv
    srv.shutdown()
    srv.server_close()


def doctor(tmp_path, env, *args):
    base = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_REGION": "eu-west-1",
        "AWS_MAX_ATTEMPTS": "1",
    }
    base.update(env)
    proc = subprocess.run([BINARY, *args, "doctor", "--output", "json"], env=base, capture_output=True,
                          text=True, timeout=60)
    for secret in SECRETS:
        assert secret not in proc.stdout + proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_container_full_uri_with_token_file(server, tmp_path):
    server.routes[("GET", "/creds")] = (200, CONTAINER_JSON)
    token = tmp_path / "token"
    token.write_text("file-token")
    rc, out = doctor(tmp_path, {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN": "env-token",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": server.url,
    })
    assert out["credentials"]["source"] == "container"
    assert out["region"] == "eu-west-1"
    creds = [r for r in server.requests if r[1] == "/creds"]
    assert len(creds) == 1
    assert creds[0][2]["Authorization"] == "file-token"


def test_container_refusing_is_an_auth_error(server, tmp_path):
    server.routes[("GET", "/creds")] = (401, "{}")
    rc, out = doctor(tmp_path, {
        "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/creds",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    assert rc == 4
    assert out["credentials"]["source"] is None
    assert "container credentials from" in out["credentials"]["error"]


def test_imdsv2_token_then_role_then_credentials(server, tmp_path):
    server.routes[("PUT", "/latest/api/token")] = (200, "imds-token-value")
    server.routes[("GET", "/latest/meta-data/iam/security-credentials/")] = (200, "app-role")
    server.routes[("GET", "/latest/meta-data/iam/security-credentials/app-role")] = (200, IMDS_JSON)
    rc, out = doctor(tmp_path, {"AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url + "/",
                                "AWS_ENDPOINT_URL": server.url})
    assert out["credentials"]["source"] == "instance metadata (IMDSv2)"
    imds = [r for r in server.requests if r[1].startswith("/latest/")]
    assert [(m, p) for m, p, _ in imds] == [
        ("PUT", "/latest/api/token"),
        ("GET", "/latest/meta-data/iam/security-credentials/"),
        ("GET", "/latest/meta-data/iam/security-credentials/app-role"),
    ]
    assert imds[0][2]["X-aws-ec2-metadata-token-ttl-seconds"] == "21600"
    for _, _, headers in imds[1:]:
        assert headers["X-aws-ec2-metadata-token"] == "imds-token-value"


def test_nothing_configured_exits_4(tmp_path):
    rc, out = doctor(tmp_path, {"AWS_EC2_METADATA_DISABLED": "true"})
    assert rc == 4
    assert out["credentials"]["error"] == (
        "no credentials found (tried environment, profile default, container, instance metadata)")


@pytest.fixture
def moto_server():
    moto_server_mod = pytest.importorskip("moto.server")
    srv = moto_server_mod.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield "http://%s:%d" % (host, port)
    srv.stop()


def test_assume_role_profile_against_moto(moto_server, tmp_path):
    (tmp_path / "credentials").write_text(
        "[base]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
        "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n")
    (tmp_path / "config").write_text(
        "[profile deploy]\nrole_arn = arn:aws:iam::123456789012:role/deploy\nsource_profile = base\n"
        "role_session_name = e2e\n")
    rc, out = doctor(tmp_path, {"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": moto_server},
                     "--profile", "deploy")
    assert out["credentials"]["source"] == (
        "assume role arn:aws:iam::123456789012:role/deploy (profile deploy)")
    assert out["credentials"]["session_token"] is True
    assert out["arn"] == "arn:aws:sts::123456789012:assumed-role/deploy/e2e"
