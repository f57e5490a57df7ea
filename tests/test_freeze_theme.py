"""What decides a published edition's bytes is frozen: its content, the project's theme, and what it printed
of the report; a later change to the report reaches new editions only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.cli import main


def cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--project", str(root), *args])
    return result.exit_code, result.output


def build(root: Path, edition: int, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", "--project", str(root), "build", "published-plan",
                           "--stage", "1", "--edition", str(edition), "-o", str(out)],
                          capture_output=True, text=True, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("freeze") / "p"
    assert CliRunner().invoke(main, ["new", str(root), "--report", "published-plan"]).exit_code == 0
    code, output = cli(root, "edition", "publish", "published-plan", "--stage", "1", "--edition", "1")
    assert code == 0, output
    return root


def test_publishing_keeps_a_copy_of_what_the_edition_printed_of_the_report(published: Path) -> None:
    edition = published / "content/published-plan/stage-1/edition-1"
    assert (edition / "report.yaml").read_bytes() == (published / "content/published-plan/report.yaml").read_bytes()
    stage = (published / "content/published-plan/stage-1/stage.yaml").read_text(encoding="utf-8")
    assert "stage-1/edition-1/report.yaml:" in stage


def test_report_changes_reach_new_editions_and_leave_published_ones_buildable(published: Path, tmp_path: Path) -> None:
    report = published / "content/published-plan/report.yaml"
    report.write_text(report.read_text(encoding="utf-8").replace("keywords: [برنامهٔ راهبردی]",
                                                                 "keywords: [برنامهٔ راهبردی, کلیدواژهٔ تازه]"),
                      encoding="utf-8")  # fmt: skip
    assert "کلیدواژهٔ تازه" in report.read_text(encoding="utf-8")
    first = build(published, 1, tmp_path)
    assert first.returncode == 0, first.stderr
    keywords = str(PdfReader(tmp_path / "published-plan_stage-1_edition-1.pdf").metadata.get("/Keywords", ""))
    assert "تازه" not in keywords
    code, output = cli(published, "edition", "new", "published-plan", "--stage", "1", "--date", "1499/01/15")
    assert code == 0, output
    assert not (published / "content/published-plan/stage-1/edition-2/report.yaml").exists()
    second = build(published, 2, tmp_path)
    assert second.returncode == 0, second.stderr
    keywords = str(PdfReader(tmp_path / "published-plan_stage-1_edition-2.pdf").metadata.get("/Keywords", ""))
    assert "تازه" in keywords


def test_a_theme_change_after_publishing_refuses_the_edition_naming_the_file(published: Path, tmp_path: Path) -> None:
    (published / "theme.yaml").write_text('accent: "#7a1f1f"\n', encoding="utf-8")
    (published / "styles").mkdir(exist_ok=True)
    (published / "styles" / "custom.css").write_text("h1 { color: #7a1f1f; }\n", encoding="utf-8")
    try:
        result = build(published, 1, tmp_path)
        assert result.returncode == 1
        assert "theme:theme.yaml (added)" in result.stderr and "theme:styles/custom.css (added)" in result.stderr
        assert not (tmp_path / "published-plan_stage-1_edition-1.pdf").exists()
        code, output = cli(published, "validate")
        assert code == 1 and "theme:theme.yaml (added)" in output
    finally:
        (published / "theme.yaml").unlink()
        (published / "styles" / "custom.css").unlink()
    assert build(published, 1, tmp_path).returncode == 0
