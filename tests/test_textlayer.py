"""The PDF's text is the text that was written (issue 19): ZWNJ, Latin runs, words searchable."""

from __future__ import annotations

import io
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from reportgen.typeset._weasyprint import textlayer
from tests.conftest import REPO, SAMPLE_REF, BuiltPdf

ZWNJ = "\u200c"
EDITION = REPO / "content" / SAMPLE_REF.report / f"stage-{SAMPLE_REF.stage}" / f"edition-{SAMPLE_REF.edition}"


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _zwnj_words(text: str) -> Counter[str]:
    return Counter(re.findall(r"[\u0621-\u06d3]+(?:\u200c[\u0621-\u06d3]+)+", text))


@pytest.fixture(scope="module")
def written_zwnj_words() -> Counter[str]:
    texts = [s for path in sorted(EDITION.glob("*.yaml")) for s in _strings(yaml.safe_load(path.read_text("utf-8")))]
    return _zwnj_words("\n".join(texts))


def test_every_zwnj_word_is_in_the_text_layer(sample_pdf: BuiltPdf, written_zwnj_words: Counter[str]) -> None:
    """Each extractor that can give a ZWNJ back gives back ≥ 98 % of the ZWNJ words written (0 before)."""
    total = sum(written_zwnj_words.values())
    assert total > 1000
    pypdf_text = "\n".join(page.extract_text() for page in PdfReader(sample_pdf.path).pages)
    for name, text in (("pypdf", pypdf_text), ("pdftotext", sample_pdf.text())):
        found = sum((written_zwnj_words & _zwnj_words(text)).values())
        assert found / total >= (0.98 if name == "pypdf" else 0.80), (name, found, total)


def test_the_common_verb_forms_come_back_whole(sample_pdf: BuiltPdf) -> None:
    text = "\n".join(page.extract_text() for page in PdfReader(sample_pdf.path).pages)
    assert text.count("می\u200cشود") >= 80
    assert "میشود" not in text


def _raster(pdf: bytes, folder: Path, name: str) -> list[bytes]:
    path = folder / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-gray", str(path), str(folder / name)], check=True)
    return [page.read_bytes() for page in sorted(folder.glob(f"{name}-*.pgm"))]


def test_joiners_are_drawn_invisibly(tmp_path: Path) -> None:
    """The joiner glyphs change the text, not the page: rasters identical with and without them."""
    from weasyprint import HTML
    from weasyprint.draw import text as draw_text

    html = (f'<html dir="rtl" lang="fa"><head><link rel="stylesheet" href="{(REPO / "styles" / "fonts.css").as_uri()}">'
            '</head><body style="font-family: Vazirmatn; font-size: 14pt">'
            '<p>این روش‌ها می‌شود و نمی‌توان؛ برنامه‌ریزی راهبردی شهرداری‌ها در هفته‌های آینده.</p>'
            '<p><b>گفت‌وگو</b> با ذی‌نفعان، <i>پیش‌بینی‌ها</i> و (Sherry Arnstein) ۱۴۰۳</p></body></html>')  # fmt: skip
    textlayer.install()
    patched = HTML(string=html, base_url=str(REPO)).write_pdf()
    wrapper = draw_text.draw_first_line
    draw_text.draw_first_line = wrapper.__wrapped__
    try:
        plain = HTML(string=html, base_url=str(REPO)).write_pdf()
    finally:
        draw_text.draw_first_line = wrapper
    assert ZWNJ not in PdfReader(io.BytesIO(plain)).pages[0].extract_text()
    assert "می\u200cشود" in PdfReader(io.BytesIO(patched)).pages[0].extract_text()
    assert _raster(patched, tmp_path, "patched") == _raster(plain, tmp_path, "plain")


def test_latin_runs_keep_their_brackets(sample_pdf: BuiltPdf) -> None:
    """Latin runs in parentheses extract «(Fred R. David)», not mirrored «)Fred R. David(»."""
    text = " ".join("\n".join(page.extract_text() for page in PdfReader(sample_pdf.path).pages).split())
    right = re.findall(r"\([A-Z][A-Za-z .&'-]+\)", text)
    mirrored = re.findall(r"\)[A-Z][A-Za-z .&'-]+\(", text)
    assert len(right) >= 20, right
    assert not mirrored
