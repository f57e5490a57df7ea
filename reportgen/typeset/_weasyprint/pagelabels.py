"""The page number printed on each laid-out page, read from the margin box that prints the ``page`` counter.

The PDF's /PageLabels must say what the pages say (الف، ب … in the front
matter, ۱، ۲ … in the body): rather than repeat the stylesheet's counters in
Python, this reads the text WeasyPrint laid out in the margin box whose
``content`` uses ``counter(page)``, wherever the styles put it (a project may
move it to ``@bottom-right``). It walks WeasyPrint's laid-out boxes
(``Page._page_box``, ``MarginBox``, computed ``content``), so it runs only
behind the ``_weasyprint`` gate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from weasyprint.formatting_structure import boxes

PAGE_COUNTER = "page"


def _texts(box: Any) -> Iterator[str]:
    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def prints_page_number(box: Any) -> bool:
    """Whether a margin box's computed ``content`` holds ``counter(page)`` (or ``counters(page, …)``)."""
    content = box.style["content"]
    if isinstance(content, str):  # "normal", "none"
        return False
    return any(kind in ("counter()", "counters()") and value[0] == PAGE_COUNTER for kind, value in content)


def printed_numbers(pages: Sequence[Any]) -> tuple[str, ...]:
    """The text of each page's number box, "" where it has none."""
    numbers = []
    for page in pages:
        found = ""
        for child in page._page_box.children:
            if isinstance(child, boxes.MarginBox) and prints_page_number(child):
                found = "".join(_texts(child)).strip()
        numbers.append(found)
    return tuple(numbers)
