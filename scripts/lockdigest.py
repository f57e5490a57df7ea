"""The digest of pyproject.toml's dependency declarations, recorded in requirements.lock.

    python scripts/lockdigest.py            print the digest
    python scripts/lockdigest.py --check    exit 1 (saying `make lock`) if the lock was made from other declarations

Only what the lock depends on is hashed (requires-python, dependencies, extras, build requirements),
so editing pyproject.toml's other tables does not call for a new lock.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
MARK = "# pyproject-dependencies-sha256: "


def digest() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = {
        "requires-python": project["project"].get("requires-python"),
        "dependencies": sorted(project["project"].get("dependencies", [])),
        "optional-dependencies": {k: sorted(v) for k, v in project["project"].get("optional-dependencies", {}).items()},
        "build-system": sorted(project.get("build-system", {}).get("requires", [])),
        "lock-extra": (ROOT / "scripts" / "lock-extra.in").read_text(encoding="utf-8"),
    }
    return hashlib.sha256(json.dumps(declared, sort_keys=True).encode()).hexdigest()


def recorded() -> str | None:
    try:
        lines = LOCK.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    return next((line.removeprefix(MARK) for line in lines if line.startswith(MARK)), None)


def main() -> int:
    if sys.argv[1:] == ["--check"]:
        if recorded() != digest():
            print(f"{LOCK.name} is out of date: pyproject.toml's dependencies changed since it was made. "
                  "Run `make lock` and commit requirements.lock with the change.", file=sys.stderr)
            return 1
        return 0
    print(digest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
