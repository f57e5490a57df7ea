"""Incremental page layout: re-lay out an edited part only until it falls back in step.

When one paragraph of a long chapter changes, the pages after it usually come
out exactly as before: as soon as a page of the new layout *ends* where a page
of the previous layout ended — the next page starts at the same point of the
same, unchanged content, in the same layout state — every later page is the
same as before. This module lays a part out page by page with WeasyPrint's own
paginator, records at every page start a *boundary*: a fingerprint of the
paginator's state there, and stops as soon as a boundary equals the previous
layout's boundary at the same page, with the content from there on unchanged.
The caller then takes the later pages from the previous PDF (see
``chapters.splice``).

A boundary is only used when nothing crosses it that the fingerprint cannot
see: the element structure of the whole part must be unchanged (only text was
edited), and the text from the boundary's element on; no footnote is carried
to the next page; nothing is broken out of flow or running; the columns of
every table the boundary falls in are as wide as before; the running strings
in effect (the running head) are the same. Anything else lays the whole part
out, as a fresh render would.

The kept pages are also *drawn* as a fresh render would draw them only because
a glyph's width in the PDF's font does not depend on what the document drew
before (``glyphwidths``): WeasyPrint's own width is that of the first size the
glyph was drawn at, so an edit before the boundary could move later glyphs by
a hundredth of a point.

This reaches into WeasyPrint's paginator (``make_all_pages`` and what
``layout_document`` does after it), so it runs only behind the package's gate
(``_weasyprint.enabled``); otherwise every part is laid out whole by the
public API. ``UPGRADING.md`` says what to compare on a new WeasyPrint. The test suite checks that a whole layout here is
byte-identical to WeasyPrint's own, and that a resynchronised one draws the
same pages as a fresh layout of the edited part.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import weasyprint
from weasyprint import HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.document import Document, Page
from weasyprint.formatting_structure import boxes
from weasyprint.formatting_structure.build import build_formatting_structure
from weasyprint.html import get_html_metadata
from weasyprint.layout import initialize_page_maker
from weasyprint.layout.background import layout_backgrounds
from weasyprint.layout.page import make_all_pages, make_margin_boxes
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.text.fonts import FontConfiguration

from reportgen.typeset.results import LayoutTrace


@dataclass(frozen=True)
class TracedRender:
    """A laid-out document (possibly only its first ``resynced_at`` pages) and its trace."""

    document: Any
    trace: LayoutTrace
    resynced_at: int | None
    """Pages laid out before falling in step with the previous layout, or None for a whole layout."""


class Unsupported(Exception):
    """The document needs something this paginator loop does not reproduce: lay it out whole."""


# ----------------------------------------------------------------- fingerprints


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _canonical(value: object) -> object:
    """A JSON-able, order-independent form of the paginator's state (dicts, lists, sets, scalars)."""
    if isinstance(value, dict):
        return {"d": sorted(([_canonical(k), _canonical(v)] for k, v in value.items()), key=repr)}
    if isinstance(value, (set, frozenset)):
        return {"s": sorted((_canonical(v) for v in value), key=repr)}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise Unsupported(f"paginator state holds a {type(value).__name__}")


def _elements(root: Any) -> list[Any]:
    return list(root.iter())


def _shape(elements: list[Any]) -> str:
    return _digest([[str(e.tag), sorted(e.attrib.items())] for e in elements])


def _texts(elements: list[Any]) -> tuple[str, ...]:
    return tuple(hashlib.sha256(f"{e.text}\x00{e.tail}".encode()).hexdigest()[:16] for e in elements)


def _resume_path(root_box: Any, resume_at: dict[int, Any] | None) -> list[Any] | None:
    """The boxes a page's resume point goes through, outermost first; None if it branches."""
    path: list[Any] = []
    box, stack = root_box, resume_at
    while stack:
        if len(stack) != 1:
            return None
        ((index, stack),) = stack.items()
        children = getattr(box, "children", None)
        if children is None or not isinstance(index, int) or index >= len(children):
            break  # inside a line: the text offset is part of the fingerprint
        box = children[index]
        path.append(box)
    return path


@dataclass
class _Walk:
    """What the page loop keeps between pages to fingerprint boundaries."""

    root_box: Any
    positions: dict[int, int]
    strings: dict[str, str]


Boundary = tuple[str | None, int | None, list[int]]
"""A page start's fingerprint, the element it starts in, and that element's ancestors (document order)."""


def _boundary(context: Any, walk: _Walk, index: int) -> Boundary:
    """The fingerprint at the start of page ``index`` (0-based), or None where it cannot be reused."""
    running = any(any(pages.values()) for pages in context.running_elements.values())
    if context.reported_footnotes or context.broken_out_of_flow or running:
        return None, None, []
    resume_at, next_page, right_page, page_state, _ = context.page_maker[index]
    path = _resume_path(walk.root_box, resume_at) or []
    owners = [box.element for box in path if getattr(box, "element", None) is not None]
    if not owners:
        return None, None, []
    element = walk.positions.get(id(owners[-1]))
    ancestors = sorted({walk.positions[id(owner)] for owner in owners[:-1] if id(owner) in walk.positions})
    columns = [getattr(box, "column_widths", None) for box in path if isinstance(box, boxes.TableBox)]
    try:
        state = _canonical([resume_at, next_page, right_page, list(page_state), columns, walk.strings])
    except Unsupported:
        return None, None, []
    return _digest([state, element, ancestors]), element, ancestors


