"""A glyph's width in the PDF's font (/W) is the font's own advance, not that of the size it was first drawn at.

WeasyPrint 70's ``draw_first_line`` (``weasyprint/draw/text.py``) records a
glyph's width for the PDF font the first time the document draws that glyph,
from ``pango_font_get_glyph_extents`` on the Pango font of *that* run: Pango's
extents at 9 pt and at 12 pt, in thousandths of an em, can differ by one. Every
later use of the glyph is then positioned with a ``TJ`` adjustment against that
width, truncated to a whole thousandth. So where a glyph lands depends, by a
hundredth of a point, on which size drew it first anywhere earlier in the
document: the same laid-out page is drawn a little differently in two PDFs
whose earlier pages differ.

That breaks what the chapter path relies on: an incremental rebuild
(``resync``, ``pdfmerge.splice``) takes later pages from the previous PDF,
drawn against the previous PDF's widths; ``pdfmerge.merge`` gives every part's
pages one width per glyph (first part wins). In the sample, the footnote fix
(``footnotes``) kept a note on page 1 of the case studies: its smaller «ص»
came first, its width became 1270 instead of 1271, and three lines of a table
nine pages on moved by 0.009 pt — enough to change a raster (tests/test_resync.py).

The change: at that first use, the width WeasyPrint reads is the glyph's
advance in the font itself (``hmtx``/``HVAR`` through HarfBuzz, at the units
per em, with the run's variations), scaled so that WeasyPrint's own rounding
gives exactly ``round(advance * 1000 / upem)``, the width WeasyPrint writes
with ``full_fonts``. The same glyph of the same face has the same width in
every PDF, whatever was drawn before; positions are unchanged in kind (the
``TJ`` adjustments make up the difference, as before). Applied from outside:
``draw_first_line``'s module sees a ``pango`` whose
``pango_font_get_glyph_extents`` reports that width; everything else is
Pango's. Colour bitmap fonts (emoji drawn as images sized from this width)
keep Pango's. Only behind the package's gate (``_weasyprint.enabled``).
"""

from __future__ import annotations

from typing import Any

import cffi
from weasyprint.draw import text as draw_text
from weasyprint.text.ffi import FROM_UNITS, ffi, pango

_hb_ffi = cffi.FFI()
_hb_ffi.cdef("""
    typedef struct _hb_font_t hb_font_t;
    typedef struct _hb_face_t hb_face_t;
    hb_face_t *hb_font_get_face (hb_font_t *font);
    hb_face_t *hb_face_reference (hb_face_t *face);
    unsigned int hb_face_get_upem (const hb_face_t *face);
    hb_font_t *hb_font_create (hb_face_t *face);
    void hb_font_set_scale (hb_font_t *font, int x_scale, int y_scale);
    const int *hb_font_get_var_coords_normalized (hb_font_t *font, unsigned int *length);
    void hb_font_set_var_coords_normalized (hb_font_t *font, const int *coords, unsigned int coords_length);
    int32_t hb_font_get_glyph_h_advance (hb_font_t *font, uint32_t glyph);
    int hb_ot_color_has_png (hb_face_t *face);
""")
_harfbuzz: Any = None

_units: dict[tuple[int, tuple[int, ...]], tuple[Any, int, bool]] = {}
"""(face, variation coordinates) → an unscaled HarfBuzz font of it, its units per em, whether it has colour bitmaps.

The faces are referenced (never freed), so an address is never reused for another face."""


def _unscaled(pango_font: Any) -> tuple[Any, int, bool]:
    """HarfBuzz font of ``pango_font``'s face at its units per em, with its variations."""
    global _harfbuzz
    if _harfbuzz is None:
        _harfbuzz = _hb_ffi.dlopen("libharfbuzz.so.0")
    sized = _hb_ffi.cast("hb_font_t *", int(ffi.cast("uintptr_t", pango.pango_font_get_hb_font(pango_font))))
    face = _harfbuzz.hb_font_get_face(sized)
    length = _hb_ffi.new("unsigned int *")
    pointer = _harfbuzz.hb_font_get_var_coords_normalized(sized, length)
    coords = tuple(pointer[i] for i in range(length[0]))
    key = (int(_hb_ffi.cast("uintptr_t", face)), coords)
    if key not in _units:
        upem = _harfbuzz.hb_face_get_upem(face)
        unscaled = _harfbuzz.hb_font_create(_harfbuzz.hb_face_reference(face))
        _harfbuzz.hb_font_set_scale(unscaled, upem, upem)
        if coords:
            _harfbuzz.hb_font_set_var_coords_normalized(unscaled, _hb_ffi.new("int[]", coords), len(coords))
        _units[key] = (unscaled, upem, bool(_harfbuzz.hb_ot_color_has_png(face)))
    return _units[key]


def nominal_width(pango_font: Any, glyph: int) -> int:
    """The glyph's width in thousandths of an em, from the font's advance: the same at every size."""
    unscaled, upem, _png = _unscaled(pango_font)
    advance: int = _harfbuzz.hb_font_get_glyph_h_advance(unscaled, glyph)
    return round(advance * 1000 / upem)


def _font_size(pango_font: Any) -> float:
    """The size WeasyPrint divides by for this font (``get_pango_font_key``, ``Stream.add_font``)."""
    description = ffi.gc(pango.pango_font_describe_with_absolute_size(pango_font), pango.pango_font_description_free)
    return float(pango.pango_font_description_get_size(description) * FROM_UNITS)


class _Pango:
    """WeasyPrint's Pango library, but for the logical width of a glyph's extents: its nominal width."""

    def __init__(self, library: Any) -> None:
        self._library = library

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._library, name)
        setattr(self, name, value)  # later reads are plain attribute reads
        return value

    def pango_font_get_glyph_extents(self, pango_font: Any, glyph: int, ink: Any, logical: Any) -> None:
        self._library.pango_font_get_glyph_extents(pango_font, glyph, ink, logical)
        if logical == ffi.NULL or glyph & self._library.PANGO_GLYPH_UNKNOWN_FLAG or _unscaled(pango_font)[2]:
            return
        # WeasyPrint takes round(width * FROM_UNITS * 1000 / size): this width gives the nominal one back
        # exactly for any size of 1 px or more.
        logical.width = round(nominal_width(pango_font, glyph) * _font_size(pango_font) / FROM_UNITS / 1000)


def install() -> None:
    """Record nominal glyph widths in PDF fonts from now on in this process (idempotent)."""
    if not isinstance(draw_text.pango, _Pango) and pango.pango_version() >= 14802:
        draw_text.pango = _Pango(draw_text.pango)


# The names this module reads, so that the gate fails on a WeasyPrint without them.
_NEEDED = (draw_text.draw_first_line, pango.pango_font_get_glyph_extents, pango.pango_font_get_hb_font,
           pango.pango_font_describe_with_absolute_size, pango.PANGO_GLYPH_UNKNOWN_FLAG)
