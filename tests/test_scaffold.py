"""A consultant's own project: `reportgen new` from an empty folder, chapters added, theme and overrides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.cli import main
from reportgen.content.models import SECTION_KINDS

from pdfcheck import embedded_fonts, normalize

RED = (0xB0, 0x10, 0x10)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def reportgen(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The installed command, as a consultant runs it (a fresh process, the package's own theme)."""
    return subprocess.run([sys.executable, "-m", "reportgen", "--project", str(root), *args],
                          capture_output=True, text=True, check=False)  # fmt: skip


@pytest.fixture(scope="module")
def new_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("consultant") / "tabriz-plan"
    run("new", str(root), "--report", "tabriz-plan", "--title", "برنامهٔ راهبردی شهر تبریز", "--city", "تبریز")
    return root


def test_new_lays_out_a_project_with_schemas_makefile_and_ci(new_project: Path) -> None:
    files = {p.relative_to(new_project).as_posix() for p in new_project.rglob("*") if p.is_file()}
    assert {"Makefile", ".gitignore", "README.md", ".github/workflows/build.yml",
            "content/tabriz-plan/report.yaml", "content/tabriz-plan/stage-1/stage.yaml",
            "content/tabriz-plan/stage-1/edition-1/introduction.yaml",
            "content/tabriz-plan/stage-1/edition-1/glossary.yaml",
            "schemas/report.schema.json", "schemas/glossary.schema.json"} <= files  # fmt: skip
    assert not {f for f in files if f.startswith(("styles/", "fonts/"))}  # the default theme comes from the package
    glossary = new_project / "content/tabriz-plan/stage-1/edition-1/glossary.yaml"
    first = glossary.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../../../schemas/glossary.schema.json"
    assert (glossary.parent / "../../../../schemas/glossary.schema.json").resolve().is_file()
    workflow = yaml.safe_load((new_project / ".github/workflows/build.yml").read_text())
    assert [step.get("run") for step in workflow["jobs"]["pdf"]["steps"] if "make" in str(step.get("run"))] == [
        "make test", "make pdf"]
    assert "reportgen build -o dist" in (new_project / "Makefile").read_text()


def test_a_new_project_builds_a_pdf_with_only_vazirmatn_a_cover_and_persian_page_numbers(new_project: Path) -> None:
    result = reportgen(new_project, "build")
    assert result.returncode == 0, result.stderr
    pdf = new_project / "dist" / "tabriz-plan_stage-1_edition-1.pdf"
    fonts = embedded_fonts(pdf)
    assert fonts and all("Vazirmatn" in name and embedded for name, embedded, _ in fonts), fonts
    reader = PdfReader(pdf)
    cover = reader.pages[0].extract_text()
    assert "تبریز" in cover and "ویرایش" in cover
    last = subprocess.run(["pdftotext", "-f", str(len(reader.pages)), "-l", str(len(reader.pages)), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert "۱" in last  # the body's first page number, in Persian digits


def test_new_refuses_a_folder_that_is_not_empty_and_a_bad_name(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(main, ["new", str(tmp_path / "x"), "--report", "plan"])
    assert result.exit_code == 1 and "is not empty" in result.output
    assert (tmp_path / "x" / "notes.txt").read_text() == "keep me"
    result = CliRunner().invoke(main, ["new", str(tmp_path / "y"), "--report", "Tabriz Plan"])
    assert result.exit_code == 1 and "lower-case ASCII" in result.output and not (tmp_path / "y").exists()


def test_every_chapter_kind_in_its_smallest_valid_form_validates_and_renders(tmp_path: Path) -> None:
    root = tmp_path / "every"
    run("new", str(root), "--report", "every-kind")
    for kind in SECTION_KINDS:
        if kind not in ("introduction", "glossary", "comments"):
            run("--project", str(root), "add-chapter", "every-kind", kind, "--stage", "1", "--edition", "1")
    run("--project", str(root), "add-stage", "every-kind")
    assert "OK: 2 editions valid" in run("--project", str(root), "validate")
    result = reportgen(root, "build", "every-kind", "--stage", "1")
    assert result.returncode == 0, result.stderr
    text = subprocess.run(["pdftotext", str(root / "dist/every-kind_stage-1_edition-1.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip
    for title in ("رویکردها", "اسناد فرادست", "نقشهٔ راه", "مأموریت‌ها"):
        assert normalize(title) in normalize(text), title


def test_add_chapter_refuses_an_unknown_kind_and_an_existing_file(new_project: Path) -> None:
    result = CliRunner().invoke(main, ["--project", str(new_project), "add-chapter", "tabriz-plan", "swot",
                                       "--stage", "1", "--edition", "1"])  # fmt: skip
    assert result.exit_code == 1 and "unknown chapter kind 'swot'" in result.output
    result = CliRunner().invoke(main, ["--project", str(new_project), "add-chapter", "tabriz-plan", "glossary",
                                       "--stage", "1", "--edition", "1"])  # fmt: skip
    assert result.exit_code == 1 and "exists already" in result.output
