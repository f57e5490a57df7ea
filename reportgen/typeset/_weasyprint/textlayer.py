"""The PDF's text layer holds the text that was written, in an order every extractor reads back.

WeasyPrint 70 draws a line (``draw_first_line``, ``weasyprint/draw/text.py``)
glyph by glyph in visual order, and gives each glyph id one text (``/ToUnicode``)
taken from the cluster it first drew. Three things are lost that way in
right-to-left text, each measured with pdftotext, pypdf and pdf.js
(``benchmarks/extract.py``):

1. **Joiners.** Pango shapes U+200C ZERO WIDTH NON-JOINER (and ZWJ, LRM, RLM)
   as ``PANGO_GLYPH_EMPTY``, drawn as a zero displacement only: no glyph, no
   text. Every word written with a ZWNJ (a tenth of the sample's) came out
   joined. Here the font's own glyph for the character is drawn instead (empty,
   with no advance, as fonts for Persian make it).

2. **Clusters of several characters drawn by one glyph**: «لا», «لأ», «هٔ».
   Their text was the cluster in written order, inside one glyph. Extractors
   that reverse a right-to-left line (pdftotext, pdf.js) reverse it character
   by character, so «اسلامی» came out «اسالمی»; pypdf reverses glyph by glyph
   and kept it; and pdf.js takes a glyph whose text holds a mark (U+0654) for
   a zero-width mark, so «برنامهٔ» came out «برنام ٔه». No single text for the
   glyph serves all three. So the glyph gets one character, the cluster's
   first, and each further character gets a *carrier*: a zero-width glyph of
   its own, drawn just before it (to its left), whose text is that character.
   Carriers are codes past the font's last glyph (``typeset.carriers``), which
   the font's ``/CIDToGIDMap`` sends to the font's empty ZWNJ glyph
   (``carriers_mapped``, as WeasyPrint writes its fonts): every extractor then
   reads one character per glyph and puts them back in written order by
   position alone. (pdf.js still pushes a mark before the word space it infers
   from the gap, so «برنامهٔ شهر» now comes out «برنامه ٔ شهر» there.)

3. **Neutral characters next to each other** («، » and «. » between words,
   « (» before a bracket). pdftotext gives a run of characters that are not
   right-to-left letters in visual order, so «راهبرد، اهداف» came out
   «راهبرد ،اهداف»: the comma moved to the next word. A right-to-left mark is
   drawn between two such characters (the font's empty RLM glyph), which ends
   the run; pypdf and pdf.js read the same text, the mark aside.

The page looks exactly as before: every glyph added is empty and has no
advance, and nothing moves. Applied from outside, without copying
``draw_first_line``: the first line Pango gives it is retouched in place (glyph
ids, and glyphs inserted through Pango's public ``pango_glyph_string_set_size``)
before the original draws it, and the glyphs' texts are entered in WeasyPrint's
font before it would derive them. Upstream, (1) is three lines in
``draw_first_line`` and (2) belongs in its text map and font writer. Only behind
the package's gate (``_weasyprint.enabled``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

import cffi
import weasyprint.pdf as weasyprint_pdf
from weasyprint.draw import text as draw_text
from weasyprint.text.ffi import ffi, pango

from reportgen.typeset.carriers import carrier_code, cid_to_gid_map

KEPT = frozenset("\u200c\u200d\u200e\u200f")
"""Default-ignorable characters given their own glyph: zero width non-joiner and joiner, and the
left-to-right and right-to-left marks (around the hyphens of compound numbers and the dashes of
ranges: in the text, they let an extractor that reorders a line give the parts in written order)."""

ZWNJ = "\u200c"
RLM = "\u200f"

_NEUTRAL = frozenset({"WS", "CS", "ON", "ES", "ET", "S", "B"})
"""Bidi classes that pdftotext runs together, in visual order, inside a right-to-left line."""

_KEPT_UTF8 = {char.encode(): ord(char) for char in KEPT}
_EMPTY = 0x0FFFFFFF  # PANGO_GLYPH_EMPTY
_UNKNOWN = 0x10000000  # PANGO_GLYPH_UNKNOWN_FLAG

_c = cffi.FFI()
_c.cdef("""
    typedef struct _hb_font_t hb_font_t;
    int hb_font_get_nominal_glyph (hb_font_t *font, uint32_t unicode, uint32_t *glyph);
    void pango_glyph_string_set_size (void *string, int new_len);
