"""A glyph's width in the PDF's fonts does not depend on the size it was first drawn at (glyphwidths):
pages taken from one PDF (an incremental rebuild's splice, a merged part) are drawn as in another."""

from __future__ import annotations

import io

import pikepdf
import pytest

from reportgen.typeset import _weasyprint
from tests.conftest import REPO

pytestmark = pytest.mark.skipif(not _weasyprint.enabled(), reason="glyph widths need the gated internals")

WORDS = "شاخص مشخص خصوصی برنامه‌ریزی همدان اصفهان گفت‌وگو ۱۲۳۴ (Sherry Arnstein)"


def _widths(first_size: float) -> dict[tuple[str, int], float]:
    """Every glyph's /W width in a PDF drawing ``WORDS`` at ``first_size`` pt, then at 12 pt."""
    from weasyprint import HTML

    html = (f'<html dir="rtl" lang="fa"><head><link rel="stylesheet" href="{(REPO / "styles" / "fonts.css").as_uri()}">'
            f'</head><body style="font-family: Vazirmatn"><p style="font-size: {first_size}pt">{WORDS}</p>'
            f'<p style="font-size: 12pt">{WORDS} <b>{WORDS}</b></p></body></html>')  # fmt: skip
    widths: dict[tuple[str, int], float] = {}
    with pikepdf.open(io.BytesIO(HTML(string=html, base_url=str(REPO)).write_pdf())) as pdf:
        for font in pdf.pages[0].Resources.Font.values():
            cid_font = font.DescendantFonts[0]
            family = str(cid_font.BaseFont).split("+")[-1]
            entries = list(cid_font.W)
            for start, values in zip(entries[::2], entries[1::2], strict=True):
                for offset, width in enumerate(values):
                    widths[family, int(start) + offset] = float(width)
    return widths


def test_a_glyph_has_one_width_whatever_size_drew_it_first() -> None:
    from reportgen.typeset._weasyprint import glyphwidths

    glyphwidths.install()
    body = _widths(12)
    for size in (6.5, 7, 8, 8.5, 9, 9.5, 10, 11, 14, 17):
        assert _widths(size) == body, size
