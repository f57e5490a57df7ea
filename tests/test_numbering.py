"""Compound numbers («۳-۵», «۱-۱-۲») read back from the PDF in the theme's order, and ranges in written order."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from reportgen.build.pipeline import build_edition, render_html
from reportgen.editions.find import load_edition
from reportgen.render.blocks import Target, link_references
from reportgen.render.numbering import number_html, ordered_text
from reportgen.text.markdown import isolate_latin

from conftest import DATA, MINI_REF, make_project

RLM = "\u200f"
_COMPOUND = re.compile(r"[\u06f0-\u06f9]+(?:-[\u06f0-\u06f9]+)+")


def _printed_numbers(html: str) -> set[str]:
    """Every compound number the HTML prints (headings, captions, contents), in logical order."""
    return {text.replace(RLM, "") for text in re.findall(r"<bdi[^>]*>([^<]*)</bdi>", html)
            if _COMPOUND.fullmatch(text.replace(RLM, ""))}  # fmt: skip


def _drawn_numbers(pdf: Path) -> list[str]:
    """Every compound number on the pages, its parts left to right as drawn (pdftotext -bbox words)."""
    xml = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    words = (word.replace(RLM, "") for word in re.findall(r"<word [^>]*>([^<]*)</word>", xml))
    return [word for word in words if _COMPOUND.fullmatch(word)]


def _build(root: Path, order: str | None) -> tuple[set[str], list[str]]:
    root.mkdir()
    if order:
        (root / "theme.yaml").write_text(f"compound_numbers: {order}\n", encoding="utf-8")
    project = make_project(root, DATA / "mini" / "content")
    html = render_html(project, load_edition(project, MINI_REF), MINI_REF)
    return _printed_numbers(html), _drawn_numbers(build_edition(project, MINI_REF).path)


def _reversed(number: str) -> str:
    return "-".join(reversed(number.split("-")))


@pytest.mark.parametrize("order", [None, "chapter-right", "chapter-left"])
def test_compound_numbers_are_drawn_in_the_themes_order(tmp_path: Path, order: str | None) -> None:
    """By default the chapter number stands right of the sub-number (Persian books); chapter-left flips it.

    Headings, captions and contents alike: read as drawn, right to left, each number is one the document
    prints (chapter first); read left to right, some are not. Before: every number was drawn chapter-left.
    """
    printed, drawn = _build(tmp_path / "project", order)
    assert len(drawn) > 20 and any(number != _reversed(number) for number in printed)
    right_to_left = [_reversed(number) for number in drawn]
    if order == "chapter-left":
        right_to_left, drawn = drawn, right_to_left
    assert set(right_to_left) <= printed, set(right_to_left) - printed
    assert not set(drawn) <= printed


def test_one_function_prints_every_compound_number() -> None:
    assert number_html("۳-۵") == f'<bdi dir="rtl">۳{RLM}-{RLM}۵{RLM}</bdi>'
    assert number_html("۳-۵", "chapter-left", "secnum") == '<bdi class="secnum" dir="ltr">۳-۵</bdi>'
    assert ordered_text("۳") == "۳"


def test_ranges_keep_their_written_order_in_the_text() -> None:
    """A right-to-left mark each side of a range's dash: pdftotext gives «۱۳۹۸–۱۴۰۲», not «۱۴۰۲–۱۳۹۸»."""
    assert isolate_latin("دورهٔ ۱۳۹۸–۱۴۰۲") == f"دورهٔ ۱۳۹۸{RLM}–{RLM}۱۴۰۲"
    assert isolate_latin("برنامه (Imagine Boston 2030)") == 'برنامه <bdi dir="ltr">(Imagine Boston 2030)</bdi>'


def test_a_cross_reference_prints_its_number_with_words_or_alone_without_a_stray_space() -> None:
    targets = {"t": Target("جدول ۳-۲", "blk-t"), "n": Target("۳-۲", "blk-n"), "s": Target("T۱", "item-s")}
    html = link_references("(<span>[@t]</span>) ([@n]) ([@s])", targets)
    assert '<a class="xref" href="#blk-t">جدول <bdi dir="rtl">' in html
    assert '(<a class="xref" href="#blk-n"><bdi dir="rtl">' in html
    assert '(<a class="xref" href="#item-s"><bdi dir="rtl">T۱</bdi></a>)' in html
