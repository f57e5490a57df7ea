"""No fallback font in a finished PDF: every embedded font must be one of the project's own.

Pango falls back to a system font (DejaVu, Noto…) for a character the
configured fonts cannot draw, and WeasyPrint embeds it without a word. The
validate-time check (``content/glyphs.py``) sees content only; text a template
or a generated word brings in reaches the PDF unchecked. So the typeset PDF is
read back: a font whose program is not one of the font files the build may
read (the ones an ``@font-face`` can name) is a fallback, and the characters
it draws (from its ToUnicode map) are named.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pikepdf
from fontTools.ttLib import TTLibError

from reportgen.errors import FallbackFontError
from reportgen.typeset.pdfmerge import font_dictionaries, postscript_name, unicode_map, vendored_fonts

_PROGRAMS = ("/FontFile2", "/FontFile3", "/FontFile")
_NOTDEF = 0
"""Glyph 0 (.notdef) is in every ToUnicode map WeasyPrint writes; it stands for no character."""


def _descriptor(font: Any) -> Any:
    """A font's descriptor, the CIDFont's for a composite (Type0) font; None for a Type3 font."""
    if "/DescendantFonts" in font:
        return font["/DescendantFonts"][0].get("/FontDescriptor")
    return font.get("/FontDescriptor")


def _embedded_name(font: Any) -> str:
    """The PostScript name in the embedded program, else the /BaseFont without its subset tag."""
    descriptor = _descriptor(font)
    program = next((descriptor[key] for key in _PROGRAMS if key in descriptor), None) if descriptor else None
    if program is not None:
        try:
            return postscript_name(program.read_bytes())
        except (TTLibError, KeyError):  # a bare CFF or Type 1 program: its name in the PDF will do
            pass
    return str(font.get("/BaseFont", "/?"))[1:].split("+")[-1]


def _drawn(font: Any) -> str:
    """The characters a font draws, from its ToUnicode map (hex UTF-16), .notdef left out."""
    found = (bytes.fromhex(text).decode("utf-16-be", "replace") for glyph, text in sorted(unicode_map(font).items())
             if glyph != _NOTDEF)  # fmt: skip
    return "".join(dict.fromkeys("".join(found)))


def foreign_fonts(pdf: bytes, configured: frozenset[str]) -> dict[str, str]:
    """Embedded font (PostScript name) → the characters it draws, for every font not in ``configured``."""
    found: dict[str, str] = {}
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        for fonts in font_dictionaries(document):
            for resource_name in fonts.keys():
                font = fonts[resource_name]
                name = _embedded_name(font)
                if name not in configured:
                    found[name] = "".join(dict.fromkeys(found.get(name, "") + _drawn(font)))
    return found


def check_fonts(pdf: bytes, roots: Sequence[Path]) -> None:
    """Raise ``FallbackFontError`` when ``pdf`` embeds a font other than the font files under ``roots``."""
    foreign = foreign_fonts(pdf, frozenset(vendored_fonts(roots)))
    if foreign:
        raise FallbackFontError(foreign)
