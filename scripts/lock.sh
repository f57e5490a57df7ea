#!/usr/bin/env bash
# Regenerate requirements.lock (`make lock`): every Python dependency of reportgen, its extras
# and its build backend, pinned with hashes for every platform and Python >= 3.11 (uv, universal mode).
# Run it after changing dependencies in pyproject.toml, and commit the lock with the change.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
UV="$VENV/bin/uv"
if [ ! -x "$UV" ]; then
  # No set-up yet (or it fails on the stale lock): uv, at the lock's version, in a venv of its own.
  version=$(sed -n 's/^uv==\([^ ]*\).*/\1/p' requirements.lock 2>/dev/null || true)
  [ -x .lock-venv/bin/uv ] || { "$PYTHON" -m venv .lock-venv && .lock-venv/bin/python -m pip install --quiet "uv${version:+==$version}"; }
  UV=.lock-venv/bin/uv
fi
"$UV" pip compile pyproject.toml scripts/lock-extra.in --all-extras --universal --python-version 3.11 \
  --generate-hashes --custom-compile-command "make lock" --quiet --output-file requirements.lock.new
{ echo "# pyproject-dependencies-sha256: $("$PYTHON" scripts/lockdigest.py)"; cat requirements.lock.new; } > requirements.lock
rm requirements.lock.new
echo "lock: wrote requirements.lock ($(grep -c '^[a-z0-9]' requirements.lock) packages)"
