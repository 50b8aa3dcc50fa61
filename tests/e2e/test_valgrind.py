"""valgrind on the real binary: no leak and no memory error on the paths every command uses —
a JSON call, an S3 PUT and GET, a Query call, a retried call, a failing call, doctor.

Runs in `make check` (the normal build; `make deps` installs valgrind). Skipped, with the reason
shown, only where it cannot run: valgrind missing (a failure instead when PW_REQUIRE_VALGRIND=1,
as .ci/run sets), or the AddressSanitizer build of `make asan`, which valgrind cannot host."""

import json
import os
import re
import shutil

import pytest

from faultserver import ERR_503_HTML, OK_LIST_TABLES, THROTTLE_DDB, FaultServer
from motoserver import wrong_secret
from util import asan_build, run, unique

VALGRIND_RC = 99
VALGRIND = ["valgrind", "--quiet", "--leak-check=full", f"--error-exitcode={VALGRIND_RC}",
            "--errors-for-leak-kinds=definite,indirect", "--show-leak-kinds=definite,indirect",
            "--num-callers=30", "--track-origins=yes"]


def _why_not() -> str | None:
    if not shutil.which("valgrind"):
        if os.environ.get("PW_REQUIRE_VALGRIND") == "1":
            pytest.fail("valgrind is not installed (run `make deps`)", pytrace=False)
        return "valgrind is not installed (`make deps` installs it)"
    if asan_build():
        return ("AddressSanitizer build: valgrind cannot run it; "
                "the valgrind tests run on the normal build in `make check`")
    return None


if _why_not():
    pytest.skip(_why_not(), allow_module_level=True)


@pytest.fixture(scope="module")
def valgrind(pipewright):
    return VALGRIND


def vg(pipewright, valgrind, args, env, input=None):
    r = run(pipewright, args, env, input=input, timeout=240, prefix=valgrind)
    assert r.rc != VALGRIND_RC, f"valgrind found errors in `pipewright {' '.join(args)}`:\n{r.err}"
    assert not re.search(r"definitely lost: [1-9]|indirectly lost: [1-9]", r.err), r.err
    return r


def test_valgrind_json_call(pipewright, valgrind, pw_env):
    r = vg(pipewright, valgrind, ["api", "dynamodb", "ListTables"], pw_env)
    assert r.rc == 0, r.err
    assert "TableNames" in json.loads(r.out)


def test_valgrind_s3_put_get(pipewright, valgrind, pw_env, boto, tmp_path):
    bucket = unique("pw-valgrind-lake")
    boto("s3").create_bucket(Bucket=bucket,
                             CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    body = b'{"userID":"user-002"}\n' * 1000
    f = tmp_path / "part.jsonl"
    f.write_bytes(body)
    key = f"/{bucket}/dt=2024-01-01/a b~%.jsonl"
    r = vg(pipewright, valgrind, ["api", "s3", "PUT", key, "-d", f"@{f}"], pw_env)
    assert r.rc == 0, r.err
    r = vg(pipewright, valgrind, ["api", "s3", "GET", key, "--raw"], pw_env)
    assert r.rc == 0, r.err
    assert r.out.rstrip("\n") == body.decode().rstrip("\n")
    r = vg(pipewright, valgrind, ["api", "s3", "GET", f"/{bucket}", "--query", "list-type=2"],
           pw_env)
    assert r.rc == 0 and "a b~%.jsonl" in r.out, r.err


def test_valgrind_query_call(pipewright, valgrind, pw_env, moto):
    r = vg(pipewright, valgrind, ["-vvv", "api", "sts", "GetCallerIdentity"], pw_env)
    assert r.rc == 0, r.err
    assert moto.account_id in r.out


def test_valgrind_failing_call(pipewright, valgrind, pw_env):
    env = dict(pw_env, AWS_SECRET_ACCESS_KEY=wrong_secret(pw_env["AWS_SECRET_ACCESS_KEY"]))
    r = vg(pipewright, valgrind, ["api", "dynamodb", "ListTables"], env)
    assert r.rc == 4, r.err
    assert "SignatureDoesNotMatch" in r.err


def test_valgrind_retries_and_give_up(pipewright, valgrind, offline_env):
    with FaultServer([ERR_503_HTML, THROTTLE_DDB, OK_LIST_TABLES]) as fs:
        r = vg(pipewright, valgrind, ["api", "dynamodb", "ListTables"],
               dict(offline_env, AWS_ENDPOINT_URL=fs.url))
    assert r.rc == 0, r.err
    with FaultServer([THROTTLE_DDB]) as fs:
        r = vg(pipewright, valgrind, ["api", "dynamodb", "ListTables"],
               dict(offline_env, AWS_ENDPOINT_URL=fs.url, AWS_MAX_ATTEMPTS="2"))
    assert r.rc == 1, r.err


def test_valgrind_missing_credentials(pipewright, valgrind, pw_env):
    env = {k: v for k, v in pw_env.items()
           if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    r = vg(pipewright, valgrind, ["api", "sts", "GetCallerIdentity"], env)
    assert r.rc == 4, r.err


def test_valgrind_doctor(pipewright, valgrind, pw_env):
    r = vg(pipewright, valgrind, ["doctor", "--output", "json"], pw_env)
    assert r.rc in (0, 1), r.err   # doctor's verdict is test_doctor's business; here: no leak
    json.loads(r.out)


def test_valgrind_online_pipeline_run(pipewright, valgrind, pw_env):
    """`pipeline run` on the stream: capture, state, S3 lake under the writers' lock, the
    dimension Scan, the notification — then a run with nothing new, and one that fails."""
    from pathlib import Path
    spec = str(Path(__file__).resolve().parent / "provision" / "run.yaml")
    env_var = ["--var", f"env=vg{os.getpid()}"]
    for args in (["up"], ["seed", "--table", "campaign_info", "--generate", "5", "--parallel", "1"],
                 ["seed", "--table", "user_campaign", "--generate", "60", "--parallel", "1",
                  "--mutate", "20"]):
        r = run(pipewright, ["-f", spec, *env_var, *args], pw_env, timeout=120)
        assert r.rc == 0, r.err
    for _ in range(2):
        r = vg(pipewright, valgrind, ["-f", spec, *env_var, "pipeline", "run"], pw_env)
        assert r.rc == 0, r.err
    r = vg(pipewright, valgrind, ["-f", spec, *env_var, "pipeline", "run", "--to", "s3://x"],
           pw_env)
    assert r.rc == 64 and "is not a file:// url" in r.err, r.err
