"""Leader dots drawn in runs: fewer text objects, the same text, the dots where WeasyPrint laid them out."""

from __future__ import annotations

import io
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pikepdf
import pytest

import reportgen.typeset._weasyprint
from reportgen.typeset.engine import render_part

REPO = Path(__file__).resolve().parent.parent

ENTRIES = ["پیشگفتار", "رویکردهای برنامه‌ریزی راهبردی", "تجربهٔ شهر بوستون (Boston)", "مدل هاروارد (SWOT)"]
CSS = """
body { font-family: "Vazirmatn"; font-size: 10.5pt; }
.toc a { display: block; color: black; }
.toc a::after { content: leader(".") " " "۱۲۳"; }
.ltr a::after { content: leader(".") " 45"; }
.spaced a::after { content: leader(". ") " 6"; }
.latin a::after { content: leader("x") " 7"; }
"""


def document(*lists: str) -> str:
    items = "".join(f'<li><a href="#e{i}">{title}</a></li>' for i, title in enumerate(ENTRIES))
    body = "".join(f'<ul class="toc {kind}" dir="{"ltr" if kind == "ltr" else "rtl"}">{items}</ul>' for kind in lists)
    anchors = "".join(f'<p id="e{i}">{title}</p>' for i, title in enumerate(ENTRIES))
    return f'<html lang="fa-IR" dir="rtl"><body>{body}{anchors}</body></html>'


def typeset(tmp_path: Path, html: str, joined: bool, monkeypatch: pytest.MonkeyPatch) -> bytes:
    (tmp_path / "toc.css").write_text(CSS, encoding="utf-8")
    monkeypatch.setattr(reportgen.typeset._weasyprint, "enabled", lambda: joined)
    return render_part(html, stylesheets=[REPO / "styles" / "fonts.css", tmp_path / "toc.css"], base_dir=tmp_path,
                       allowed_roots=[REPO / "styles", REPO / "fonts", tmp_path]).pdf  # fmt: skip


def text_objects(pdf: bytes) -> int:
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        return sum(len(re.findall(rb"\bBT\b", page.obj.Contents.read_bytes())) for page in document.pages)


def pdftotext(pdf: bytes, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip


def dot_extents(pdf: bytes) -> dict[float, tuple[float | None, float | None]]:
    """Per line (its top), the left and right ends of its leader dots, in points.

    An end pdftotext glued to a neighbouring word is not known (None).
    """
    lefts: dict[float, list[float]] = defaultdict(list)
    rights: dict[float, list[float]] = defaultdict(list)
    for x_min, y_min, x_max, word in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<', pdftotext(pdf, "-bbox")
    ):
        line, dots_only = round(float(y_min), 1), set(word) == {"."}
        if dots_only or word.startswith(".."):
            lefts[line].append(float(x_min))
        if dots_only or word.endswith(".."):
            rights[line].append(float(x_max))
    lines = lefts.keys() | rights.keys()
    return {line: (min(lefts[line], default=None), max(rights[line], default=None)) for line in lines}


@pytest.mark.parametrize("kinds", [("rtl",), ("rtl", "ltr")])
def test_dots_are_drawn_in_runs_where_weasyprint_laid_them_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 kinds: tuple[str, ...]) -> None:  # fmt: skip
    html = document(*kinds)
    dots = typeset(tmp_path, html, False, monkeypatch)
    runs = typeset(tmp_path, html, True, monkeypatch)
    assert text_objects(runs) * 5 < text_objects(dots)  # one per dot before; a few per leader now
    assert len(runs) < len(dots)
    before, after = dot_extents(dots), dot_extents(runs)
    assert len(before) == len(kinds) * len(ENTRIES) and before.keys() == after.keys()
    for line, ends in before.items():
        # The end that meets the entry's text is exact; the far end within the runs' rounding.
        assert None not in ends
        assert all(end == pytest.approx(was, abs=0.1) for end, was in zip(after[line], ends, strict=True) if end)
    if kinds == ("rtl",):
        # The same text in the same order. (In a left-to-right list pdftotext may glue the first
        # dot to a closing parenthesis before it: its word-gap guess, not a change on the page.)
        assert pdftotext(runs) == pdftotext(dots)


@pytest.mark.parametrize("kind", ["latin", "spaced"])
def test_leaders_of_letters_or_spaces_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """A letter has a direction of its own (a run could be reordered); spaces change extracted text."""
    html = document(kind)
    assert text_objects(typeset(tmp_path, html, True, monkeypatch)) == text_objects(
        typeset(tmp_path, html, False, monkeypatch)
    )
