#!/usr/bin/env bash
# Installs what the build and the tests need on a fresh Debian machine:
#   tests/install-deps.sh VENV_DIR DEBIAN_PACKAGE...
# Debian packages are installed only when one is missing (apt-get needs root, or sudo).
set -euo pipefail
venv=$1; shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}"
  sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "deps: creating the Python test environment in $venv"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
