"""The fast path (chapter by chapter: ``-j``, ``watch``, large editions) draws the pages a single pass draws.

The same small edition is laid out by the single pass, by ``-j 2`` from a cold
cache, and by ``-j 2`` incrementally after an edit; then, with a project
stylesheet that moves the page number to the bottom right and recolours the
headings, by the single pass and ``-j 2``. They are compared as rasters (30
dpi, greyscale), as text, printed page numbers (the words in the bottom
margin, with their positions), /PageLabels, outline, link targets, and how
each link sits in the structure tree (tagged PDF/UA on every path).

Rasters: the margins (what the fast path draws from the front document) must
be pixel-identical. Inside the page area, a chapter laid out on its own may
place a glyph a fraction of a pixel off its single-pass place, so a page may
differ in at most ``NOISE`` of its pixels there; a wrong heading colour or a
missing block changes thousands.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

from reportgen.build.pipeline import build_edition
from reportgen.editions.find import EditionRef
from reportgen.paths import PACKAGE_DIR, Project
from reportgen.typeset import TypesetOptions, typeset_chapters, typeset_pdf

from conftest import DATA, MINI_REF, REPO, SAMPLE_REF, BuiltPdf

DPI = 30
MARGIN_BANDS_MM = (20.0, 18.0)
"""Top and bottom bands compared exactly: inside the page's 24 mm and 22 mm margins (styles/page.css)."""
NOISE = 0.0005
"""At most this fraction of a page's pixels may differ inside the page area (sub-pixel glyph placement)."""

RESTYLE = """
@page {
  @bottom-center { content: none; }
  @bottom-right { content: counter(page, persian); font-family: "Vazirmatn"; font-size: 12pt; color: #000; }
}
@page front { @bottom-center { content: none; } @bottom-right { content: counter(page, persian-letters); } }
@page cover { @bottom-right { content: none; } }
h1, h2 { color: #b00020; }
"""


def project_at(root: Path, content: Path, restyle: str | None) -> Project:
    """A project on ``content`` with the default theme, and ``restyle`` as its own stylesheet (applied after it)."""
    styles = root / "styles"
    styles.mkdir(parents=True, exist_ok=True)
    if restyle:
        (styles / "restyle.css").write_text(restyle, encoding="utf-8")
    return Project(root=root, content=content, styles=styles, fonts=REPO / "fonts",
                   templates=PACKAGE_DIR / "render" / "templates", output=root / "dist")  # fmt: skip


@dataclass(frozen=True)
class Layouts:
    single: Path
    parallel: Path
    incremental: Path | None


def add_body_footnotes(edition: Path) -> None:
    """Notes in two body chapters: laid out alone, each must number on from the notes before it."""
    for name, old in (("approaches.yaml", "متن رویکرد مشارکتی."), ("case-studies.yaml", "خلاصهٔ تجربهٔ تهران.")):
        path = edition / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, f"{old}^[یادداشتی در فصل {name.split('.')[0]}.]", 1), encoding="utf-8")


def lay_out(root: Path, restyle: str | None, incremental: bool) -> Layouts:
    content = root / "content"
    shutil.copytree(DATA / "mini" / "content", content)
    add_body_footnotes(content / "mini-city" / "stage-1" / "edition-1")
    warm = project_at(root / "warm", content, restyle)
    if incremental:  # an earlier -j 2 build fills the cache; then one chapter is edited
        build_edition(warm, MINI_REF, root / "before", jobs=2)
        glossary = warm.edition_dir("mini-city", 1, 1) / "glossary.yaml"
        text = glossary.read_text(encoding="utf-8")
        assert "چرایی وجود سازمان." in text
        glossary.write_text(text.replace("چرایی وجود سازمان.", "چرایی وجود سازمان و نهادهای همکار آن."),
                            encoding="utf-8")  # fmt: skip
    cold = project_at(root / "cold", content, restyle)
    single = build_edition(cold, MINI_REF, root / "single").path
    parallel = build_edition(cold, MINI_REF, root / "parallel", jobs=2).path
    assert len(list(cold.cache.glob("*.pdf"))) > 2, "-j 2 fell back to a single pass"  # the parts were laid out
    again = build_edition(warm, MINI_REF, root / "incremental", jobs=2).path if incremental else None
    return Layouts(single, parallel, again)


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> Layouts:
    return lay_out(tmp_path_factory.mktemp("bundled"), None, incremental=True)


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> Layouts:
    """An edition of generic chapters: charts, and cross-references from one chapter into another."""
    root = tmp_path_factory.mktemp("blocks")
    shutil.copytree(DATA / "blocks" / "content", root / "content")
    project = project_at(root / "project", root / "content", None)
    ref = EditionRef("blocks-town", 2, 1)
    return Layouts(build_edition(project, ref, root / "single").path,
                   build_edition(project, ref, root / "parallel", jobs=2).path, None)  # fmt: skip


