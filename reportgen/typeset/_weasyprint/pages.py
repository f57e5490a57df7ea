"""What WeasyPrint knows of a laid-out page and does not publish: the name of its page type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from weasyprint.layout.page import PageType


def page_names(pages: Iterable[Any]) -> tuple[str, ...]:
    """The page name (CSS ``page``, "" for none) of each of ``pages`` (WeasyPrint ``Page`` objects)."""
    names = []
    for page in pages:
        page_type = page._page_box.page_type
        assert isinstance(page_type, PageType)  # the shape this module was written against
        names.append(page_type.name or "")
    return tuple(names)
