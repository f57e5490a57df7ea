"""The redline edition of the sample (1 → 2), built once and read back: every change visible, every comment traced."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.build.pipeline import BuildResult, render_redline
from reportgen.cli import main
from reportgen.compare.diff import EditionDiff, field_change, word_diff
from reportgen.compare.redline import DEL_CLOSE, DEL_OPEN, PILCROW, Redline, marked_text
from reportgen.editions.find import EditionRef
from reportgen.paths import Project

from conftest import REPO, BuiltPdf
from pdfcheck import normalize, outline_titles

OLD, NEW = EditionRef("hamedan-strategic-plan", 1, 1), EditionRef("hamedan-strategic-plan", 1, 2)
MM = 72 / 25.4
BARS = {(0xC0, 0x39, 0x2B), (0x2F, 0x8F, 0x4F), (0x7F, 0x1D, 0x1D), (0x25, 0x63, 0xEB)}
"""The change bars' colours (styles/redline.css): changed, added, removed, moved."""


@dataclass(frozen=True)
class Sample:
    pdf: BuiltPdf
    html: str
    redline: Redline
    diff: EditionDiff
    data: dict[str, object]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    folder = tmp_path_factory.mktemp("redline")
    target = folder / "redline.pdf"
    sample_args = ["--project", str(REPO), "diff", "hamedan-strategic-plan", "--stage", "1", "--from", "1", "--to", "2"]
    assert CliRunner().invoke(main, [*sample_args, "--format", "pdf", "-o", str(target)]).exit_code == 1
    data = json.loads(CliRunner().invoke(main, [*sample_args, "--format", "json"]).output)
    html, redline, _ = render_redline(Project.at(REPO, folder), OLD, NEW)
    pages = len(PdfReader(str(target)).pages)
    return Sample(BuiltPdf(BuildResult(NEW, target, pages, 0.0)), html, redline, redline.diff, data)


def destinations(pdf: Path) -> dict[str, int]:
    """Named destination → 0-based page index."""
    reader = PdfReader(str(pdf))
    return {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}


def links(pdf: Path, pages: range) -> list[str]:
    """Internal link targets on the given pages, in order."""
    reader = PdfReader(str(pdf))
    found = []
    for index in pages:
        for annotation in reader.pages[index].get("/Annots", []) or []:
            dest = annotation.get_object().get("/Dest")
            if isinstance(dest, str):
                found.append(dest)
    return found


def bar_pages(pdf: Path, pages: set[int]) -> set[int]:
    """Pages (0-based) with a change bar's colour in the right margin, beside the text block."""
    from PIL import Image

    found = set()
    folder = pdf.parent / "raster"
    folder.mkdir(exist_ok=True)
    for index in sorted(pages):
        prefix = folder / f"p{index}"
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", str(index + 1), "-l", str(index + 1), str(pdf),
                        str(prefix)], check=True)  # fmt: skip
        image = Image.open(next(folder.glob(f"p{index}-*.png"))).convert("RGB")
        width, height = image.size
        scale = 40 / 72
        edge = width - 22 * MM * scale  # the text block's right edge (22 mm margins)
        for x in range(int(edge - 2 * MM * scale), min(width, int(edge + 7 * MM * scale))):
            if any(_near(image.getpixel((x, y)), BARS) for y in range(0, height, 2)):  # type: ignore[arg-type]
                found.add(index)
                break
    return found


def trace_start(sample: Sample) -> int:
    """The first page of the comments' trace (the change summary ends there)."""
    return next(i for i, t in enumerate(sample.pdf.pages_text()) if normalize(t).startswith("پیگیری نظرات"))


def _near(pixel: tuple[int, int, int], colours: set[tuple[int, int, int]]) -> bool:
    return any(sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) < 70 for colour in colours)


# ---------------------------------------------------------------- done means


