#!/usr/bin/env bash
# Rewrites tests/spec/bad/*.err from what the binary prints now. Only for a deliberate change
# of wording or a new case: read `git diff tests/spec/bad` before committing the result.
# A first line "# args: ..." in a case gives extra command-line arguments (e.g. --var).
set -eu
cd "$(dirname "$0")/../.."
bin=${PIPEWRIGHT:-build/pipewright}
for f in tests/spec/bad/*.yaml; do
  args=$(sed -n '1s/^# args: //p' "$f")
  # shellcheck disable=SC2086
  "$bin" validate -f "$f" $args 2>"${f%.yaml}.err" >/dev/null || true
done
