"""Static checks run with the tests, so CI enforces them."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_ruff() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "reportgen", "tests"],
                            cwd=REPO, capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy", "reportgen"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