def test_every_change_has_a_page_and_a_bar(sample: Sample) -> None:
    changes = sample.data["changes"]
    assert isinstance(changes, list) and len(changes) == len(sample.diff.changes)
    places = destinations(sample.pdf.path)
    rows = {row.index: row for row in sample.redline.rows}
    linked = set(links(sample.pdf.path, range(trace_start(sample))))
    pages: dict[int, int] = {}
    for index, change in enumerate(changes):
        row = rows[index]
        target = row.anchor if row.anchor in places else row.fallback.lstrip("#")
        assert target in places, f"{change['section']}/{change['item_id']}: no place in the PDF"
        assert target in linked, f"{change['section']}/{change['item_id']}: the summary gives no page"
        pages[index] = places[target]
    assert not set(pages.values()) - bar_pages(sample.pdf.path, set(pages.values()))


def test_every_removed_item_is_readable_in_place(sample: Sample) -> None:
    text = normalize(sample.pdf.text())
    words = set(text.split())
    removed = [c for c in sample.diff.changes if c.kind == "removed"]
    assert {c.item_id for c in removed} >= {"swot-analysis", "incrementalism", "db-projects"}
    for change in removed:
        for field in change.fields:
            if not (field.words and field.old):
                continue
            first = normalize(field.old.split("\n")[0])
            persian = [w for w in first.split() if re.fullmatch("[\u0600-\u06ff]+", w)][:12]
            # a table cell's lines wrap among the other columns' lines: word by word
            assert not set(persian) - words, f"{change.item_id}.{field.field}: {first!r} not all there"
    assert "تحلیل سوات" in text and "رویکرد تدریجی که با نام چارلز لیندبلوم" in text
    # in place: the removed term's row stands between the terms it stood between in edition 1
    rows = re.findall(r'<tr class="[^"]*" (?:id="[^"]*" )?data-item="([a-z0-9-]+)"', sample.html)
    assert rows.index("swot-analysis") == rows.index("actor") + 1
    assert re.search(r'<tr class="rl-removed"[^>]*data-item="swot-analysis"><td[^>]*>.*?<del class="rl">', sample.html)


def test_each_comment_has_its_trace(sample: Sample) -> None:
    assert len(sample.redline.traces) == 18
    pages = sample.pdf.pages_text()
    start = trace_start(sample)
    trace = normalize(" ".join(pages[start:start + 12]))
    places = destinations(sample.pdf.path)
    for entry in sample.redline.traces:
        assert f"trace-{entry.comment.id}" in places and entry.comment.id in trace
    assert not sample.redline.traces[0].comment.status  # the open comment comes first
    # a section-level concern links to the chapter's text change
    c17 = sample.redline.trace_of("c17")
    assert c17 is not None and c17.sections == ("roadmap",) and c17.changes
    assert links(sample.pdf.path, range(start, start + 12)).count("rl-s-roadmap") >= 1


# ---------------------------------------------------------------- the findings, one by one


def test_1_change_classes_join_the_element_class(sample: Sample) -> None:
    assert not re.search(r'<[a-z]+\s[^>]*class="[^"]*"[^>]*\sclass="', sample.html)
    assert '<div class="item rl-added" data-item="cds">' in sample.html
    assert re.search(r'<div class="item rl-added"( id="[^"]*")? data-item="st-scenarios">', sample.html)


def test_3_a_chapter_s_own_text_is_counted_and_listed(sample: Sample) -> None:
    assert sample.data["summary"]["introduction"]["changed"] == 1  # type: ignore[index]
    intro = next(r for r in sample.redline.rows if r.section == "introduction")
    assert intro.index == -1 and intro.anchor in destinations(sample.pdf.path)


def test_4_merging_paragraphs_is_a_change() -> None:
    merged = field_change("body", "بند یکم.\n\nبند دوم.", "بند یکم. بند دوم.")
    assert merged is not None and not merged.normalisation_only
    assert f"{DEL_OPEN}{PILCROW}{DEL_CLOSE}" in marked_text(merged.words)
    assert field_change("body", "بند  یکم.\n\nبند دوم.", "بند یکم.\n\nبند دوم.").normalisation_only  # type: ignore[union-attr]


