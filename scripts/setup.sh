#!/usr/bin/env bash
# Set up a fresh machine for reportgen: Debian libraries WeasyPrint needs,
# poppler-utils for the tests, chromium and its driver for the web tests,
# PostgreSQL for the server's database test, then a virtual environment with
# the locked dependencies (requirements.lock, hashes required; every extra,
# the web one included) and reportgen.
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
DEBIAN_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 poppler-utils
                 chromium chromium-driver postgresql libfribidi-bin)  # fribidi: tests of terminal output

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The lock must have been made from pyproject.toml's current dependencies (else: `make lock`).
"$PYTHON" scripts/lockdigest.py --check

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
# Exactly the locked versions, each file checked against its hash (requirements.lock, see README),
# then reportgen itself without resolving anything more, built by the locked setuptools.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
"$VENV/bin/python" -m pip check >/dev/null || { "$VENV/bin/python" -m pip check >&2; exit 1; }
touch "$VENV/.installed"
echo "setup: ready ($("$VENV/bin/reportgen" --version))"
