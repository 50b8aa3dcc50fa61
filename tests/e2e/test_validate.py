"""`pipewright validate` and `pipewright init` on the real binary, offline.

The golden corpus tests/spec/bad/NN-name.yaml holds broken specs; NN-name.err is the exact
stderr expected (FILE:LINE:COL: error: ..., the source line, a caret). A first line
"# args: ..." adds command-line arguments (a bad --var). Run from anywhere; the binary runs in
the repository root so that file names in messages are the relative ones in the .err files.
PIPEWRIGHT is the binary (default build/pipewright, relative to the repository root).
"""
import json
import os
import pathlib
import shlex
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(os.environ.get("PIPEWRIGHT", "build/pipewright"))
if not BIN.is_absolute():
    BIN = ROOT / BIN
BAD = sorted((ROOT / "tests" / "spec" / "bad").glob("*.yaml"))
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/pipewright.yaml"))


def run(*args, cwd=ROOT):
    return subprocess.run([str(BIN), *args], cwd=cwd, capture_output=True, timeout=60)


def extra_args(spec):
    first = spec.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    return shlex.split(first[len("# args:"):]) if first.startswith("# args:") else []


def test_corpus_is_complete():
    assert len(BAD) >= 30
    errs = {p.stem for p in (ROOT / "tests" / "spec" / "bad").glob("*.err")}
    assert errs == {p.stem for p in BAD}


@pytest.mark.parametrize("spec", BAD, ids=lambda p: p.stem)
def test_bad_spec(spec):
    rel = spec.relative_to(ROOT)
    r = run("validate", "-f", str(rel), *extra_args(spec))
    assert r.returncode == 3, r.stderr.decode("utf-8", "replace")
    assert r.stdout == b""
    assert r.stderr == spec.with_suffix(".err").read_bytes()


@pytest.mark.parametrize("spec", sorted((ROOT / "tests" / "spec" / "good").glob("*.yaml")),
                         ids=lambda p: p.stem)
def test_good_spec(spec):
    r = run("validate", "-f", str(spec.relative_to(ROOT)))
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_is_valid(example):
    r = run("validate", "-f", f"examples/{example}/pipewright.yaml")
    assert r.returncode == 0, r.stderr.decode()
    assert r.stderr == b""
    line = r.stdout.decode()
    assert line.count("\n") == 1 and line.startswith(f"{example}: ")


def test_whitecube_summary():
    r = run("validate", "-f", "examples/whitecube/pipewright.yaml")
    assert r.stdout.decode() == (
        "whitecube: 2 tables, 2 buckets, 1 database, 1 crawler, 1 job, 1 topic, 1 schedule, "
        "1 pipeline\n")


def test_whitecube_json_with_var():
    r = run("validate", "-f", "examples/whitecube/pipewright.yaml", "--output", "json",
            "--var", "env=prod")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    assert doc["valid"] is True and doc["env"] == "prod"
    tables = {t["id"]: t["name"] for t in doc["resources"]["tables"]}
    assert tables == {"user_campaign": "user_Campaign-prod", "campaign_info": "campaignInfo-prod"}
    assert doc["resources"]["database"] == "whitecube_prod"
    assert doc["resources"]["buckets"][0]["name"] == "whitecube-curated-prod-${account}"
    assert doc["account_deferred"] is True
    assert doc["resources"]["pipeline"] == {
        "name": "user_campaign", "source": "user_campaign", "columns": 12,
        "checkpoints": "whitecube-checkpoints-prod"}


def test_three_errors_reported_in_one_pass(tmp_path):
    spec = tmp_path / "three.yaml"
    spec.write_text("version: 1\nstack: demo\nregion: us-east-1\n"
                    "buckets:\n  lake:\n    name: Lake\n"      # line 6: upper case
                    "    versoning: true\n"                    # line 7: unknown key
                    "tables:\n  t:\n    key: {hash: id:Q}\n")  # line 10: key type
    r = run("validate", "-f", str(spec))
    assert r.returncode == 3
    errors = [l for l in r.stderr.decode().splitlines() if ": error: " in l]
    assert [e.split(":")[1:3] for e in errors] == [["6", "11"], ["7", "5"], ["10", "20"]]
    assert "did you mean 'versioning'?" in errors[1]
    assert r.stderr.decode().endswith("pipewright: 3 errors in spec '%s'\n" % spec)


