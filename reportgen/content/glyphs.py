"""Characters the report's fonts cannot draw, found at validate time with their file, line and column.

The build embeds only the project's fonts and has no fallback: a character
none of them covers (CJK, Hebrew, most emoji, ★) would be dropped or drawn
from a system font. Each is refused where it is written instead.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from reportgen.content.blocks import MARK_CHARACTERS
from reportgen.content.loader import LoadedFile, PathKey, iter_strings
from reportgen.errors import Problem, character_names
from reportgen.text.characters import FORBIDDEN

_ALWAYS = frozenset("\n\r\t")  # line structure, never drawn


@cache
def _font_characters(fonts: tuple[tuple[Path, float, int], ...]) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # only validate of a whole edition needs it

    covered: set[int] = set()
    for path, _, _ in fonts:
        with TTFont(path, lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def covered_characters(fonts_dirs: Iterable[Path]) -> frozenset[int] | None:
    """Every code point the fonts under ``fonts_dirs`` map to a glyph (None: no fonts to judge by)."""
    files = sorted({p.resolve() for folder in fonts_dirs for p in folder.rglob("*")
                    if p.suffix.lower() in (".ttf", ".otf") and p.is_file()})  # fmt: skip
    if not files:
        return None
    return _font_characters(tuple((p, p.stat().st_mtime, p.stat().st_size) for p in files))


def _is_drawn_mark(where: PathKey, text: str) -> bool:
    """A legend's ``symbol: ▲`` names a shape the stylesheet draws; the character itself is never typeset."""
    return bool(where) and where[-1] == "symbol" and text in MARK_CHARACTERS


def missing_glyph_problems(files: Iterable[LoadedFile], fonts_dirs: Iterable[Path]) -> list[Problem]:
    """A problem for each text value holding characters the fonts do not cover.

    Markdown character references are decoded first (``&#x2605;`` is a ★).
    """
    covered = covered_characters(fonts_dirs)
    if covered is None:
        return []
    problems: list[Problem] = []
    for loaded in files:
        for where, text in iter_strings(loaded.data):
            if text.isascii() or _is_drawn_mark(where, text):
                continue
            shown = text + (html.unescape(text) if "&" in text else "")
            missing = dict.fromkeys(c for c in shown if ord(c) not in covered and c not in _ALWAYS
                                    and not FORBIDDEN.match(c))  # those are refused as such
            if missing:
                names = character_names("".join(missing))
                problems.append(loaded.problem(where, f"the report's fonts have no glyph for {names}; "
                                                      "write it otherwise or remove it"))
    return problems
