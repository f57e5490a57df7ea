"""The bad-input corpus: each case fails cleanly, located, and writes nothing (see bad_inputs/README.md)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main

from conftest import DATA, REPO

CASES = Path(__file__).resolve().parent / "bad_inputs"
CASE_DIRS = sorted(p for p in CASES.iterdir() if p.is_dir())


def make_case(case: Path, root: Path) -> Path:
    """A project in ``root`` made of the mini report with the case laid over it."""
    report = root / "content" / "mini-city"
    shutil.copytree(DATA / "mini" / "content" / "mini-city", report)
    for folder in ("styles", "fonts"):
        (root / folder).symlink_to(REPO / folder)
    deletions = case / "delete.txt"
    if deletions.exists():
        for line in deletions.read_text(encoding="utf-8").split():
            target = report / line
            shutil.rmtree(target) if target.is_dir() else target.unlink()
    for source in case.rglob("*"):
        relative = source.relative_to(case)
        if source.is_file() and relative.name not in ("expected.txt", "delete.txt"):
            (report / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, report / relative)
    return root


def test_there_are_enough_cases() -> None:
    assert len(CASE_DIRS) >= 30


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_bad_input(case: Path, tmp_path: Path) -> None:
    root = make_case(case, tmp_path)
    runner = CliRunner()
    result = runner.invoke(main, ["--project", str(root), "validate"])
    output = result.output.replace(str(root / "content") + "/", "")
    assert result.exit_code == 1, output
    assert "Traceback" not in output
    if os.environ.get("REPORTGEN_REGENERATE"):
        (case / "expected.txt").write_text(output, encoding="utf-8")
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert output == expected
    build = runner.invoke(main, ["--project", str(root), "build", "-o", str(tmp_path / "out")])
    assert build.exit_code == 1
    written = {p.name for p in (tmp_path / "out").iterdir()} if (tmp_path / "out").exists() else set()
    # A broken stage does not stop the others: the untouched stage 1 still builds then.
    untouched = "mini-city/stage-1/" not in expected and "mini-city/report.yaml" not in expected
    assert written <= ({"mini-city_stage-1_edition-1.pdf"} if untouched else set()), written
