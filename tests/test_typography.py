"""Persian typography read back from the sample PDF (issue 19): footnotes, ranges, figure labels."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from tests.conftest import REPO, SAMPLE_REF, BuiltPdf

EDITION = REPO / "content" / SAMPLE_REF.report / f"stage-{SAMPLE_REF.stage}" / f"edition-{SAMPLE_REF.edition}"


def _plain(text: str) -> str:
    """Only the words holding a Persian letter, without emphasis or quotes: what survives any line order."""
    spaced = re.sub(r"[*_«»()\u200e\u200f\u202a-\u202e0-9\u06f0-\u06f9]", " ", text)
    return " ".join(w for w in spaced.split() if re.search(r"[\u0621-\u06d3]", w))


def _footnotes() -> list[tuple[str, str, str]]:
    """(file, the five words before a footnote call, the note's first five words) for every footnote."""
    found = []
    for path in sorted(EDITION.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        bodies = re.findall(r"\[\^\w+\]:\s*(.+)", text)  # each field's call comes before its note
        calls = re.findall(r"((?:\S+\s+){4}\S+?)\[\^\w+\](?!:)", text)
        found += [(path.name, _plain(call), " ".join(_plain(body).split()[:5]))
                  for call, body in zip(calls, bodies, strict=True)]
    return found


def _pages_with(pages: list[str], words: str) -> set[int]:
    hits = {index for index, page in enumerate(pages) if words in page}
    assert hits, words
    return hits


def test_every_footnote_is_on_the_page_of_its_call(sample_pdf: BuiltPdf) -> None:
    """All notes of the sample (3 of 8 printed a page late: see typeset/_weasyprint/footnotes.py)."""
    # Each extractor loses a different few word orders (pypdf across lines, pdftotext «هٔ»): a page
    # holds the words if either finds them there.
    pages = [_plain(a) + " | " + _plain(b.extract_text())
             for a, b in zip(sample_pdf.pages_text(), PdfReader(sample_pdf.path).pages, strict=True)]
    notes = _footnotes()
    assert len(notes) >= 8
    late = [(name, call) for name, call, note in notes if not _pages_with(pages, note) & _pages_with(pages, call)]
    assert not late


def _pypdf_lines(path: Path) -> list[str]:
    return [line for page in PdfReader(path).pages for line in page.extract_text().splitlines()]


def test_roadmap_ranges_are_never_broken(sample_pdf: BuiltPdf) -> None:
    """«ماه ۳ تا ۷» stays on one line in the narrow duration column (it broke after «تا»)."""
    broken = [line for line in _pypdf_lines(sample_pdf.path) if re.search(r"ماه\s*[۰-۹]+\s*تا\s*$", line)]
    assert not broken


def test_a_latin_comma_stays_with_its_run(sample_pdf: BuiltPdf) -> None:
    """«John M. Bryson, Strategic Planning …» (emphasis splits the Latin text) keeps its comma after «Bryson»."""
    text = " ".join(" ".join(_pypdf_lines(sample_pdf.path)).split())
    assert "John M. Bryson," in text
    assert "Bryson ,Strategic" not in text
