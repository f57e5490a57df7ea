"""Page margins and backgrounds laid out only on the pages a part draws.

The fast path's front document (see ``chapters``) can be drawn by two workers
at once, each writing some of its pages: each lays the whole document out
(pagination, counters, strings: the same pages) but lays out the margin boxes
and backgrounds — most of what a page costs after pagination — only on the
pages it writes. ``layout_document`` makes both for every page in its last
loop; this replaces the two names it calls there (module globals of
``weasyprint.layout``) by wrappers that skip the pages outside the current
selection. A skipped page keeps no margin boxes, so nothing may read its
printed number; it is never drawn.

With no selection (every ordinary layout) the wrappers call WeasyPrint's own
functions unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import weasyprint.layout as layout
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import make_margin_boxes

_selection: slice | None = None
_skipped: set[int] = set()
"""``id`` of the page boxes whose margins were skipped in the current layout (their backgrounds are too)."""


def _margin_boxes(context: Any, page: Any, state: Any) -> Any:
    if _selection is not None:
        total = len(context.page_maker) - 1  # pagination is over: one entry per page, and the next
        if context.current_page - 1 not in range(total)[_selection]:
            _skipped.add(id(page))
            return iter(())
    return make_margin_boxes(context, page, state)


def _backgrounds(page: Any, get_image_from_uri: Any) -> Any:
    if id(page) in _skipped:
        return None
    return layout_backgrounds(page, get_image_from_uri)


def install() -> None:
    """Route ``layout_document``'s last loop through the wrappers (idempotent)."""
    layout.make_margin_boxes = _margin_boxes
    layout.layout_backgrounds = _backgrounds


@contextmanager
def only(selection: slice) -> Iterator[None]:
    """Within this block, layouts give margin boxes and backgrounds only to the pages ``selection`` picks."""
    global _selection
    install()
    _selection = selection
    try:
        yield
    finally:
        _selection = None
        _skipped.clear()