""")
_libraries: dict[str, Any] = {}


def _library(name: str) -> Any:
    if name not in _libraries:
        _libraries[name] = _c.dlopen(name)
    return _libraries[name]


def _nominal_glyph(stream: Any, pango_font: Any, codepoint: int) -> int:
    """The font's own glyph for ``codepoint``, or 0 where it has none.

    Remembered on WeasyPrint's PDF font of this document, never by the Pango
    font's address alone: a later document's font may be given the same address.
    """
    known: dict[int, int] = _font(stream, pango_font).__dict__.setdefault("reportgen_nominal", {})
    if codepoint not in known:
        hb_font = _c.cast("hb_font_t *", int(ffi.cast("uintptr_t", pango.pango_font_get_hb_font(pango_font))))
        glyph = _c.new("uint32_t *")
        found = _library("libharfbuzz.so.0").hb_font_get_nominal_glyph(hb_font, codepoint, glyph)
        known[codepoint] = glyph[0] if found else 0
    return known[codepoint]


def keep_joiners(line: Any, text: bytes, stream: Any) -> None:
    """Give every empty glyph of ``line`` that stands for a ZWNJ/ZWJ/LRM/RLM the font's own glyph."""
    for item in _items(line):
        glyphs = item.glyphs
        for i in range(glyphs.num_glyphs):
            info = glyphs.glyphs[i]
            if info.glyph != _EMPTY or info.geometry.width:
                continue
            start = item.item.offset + glyphs.log_clusters[i]
            codepoint = _KEPT_UTF8.get(text[start : start + 3])
            if codepoint is not None and (glyph := _nominal_glyph(stream, item.item.analysis.font, codepoint)):
                info.glyph = glyph


def _items(line: Any) -> list[Any]:
    items = []
    run = line.runs[0] if line.runs != ffi.NULL else ffi.NULL
    while run != ffi.NULL:
        items.append(run.data)
        run = run.next
    return items


class Cluster(NamedTuple):
    """Glyphs ``first`` … ``last`` of a run (visual order), drawing ``text``."""

    first: int
    last: int
    text: str


def clusters(log_clusters: Sequence[int], utf8: bytes) -> list[Cluster]:
    """The clusters of a right-to-left run in visual order, from Pango's ``log_clusters`` (byte offsets, falling)."""
    found: list[Cluster] = []
    first = 0
    for i in range(1, len(log_clusters) + 1):
        if i < len(log_clusters) and log_clusters[i] == log_clusters[first]:
            continue
        end = log_clusters[first - 1] if first else len(utf8)  # the cluster to its right is the next one written
        found.append(Cluster(first, i - 1, utf8[log_clusters[first] : end].decode("utf-8", "replace")))
        first = i
    return found


@cache
def _neutral(char: str) -> bool:
    return unicodedata.bidirectional(char) in _NEUTRAL


def _separates(before: str, after: str) -> bool:
    """Whether a right-to-left mark goes between two characters written one after the other (see 3. above).

    Not between two of a kind (leader dots, «...», two spaces): their order cannot be wrong."""
    return before != after and _neutral(before) and _neutral(after) and not (before.isspace() and after.isspace())


class Insert(NamedTuple):
    """A zero-width glyph to draw before glyph ``at`` of a run (to its left), with its text."""

    at: int
    glyph: int
    text: str


