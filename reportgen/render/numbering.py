"""Compound numbers («۳-۵», «۱-۱-۲», «پ۱-۲») as printed: the same way in headings, captions,
cross-references and contents.

A hyphen between two digits joins them into one left-to-right number (Unicode
bidi rule W4), so «۳-۵» shows the chapter on the left whatever its paragraph's
direction. Persian book typesetting (XePersian) puts the chapter number on the
right, where a right-to-left reader meets it first: ``chapter-right`` writes a
right-to-left mark on each side of every hyphen, which keeps the parts apart,
in the line's order. The marks also reach the PDF's text (the font's own
zero-width glyph, ``typeset/_weasyprint/textlayer``), so extractors that reorder
a line (pdftotext, pypdf) give the number back in its written order.
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import jinja2
from markupsafe import Markup, escape

NumberOrder = Literal["chapter-right", "chapter-left"]
DEFAULT_ORDER: NumberOrder = "chapter-right"
RLM = "\u200f"


def ordered_text(number: str, order: NumberOrder = DEFAULT_ORDER) -> str:
    """The number's characters in logical order, with the marks ``order`` needs."""
    if order == "chapter-left" or "-" not in number:
        return number
    # One more mark at the end: a colon or digit after the number is not read into its last part.
    return number.replace("-", f"{RLM}-{RLM}") + RLM


def number_html(number: str, order: NumberOrder = DEFAULT_ORDER, css_class: str = "") -> Markup:
    """A compound number isolated from its surroundings, in ``order``."""
    direction = "rtl" if order == "chapter-right" else "ltr"
    attribute = f' class="{escape(css_class)}"' if css_class else ""
    return Markup(f'<bdi{attribute} dir="{direction}">{escape(ordered_text(number, order))}</bdi>')


def install_number_filters(environment: jinja2.Environment, order: NumberOrder) -> None:
    """``num`` prints a number as markup, ``num_text`` as text (an attribute a bookmark or running head reads)."""
    environment.filters["num"] = partial(number_html, order=order)
    environment.filters["num_text"] = partial(ordered_text, order=order)
