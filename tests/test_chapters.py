"""Chapter-parallel typesetting must be as good as a single pass (issue: performance)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from reportgen.build.pipeline import build_edition, render_html
from reportgen.editions.find import load_edition
from reportgen.paths import Project
from reportgen.typeset.chapters import split_document

from conftest import MINI_REF, make_project
from pdfcheck import embedded_fonts, outline_titles, page_labels


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Project]:
    root = tmp_path_factory.mktemp("chapters")
    from conftest import DATA

    project = make_project(root, DATA / "mini" / "content")
    single = build_edition(project, MINI_REF, root / "single").path
    parallel = build_edition(project, MINI_REF, root / "parallel", jobs=2).path
    return single, parallel, project


def text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def link_targets(path: Path) -> list[tuple[int, int]]:
    """(page, destination page) of every internal link, in order."""
    reader = PdfReader(str(path))
    named = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            link: Any = annotation.get_object()
            if link.get("/Subtype") != "/Link":
                continue
            destination = link.get("/Dest") or (link.get("/A") or {}).get("/D")
            if isinstance(destination, str) or hasattr(destination, "decode"):
                found.append((number, named[str(destination)]))
            elif destination is not None:
                found.append((number, reader.get_page_number(destination[0])))
    return found


def test_split_keeps_every_chapter(both: tuple[Path, Path, Project]) -> None:
    _, _, project = both
    html = render_html(project, load_edition(project, MINI_REF))
    split = split_document(html)
    assert len(split.chapters) == 8
    assert "".join(chapter.markup for chapter in split.chapters) in html  # nothing between or inside lost
    assert split.before.endswith('<div class="main-matter" data-chapters="body">')
    assert all(len(chapter.running) == 1 and chapter.running[0].startswith("<h1") for chapter in split.chapters)
    assert 'class="reportgen-chapter"' in split.chapter_document(split.chapters[0])


def test_same_pages_text_and_page_labels(both: tuple[Path, Path, Project]) -> None:
    single, parallel, _ = both
    assert len(PdfReader(str(single)).pages) == len(PdfReader(str(parallel)).pages)
    assert page_labels(single) == page_labels(parallel)
    assert text(single) == text(parallel)


def test_same_outline(both: tuple[Path, Path, Project]) -> None:
    single, parallel, _ = both
    assert outline_titles(single) == outline_titles(parallel)


def test_contents_links_point_to_the_same_pages(both: tuple[Path, Path, Project]) -> None:
    single, parallel, _ = both
    expected = link_targets(single)
    assert len(expected) > 20
    assert link_targets(parallel) == expected


def test_fonts_embedded_once_and_size_close(both: tuple[Path, Path, Project]) -> None:
    single, parallel, _ = both
    assert {name.split("+")[1] for name, *_ in embedded_fonts(parallel)} <= {
        "Vazirmatn", "Vazirmatn-Bold", "Vazirmatn-Medium",
        "Vazirmatn-Latin", "Vazirmatn-Latin-Bold", "Vazirmatn-Latin-Medium"}  # Latin runs: same files  # fmt: skip
    assert all(embedded and subset for _, embedded, subset in embedded_fonts(parallel))
    assert parallel.stat().st_size <= single.stat().st_size * 1.10


def test_metadata_and_language_kept(both: tuple[Path, Path, Project]) -> None:
    single, parallel, _ = both
    one, two = PdfReader(str(single)), PdfReader(str(parallel))
    assert dict(one.metadata or {}) == dict(two.metadata or {})
    assert two.trailer["/Root"]["/Lang"] == "fa-IR"


def test_parallel_build_is_reproducible_and_cached(both: tuple[Path, Path, Project], tmp_path: Path) -> None:
    _, parallel, project = both
    again = build_edition(project, MINI_REF, tmp_path, jobs=2)  # every part from the cache now
    assert again.path.read_bytes() == parallel.read_bytes()
    assert any(project.cache.glob("*.pdf"))


def test_watch_rebuilds_after_an_edit(mini_project: Project) -> None:
    import threading
    import time

    from reportgen.build.pipeline import BuildResult
    from reportgen.build.watch import watch
    from reportgen.errors import ReportgenError

    from pdfcheck import normalize

    builds: list[BuildResult | ReportgenError] = []
    glossary = mini_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"

    def on_build(outcome: BuildResult | ReportgenError) -> None:
        builds.append(outcome)
        if len(builds) == 1:  # saved while the watcher is still busy with its first build
            text = glossary.read_text(encoding="utf-8")
            glossary.write_text(text.replace("چرایی وجود سازمان.", "چرایی وجود نهاد."), encoding="utf-8")

    stop = threading.Event()
    thread = threading.Thread(target=watch, daemon=True, kwargs=dict(
        project=mini_project, ref=MINI_REF, output=mini_project.output, jobs=2,
        on_build=on_build, should_stop=stop.is_set, interval=0.05))  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 120
    while len(builds) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=60)
    assert len(builds) == 2 and all(isinstance(b, BuildResult) for b in builds)
    assert "چرایی وجود نهاد" in normalize(text(mini_project.output / MINI_REF.pdf_name))


def test_a_large_edition_goes_chapter_by_chapter_in_one_process(both: tuple[Path, Path, Project], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """Bounded memory: a plain build of a large edition lays chapters out one at a time (release never does)."""
    import reportgen.typeset.chapters

    from conftest import DATA

    single, _, _ = both
    monkeypatch.setattr(reportgen.typeset.chapters, "LARGE_DOCUMENT_CHARACTERS", 1)  # the mini edition counts as large
    project = make_project(tmp_path / "project", DATA / "mini" / "content")
    one_pass = build_edition(project, MINI_REF, tmp_path / "one-pass", split_large=False).path
    assert not project.cache.exists()
    assert one_pass.read_bytes() == single.read_bytes()
    by_chapter = build_edition(project, MINI_REF, tmp_path / "by-chapter").path
    assert len(list(project.cache.glob("*.pdf"))) > 8  # every chapter, and the front
    assert text(by_chapter) == text(single)
    assert outline_titles(by_chapter) == outline_titles(single)