def plan_run(found: Sequence[Cluster], glyph_ids: Callable[[int], int], *, carrier: Callable[[str], int | None],
             rlm: int, written_next: str = "") -> tuple[dict[int, str], list[Insert]]:  # fmt: skip
    """For a right-to-left run: the text to give each ligature glyph, and the glyphs to insert.

    Pure: ``glyph_ids`` gives the glyph id at an index of the run, ``carrier`` a
    character's carrier code (None: none), ``rlm`` the font's right-to-left mark
    glyph (0: none), ``written_next`` the character written just after the run
    when the run to its left continues the right-to-left text (a justified line
    draws each space as a run).
    """
    texts: dict[int, str] = {}
    inserts: list[Insert] = []
    for index, cluster in enumerate(found):
        glyph = glyph_ids(cluster.first)
        ligature = cluster.first == cluster.last and len(cluster.text) > 1
        if ligature and glyph not in (_EMPTY, 0) and not glyph & _UNKNOWN:
            rest = cluster.text[1:]
            codes = [code for char in rest if (code := carrier(char)) is not None]
            drawn = cluster.first > 0 and bool(codes) and glyph_ids(cluster.first - 1) == codes[0]
            if len(codes) == len(rest) and not drawn:  # every character has a carrier; a line drawn twice: once
                texts[glyph] = cluster.text[0]
                pairs = reversed(list(zip(rest, codes, strict=True)))
                inserts.extend(Insert(cluster.first, code, char) for char, code in pairs)
        # the cluster written just before this one is the next to its right
        if rlm and index + 1 < len(found) and found[index + 1].text and cluster.text:
            if _separates(found[index + 1].text[-1], cluster.text[0]) and glyph_ids(found[index + 1].first) != rlm:
                inserts.append(Insert(found[index + 1].first, rlm, RLM))
    if rlm and found and found[0].text and written_next and glyph_ids(0) != rlm:
        if _separates(found[0].text[-1], written_next):
            inserts.insert(0, Insert(0, rlm, RLM))  # the leftmost of anything drawn before glyph 0
    return texts, inserts


def _insert(glyphs: Any, inserts: Sequence[Insert], length: int) -> None:
    """Insert zero-width glyphs into a Pango glyph string of a right-to-left run of ``length`` bytes.

    An inserted glyph takes the cluster of its left neighbour, so that the glyph it
    precedes still ends where the next cluster begins (WeasyPrint reads a glyph's
    text from there).
    """
    old = glyphs.num_glyphs
    _library("libpango-1.0.so.0").pango_glyph_string_set_size(_c.cast("void *", int(ffi.cast("uintptr_t", glyphs))),
                                                               old + len(inserts))  # fmt: skip
    before: dict[int, list[Insert]] = {}
    for insert in inserts:
        before.setdefault(insert.at, []).append(insert)
    shift, end = len(inserts), old
    for at in sorted(before, reverse=True):  # from the end, each stretch moved once, as a block; below ``at``
        # nothing has moved yet, so ``log_clusters[at - 1]`` is still the left neighbour's cluster
        ffi.memmove(glyphs.glyphs + at + shift, glyphs.glyphs + at, (end - at) * _GLYPH_INFO)
        ffi.memmove(glyphs.log_clusters + at + shift, glyphs.log_clusters + at, (end - at) * _INT)
        shift -= len(before[at])
        for index, insert in enumerate(before[at], start=at + shift):
            info = glyphs.glyphs[index]
            info.glyph = insert.glyph
            info.geometry.width = info.geometry.x_offset = info.geometry.y_offset = 0
            info.attr.is_cluster_start = 0
            glyphs.log_clusters[index] = glyphs.log_clusters[at - 1] if at else length
        end = at


_GLYPH_INFO = ffi.sizeof("PangoGlyphInfo")
_INT = ffi.sizeof("int")
_TWO_NON_WORD = re.compile(r"\W\W")
"""Two characters that may both be neutral: where a run may need a right-to-left mark (cheap test first)."""


def _may_need_work(text: str, log_clusters: Sequence[int], written_next: str) -> bool:
    """Whether ``plan_run`` could find anything in a run: a cluster of several characters, or neutrals side by side."""
    return (len(set(log_clusters)) < len(text) or _TWO_NON_WORD.search(text) is not None
            or bool(text and written_next and _separates(text[-1], written_next)))  # fmt: skip


def rework_run(item: Any, text: bytes, stream: Any, written_next: str = "") -> None:
    """Split the ligatures and separate the neutral characters of one right-to-left run (2. and 3. above)."""
    glyphs = item.glyphs
    count = glyphs.num_glyphs
    offset = item.item.offset
    utf8 = text[offset : offset + item.item.length]
    log_clusters = ffi.unpack(glyphs.log_clusters, count)
    if not count or not _may_need_work(utf8.decode("utf-8", "replace"), log_clusters, written_next):
        return
    found = clusters(log_clusters, utf8)
    pango_font = item.item.analysis.font
    font = _font(stream, pango_font)
    empty = _nominal_glyph(stream, pango_font, ord(ZWNJ))

    def carrier(char: str) -> int | None:
        return carrier_code(font.glyph_count, char) if empty else None

    texts, inserts = plan_run(found, lambda index: int(glyphs.glyphs[index].glyph), carrier=carrier,
                              rlm=_nominal_glyph(stream, pango_font, ord(RLM)), written_next=written_next)  # fmt: skip
    if not inserts:
        return
    # A glyph has one text in a PDF font: the running text's wins over an earlier use, such as a figure's label
    # drawn from presentation forms («ﻻ»), so that every part of a chapter-by-chapter build agrees on it.
    font.to_unicode.update(texts)
    for insert in inserts:
        font.to_unicode.setdefault(insert.glyph, insert.text)
        font.widths.setdefault(insert.glyph, 0)
        if insert.glyph >= font.glyph_count:
            font.__dict__.setdefault("reportgen_carriers", {})[insert.glyph] = empty
            font.to_unicode.setdefault(empty, ZWNJ)  # the empty glyph is kept in the subset, with its own text
            font.widths.setdefault(empty, 0)
    _insert(glyphs, inserts, item.item.length)


