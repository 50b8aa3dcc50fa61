#!/usr/bin/env python3
"""Provisioning speed: `up`, `drift` and `down` of examples/whitecube on an empty local moto
(signature checking on), side by side with a boto3 script making the same resources one call
after another (provision_boto3.py).

Terraform with the AWS provider is the reference the issue names; it cannot be installed here
(its registry is not reachable), so its figures are quoted from the issue (apply 11-13 s, plan
8 s on the same emulator) and shown beside ours, not measured."""

from __future__ import annotations

import tempfile
from pathlib import Path

from common import REPO, Emulator, Result, Row, finish, median, parse_args, timed

import provision_boto3 as ref

SPEC = str(REPO / "examples" / "whitecube" / "pipewright.yaml")
REGION = "ap-south-1"
TERRAFORM_APPLY_S, TERRAFORM_PLAN_S = 12.0, 8.0   # the measurement, midpoint of 11-13 s


def main() -> int:
    args = parse_args(5, __doc__)
    ours = {"up": [], "drift": [], "down": []}
    theirs = {"up": [], "drift": [], "down": []}
    with tempfile.TemporaryDirectory() as tmp:
        emu = Emulator(REGION, Path(tmp))
        try:
            account = emu.moto.account_id
            for i in range(args.rounds):
                emu.reset()
                ours["up"].append(emu.pw("up", "--yes", "-f", SPEC, "--no-progress"))
                ours["drift"].append(emu.pw("drift", "-f", SPEC))
                ours["down"].append(emu.pw("down", "--yes", "--delete-data", "-f", SPEC))
                emu.reset()
                c = emu.client
                theirs["up"].append(timed(ref.up, c, account, REGION))
                theirs["drift"].append(timed(ref.read, c, account))
                theirs["down"].append(timed(ref.down, c, account))
                print(f"  round {i + 1}/{args.rounds}: up {ours['up'][-1]:.2f} s vs "
                      f"{theirs['up'][-1]:.2f} s, drift {ours['drift'][-1]:.2f} s vs "
                      f"{theirs['drift'][-1]:.2f} s", flush=True)
        finally:
            emu.stop()
    result = Result("provision", "Provisioning examples/whitecube on local moto (medians)",
                    command="make bench BENCH=provision")
    boto = "sequential boto3 script"
    result.rows = [
        Row("up (empty account)", median(ours["up"]), median(theirs["up"]), "s", boto),
        Row("drift (clean environment)", median(ours["drift"]), median(theirs["drift"]), "s", boto),
        Row("down --delete-data", median(ours["down"]), median(theirs["down"]), "s", boto),
        Row("up vs Terraform apply (quoted)", median(ours["up"]), TERRAFORM_APPLY_S, "s",
            "Terraform apply, quoted"),
        Row("drift vs Terraform plan (quoted)", median(ours["drift"]), TERRAFORM_PLAN_S, "s",
            "Terraform plan, quoted"),
    ]
    result.notes = [
        f"{args.rounds} rounds, pipewright and boto3 alternating, moto reset before each",
        "Terraform is not installable on this machine: its figures are the issue's measurement "
        "on the same kind of emulator, not a run here",
    ]
    finish(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
