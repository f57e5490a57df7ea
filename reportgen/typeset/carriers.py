"""Carrier glyphs: the codes a PDF font uses to give each character of a ligature its own glyph in the text.

A glyph that draws several characters («لا», «هٔ») keeps the first; each further
character is drawn by a *carrier*, a zero-width code past the font's last glyph
that the font's ``/CIDToGIDMap`` sends to an empty glyph, with that character as
its text (``_weasyprint.textlayer`` draws them). A carrier's code depends only on
the font and the character, so every part of a chapter-by-chapter build agrees
on it and ``pdfmerge`` can join the parts' maps.
"""

from __future__ import annotations

CARRIED = range(0x0600, 0x0700)
"""Characters a carrier can stand for: the Arabic block."""


def carrier_code(glyph_count: int, char: str) -> int | None:
    """The code of the carrier for ``char`` in a font of ``glyph_count`` glyphs, or None where there is none."""
    code = glyph_count + ord(char) - CARRIED.start
    return code if ord(char) in CARRIED and code <= 0xFFFF else None


def cid_to_gid_map(glyph_count: int, carriers: dict[int, int]) -> bytes:
    """A ``/CIDToGIDMap`` stream's bytes: every code below ``glyph_count`` its own glyph, carriers their glyph."""
    table = bytearray()
    for code in range(max(carriers) + 1):
        table += carriers.get(code, code if code < glyph_count else 0).to_bytes(2, "big")
    return bytes(table)


def carriers_in_map(data: bytes) -> dict[int, int]:
    """The carriers of a ``/CIDToGIDMap`` stream (``cid_to_gid_map``): the codes not sent to themselves or to 0."""
    found = {}
    for code in range(len(data) // 2):
        glyph = int.from_bytes(data[2 * code : 2 * code + 2], "big")
        if glyph not in (code, 0):
            found[code] = glyph
    return found
