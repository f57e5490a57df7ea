"""`reportgen diff` on the command line, and the redline PDF read back."""

from __future__ import annotations

import json
from pathlib import Path

import arabic_reshaper
import pytest
from bidi import get_display
from click.testing import CliRunner

from reportgen.build.pipeline import BuildResult
from reportgen.cli import main
from reportgen.compare.diff import diff_sections
from reportgen.compare.formats import to_text
from reportgen.content.models import Glossary, Term
from reportgen.editions.find import EditionRef

from conftest import REPO, BuiltPdf
from pdfcheck import normalize

SAMPLE = ["--project", str(REPO), "diff", "hamedan-strategic-plan", "--stage", "1"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*SAMPLE, *args])
    return result.exit_code, result.output


def test_same_edition_is_no_difference() -> None:
    code, output = run("--from", "2", "--to", "2", "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert data["changes"] == [] and data["sections"] == []


def test_missing_edition_is_trouble() -> None:
    code, output = run("--from", "1", "--to", "9")
    assert code == 2
    assert output.startswith("Error: no edition 9 of stage 1 in report 'hamedan-strategic-plan'")


def test_sample_diff_in_json(tmp_path: Path) -> None:
    target = tmp_path / "diff.json"
    code, _ = run("--from", "1", "--to", "2", "--format", "json", "-o", str(target))
    assert code == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == "reportgen-diff/1"
    changes = {(c["section"], c["item_id"]): c["kind"] for c in data["changes"]}
    assert changes[("case-studies", "qazvin")] == "added"          # a case study added after review
    assert changes[("glossary", "swot-analysis")] == "removed"     # a term dropped
    assert changes[("roadmap", "st-scenarios")] == "added"          # the roadmap restructured
    assert changes[("upstream", "doc-central-region-plan")] == "changed"  # moved from national to provincial
    level = next(f for c in data["changes"] if c["item_id"] == "doc-central-region-plan" for f in c["fields"]
                 if f["field"] == "level")  # fmt: skip
    assert (level["old"], level["new"]) == ("national", "provincial")
    assert any(c["kind"] == "moved" for c in data["changes"])


def test_sample_diff_in_text_and_html(tmp_path: Path) -> None:
    code, output = run("--from", "1", "--to", "2", "--bidi", "logical", "--no-colour")
    assert code == 1
    assert output.startswith("reportgen diff: stage 1 edition 1 -> stage 1 edition 2\n")
    assert "\n+ case-studies/qazvin  قزوین  (cases)\n" in output
    html_file = tmp_path / "diff.html"
    assert run("--from", "1", "--to", "2", "--format", "html", "-o", str(html_file))[0] == 1
    html = html_file.read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and "<ins" in html and "<del" in html


def test_visual_bidi_matches_a_reshaped_golden() -> None:
    old = {"glossary": Glossary(title="تعاریف", terms=(Term(id="vision", term="چشم‌انداز", english="Vision",
                                                             definition="تصویر آینده."),))}  # fmt: skip
    new = {"glossary": Glossary(title="تعاریف", terms=(Term(id="vision", term="چشم‌انداز", english="Vision",
                                                             definition="تصویر روشن آینده."),))}  # fmt: skip
    text = to_text(diff_sections(old, new, "1", "2"), bidi="visual")
    shaped_label = get_display(arabic_reshaper.reshape("چشم‌انداز"), base_dir="R")
    assert shaped_label in text
    assert "چشم‌انداز" not in text  # no logical Persian left on a visual line


@pytest.fixture(scope="module")
def redline_pdf(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    target = tmp_path_factory.mktemp("redline") / "redline.pdf"
    code, _ = run("--from", "1", "--to", "2", "--format", "pdf", "-o", str(target))
    assert code == 1
    from pypdf import PdfReader

    pages = len(PdfReader(str(target)).pages)
    return BuiltPdf(BuildResult(EditionRef("hamedan-strategic-plan", 1, 2), target, pages, 0.0))


def test_redline_opens_with_a_change_summary(redline_pdf: BuiltPdf) -> None:
    pages = redline_pdf.pages_text()
    start = next(i for i, t in enumerate(pages) if normalize(t).startswith("خالصه تغییرات نسبت به ویرایش اول"))
    summary = normalize(" ".join(pages[start:start + 8]))
    assert "شمار تغییرات به تفکیک فصل" in summary and "فهرست تغییرات" in summary
    assert "قزوین" in summary and "افزوده" in summary and "حذفشده" in summary


def test_redline_marks_inserted_and_deleted_words(redline_pdf: BuiltPdf) -> None:
    # The struck and inserted words are both printed: the old introduction's wording survives, struck.
    text = normalize(redline_pdf.text())
    assert "حاصل جمعبندی این" in text  # inserted in edition 2
    assert "برای بررسی و اظهارنظر" in text  # deleted words from edition 1, shown struck through
