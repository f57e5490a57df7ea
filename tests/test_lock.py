"""The lock file: hashed, complete, in step with pyproject.toml and installed; and two
environments made from it, apart from this one, typeset the sample to the same bytes."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO, SAMPLE_REF, BuiltPdf

LOCK = REPO / "requirements.lock"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)(?: ; (.+?))? \\$")


def pins() -> dict[str, tuple[str, str | None, int]]:
    """Each locked package: name → (version, environment marker, number of hashes)."""
    found: dict[str, tuple[str, str | None, int]] = {}
    name = ""
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if match := _PIN.match(line):
            name = canonicalize_name(match.group(1))
            found[name] = (match.group(2), match.group(3), 0)
        elif line.strip().startswith("--hash=sha256:") and name:
            pinned, marker, count = found[name]
            found[name] = (pinned, marker, count + 1)
        elif line and not line.startswith((" ", "#")):
            pytest.fail(f"requirements.lock: not a pinned requirement: {line!r}")
    return found


def test_lock_is_in_step_with_pyproject() -> None:
    check = subprocess.run([sys.executable, "scripts/lockdigest.py", "--check"], cwd=REPO, capture_output=True,
                           text=True)  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_every_dependency_is_pinned_with_hashes() -> None:
    locked = pins()
    assert all(count >= 1 for _, _, count in locked.values()), [n for n, (_, _, c) in locked.items() if not c]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    declared = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    for extra in project["project"].get("optional-dependencies", {}).values():
        declared += extra
    for text in declared:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} is declared in pyproject.toml but not locked: run `make lock`"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (text, locked[name][0])


def test_this_environment_is_the_locked_one() -> None:
    """`make setup` installed exactly the locked versions (what applies to this platform)."""
    wrong = []
    for name, (pinned, marker, _) in pins().items():
        if marker and not Marker(marker).evaluate():
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name}: not installed")
            continue
        if installed != pinned:
            wrong.append(f"{name}: {installed} installed, {pinned} locked")
    assert not wrong, wrong


@pytest.mark.reproducibility
def test_two_environments_from_the_lock_build_the_same_bytes(sample_pdf: BuiltPdf, tmp_path: Path) -> None:
    """Two fresh virtual environments, each with the locked dependencies and its own copy of reportgen
    (not this checkout), typeset the sample to the same bytes as each other and as this environment."""
    uv = shutil.which("uv", path=str(Path(sys.executable).parent))
    assert uv, "uv is locked in the test extra: run make setup"
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "reportgen", source / "reportgen", ignore=shutil.ignore_patterns("__pycache__"))
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("VIRTUAL_ENV", "PYTHON"))}
    builds = []
    for name in ("a", "b"):
        venv = tmp_path / name
        for command in ([uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                         "--require-hashes", "-r", str(LOCK)],
                        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"),
                         "--no-deps", "--no-build-isolation", str(source)]):  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)
            assert done.returncode == 0, done.stdout + done.stderr
        argv = [str(venv / "bin" / "reportgen"), "--project", str(REPO), "build", SAMPLE_REF.report, "--stage",
                str(SAMPLE_REF.stage), "--edition", str(SAMPLE_REF.edition), "-o", str(tmp_path / f"out-{name}")]
        builds.append(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                       env=environment, cwd=tmp_path))  # fmt: skip
    for build in builds:
        output, _ = build.communicate(timeout=600)
        assert build.returncode == 0, output
    digests = {hashlib.sha256((tmp_path / f"out-{name}" / SAMPLE_REF.pdf_name).read_bytes()).hexdigest()
               for name in ("a", "b")}  # fmt: skip
    assert digests == {hashlib.sha256(sample_pdf.path.read_bytes()).hexdigest()}
    # The copies ran their own code, not this checkout's.
    probe = [str(tmp_path / "a" / "bin" / "python"), "-c", "import reportgen; print(reportgen.__file__)"]
    location = subprocess.run(probe, capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert str(tmp_path / "a") in location
