"""Helpers shared by the e2e tests: running the binary, reading its output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Sanitizer settings are the only part of the caller's environment the binary sees.
PASSTHROUGH = ("LD_LIBRARY_PATH",)
# The sanitizers' default exit code is 1, pipewright's "failed": a test expecting exit 1 would
# pass on a crash. Give them codes of their own (the caller's options still come last and win),
# and run() fails any run whose stderr carries a sanitizer report, whatever its exit code.
SANITIZER_OPTIONS = {
    "ASAN_OPTIONS": "exitcode=86:detect_leaks=1:abort_on_error=0",
    "UBSAN_OPTIONS": "exitcode=87:print_stacktrace=1:halt_on_error=1",
    "LSAN_OPTIONS": "exitcode=88",
}
SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: UndefinedBehaviorSanitizer")

ERROR_LINE = re.compile(r"^pipewright: error: \S")


class PwResult(NamedTuple):
    rc: int
    out: str | bytes
    err: str


def pipewright_path() -> Path:
    p = Path(os.environ.get("PIPEWRIGHT") or REPO / "build" / "pipewright")
    return p if p.is_absolute() else (REPO / p)


def asan_build() -> bool:
    """Whether the binary under test is the AddressSanitizer build (`make asan`): valgrind cannot
    run it, and its shadow memory and quarantine make peak-RSS measures meaningless."""
    p = pipewright_path()
    return p.is_file() and b"__asan_init" in p.read_bytes()


def base_env(home: Path) -> dict:
    """An environment with nothing of the caller's AWS setup: no keys, no profile, no files,
    no instance metadata lookups."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "AWS_CONFIG_FILE": str(home / "no-such-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-such-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    for k in PASSTHROUGH:
        if k in os.environ:
            env[k] = os.environ[k]
    for k, v in SANITIZER_OPTIONS.items():
        env[k] = f"{v}:{os.environ[k]}" if os.environ.get(k) else v
    return env


def run(binary: str, args, env: dict, input=None, timeout: float = 60,
        prefix: list | None = None, binary_out: bool = False) -> PwResult:
    if isinstance(input, str):
        input = input.encode()
    cmd = list(prefix or []) + [binary] + [str(a) for a in args]
    try:
        p = subprocess.run(cmd, env=env, input=input, capture_output=True, timeout=timeout,
                           stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"pipewright hung: {' '.join(cmd)} did not finish in {timeout} s\n"
                    f"stderr: {(e.stderr or b'').decode('utf-8', 'replace')[-2000:]}",
                    pytrace=False)
    err = p.stderr.decode("utf-8", "replace")
    if SANITIZER_REPORT.search(err) or p.returncode < 0:
        pytest.fail(f"pipewright crashed (exit {p.returncode}): {' '.join(cmd)}\n{err[-6000:]}",
                    pytrace=False)
    out = p.stdout if binary_out else p.stdout.decode("utf-8", "replace")
    return PwResult(p.returncode, out, err)


def one_error_line(r: PwResult, *needles: str) -> str:
    """The run failed with exactly one line on stderr, `pipewright: error: ...`, containing
    every needle. Returns the line."""
    lines = r.err.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    assert len(lines) == 1, f"expected one error line on stderr, got {len(lines)}:\n{r.err}"
    assert ERROR_LINE.match(lines[0]), f"not a pipewright error line: {lines[0]!r}"
    for n in needles:
        assert n in lines[0], f"{n!r} not in the error line: {lines[0]!r}"
    return lines[0]


def ok(r: PwResult) -> PwResult:
    assert r.rc == 0, f"exit {r.rc}, stderr:\n{r.err}\nstdout:\n{r.out!s:.2000}"
    return r


def out_json(r: PwResult):
    ok(r)
    try:
        return json.loads(r.out)
    except ValueError:
        pytest.fail(f"stdout is not JSON:\n{r.out[:2000]}", pytrace=False)


def out_xml(r: PwResult) -> ET.Element:
    ok(r)
    try:
        return ET.fromstring(r.out.encode() if isinstance(r.out, str) else r.out)
    except ET.ParseError as e:
        pytest.fail(f"stdout is not XML ({e}):\n{r.out[:2000]}", pytrace=False)


def xml_text(root: ET.Element, tag: str) -> str | None:
    """Text of the first element named tag anywhere below root, whatever its namespace."""
    el = root.find(f".//{{*}}{tag}")
    return None if el is None else el.text


def xml_texts(root: ET.Element, tag: str) -> list[str]:
    return [el.text or "" for el in root.iterfind(f".//{{*}}{tag}")]


def unique(prefix: str) -> str:
    """A resource name no other test uses, so tests share one moto without resets."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def load_json(path: Path):
    """JSON with numbers as Decimal, as boto3's DynamoDB serializer wants them."""
    return json.loads(path.read_text(), parse_float=Decimal)


def to_dynamodb_json(item: dict) -> dict:
    from boto3.dynamodb.types import TypeSerializer
    s = TypeSerializer()
    return {k: s.serialize(v) for k, v in item.items()}


def from_dynamodb_json(item: dict) -> dict:
    from boto3.dynamodb.types import TypeDeserializer
    d = TypeDeserializer()
    return {k: d.deserialize(v) for k, v in item.items()}
