"""moto in server mode with signature checking on, shared by the e2e tests and `make demo`.

How moto checks signatures (moto 5.x, moto/core/authorization.py): every service request that goes
through `_authenticate_and_authorize_*` increments a counter; while the counter is below
`INITIAL_NO_AUTH_ACTION_COUNT` the request is free (not checked), after that every request's
SigV4 signature is recomputed with botocore from the secret of the IAM access key it names, and
the key's IAM policies must allow the action. `POST /moto-api/reset-auth` with a number sets that
threshold and sets the counter back to 0.

So `provision()` opens exactly SETUP_CALLS free calls, spends them on CreateUser, CreateAccessKey
and PutUserPolicy (allow everything), and from then on moto refuses anything not signed with that
key's secret. It then proves it: the key is accepted, and the same key with a wrong secret is
refused with SignatureDoesNotMatch. `POST /moto-api/reset` wipes every backend, IAM included, so
`reset()` provisions a new user and key afterwards (the key id changes; read it again).

`MotoServer(check_signatures=False)` starts one WITHOUT signature checking, for the one
documented gap where moto cannot verify a correct signature (Scheduler GET/DELETE, see
sigcheck.py): only the service with the gap is pointed at it (AWS_ENDPOINT_URL_<SERVICE>),
every other one stays on the checking server.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import boto3
import botocore.config
from botocore.exceptions import ClientError

ACCOUNT_ID = "123456789012"   # moto's default account
USER_NAME = "pipewright-e2e"
SETUP_CALLS = 3               # CreateUser, CreateAccessKey, PutUserPolicy
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrong_secret(secret: str) -> str:
    """The same secret with its last character changed (never equal to it)."""
    return secret[:-1] + ("x" if secret[-1] != "x" else "y")


@dataclass
class Credentials:
    access_key: str
    secret: str


class MotoServer:
    """One moto_server process on 127.0.0.1:<free port>; `start()`, then `stop()`."""

    def __init__(self, region: str = "eu-west-1", check_signatures: bool = True):
        self.check_signatures = check_signatures
        self.region = region
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen | None = None
        self.creds: Credentials | None = None
        self.account_id = ACCOUNT_ID
        self.user_arn = f"arn:aws:iam::{ACCOUNT_ID}:user/{USER_NAME}"
        self._log = None

    # --- process -------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> "MotoServer":
        last = ""
        for _ in range(3):   # the free port can be taken between probe and bind: try another
            self.port = free_port()
            self.url = f"http://127.0.0.1:{self.port}"
            self._log = tempfile.TemporaryFile()
            env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
            env.update({
                "AWS_DEFAULT_REGION": self.region,
                "MOTO_PORT": str(self.port),
            })
            if self.check_signatures:
                env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(SETUP_CALLS)
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                env=env, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
            if self._wait_ready(timeout):
                self.provision()
                return self
            last = self._read_log()
            self._kill()
        raise RuntimeError(f"moto_server did not start on 127.0.0.1:\n{last}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.1)
        return False

    def _read_log(self) -> str:
        if not self._log:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-4000:]

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def stop(self):
        self._kill()
        if self._log:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- moto's own API ------------------------------------------------------------------

    def moto_api(self, method: str, path: str, body: bytes | str | None = None):
        if isinstance(body, str):
            body = body.encode()
        # Not form-encoded (urllib's default), or moto's Flask eats the body as a form.
        rq = urllib.request.Request(self.url + path, data=body, method=method,
                                    headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(rq, timeout=30) as r:
            data = r.read()
        try:
            return json.loads(data)
        except ValueError:
            return data

    def data(self) -> dict:
        """GET /moto-api/data.json: every model instance moto holds (SNS sent messages, ...)."""
        return self.moto_api("GET", "/moto-api/data.json")

    def reset(self):
        """Empties every backend, then provisions a new IAM user and key (self.creds changes)."""
        self.moto_api("POST", "/moto-api/reset")
        self.provision()

    def relax_auth(self):
        """Turns signature checking off until enforce_auth(): only for the documented moto gaps."""
        self.moto_api("POST", "/moto-api/reset-auth", "inf")

    def enforce_auth(self):
        """Turns signature checking back on (counter 0, threshold 0: every request is checked)."""
        self.moto_api("POST", "/moto-api/reset-auth", "0")

    # --- the IAM user pipewright signs with ----------------------------------------------

    def provision(self):
        """Spends exactly SETUP_CALLS free calls on an IAM user with an allow-all policy and an
        access key, then proves that moto checks signatures. Without checking, any key works:
        a made-up one is used, and the server is proven to accept a wrong secret."""
        if not self.check_signatures:
            self.creds = Credentials("AKIANOSIGNATURECHECK", "any-secret-is-accepted-here")
            self._client("sts", Credentials(self.creds.access_key, "wrong")).get_caller_identity()
            return
        self.moto_api("POST", "/moto-api/reset-auth", str(SETUP_CALLS))
        iam = self._client("iam", Credentials("AKIAFREECALLSETUP000", "free-calls"))
        iam.create_user(UserName=USER_NAME)
        key = iam.create_access_key(UserName=USER_NAME)["AccessKey"]
        iam.put_user_policy(UserName=USER_NAME, PolicyName="allow-all",
                            PolicyDocument=json.dumps(ALLOW_ALL))
        self.creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        self.verify_auth()

    def verify_auth(self):
        ident = self.client("sts").get_caller_identity()
        if ident["Arn"] != self.user_arn:
            raise RuntimeError(f"moto: the new key signs as {ident['Arn']}, not {self.user_arn}")
        wrong = Credentials(self.creds.access_key, wrong_secret(self.creds.secret))
        try:
            self._client("sts", wrong).get_caller_identity()
        except ClientError as e:
            code = e.response["Error"]["Code"]
            if code != "SignatureDoesNotMatch":
                raise RuntimeError(f"moto: a wrong secret was refused with {code}, "
                                   "not SignatureDoesNotMatch") from e
            return
        raise RuntimeError("moto accepted a request signed with a wrong secret: "
                           "signature checking is off")

    # --- boto3 ---------------------------------------------------------------------------

    def _client(self, service: str, creds: Credentials, region: str | None = None):
        cfg = botocore.config.Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            s3={"addressing_style": "path"},
            connect_timeout=10, read_timeout=60)
        return boto3.session.Session().client(
            service, endpoint_url=self.url, region_name=region or self.region,
            aws_access_key_id=creds.access_key, aws_secret_access_key=creds.secret,
            config=cfg)

    def client(self, service: str, region: str | None = None):
        """A boto3 client signed with the provisioned key (so it passes the signature check)."""
        return self._client(service, self.creds, region)
