"""Leader dots drawn a few at a time rather than one by one.

WeasyPrint lays ``leader(".")`` out as one text box per dot, each drawn on its
own (its own text object, font and colour state): in the contents and lists,
the dots take much of the time their pages take (see ``make bench``).
After layout, this joins each leader's dots — equally spaced copies of one
text box — into runs of ``RUN`` dots, each a single text box starting where
its first dot was. Pango gives a run the font's own advances, which differ
from the spacing WeasyPrint used by a fraction of a thousandth of an em
(about 0.004 pt a dot), so within a run the dots land less than 0.06 pt from
where they were: the page looks the same and its text is the same.

It reaches into WeasyPrint's laid-out box tree, so it only runs behind the
package's gate (``_weasyprint.enabled``), as ``resync`` does; a run that Pango would
shape differently from the separate dots (a ligature, say), or a leader of
anything but one punctuation mark (a letter has a direction; spaces change how
text is extracted), is left alone.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from weasyprint.text.line_break import create_layout, line_size

RUN = 16
"""Dots per run: fewer text objects by this factor, at most ``RUN`` × 0.004 pt of drift."""

# Characters that shape and order the same alone as in a run (no strong direction).
_NEUTRAL = frozenset(("CS", "ON", "ES", "ET"))


def join_leader_dots(pages: Iterable[Any]) -> None:
    """Join the dots of every leader on ``pages`` (WeasyPrint ``Page`` objects) into runs."""
    for page in pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if box.is_leader:
                _join(box)
            else:
                stack.extend(getattr(box, "children", ()))


def _join(leader: Any) -> None:
    dots = sorted(leader.children, key=lambda dot: dot.position_x)
    if len(dots) < 2 or not _joinable(dots):
        return
    # The dot that meets the entry's text (the rightmost in a right-to-left
    # line) stays alone, so the gap there is exactly WeasyPrint's.
    rest, alone = (dots[:-1], dots[-1:]) if leader.style["direction"] == "rtl" else (dots[1:], dots[:1])
    chunks = [alone] + [rest[start : start + RUN] for start in range(0, len(rest), RUN)]
    layouts: dict[int, Any] = {1: alone[0].pango_layout}
    runs = []
    for chunk in chunks:
        if len(chunk) not in layouts:
            layouts[len(chunk)] = _run_layout(chunk[0], len(chunk))
        if layouts[len(chunk)] is None:
            return  # shaped differently as a run: keep the dots
        run = chunk[0].copy_with_text(chunk[0].text * len(chunk))
        run.pango_layout = layouts[len(chunk)]
        run.width = chunk[-1].position_x + chunk[-1].width - chunk[0].position_x
        runs.append(run)
    leader.children = tuple(runs)


def _joinable(dots: list[Any]) -> bool:
    """Copies of one box (same text, style and width), side by side, of one visible direction-neutral character."""
    first = dots[0]
    if len(first.text) != 1 or first.text.isspace() or unicodedata.bidirectional(first.text) not in _NEUTRAL:
        return False
    step = first.width
    return all(
        dot.text == first.text and dot.style is first.style and abs(dot.width - step) < 1e-6
        and abs(dot.position_x - first.position_x - index * step) < 1e-3 and dot.position_y == first.position_y
        for index, dot in enumerate(dots)
    )  # fmt: skip


def _run_layout(dot: Any, count: int) -> Any | None:
    """A Pango layout of ``count`` copies of the dot's text, if it is as wide as the dots side by side."""
    layout = create_layout(dot.text * count, dot.style, None, None, 0)
    first_line, _ = layout.get_first_line()
    width, _ = line_size(first_line, dot.style)
    return layout if abs(width - count * dot.width) <= 0.01 * dot.width * count else None