def _font(stream: Any, pango_font: Any) -> Any:
    """WeasyPrint's PDF font for ``pango_font`` (``Stream.add_font``), remembered by address on this page's stream:
    while the page is drawn, its Pango fonts stay alive, so no other font takes the address."""
    known: dict[int, Any] = stream.__dict__.setdefault("reportgen_fonts", {})
    address = int(ffi.cast("uintptr_t", pango_font))
    if address not in known:
        known[address] = stream.add_font(pango_font)[0]
    return known[address]


def _wrap(original: Callable[..., Any]) -> Callable[..., Any]:
    def draw_first_line(stream: Any, textbox: Any, *args: Any) -> Any:
        layout = textbox.pango_layout
        get_first_line = layout.get_first_line

        def first_line() -> Any:
            line, index = get_first_line()
            utf8 = layout.text.encode()
            if any(char in textbox.text for char in KEPT):
                keep_joiners(line, utf8, stream)
            items = _items(line)  # in visual order
            for left, item in zip([None, *items], items, strict=False):
                if item.item.analysis.level % 2:
                    written_next = ""
                    if left is not None and left.item.analysis.level == item.item.analysis.level:
                        written_next = utf8[left.item.offset : left.item.offset + 4].decode("utf-8", "ignore")[:1]
                    rework_run(item, utf8, stream, written_next)
            return line, index

        layout.get_first_line = first_line
        try:
            return original(stream, textbox, *args)
        finally:
            del layout.get_first_line

    draw_first_line.__wrapped__ = original  # type: ignore[attr-defined]
    return draw_first_line


def install() -> None:
    """Draw joiners, carriers and marks, and map the carriers in the fonts, from now on in this process (idempotent)."""
    if not hasattr(draw_text.draw_first_line, "__wrapped__"):
        draw_text.draw_first_line = _wrap(draw_text.draw_first_line)
    if not hasattr(weasyprint_pdf.build_fonts_dictionary, "__wrapped__"):
        weasyprint_pdf.build_fonts_dictionary = _wrap_fonts(weasyprint_pdf.build_fonts_dictionary)


def carriers_mapped(fonts: Any, pdf: Any) -> None:
    """Give each PDF font that draws carriers the ``/CIDToGIDMap`` that sends them to the font's empty glyph."""
    import pydyf

    by_name: dict[bytes, tuple[int, dict[int, int]]] = {}
    for font in fonts.values():
        if carriers := font.__dict__.get("reportgen_carriers"):
            by_name.setdefault(font.name, (font.glyph_count, {}))[1].update(carriers)
    if not by_name:
        return
    for obj in list(pdf.objects):
        if isinstance(obj, pydyf.Dictionary) and obj.get("Subtype") == "/CIDFontType2":
            name = obj.get("BaseFont")
            if (found := by_name.get(name.encode() if isinstance(name, str) else name)) is not None:
                stream = pydyf.Stream([cid_to_gid_map(*found)], compress=True)
                pdf.add_object(stream)
                obj["CIDToGIDMap"] = stream.reference


def _wrap_fonts(original: Callable[..., Any]) -> Callable[..., Any]:
    def build_fonts_dictionary(pdf: Any, fonts: Any, *args: Any) -> Any:
        built = original(pdf, fonts, *args)
        carriers_mapped(fonts, pdf)
        return built

    build_fonts_dictionary.__wrapped__ = original  # type: ignore[attr-defined]
    return build_fonts_dictionary
