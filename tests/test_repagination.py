"""Page numbers looked up elsewhere (``target-counter``) printed on the second pagination pass.

WeasyPrint 70 lays a contents out three times: with ``0``s, with ``0``s again
(its entries learn their targets' pages only after that pass), then with the
numbers. ``_weasyprint.repagination`` has the entries learn them before the
second pass. These tests lay the same documents out with it and with
WeasyPrint's own paginator, and compare the PDFs byte for byte, the passes
made, and the numbers printed.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import weasyprint.layout
from weasyprint.layout.page import make_all_pages as weasyprints_own

from reportgen.text.persian import to_persian_digits
from reportgen.typeset._weasyprint import repagination
from reportgen.typeset.engine import render_part

REPO = Path(__file__).resolve().parent.parent

CSS = """
body { font-family: "Vazirmatn"; font-size: 11pt; }
@page { size: A5; @bottom-center { content: counter(page, persian) " از " counter(pages, persian); } }
.toc a { display: block; color: black; }
.toc a::after { content: leader(".") " " target-counter(attr(href), page, persian); }
.back a::after { content: " (صفحهٔ " target-counter(attr(href), page, persian) ")"; }
section { break-before: page; }
h2 { font-size: 12pt; }
"""

PARAGRAPH = ("برنامهٔ راهبردی شهر، چشم‌انداز و مأموریت‌ها را به هدف‌ها و پروژه‌هایی می‌رساند که هر یک "
             "متولی، زمان‌بندی و شاخص پایش دارند. ")


ORDINALS = ["اول", "دوم", "سوم", "چهارم", "پنجم", "ششم", "هفتم", "هشتم", "نهم", "دهم"]
TENS = ["", "ده", "بیست"]


def title(index: int) -> str:
    """A section title without digits, so that the only number on its contents line is its page."""
    tens, units = divmod(index, 10)
    ordinal = ORDINALS[units] if not tens else f"{ORDINALS[units]} از دههٔ {TENS[tens]}"
    return f"فصل {ordinal} تحلیل وضع موجود"


def document(sections: int, *, backward: bool = False) -> str:
    """A contents of ``sections`` entries, then the sections (some longer than a page), then back references."""
    titles = [title(i) for i in range(sections)]
    toc = "".join(f'<a href="#s{i}">{title}</a>' for i, title in enumerate(titles))
    body = "".join(f'<section><h2 id="s{i}">{title}</h2>{"<p>" + PARAGRAPH * (3 + 40 * (i % 3 == 1)) + "</p>"}'
                   "</section>" for i, title in enumerate(titles))  # fmt: skip
    extra = ""
    if backward:
        extra += '<section class="back">' + "".join(f'<p><a href="#s{i}">ارجاع</a></p>' for i in range(sections))
        extra += "</section>"
    return (f'<html lang="fa-IR" dir="rtl"><body><nav class="toc"><h1>فهرست مطالب</h1>{toc}</nav>{body}{extra}'
            "</body></html>")  # fmt: skip


def _counting(paginate: Callable[..., Iterator[Any]], passes: list[int]) -> Callable[..., Iterator[Any]]:
    def counted(*args: Any) -> Iterator[Any]:
        passes.append(1)
        return paginate(*args)

    return counted


def typeset(tmp_path: Path, html: str, monkeypatch: pytest.MonkeyPatch, *, ours: bool) -> tuple[bytes, int]:
    """The PDF, and the passes WeasyPrint's paginator made: through ``repagination`` or by itself."""
    passes: list[int] = []
    with monkeypatch.context() as patch:
        if ours:
            patch.setattr(repagination, "make_all_pages", _counting(weasyprints_own, passes))
        else:
            patch.setattr(repagination, "install", lambda: None)
            patch.setattr(weasyprint.layout, "make_all_pages", _counting(weasyprints_own, passes))
        (tmp_path / "toc.css").write_text(CSS, encoding="utf-8")
        pdf = render_part(html, stylesheets=[REPO / "styles" / "fonts.css", tmp_path / "toc.css"], base_dir=tmp_path,
                          allowed_roots=[REPO / "styles", REPO / "fonts", tmp_path]).pdf  # fmt: skip
    return pdf, len(passes)


def page_texts(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    return text.split("\f")[:-1]


@pytest.mark.parametrize(("sections", "backward"), [(12, False), (30, True)],
                         ids=["contents", "two-page-contents-and-back-references"])  # fmt: skip
def test_contents_numbers_come_out_of_two_passes_byte_identical(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sections: int, backward: bool) -> None:  # fmt: skip
    html = document(sections, backward=backward)
    theirs, their_passes = typeset(tmp_path, html, monkeypatch, ours=False)
    ours, our_passes = typeset(tmp_path, html, monkeypatch, ours=True)
    assert their_passes == 3
    assert our_passes == 2
    assert ours == theirs
    pages = [[_plain(line) for line in page.splitlines()] for page in page_texts(ours)]
    starts = {lines[0]: number for number, lines in enumerate(pages, 1) if lines}
    entries = [line for lines in pages[: starts[title(0)] - 1] for line in lines]
    for index in range(sections):  # each entry prints the page its section starts on
        (entry,) = [line for line in entries if line.startswith(title(index))
                    and not line[len(title(index)) :][:1].isalpha()]  # fmt: skip
        assert re.sub(r"[^۰-۹]", "", entry) == to_persian_digits(starts[title(index)]), entry


def _plain(line: str) -> str:
    """A line as pdftotext writes it, without its bidi controls and marks."""
    return re.sub("[\u200e\u200f\u202a-\u202e]", "", line).strip()