def _note_strings(page: Any, strings: dict[str, str]) -> None:
    """Record the running strings a page sets (the last one wins, as the next page sees it)."""
    for box in page.descendants():
        if box.string_set and box.string_set != "none":
            for name, text in box.string_set:
                strings[name] = json.dumps(text, ensure_ascii=False, default=repr)


# ----------------------------------------------------------------- the page loop


def _paginate(html: Any, root_box: Any, context: Any, elements: list[Any],
              previous: LayoutTrace | None, texts: tuple[str, ...], shape: str,
              ) -> tuple[list[Any], list[str | None], int | None]:  # fmt: skip
    """Lay pages out one by one; stop when falling in step with ``previous``."""
    initialize_page_maker(context, root_box)
    walk = _Walk(root_box, {id(e): i for i, e in enumerate(elements)}, {})
    comparable = previous is not None and previous.shape == shape and len(previous.texts) == len(texts)
    pages: list[Any] = []
    boundaries: list[str | None] = []
    # A fresh list, as on WeasyPrint's first pass: every page is made anew.
    generator = make_all_pages(context, root_box, html, [])
    for page in generator:
        pages.append(page)
        _note_strings(page, walk.strings)
        if context.page_maker[len(pages)][0] is None and not context.reported_footnotes:
            continue  # the last page: the paginator stops by itself
        fingerprint, element, ancestors = _boundary(context, walk, len(pages))
        boundaries.append(fingerprint)
        if (comparable and previous is not None and fingerprint is not None and element is not None
                and len(pages) <= len(previous.boundaries)
                and previous.boundaries[len(pages) - 1] == fingerprint
                and previous.texts[element:] == texts[element:]
                and all(previous.texts[a] == texts[a] for a in ancestors)):  # fmt: skip
            generator.close()
            return pages, boundaries + list(previous.boundaries[len(pages) :]), len(pages)
    for _resume, _next, _right, _state, remake in context.page_maker:
        if remake["content_changed"] or remake["pages_wanted"]:
            raise Unsupported("the document needs repagination (page-based counters)")
    return pages, boundaries, None


def _finish_pages(context: Any, pages: list[Any], total: int) -> Iterator[Any]:
    """What ``layout_document`` does after pagination, for a document of ``total`` pages.

    Written after WeasyPrint 70's ``layout_document``; target counters are
    refused earlier, so their second parse is not needed here.
    """
    watched: dict[str, list[Any]] = {"before": [], "after": [], "": []}
    for index, page in enumerate(pages):
        context.page_maker[index + 1][3][1]["pages"] = [total]
        if page.fixed_boxes:
            raise Unsupported("fixed boxes repeat on every page")
        for child in page.descendants():
            if child.bookmark_label:
                pseudo = child.element_tag.rpartition("::")[2] if "::" in child.element_tag else ""
                checklist = watched.get(pseudo, watched[""])
                if child.element in checklist:
                    child.bookmark_label = ""
                else:
                    checklist.append(child.element)
            if child.missing_link:
                raise Unsupported("a counter looked up elsewhere")
            if child.string_set and child.string_set != "none":
                for name, text in child.string_set:
                    context.string_set[name][index + 1].append(text)
    for index, page in enumerate(pages):
        root, footnote_area, note_area = page.children
        root.children = list(root.children)  # no fixed boxes (refused above) to repeat
        context.current_page = index + 1
        state = context.page_maker[context.current_page][3]
        children = [root]
        if footnote_area.children:
            children.append(footnote_area)
        if note_area.children:
            children.append(note_area)
        children.extend(make_margin_boxes(context, page, state))
        page.children = tuple(children)
        layout_backgrounds(page, context.get_image_from_uri)
        yield page


def render_traced(html: HTML, stylesheets: list[Any], font_config: FontConfiguration,
                  counter_style: CounterStyle, previous: LayoutTrace | None) -> TracedRender:  # fmt: skip
    """Lay ``html`` out like ``HTML.render``, reusing ``previous``'s later pages where it falls in step.

    Raises ``Unsupported`` when the document needs what this loop does not
    reproduce; the caller then renders it the ordinary way.
    """
    options = dict(weasyprint.DEFAULT_OPTIONS, stylesheets=stylesheets)
    context = Document._build_layout_context(html, font_config, counter_style, {}, options)
    root_box = build_formatting_structure(
        html.etree_element, context.style_for, context.get_image_from_uri, html.base_url,
        context.target_collector, counter_style, context.footnotes)  # fmt: skip
    if context.target_collector.counter_lookup_items:
        raise Unsupported("target counters need a second pass")
    elements = _elements(html.etree_element)
    shape, texts = _shape(elements), _texts(elements)
    pages, boundaries, resynced = _paginate(html, root_box, context, elements, previous, texts, shape)
    total = len(pages) if resynced is None or previous is None else len(previous.boundaries) + 1
    finished = [Page(page) for page in _finish_pages(context, pages, total)]
    document = Document(finished, DocumentMetadata(**get_html_metadata(html)), html.url_fetcher, font_config,
                        {}, options["output_intent"])  # fmt: skip
    document._html = html
    return TracedRender(document, LayoutTrace(shape, texts, tuple(boundaries)), resynced)
