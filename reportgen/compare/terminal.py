"""Persian text for terminals that do no bidi: wrapped first, then shaped, reordered and mirrored.

A terminal without bidi support prints characters left to right as they come.
So each field is wrapped to the terminal's width in logical order (the order
it is read), and only then is each row shaped (``arabic_reshaper``, keeping
diacritics such as the hamza of «برنامهٔ»), put in visual order (python-bidi),
its paired punctuation mirrored where it runs right to left (python-bidi does
not mirror), and its combining marks put back after their base letter.
Reordering a whole paragraph and letting the terminal wrap it would print its
last words first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import arabic_reshaper
from bidi import get_display

RESHAPER: Final = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})
"""Keeps diacritics (harakat, hamza above): deleting them would hide a change «برنامهٔ» → «برنامه»."""

PERSIAN: Final = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
_MIRROR: Final[dict[str, str]] = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{", "«": "»", "»": "«",
                                  "<": ">", ">": "<", "‹": "›", "›": "‹"}  # fmt: skip
_ZERO_WIDTH: Final = frozenset("\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069")


def _strong(char: str) -> str | None:
    """'L' or 'R' for a character that decides direction (digits lean right in a right-to-left line)."""
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in ("R", "AL", "AN"):
        return "R"
    return None


def mirror(text: str, strong: dict[str, str] | None = None) -> str:
    """Mirror paired punctuation that will run right to left in a right-to-left line.

    A bracket runs left to right only between left-to-right text on both sides
    (a Latin name in parentheses keeps its brackets in its own run otherwise).
    ``strong`` maps stand-in characters to the direction they stand for.
    """
    strong = strong or {}

    def direction(char: str) -> str | None:
        return strong.get(char) or _strong(char)

    out = list(text)
    for index, char in enumerate(text):
        if char not in _MIRROR:
            continue
        before = next((d for c in reversed(text[:index]) if (d := direction(c))), "R")
        after = next((d for c in text[index + 1:] if (d := direction(c))), "R")
        if not (before == "L" and after == "L"):
            out[index] = _MIRROR[char]
    return "".join(out)


def _marks_after_base(text: str) -> str:
    """In reversed runs combining marks come before their letter: put each run of them back after it."""
    return re.sub(r"([\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]+)([^\u0300-\u036f\u0610-\u061a"
                  r"\u064b-\u065f\u0670\u06d6-\u06ed])", lambda m: m.group(2) + m.group(1), text)  # fmt: skip


def visual_row(text: str, strong: dict[str, str] | None = None) -> str:
    """One logical row, shaped, reordered right to left and mirrored (unchanged without Persian)."""
    if not PERSIAN.search(text):
        return text
    return _marks_after_base(str(get_display(RESHAPER.reshape(mirror(text, strong)), base_dir="R")))


def width(text: str, wide: Iterable[str] = ()) -> int:
    """Columns a row takes: combining marks and zero-width characters take none; ``wide`` ones two."""
    doubled = set(wide)
    total = 0
    for char in text:
        if char in doubled:
            total += 2
        elif not (unicodedata.combining(char) or char in _ZERO_WIDTH):
            total += 1
    return total


@dataclass(frozen=True)
class Piece:
    """A word or space of a field with the operation it belongs to."""

    op: str
    text: str


_WORD = re.compile(r"\n|[^\S\n]+|[^\s]+")


def pieces(ops: Sequence[tuple[str, str]]) -> list[Piece]:
    """Operations as words, spaces and line breaks, each carrying its operation."""
    return [Piece(op, part) for op, text in ops for part in _WORD.findall(text)]


def wrap(parts: Sequence[Piece], columns: int, mark_width: int = 0) -> list[list[Piece]]:
    """Greedy wrapping in logical order: rows of whole words within ``columns`` (a longer word has its own row).

    Each deleted or inserted run on a row costs ``mark_width`` columns for its two brackets.
    """
    rows: list[list[Piece]] = [[]]
    used = 0
    for part in parts:
        if part.text == "\n":
            rows.append([])
            used = 0
            continue
        if part.text.isspace():
            if rows[-1]:
                rows[-1].append(part)
                used += width(part.text)
            continue
        previous = next((p.op for p in reversed(rows[-1]) if not p.text.isspace()), None)
        cost = width(part.text) + (mark_width if part.op != "equal" and part.op != previous else 0)
        if rows[-1] and used + cost > columns:
            while rows[-1] and rows[-1][-1].text.isspace():
                rows[-1].pop()
            rows.append([])
            used = 0
            cost = width(part.text) + (mark_width if part.op != "equal" else 0)
        rows[-1].append(part)
        used += cost
    for row in rows:
        while row and row[-1].text.isspace():
            row.pop()
    return rows
