"""Shared fixtures: projects to build, and PDFs built once per session and read back."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from reportgen.build.pipeline import BuildResult, build_edition
from reportgen.editions.find import EditionRef
from reportgen.paths import PACKAGE_DIR, Project

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLE_REF = EditionRef("hamedan-strategic-plan", 1, 2)
MINI_REF = EditionRef("mini-city", 1, 1)


def make_project(root: Path, content: Path) -> Project:
    """A project whose content lives in ``content`` and styles/fonts come from the repo."""
    return Project(
        root=root,
        content=content,
        styles=REPO / "styles",
        fonts=REPO / "fonts",
        templates=PACKAGE_DIR / "render" / "templates",
        output=root / "dist",
    )


@dataclass(frozen=True)
class BuiltPdf:
    result: BuildResult

    @property
    def path(self) -> Path:
        return self.result.path

    def text(self, first: int | None = None, last: int | None = None, layout: bool = False) -> str:
        command = ["pdftotext", "-enc", "UTF-8"]
        if layout:
            command.append("-layout")
        if first:
            command += ["-f", str(first)]
        if last:
            command += ["-l", str(last)]
        return subprocess.run([*command, str(self.path), "-"], check=True, capture_output=True,
                              text=True).stdout  # fmt: skip

    def pages_text(self) -> list[str]:
        """Text of each page (pdftotext separates pages with form feeds)."""
        return self.text().split("\f")[: self.result.pages]


@pytest.fixture(scope="session")
def repo_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The repository itself, with output in a temporary folder."""
    return Project.at(REPO, tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="session")
def sample_pdf(repo_project: Project) -> BuiltPdf:
    """The bundled sample (Hamedan, stage 1, edition 2), built once."""
    return BuiltPdf(build_edition(repo_project, SAMPLE_REF))


@pytest.fixture
def mini_project(tmp_path: Path) -> Project:
    """A writable copy of the small fixture project."""
    content = tmp_path / "content"
    shutil.copytree(DATA / "mini" / "content", content)
    return make_project(tmp_path, content)


@pytest.fixture(scope="session")
def mini_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    root = tmp_path_factory.mktemp("mini")
    project = make_project(root, DATA / "mini" / "content")
    return BuiltPdf(build_edition(project, MINI_REF))


@pytest.fixture
def edit_yaml(mini_project: Project) -> Callable[[str, str, str], Path]:
    """Replace text in one of the mini project's edition files."""

    def edit(name: str, old: str, new: str) -> Path:
        path = mini_project.edition_dir("mini-city", 1, 1) / name
        if name in ("report.yaml",):
            path = mini_project.report_dir("mini-city") / name
        elif name == "stage.yaml":
            path = mini_project.stage_dir("mini-city", 1) / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return edit