@pytest.fixture(scope="module")
def restyled(tmp_path_factory: pytest.TempPathFactory) -> Layouts:
    return lay_out(tmp_path_factory.mktemp("restyled"), RESTYLE, incremental=False)


# ----------------------------------------------------------------- reading the PDFs back


def rasters(pdf: Path) -> list[tuple[int, int, bytes]]:
    """Every page as greyscale pixels: (width, height, bytes)."""
    folder = pdf.parent / f"{pdf.stem}-{pdf.parent.name}-pages"
    folder.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", str(pdf), str(folder / "p")], check=True)
    pages = []
    for path in sorted(folder.glob("p-*.pgm")):
        data = path.read_bytes()
        _magic, width, height, _depth, pixels = data.split(maxsplit=4)
        pages.append((int(width), int(height), pixels[-int(width) * int(height) :]))
    return pages


def raster_differences(expected: Path, actual: Path) -> list[str]:
    """What differs, page by page: any pixel in the margin bands, or more than ``NOISE`` of the rest."""
    one, two = rasters(expected), rasters(actual)
    problems = [f"{len(one)} pages, then {len(two)}"] if len(one) != len(two) else []
    for number, ((width, height, a), (width2, height2, b)) in enumerate(zip(one, two, strict=False), start=1):
        if (width, height) != (width2, height2):
            problems.append(f"page {number}: {width}x{height}, then {width2}x{height2}")
            continue
        top, bottom = (round(mm / 25.4 * DPI) for mm in MARGIN_BANDS_MM)
        differing = [i // width for i in range(len(a)) if a[i] != b[i]]
        in_margins = [row for row in differing if row < top or row >= height - bottom]
        if in_margins:
            problems.append(f"page {number}: {len(in_margins)} pixels differ in the margins")
        if len(differing) - len(in_margins) > NOISE * width * height:
            problems.append(f"page {number}: {len(differing) - len(in_margins)} pixels differ in the page area")
    return problems


def text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def tagged(pdf: Path) -> bool:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return re.search(r"^Tagged:\s+yes", info, re.M) is not None


def margin_words(pdf: Path) -> list[list[tuple[int, str]]]:
    """Per page, the words in the bottom margin (page numbers, edition) with their left edge in points."""
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = []
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', bbox, re.S):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>(.*?)</word>', body)
        pages.append([(round(float(x)), word) for x, y, word in words if float(y) > float(height) - 55])
    return pages


