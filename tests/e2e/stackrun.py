"""Helpers for the provisioning tests of roles, schedules and workflows.

Their stacks declare the crawlers and jobs that the roles serve and the schedules start, so
a report may list kinds that this build does not provision yet (the Glue kinds of another
branch): plan says "not-supported", drift NOT_CHECKED, and up, drift and down then exit 1
instead of 0 (or 2). These helpers keep the tests exact either way: the only resources that
may be unsupported are of those kinds, never of the kinds under test, and the expected exit
code follows from what the report itself says.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

GLUE_KINDS = {"artifact", "database", "crawler", "job"}


def unsupported(report: dict) -> set[str]:
    """Addresses the report (plan, up, drift or down JSON) calls not supported yet; each must be
    of a Glue kind."""
    out = set()
    for r in report["resources"]:
        if ("not-supported" in (r.get("action"), r.get("state"))
                or str(r.get("reason", "")).startswith("not supported yet")):
            assert r["kind"] in GLUE_KINDS, f"{r['address']} is not supported: {r}"
            out.add(r["address"])
    return out


def exit_for(report: dict, complete: int) -> int:
    """The exit code expected of a command whose report is this: `complete` when every kind is
    supported, else 1."""
    return 1 if unsupported(report) else complete


def by_address(report: dict) -> dict:
    return {r["address"]: r for r in report["resources"]}


def statuses(report: dict, kinds: set[str]) -> dict:
    """address -> drift status, for the resources of the given kinds."""
    return {r["address"]: r["status"] for r in report["resources"] if r["kind"] in kinds}


def runner(run_pw, env: dict, default_spec):
    """pw(*args, spec=default_spec) -> (rc, stdout, stderr): the binary on a spec, in env."""
    def run(*args, spec=default_spec):
        r = run_pw(["-f", str(spec), *args], env=env, timeout=180)
        return r.rc, r.out, r.err
    return run


def run_json(pw, *args, **kw):
    """(rc, parsed stdout, stderr) of a command run with --output json."""
    rc, out, err = pw(*args, "--output", "json", **kw)
    try:
        return rc, json.loads(out), err
    except ValueError:
        raise AssertionError(f"not JSON (exit {rc}):\n{out}\n{err}") from None


def signed_requests(proxy) -> list:
    """The proxy's records as sigcheck.py wants them (attributes, lower-case headers)."""
    return [SimpleNamespace(method=r["method"], path=r["path"], headers=r["headers"], body=r["body"])
            for r in proxy.requests]


def statements(policy: dict) -> dict:
    """Sid -> (actions, resources, condition) of a policy document, lists sorted: the form the
    tests spell expected policies in."""
    def as_list(v):
        return sorted(v if isinstance(v, list) else [v])
    return {s["Sid"]: (as_list(s["Action"]), as_list(s["Resource"]), s.get("Condition"))
            for s in policy["Statement"]}
