"""The page number printed on each laid-out page, read from its ``@bottom-center`` margin box.

The PDF's /PageLabels must say what the pages say (الف، ب … in the front
matter, ۱، ۲ … in the body): rather than repeat the stylesheet's counters in
Python, this reads the text WeasyPrint laid out in the page-number margin box.
It walks WeasyPrint's laid-out boxes (``Page._page_box``, ``MarginBox``), so
it runs only behind the ``_weasyprint`` gate.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from weasyprint.formatting_structure import boxes

NUMBER_BOX = "@bottom-center"


def _texts(box: Any) -> Iterator[str]:
    if isinstance(box, boxes.TextBox):
        yield box.text
    for child in getattr(box, "children", ()):
        yield from _texts(child)


def printed_numbers(pages: Sequence[Any]) -> tuple[str, ...]:
    """The text of each page's number box, "" where it has none."""
    numbers = []
    for page in pages:
        found = ""
        for child in page._page_box.children:
            if isinstance(child, boxes.MarginBox) and child.at_keyword == NUMBER_BOX:
                found = "".join(_texts(child)).strip()
        numbers.append(found)
    return tuple(numbers)
