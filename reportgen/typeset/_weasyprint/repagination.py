"""Page numbers looked up elsewhere (``target-counter``) printed on the second pagination pass, not the third.

How WeasyPrint 70 numbers a contents entry, ``target-counter(attr(href), page)``:

1. First pass: the entry is laid out before its target, so it prints ``0``.
   Once its page is made, the entry is parsed again (it lists ``page`` among
   its *missing counters*), still before the target is placed: ``0`` again. Its
   page is marked as changed, which asks for another pass.
2. After the pass, every page's ``pages`` counter (the total) is set.
3. Second pass: the contents pages are laid out again with the ``0``s. Only
   then is each entry parsed again — because the page counter values it
   cached on the first pass differ from its page's, by ``pages`` alone — and
   now prints its target's page. Its page is marked as changed once more.
4. Third pass: the contents pages are laid out with the numbers.

Before each repagination this does what step 3 would: every entry that looks
a target up is parsed again with the page counter values it cached, now
holding the total the page states hold, as its page on the next pass will
(an entry that prints the total itself, ``counter(pages)``, is left to
WeasyPrint). The second pass then lays the numbers out, the entries find
nothing changed, and the third pass is not needed. Where the numbers move
the pages (a wider number, one more line), the pages after them are remade,
and more passes follow, as in WeasyPrint. The PDF is WeasyPrint's own, byte
for byte (``tests/test_repagination.py``), one pass over the contents pages
sooner.

Replaces the module global ``make_all_pages`` of ``weasyprint.layout``, which
``layout_document`` calls once per pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import weasyprint.layout as layout
from weasyprint.layout.page import make_all_pages


def _print_found_targets(context: Any) -> None:
    """Parse every target-counter entry again, as its page's next layout will see its counters."""
    states = context.page_maker
    if len(states) < 2:
        return
    total = states[1][3][1].get("pages")  # layout_document gives every page state the same total
    for (_box, token), lookup in context.target_collector.counter_lookup_items.items():
        cached = lookup.cached_page_counter_values
        if token != "content" or not lookup.missing_target_counters or not cached or "pages" in lookup.missing_counters:
            continue  # bookmarks and strings are WeasyPrint's to parse after the last pass
        if total is not None:
            cached["pages"] = list(total)
        lookup.parse_again(cached)


def _make_all_pages(context: Any, root_box: Any, html: Any, pages: list[Any]) -> Iterator[Any]:
    if pages:  # a repagination: the previous pass has placed the targets and set every page's total
        _print_found_targets(context)
    return make_all_pages(context, root_box, html, pages)  # type: ignore[no-any-return]


def install() -> None:
    """Route ``layout_document``'s passes through ``_make_all_pages`` (idempotent)."""
    layout.make_all_pages = _make_all_pages