def test_errors_as_json(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("version: 1\nstack: demo\nregion: us-east-1\nbuckets:\n  lake: {name: Lake}\n")
    r = run("validate", "-f", str(spec), "--output", "json")
    assert r.returncode == 3
    doc = json.loads(r.stdout)
    assert doc["valid"] is False
    assert doc["errors"] == [{"line": 5, "column": 16, "message":
                              "invalid bucket name 'Lake' in bucket 'lake': bucket names are lower case"}]


def test_missing_file():
    r = run("validate", "-f", "no/such/spec.yaml")
    assert r.returncode == 3
    assert r.stderr.decode() == ("pipewright: error: cannot read spec 'no/such/spec.yaml': "
                                 "No such file or directory\n")


def test_spec_option_after_command_and_default_path(tmp_path):
    (tmp_path / "pipewright.yaml").write_text("version: 1\nstack: demo\nregion: us-east-1\n")
    assert run("validate", cwd=tmp_path).stdout == b"demo: nothing declared\n"
    assert run("-f", "pipewright.yaml", "validate", cwd=tmp_path).returncode == 0


def test_usage():
    r = run("validate", "-h")
    assert r.returncode == 0 and r.stdout.startswith(b"usage: pipewright validate")
    r = run("validate", "--bogus")
    assert r.returncode == 64 and b"unknown option '--bogus'" in r.stderr
    r = run("init", "-h")
    assert r.returncode == 0 and b"daily-figures ecommerce orders whitecube" in r.stdout


@pytest.mark.parametrize("example", [None] + EXAMPLES)
def test_init_writes_a_valid_spec(tmp_path, example):
    args = ["init"] + (["--example", example] if example else [])
    r = run(*args, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    written = (tmp_path / "pipewright.yaml").read_text()
    if example:
        assert written == (ROOT / "examples" / example / "pipewright.yaml").read_text()
    else:
        assert written.startswith("# pipewright.yaml — a starter spec.")
    assert run("validate", cwd=tmp_path).returncode == 0


def test_init_refuses_to_overwrite(tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("keep me\n")
    r = run("init", "-f", str(target), cwd=tmp_path)
    assert r.returncode == 1 and b"already exists; use --force" in r.stderr
    assert target.read_text() == "keep me\n"
    r = run("init", "--force", "--example", "orders", "-f", str(target), cwd=tmp_path)
    assert r.returncode == 0
    assert target.read_text().startswith("# orders")


def test_init_unknown_example(tmp_path):
    r = run("init", "--example", "whitecub", cwd=tmp_path)
    assert r.returncode == 64
    assert b"unknown example 'whitecub'; did you mean 'whitecube'?" in r.stderr
    assert not (tmp_path / "pipewright.yaml").exists()


def test_mutated_specs_never_crash(tmp_path):
    """Broken in every way a hand edit can break a file: exit 0 or 3, every error located."""
    import random
    import re
    sources = [p.read_bytes() for p in sorted((ROOT / "examples").glob("*/pipewright.yaml"))]
    pieces = [b"{", b"}", b"[", b"]", b":", b"- ", b"\t", b"'", b'"', b"${", b"&a ", b"*a",
              b"<<: ", b"\n", b"  ", b"!!str ", b"?", b"#", b"\xff", b"${account}", b"$${"]
    rng = random.Random(20240101)
    located = re.compile(rb"^\S+:\d+:\d+: error: |^\S+: error: ")
    for i in range(150):
        text = bytearray(rng.choice(sources))
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            op = rng.random()
            if op < 0.35:
                del text[at:at + rng.randint(1, 20)]
            elif op < 0.8:
                text[at:at] = rng.choice(pieces)
            else:
                del text[at:]
        spec = tmp_path / "mutant.yaml"
        spec.write_bytes(bytes(text))
        r = run("validate", "-f", str(spec))
        assert r.returncode in (0, 3), (i, r.stderr[-2000:])
        assert b"Sanitizer" not in r.stderr and b"runtime error" not in r.stderr, i
        if r.returncode == 3:
            assert located.match(r.stderr), (i, r.stderr[:300])


def test_error_flood_is_capped(tmp_path):
    spec = tmp_path / "flood.yaml"
    spec.write_text("version: 1\nstack: demo\nregion: us-east-1\n" +
                    "".join(f"unknown_{i}: x\n" for i in range(1500)))
    r = run("validate", "-f", str(spec))
    assert r.returncode == 3
    err = r.stderr.decode()
    assert err.count(": error: unknown key") == 1000
    assert err.endswith(f"{spec}: and 500 more errors, not shown\n"
                        f"pipewright: 1500 errors in spec '{spec}'\n")
