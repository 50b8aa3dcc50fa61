"""valgrind on up, plan, drift and down: no leak and no memory error in the engine's paths —
parallel reads on worker threads, every kind's create, update and delete, emptying a versioned
bucket. Skipped exactly when (and why) tests/e2e/test_valgrind.py is."""

from pathlib import Path

import pytest

from test_valgrind import VALGRIND, _why_not, vg  # noqa: F401  (the module skips itself)

SPEC = Path(__file__).resolve().parent / "provision" / "lake.yaml"

pytestmark = pytest.mark.clean_moto


def test_valgrind_up_drift_down(pipewright, pw_env, boto):
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "up", "--yes"], pw_env)
    assert r.rc == 0, r.err
    lake = "pwtest-lake-e2e-123456789012"
    s3 = boto("s3")
    s3.put_object(Bucket=lake, Key="a.json", Body=b"{}")
    s3.put_object(Bucket=lake, Key="a.json", Body=b"{}")
    s3.put_bucket_versioning(Bucket="pwtest-artifacts-e2e-123456789012",
                             VersioningConfiguration={"Status": "Enabled"})
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "drift", "--output", "junit"], pw_env)
    assert r.rc == 2, r.err
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "plan", "--output", "json"], pw_env)
    assert r.rc == 0, r.err
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "up", "--yes"], pw_env)
    assert r.rc == 0, r.err
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "down", "--yes"], pw_env)
    assert r.rc == 1 and "nothing was deleted" in r.err
    r = vg(pipewright, VALGRIND, ["-f", SPEC, "down", "--yes", "--delete-data"], pw_env)
    assert r.rc == 0, r.err


GLUE_SPEC = SPEC.parent / "glue.yaml"


def test_valgrind_glue_up_change_down(pipewright, pw_env, boto, tmp_path):
    # The Glue kinds: uploading the script, creating the database, crawler, job and catalog
    # table; a crawler change (recreated on moto) and a script change; down of all of it.
    iam = boto("iam")
    for name in ("pwglue-crawler", "pwglue-job"):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    r = vg(pipewright, VALGRIND, ["-f", GLUE_SPEC, "up", "--yes"], pw_env)
    assert r.rc == 0, r.err
    (tmp_path / "templates" / "glue").mkdir(parents=True)
    (tmp_path / "templates" / "glue" / "flatten_join.py").write_text("print('changed')\n")
    spec = tmp_path / "glue.yaml"
    spec.write_text(GLUE_SPEC.read_text().replace("cron(15 * * * ? *)", "cron(45 * * * ? *)"))
    r = vg(pipewright, VALGRIND, ["-f", spec, "drift", "--output", "json"], pw_env)
    assert r.rc == 2, r.err
    r = vg(pipewright, VALGRIND, ["-f", spec, "up", "--yes"], pw_env)
    assert r.rc == 0, r.err
    r = vg(pipewright, VALGRIND, ["-f", spec, "down", "--yes"], pw_env)
    assert r.rc == 0, r.err
