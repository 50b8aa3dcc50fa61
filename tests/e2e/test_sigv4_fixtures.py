"""The committed SigV4 fixtures are what botocore computes today.

tests/unit/test_sigv4.c proves pipewright's signer equal to these files; this test proves the
files equal to botocore, re-generating every case in memory with the generator in tests/tools/.
When botocore changes how it signs, this fails first and names the case and the stage.
"""

import json
import os
import sys

import pytest

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))

import sigv4_fixtures  # noqa: E402

FIXTURE_DIR = os.path.join(ROOT, "tests", "fixtures", "sigv4")
CASES = {c["case"]: c for c in sigv4_fixtures.CASES}


def test_generator_writes_where_the_unit_test_reads():
    assert os.path.samefile(sigv4_fixtures.FIXTURE_DIR, FIXTURE_DIR)


def test_no_stale_or_missing_fixture_files():
    on_disk = sorted(f[:-5] for f in os.listdir(FIXTURE_DIR) if f.endswith(".json"))
    assert on_disk == sorted(CASES), "run tests/tools/sigv4_fixtures.py to sync the fixture files"
    assert len(on_disk) >= 20


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_equals_botocore(name):
    fresh = sigv4_fixtures.generate(CASES[name])
    path = os.path.join(FIXTURE_DIR, name + ".json")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    committed = json.loads(text)

    assert committed["input"] == fresh["input"], f"{name}: input differs from the generator's case"
    for stage, value in fresh["expected"].items():
        assert committed["expected"].get(stage) == value, (
            f"{name}: stage {stage} differs from botocore {sigv4_fixtures.botocore_version()}"
        )
    # Byte for byte too, so regenerating never produces a diff of its own.
    assert text == sigv4_fixtures.render(fresh), f"{name}: file is not as the generator writes it"
