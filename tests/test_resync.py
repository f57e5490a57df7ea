"""Incremental layout (issue: performance): a chapter laid out only until it falls in step with
its previous layout, the rest spliced in, must draw exactly the pages a fresh layout draws."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from reportgen.build.pipeline import build_edition, render_html
from reportgen.editions.find import load_edition
from reportgen.paths import Project
from reportgen.typeset import _weasyprint
from reportgen.typeset import chapters as chapters_module
from reportgen.typeset.chapters import chapter_documents
from reportgen.typeset.engine import render_part, render_traced_part
from reportgen.typeset.pdfmerge import splice
from reportgen.typeset.results import RenderedPart, TracedPart

from conftest import MINI_REF, SAMPLE_REF

pytestmark = pytest.mark.skipif(not _weasyprint.enabled(), reason="incremental layout needs the gated internals")


@pytest.fixture(scope="module")
def sample_chapters(repo_project: Project) -> dict[str, str]:
    """The sample edition's body chapters, as laid out alone, by name."""
    return chapter_documents(render_html(repo_project, load_edition(repo_project, SAMPLE_REF)))


def settings(project: Project) -> dict[str, Any]:
    return {"stylesheets": project.stylesheets, "base_dir": project.templates,
            "allowed_roots": project.readable_roots, "source_date_epoch": 0}  # fmt: skip


def rasters(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    """Every page as a small greyscale image."""
    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "36", "-gray", str(source), str(folder / name)], check=True)
    return [path.read_bytes() for path in sorted(folder.glob(f"{name}-*.pgm"))]


def page_texts(pdf: bytes, folder: Path, name: str) -> list[str]:
    source = folder / f"{name}-text.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(source), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    return text.split("\f")


def incremental(old_html: str, new_html: str, project: Project) -> tuple[RenderedPart, TracedPart]:
    """The edited part laid out against the old one's trace, spliced as the chapter path does."""
    before = render_traced_part(old_html, previous=None, **settings(project))
    assert before.trace is not None
    after = render_traced_part(new_html, previous=before.trace, **settings(project))
    if after.resynced_at is None:
        return after.part, after
    spliced = splice(after.part, before.part, after.resynced_at)
    assert spliced is not None
    return spliced, after


def assert_same_pages(part: RenderedPart, fresh: RenderedPart, folder: Path) -> None:
    assert part.page_sizes == fresh.page_sizes
    assert part.anchors == fresh.anchors
    assert page_texts(part.pdf, folder, "part") == page_texts(fresh.pdf, folder, "fresh")
    assert rasters(part.pdf, folder, "part") == rasters(fresh.pdf, folder, "fresh")


@pytest.mark.parametrize("chapter", ["glossary", "case-studies", "environment"])
def test_a_whole_traced_layout_is_weasyprints_own(sample_chapters: dict[str, str], repo_project: Project,
                                                   chapter: str) -> None:  # fmt: skip
    html = sample_chapters[chapter]
    traced = render_traced_part(html, previous=None, **settings(repo_project))
    assert traced.trace is not None and traced.resynced_at is None
    assert traced.part.pdf == render_part(html, **settings(repo_project)).pdf
    assert len(traced.trace.boundaries) == len(traced.part.page_sizes) - 1
    assert any(traced.trace.boundaries), "no page start could ever be reused"


def _first_paragraph_word(html: str, replacement: str) -> str:
    """``html`` with the second word of the chapter's first paragraph replaced."""
    start = html.index("<p>", html.index("</h1>")) + len("<p>")
    end = html.index(" ", html.index(" ", start) + 1)
    middle = html.index(" ", start) + 1
    return html[:middle] + replacement + html[end:]


EDITS = {
    "one word": lambda html: _first_paragraph_word(html, "دیگرگونه"),
    "a longer paragraph": lambda html: _first_paragraph_word(
        html, "واژه " + "و این جمله برای آزمودن جابه‌جایی سطرها افزوده شده است " * 6),
    "a shorter paragraph": lambda html: re.sub(r"(<p>)[^<]{40,}?(</p>)", r"\1کوتاه.\2", html, count=1),
    "the chapter title (running head)": lambda html: re.sub(r"(<h1[^>]*>.*?)(</h1>)", r"\1 (بازنگری‌شده)\2", html,
                                                            count=1, flags=re.S),  # fmt: skip
    "a table cell near the end": lambda html: html[: html.rindex("</td>")] + " افزوده" + html[html.rindex("</td>"):],
}  # fmt: skip


@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("chapter", ["glossary", "case-studies"])
def test_an_edited_chapter_spliced_draws_the_pages_of_a_fresh_layout(
    sample_chapters: dict[str, str], repo_project: Project, tmp_path: Path, chapter: str, edit: str
) -> None:
    old = sample_chapters[chapter]
    new = EDITS[edit](old)
    assert new != old
    part, traced = incremental(old, new, repo_project)
    fresh = render_part(new, **settings(repo_project))
    assert_same_pages(part, fresh, tmp_path)
    if edit == "one word":  # the common case must actually be incremental
        assert traced.resynced_at is not None and traced.resynced_at < len(fresh.page_sizes)


def test_a_changed_running_head_is_never_taken_from_the_old_pages(
    sample_chapters: dict[str, str], repo_project: Project
) -> None:
    old = sample_chapters["case-studies"]
    new = EDITS["the chapter title (running head)"](old)
    _part, traced = incremental(old, new, repo_project)
    assert traced.resynced_at is None


def test_a_structural_edit_is_laid_out_whole(sample_chapters: dict[str, str], repo_project: Project,
                                            tmp_path: Path) -> None:  # fmt: skip
    old = sample_chapters["glossary"]
    new = old.replace("</p>", "</p><p>بند تازه‌ای در آغاز فصل.</p>", 1)
    part, traced = incremental(old, new, repo_project)
    assert traced.resynced_at is None
    assert_same_pages(part, render_part(new, **settings(repo_project)), tmp_path)


def test_rebuild_after_an_edit_splices_and_matches_a_cold_build(mini_project: Project, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Through the pipeline: build, edit one word, build again (incrementally), then cold."""
    build_edition(mini_project, MINI_REF, tmp_path / "first", jobs=2)
    cases = mini_project.edition_dir("mini-city", 1, 1) / "case-studies.yaml"  # a two-page chapter
    text = cases.read_text(encoding="utf-8")
    assert "خلاصهٔ تجربهٔ تهران." in text
    cases.write_text(text.replace("خلاصهٔ تجربهٔ تهران.", "خلاصهٔ دیگرگونهٔ تهران.", 1), encoding="utf-8")
    splices: list[int] = []

    def counting(prefix: RenderedPart, previous: RenderedPart, at: int) -> RenderedPart | None:
        splices.append(at)
        return splice(prefix, previous, at)

    monkeypatch.setattr(chapters_module, "splice", counting)
    incremental_pdf = build_edition(mini_project, MINI_REF, tmp_path / "incremental", jobs=2).path
    assert splices, "the edited chapter was laid out whole"
    monkeypatch.undo()
    for entry in mini_project.cache.iterdir():
        entry.unlink()
    cold_pdf = build_edition(mini_project, MINI_REF, tmp_path / "cold", jobs=2).path
    assert rasters(incremental_pdf.read_bytes(), tmp_path, "incremental") == rasters(
        cold_pdf.read_bytes(), tmp_path, "cold")  # fmt: skip
    assert page_texts(incremental_pdf.read_bytes(), tmp_path, "i") == page_texts(cold_pdf.read_bytes(), tmp_path, "c")
