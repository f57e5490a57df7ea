"""Zero-width joiners and bidi marks kept in the PDF's text: «می‌شود» extracts as «می‌شود», not «میشود».

Pango shapes U+200C ZERO WIDTH NON-JOINER (and U+200D) as ``PANGO_GLYPH_EMPTY``,
and WeasyPrint's ``draw_first_line`` (``weasyprint/draw/text.py``) draws an
empty glyph as a zero displacement only, so no glyph, no ``/ToUnicode`` entry,
and no extractor can ever give the character back: every Persian word written
with a ZWNJ (a tenth of the sample's words) is copied, searched and read aloud
wrong.

Where the font has a glyph of its own for the character (Vazirmatn's is
empty, with no advance, as fonts for Persian make it), this draws that glyph
instead, so the text map gets an entry. The page looks exactly as before: the
glyph has no outline, and its advance is the zero the layout already used.

This is the change we would offer WeasyPrint upstream, where it is three lines
in ``draw_first_line``: before ``if glyph_id == pango.PANGO_GLYPH_EMPTY``, take
the font's nominal glyph for a cluster that is one of these characters. Here it
is applied from outside, without copying that function: the first line Pango
gives ``draw_first_line`` is retouched in place (its glyph ids) before the
original draws it. Only behind the package's gate (``_weasyprint.enabled``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cffi
from weasyprint.draw import text as draw_text
from weasyprint.text.ffi import ffi, pango

KEPT = frozenset("\u200c\u200d\u200e\u200f")
"""Default-ignorable characters given their own glyph: zero width non-joiner and joiner, and the
left-to-right and right-to-left marks (around the hyphens of compound numbers and the dashes of
ranges: in the text, they let an extractor that reorders a line give the parts in written order)."""

_KEPT_UTF8 = {char.encode(): ord(char) for char in KEPT}
_EMPTY = 0x0FFFFFFF  # PANGO_GLYPH_EMPTY

_hb_ffi = cffi.FFI()
_hb_ffi.cdef("""
    typedef struct _hb_font_t hb_font_t;
    int hb_font_get_nominal_glyph (hb_font_t *font, uint32_t unicode, uint32_t *glyph);
""")
_harfbuzz: Any = None


def _nominal_glyph(pango_font: Any, codepoint: int, cache: dict[tuple[int, int], int]) -> int:
    """The font's own glyph for ``codepoint``, or 0 where it has none."""
    global _harfbuzz
    key = (int(ffi.cast("uintptr_t", pango_font)), codepoint)
    if key not in cache:
        if _harfbuzz is None:
            _harfbuzz = _hb_ffi.dlopen("libharfbuzz.so.0")
        hb_font = _hb_ffi.cast("hb_font_t *", int(ffi.cast("uintptr_t", pango.pango_font_get_hb_font(pango_font))))
        glyph = _hb_ffi.new("uint32_t *")
        cache[key] = glyph[0] if _harfbuzz.hb_font_get_nominal_glyph(hb_font, codepoint, glyph) else 0
    return cache[key]


def keep_joiners(line: Any, text: bytes, cache: dict[tuple[int, int], int]) -> None:
    """Give every empty glyph of ``line`` that stands for a ZWNJ/ZWJ/LRM/RLM the font's own glyph."""
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        item = run.data
        run = run.next
        glyphs = item.glyphs
        for i in range(glyphs.num_glyphs):
            info = glyphs.glyphs[i]
            if info.glyph != _EMPTY or info.geometry.width:
                continue
            start = item.item.offset + glyphs.log_clusters[i]
            codepoint = _KEPT_UTF8.get(text[start : start + 3])
            if codepoint is not None and (glyph := _nominal_glyph(item.item.analysis.font, codepoint, cache)):
                info.glyph = glyph


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    cache: dict[tuple[int, int], int] = {}

    def draw_first_line(stream: Any, textbox: Any, *args: Any) -> Any:
        layout = textbox.pango_layout
        if not any(char in textbox.text for char in KEPT):
            return original(stream, textbox, *args)
        get_first_line = layout.get_first_line

        def first_line() -> Any:
            line, index = get_first_line()
            keep_joiners(line, layout.text.encode(), cache)
            return line, index

        layout.get_first_line = first_line
        try:
            return original(stream, textbox, *args)
        finally:
            del layout.get_first_line

    draw_first_line.__wrapped__ = original  # type: ignore[attr-defined]
    return draw_first_line


def install() -> None:
    """Draw joiners with the font's glyphs from now on in this process (idempotent)."""
    if not hasattr(draw_text.draw_first_line, "__wrapped__"):
        draw_text.draw_first_line = _wrap(draw_text.draw_first_line)