def outline(pdf: Path) -> list[tuple[int, str, int]]:
    """(depth, title, page) of every bookmark."""
    reader = PdfReader(str(pdf))
    found: list[tuple[int, str, int]] = []

    def visit(items: list[Any], depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                visit(item, depth + 1)
            else:
                found.append((depth, str(item.title), reader.get_destination_page_number(item)))

    visit(reader.outline, 0)
    return found


def link_targets(pdf: Path) -> list[tuple[int, int]]:
    """(page, destination page) of every internal link, named destinations resolved."""
    reader = PdfReader(str(pdf))
    named = {str(name): reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    found = []
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots", []) or []:
            link = annotation.get_object()
            destination = link.get("/Dest")
            if link.get("/Subtype") == "/Link" and destination is not None:
                found.append((number, named[str(destination)] if isinstance(destination, str)
                              else reader.get_page_number(destination[0])))  # fmt: skip
    return found


def link_structure(pdf: Path) -> list[tuple[int, str, str]]:
    """(page, destination, structure type) of every link: the element whose /OBJR names it ("" if none)."""
    found = []
    with pikepdf.open(pdf) as document:
        nums = list(document.Root.StructTreeRoot.ParentTree.Nums)
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page in enumerate(document.pages):
            for link in page.obj.get("/Annots", []):
                element = parents.get(int(link.StructParent)) if "/StructParent" in link else None
                kids = [] if element is None else element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                names_it = any(isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR"
                               and kid.Obj.objgen == link.objgen for kid in kids)  # fmt: skip
                found.append((number, str(link.get("/Dest")), str(element.S) if names_it else ""))
    return found


def assert_same(expected: Path, actual: Path) -> None:
    assert raster_differences(expected, actual) == []
    assert text(actual) == text(expected)
    assert margin_words(actual) == margin_words(expected)
    assert PdfReader(actual).page_labels == PdfReader(expected).page_labels
    assert outline(actual) == outline(expected)
    assert sorted(link_targets(actual)) == sorted(link_targets(expected))  # links across chapters come last
    assert tagged(actual)
    assert sorted(link_structure(actual)) == sorted(link_structure(expected))


# ----------------------------------------------------------------- the comparisons


def test_parallel_draws_the_single_pass_pages(bundled: Layouts) -> None:
    assert len(link_targets(bundled.single)) > 20 and len(outline(bundled.single)) > 20  # there is something to compare
    assert bundled.parallel.read_bytes() != bundled.single.read_bytes()  # laid out chapter by chapter, then merged
    assert_same(bundled.single, bundled.parallel)


def test_the_sample_goes_chapter_by_chapter_and_draws_the_single_pass_pages(sample_pdf: BuiltPdf,
                                                                           tmp_path: Path) -> None:  # fmt: skip
    """The published sample: footnotes in body chapters, and a landscape appendix that is, alone, a first chapter."""
    project = project_at(tmp_path / "project", REPO / "content", None)
    parallel = build_edition(project, SAMPLE_REF, tmp_path / "parallel", jobs=2).path
    assert parallel.read_bytes() != sample_pdf.path.read_bytes(), "-j 2 fell back to a single pass"
    assert_same(sample_pdf.path, parallel)
    assert "اسلامی" in text(parallel)  # the merged fonts keep the ligatures' carriers (typeset.carriers)


def test_the_contents_links_are_tagged_as_in_the_single_pass(bundled: Layouts) -> None:
    """The merged contents page keeps WeasyPrint's own links: /Link elements naming them by /OBJR."""
    contents = [entry for entry in link_structure(bundled.parallel) if entry[0] == 2]
    assert len(contents) > 20
    assert sum(kind == "/Link" for _page, _target, kind in contents) > 20
    assert contents == [entry for entry in link_structure(bundled.single) if entry[0] == 2]


def test_an_incremental_rebuild_draws_the_single_pass_pages(bundled: Layouts) -> None:
    assert bundled.incremental is not None
    assert "نهادهای همکار" in text(bundled.incremental)
    assert_same(bundled.single, bundled.incremental)


def test_links_across_chapters_survive_the_fast_path(blocks: Layouts) -> None:
    single = link_targets(blocks.single)
    assert any(page != target for page, target in single)
    assert_same(blocks.single, blocks.parallel)


def test_a_restyle_moving_the_page_number_holds_on_the_fast_path(restyled: Layouts, bundled: Layouts) -> None:
    labels = margin_words(restyled.single)
    assert labels != margin_words(bundled.single)  # the restyle did move the numbers
    assert raster_differences(bundled.single, restyled.single)  # and recoloured the headings
    assert PdfReader(restyled.single).page_labels == PdfReader(bundled.single).page_labels  # read where it moved
    assert_same(restyled.single, restyled.parallel)


# ----------------------------------------------------------------- the contract, checked


CHAPTERS = """<!DOCTYPE html><html lang="fa-IR" dir="rtl"><head><meta charset="utf-8"></head><body>
<nav class="toc"><a href="#one">یک</a> <a href="#two">دو</a></nav>
<div class="main-matter" data-chapters="body">
<section class="chapter" id="one" data-chapter="one"><h1 data-running="heading">یک</h1><p>متن فصل یک.</p></section>
<section class="chapter" id="two" data-chapter="two"><h1 data-running="heading">دو</h1><p>متن فصل دو.</p></section>
</div></body></html>"""


@pytest.mark.parametrize("extra", ["", ".main-matter > .chapter:nth-child(n) { break-before: auto; page: body; }"])
def test_without_chapters_on_pages_of_their_own_the_single_pass_is_used(tmp_path: Path, extra: str) -> None:
    """Chapters that share a page cannot be laid out apart: the fast path falls back to the single pass."""
    (tmp_path / "extra.css").write_text(extra, encoding="utf-8")
    sheets = (*sorted((REPO / "styles").glob("*.css")), tmp_path / "extra.css")
    options = TypesetOptions(stylesheets=sheets, base_dir=tmp_path, allowed_roots=(REPO / "styles", REPO / "fonts",
                             tmp_path), source_date_epoch=0, time_limit=None, style_key=None)  # fmt: skip
    single = typeset_pdf(CHAPTERS, **options)
    chapters = typeset_chapters(CHAPTERS, options, jobs=1, cache_dir=None)
    assert chapters.pages == single.pages
    if extra:
        assert chapters.pdf == single.pdf
    else:
        assert single.pages == 3
        assert chapters.pdf != single.pdf  # laid out chapter by chapter, then merged
        assert text(_written(tmp_path, chapters.pdf)) == text(_written(tmp_path, single.pdf))


def _written(folder: Path, pdf: bytes) -> Path:
    path = folder / f"{hash(pdf)}.pdf"
    path.write_bytes(pdf)
    return path