def test_5_a_rewritten_sentence_is_one_deletion_and_one_insertion(sample: Sample) -> None:
    assert [op.op for op in word_diff("ویرایش اول گزارش مرحلهٔ اول", "در نخستین جلسهٔ ستاد برنامه")] == [
        "delete", "insert"]
    intro = next(s for s in sample.diff.sections if s.section == "introduction").fields[0].words
    between = [op for i, op in enumerate(intro[1:-1], 1) if op.op == "equal"
               and intro[i - 1].op != "equal" and intro[i + 1].op != "equal"]  # fmt: skip
    assert not [op for op in between if not op.text.strip()], "a lone space kept as unchanged between edits"
    text = marked_text(tuple(word_diff("ویرایش اول", "در نخستین")))
    assert "\ue003 \ue000" in text  # a space between the struck and the inserted words


def test_6_the_page_is_where_the_changed_field_is_typeset(sample: Sample) -> None:
    places = destinations(sample.pdf.path)
    index = next(i for i, c in enumerate(sample.diff.changes) if c.item_id == "scenario" and c.kind == "changed")
    row = next(r for r in sample.redline.rows if r.index == index)
    assert row.anchor in places
    assert places[row.anchor] > places["item-approaches-scenario"]  # the description, not the table row
    assert "همدان" in normalize(sample.pdf.pages_text()[places[row.anchor]])


def test_7_comments_column_links_each_comment_with_its_status(sample: Sample) -> None:
    summary_end = trace_start(sample)
    targets = links(sample.pdf.path, range(summary_end))
    assert {f"trace-c{n:02}" for n in (1, 2, 3, 5, 6)} <= set(targets)
    assert "پذیرفته شد" in normalize(" ".join(sample.pdf.pages_text()[:summary_end]))


def test_8_contents_and_bookmarks_carry_edition_2_s_words(sample: Sample, sample_pdf: BuiltPdf) -> None:
    extra = ["خلاصهٔ تغییرات نسبت به ویرایش اول", "پیگیری نظرات"]
    assert [t for t in outline_titles(sample.pdf.path) if t not in extra] == outline_titles(sample_pdf.path)
    assert re.search(r'data-final="[^"]*تدوین چشم‌انداز، مأموریت و ارزش‌ها"', sample.html)
    toc = sample.html[sample.html.index('<nav class="toc"'):sample.html.index("</nav>")]
    appendix = sample.html[sample.html.index('id="chapter-comments"'):]
    assert "<del" not in toc and "<del" not in appendix and "role-city-council" not in appendix


def test_9_it_says_it_is_a_comparison_copy(sample: Sample) -> None:
    reader = PdfReader(str(sample.pdf.path))
    assert str(reader.metadata.title).startswith("نسخهٔ مقایسه‌ای")  # type: ignore[union-attr]
    body_page = normalize(sample.pdf.pages_text()[30])
    assert "نسخه مقایسهای" in body_page  # the running footer
    toc = normalize(" ".join(sample.pdf.pages_text()[2:4]))
    assert "خالصه تغییرات نسبت به ویرایش اول" in toc and "پیگیری نظرات" in toc


def test_10_the_role_matrix_is_marked_cell_by_cell(sample: Sample) -> None:
    row = next(c for c in sample.diff.changes if c.item_id == "role-city-council")
    assert row.label == "شورای اسلامی شهر همدان"
    assert [(f.field, f.old, f.new) for f in row.fields][0] == ("roles.st-diagnosis", "inform", "consult")
    (matrix,) = sample.diff.matrices
    assert matrix.field == "roles" and len(matrix.rows) == 10
    cells = re.findall(r'<span class="rl-cell">(.*?)</span>', sample.html)
    assert '<del class="rl">اطلاع</del> <ins class="rl">مشورت</ins>' in cells


def test_summary_opens_the_redline_and_words_are_marked(sample: Sample) -> None:
    pages = sample.pdf.pages_text()
    start = next(i for i, t in enumerate(pages) if normalize(t).startswith("خالصه تغییرات نسبت به ویرایش اول"))
    summary = normalize(" ".join(pages[start:start + 8]))
    assert "شمار تغییرات به تفکیک فصل" in summary and "فهرست تغییرات" in summary
    assert "قزوین" in summary and "افزوده" in summary and "حذفشده" in summary
    text = normalize(sample.pdf.text())
    assert "حاصل جمعبندی این" in text  # inserted in edition 2
    assert "برای بررسی و اظهارنظر" in text  # deleted words from edition 1, shown struck through
