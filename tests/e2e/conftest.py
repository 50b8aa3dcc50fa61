"""End-to-end fixtures: the real binary against moto (signature checking on) and a fault server.

    proxy     a CountingProxy in front of moto (per module; cleared before each test using it)
    sched_moto  a second moto without signature checking, for the Scheduler only (see there)
    moto      the session's MotoServer: .url, .creds.access_key, .creds.secret, .account_id,
              .client(service), .reset(), .data(); tests marked `clean_moto` get a fresh one
    pw_env    a clean environment for the binary: nothing inherited from the caller's AWS setup
    run_pw    run_pw(args, env=None, input=None, timeout=60) -> (rc, stdout, stderr)
    offline_env  like pw_env for tests without moto (fault server, usage): made-up keys
    boto      boto('s3') -> a boto3 client signed with the same key, to read back what pw did
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from countingproxy import CountingProxy  # noqa: E402
from motoserver import MotoServer, free_port  # noqa: E402
from util import base_env, pipewright_path, run  # noqa: E402

REGION = "eu-west-1"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "clean_moto: reset moto (and re-provision its IAM user) before the test")


def pytest_sessionfinish(session, exitstatus):
    # "No tests ran" (exit 5) is a broken suite, never a pass: say so and fail plainly (exit 1).
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        sys.stderr.write("e2e: no tests ran: the suite is broken or the selection is empty\n")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def pipewright() -> str:
    p = pipewright_path()
    if not (p.is_file() and os.access(p, os.X_OK)):
        pytest.fail(f"no pipewright binary at {p}: run `make` or set PIPEWRIGHT", pytrace=False)
    return str(p)


@pytest.fixture(scope="session")
def moto():
    server = MotoServer(region=REGION).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def sched_moto():
    """A second moto WITHOUT signature checking, for the Scheduler service alone: moto
    mis-verifies every body-less Scheduler request (GET, DELETE), botocore's own included
    (test_provision_schedules.py proves it). Tests point AWS_ENDPOINT_URL_SCHEDULER here and
    re-sign what the binary sent with botocore (sigcheck.py), so a wrong signature still fails."""
    server = MotoServer(region=REGION, check_signatures=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def proxy(moto):
    """A CountingProxy in front of the session's moto, one per test module; its record is
    cleared before each test that uses it (_fresh_proxy), so a test counts only its own
    requests."""
    with CountingProxy(moto.url) as p:
        yield p


@pytest.fixture(autouse=True)
def _fresh_proxy(request):
    if "proxy" in request.fixturenames:
        request.getfixturevalue("proxy").clear()


@pytest.fixture(autouse=True)
def _clean_moto_if_marked(request):
    # Autouse runs before the test's own fixtures, so pw_env sees the key provisioned here.
    if request.node.get_closest_marker("clean_moto"):
        request.getfixturevalue("moto").reset()


@pytest.fixture
def pw_env(moto, tmp_path) -> dict:
    env = base_env(tmp_path / "home")
    env.update({
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_ACCESS_KEY_ID": moto.creds.access_key,
        "AWS_SECRET_ACCESS_KEY": moto.creds.secret,
    })
    return env


@pytest.fixture
def offline_env(tmp_path) -> dict:
    """Like pw_env, without moto: for fault-server and usage tests. Keys are made up, and the
    endpoint is a closed local port, so nothing a test runs can ever reach real AWS."""
    env = base_env(tmp_path / "home")
    env.update({
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",
        "AWS_ACCESS_KEY_ID": "AKIAFAULTSERVER00001",
        "AWS_SECRET_ACCESS_KEY": "fault/server/secret/key/0000000000000000",
    })
    return env


@pytest.fixture
def run_pw(pipewright, request):
    """run_pw(args, env=None, input=None, timeout=60): env defaults to pw_env."""
    def _run(args, env=None, input=None, timeout=60, binary_out=False):
        if env is None:
            env = request.getfixturevalue("pw_env")
        return run(pipewright, args, env, input=input, timeout=timeout, binary_out=binary_out)
    return _run


@pytest.fixture
def boto(moto):
    return moto.client
