"""Chapter-parallel typesetting with a per-part cache: the typesetting layer's fast path.

The document is split into parts — one per body chapter, and the front — and:

1. each chapter is laid out in a worker process without its page margins, and
   cached on disk (``partcache``) keyed by everything that affects it (its
   HTML, the stylesheets, fonts, tool versions); a chapter that changed is
   laid out only until its pages fall in step with its previous layout
   (``resync``), and the previous layout's later pages are spliced in;
2. once the chapters' pages are known, the front document is laid out: the
   whole document with each chapter stood in for by empty pages, one per page
   it took, carrying its anchors and the elements its margins read. The
   stylesheets then draw the contents' page numbers (``target-counter``) and
   every body page's margins (page number, edition, running head) by their own
   rules, counter styles and page names, as in a single pass (with two workers,
   both lay it out at once, each drawing some of its pages: ``_render_front``);
3. the parts are merged (``pdfmerge``): the stand-in pages' margins drawn over
   the chapters' pages, outlines, named destinations and structure trees
   joined (tagged PDF/UA as a single pass), page labels the front document's,
   each font face embedded once.

A chapter's links into another part are made by WeasyPrint itself (the
anchors they name are given a place in the chapter's layout, see
``engine``), so they are tagged as in a single pass; the merged named
destinations send them to the right page.

The contract with templates and styles, checked where it can be:

- Markup, as ``data-`` attributes the templates emit: the body chapters are
  the children of the element marked ``data-chapters`` (the last one in
  ``<body>``), each marked ``data-chapter="NAME"`` (its name across edits); the
  elements in a chapter that its page margins read (its heading sets the
  running head) are marked ``data-running``; footnotes are marked
  ``data-footnote``, so that a chapter laid out alone numbers its notes on
  from those before it (CSS's ``footnote`` counter, set on the container).
- A chapter's pages do not depend on its place among its siblings (a style
  that tells the first chapter apart must not change its page size).
- Styles (``styles/page.css``): a chapter laid out alone has the class
  ``CHAPTER_CLASS`` on its root element, and the styles hide every margin box
  there; a stand-in page is a ``PAGE_CLASS`` block, hidden, each after the
  first of a chapter starting a new page.
- Each body chapter starts on a new page and its pages do not depend on where
  it starts. Checked: the stand-ins must fall on as many pages, of the same
  sizes, as the chapters took, each chapter's first where it should.

Where the contract does not hold, or WeasyPrint's internals (which name each
page) are unavailable, the document is laid out in one pass instead.

Used with ``-j N``, by ``watch``, and for large editions even in one process
(``is_large``: memory is then bounded by the largest chapter, not the whole).
A cold build is byte-reproducible; after an incremental layout the pages are
the same, though font subsets may hold a few more glyphs than a cold build's.
The worker processes, and what stays warm between parts and builds, live in
``workers``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from reportgen.typeset.fontcheck import check_fonts
from reportgen.typeset.partcache import CachedPart, PartCache
from reportgen.typeset.pdfmerge import merge, splice, vendored_fonts
from reportgen.typeset.results import RenderedPart, TypesetOptions, TypesetResult
from reportgen.typeset.workers import Job, Session, lay_out

CHAPTER_CLASS = "reportgen-chapter"
"""The class on the root element of a chapter laid out alone: the styles hide its page margins."""
PAGE_CLASS = "reportgen-page"
"""The class of a stand-in page in the front document: the styles hide it and start a page with each."""

_CHAPTERS = ' data-chapters="'
_CHAPTER = ' data-chapter="'
_RUNNING = ' data-running="'
_FOOTNOTE = " data-footnote>"


class BrokenContract(Exception):
    """The document or its styles do not meet the fast path's contract: lay it out in one pass."""


@dataclass(frozen=True)
class Chapter:
    name: str
    """The chapter's name across edits (``data-chapter``): its layouts form one lineage."""
    markup: str
    open_tag: str
    close_tag: str
    running: tuple[str, ...]
    """The elements its page margins read (``data-running``), as markup."""
    footnotes_before: int = 0
    """Footnotes (``data-footnote``) earlier in the document: alone, the chapter numbers its own from there."""


@dataclass(frozen=True)
class Split:
    before: str
    """The document up to and including the opening tag of the chapters' container."""
    after: str
    """The document from the container's closing tag on."""
    chapters: tuple[Chapter, ...]

    head: str
    """The document up to and including ``<body>``, with ``CHAPTER_CLASS`` on the root element."""
    container: str
    """The opening tag of the chapters' container."""

    def chapter_document(self, chapter: Chapter) -> str:
        """``chapter`` alone: the document's head, the container, the chapter; margins off by ``CHAPTER_CLASS``.

        The footnote counter (CSS's own, which ``::footnote-call`` reads) goes on from the notes before it.
        """
        container = self.container
        if chapter.footnotes_before:
            counter = f"counter-set: footnote {chapter.footnotes_before};"
            container = (container.replace(' style="', f' style="{counter} ', 1) if ' style="' in container
                         else container[:-1] + f' style="{counter}">')  # fmt: skip
        return f"{self.head}\n{container}{chapter.markup}{self.after}"


def _tag_start(html: str, opening: str) -> int:
    index = html.find(opening)
    if index < 0:
        raise BrokenContract(f"no {opening}> in the document")
    return index


def _tag_name(html: str, start: int) -> str:
    """The name of the tag opening at ``start`` (a ``<``)."""
    end = start + 1
    while end < len(html) and (html[end].isalnum() or html[end] == "-"):
        end += 1
    return html[start + 1 : end]


def _positions(html: str, marker: str) -> Iterator[int]:
    index = html.find(marker)
    while index >= 0:
        yield index
        index = html.find(marker, index + 1)


def _element(html: str, marker_at: int) -> tuple[int, int, str]:
    """Where the element whose opening tag holds the attribute at ``marker_at`` starts and ends, and its tag.

    Attribute values and text are escaped (no raw ``"``, ``<`` or ``>``), so
    markers and tags are found by plain search; an element is expected not to
    contain another of its own tag name.
    """
    start = html.rfind("<", 0, marker_at)
    tag = _tag_name(html, start)
    close = html.find(f"</{tag}>", marker_at)
    if start < 0 or not tag or close < 0 or html.find(f"<{tag}", start + 1, close) >= 0:
        raise BrokenContract(f"cannot delimit the element marked at offset {marker_at}")
    return start, close + len(tag) + 3, tag


def _with_root_class(head: str) -> str:
    start = _tag_start(head, "<html")
    end = head.index(">", start)
    existing = head.find(' class="', start, end)
    if existing >= 0:
        at = existing + len(' class="')
        return f"{head[:at]}{CHAPTER_CLASS} {head[at:]}"
    at = start + len("<html")
    return f'{head[:at]} class="{CHAPTER_CLASS}"{head[at:]}'


def _value(html: str, marker_at: int, marker: str) -> str:
    start = marker_at + len(marker)
    return html[start : html.index('"', start)]


def split_document(html: str) -> Split:
    """The body chapters of ``html`` and what surrounds them, found by the ``data-`` attributes the templates emit."""
    marker = html.find(_CHAPTERS)
    if marker < 0:
        raise BrokenContract("no element marked data-chapters")
    container_start = html.rfind("<", 0, marker)
    tag = _tag_name(html, container_start)
    opened = html.index(">", marker) + 1
    body_end = _tag_start(html, "</body>")
    closed = html.rfind(f"</{tag}>", opened, body_end)
    if closed < 0 or html[closed + len(tag) + 3 : body_end].strip():
        raise BrokenContract("the data-chapters element is not the last in <body>")
    inner = html[opened:closed]
    starts = [inner.rfind("<", 0, at) for at in _positions(inner, _CHAPTER)]
    if not starts or inner[: starts[0]].strip():
        raise BrokenContract("the data-chapters element holds something before its first data-chapter")
    chapters = []
    footnotes = html[:opened].count(_FOOTNOTE)
    for start, end in zip(starts, [*starts[1:], len(inner)], strict=True):
        markup = inner[start:end]
        element_start, element_end, chapter_tag = _element(markup, markup.index(_CHAPTER))
        if element_start != 0 or markup[element_end:].strip():
            raise BrokenContract("something between the data-chapter elements")
        running = tuple(markup[a:b] for a, b, _ in (_element(markup, at) for at in _positions(markup, _RUNNING)))
        chapters.append(Chapter(_value(markup, markup.index(_CHAPTER), _CHAPTER), markup,
                                markup[: markup.index(">") + 1], f"</{chapter_tag}>", running, footnotes))  # fmt: skip
        footnotes += markup.count(_FOOTNOTE)
    body = html.index(">", _tag_start(html, "<body")) + 1
    if body > container_start:
        raise BrokenContract("the data-chapters element is not in <body>")
    return Split(html[:opened], html[closed:], tuple(chapters), _with_root_class(html[:body]),
                 html[container_start:opened])  # fmt: skip


def chapter_documents(html: str) -> dict[str, str]:
    """Each body chapter of ``html`` as the standalone document the fast path lays out, by name."""
    split = split_document(html)
    return {chapter.name: split.chapter_document(chapter) for chapter in split.chapters}


# ----------------------------------------------------------------- rendering parts


def _render_all(jobs: list[Job], settings: TypesetOptions, cache: PartCache, session: Session) -> list[RenderedPart]:
    """Lay jobs out, from the cache where possible, the largest first so the workers finish together.

    A part missing from the cache whose lineage has an earlier layout is laid
    out only until it falls in step with that layout; the rest is spliced in.
    """
    keys = [cache.key(job.html, job.extra_css, job.foreign, job.drawn) for job in jobs]
    lineages = [cache.lineage(job.lineage, job.extra_css) if job.lineage else None for job in jobs]
    found = [cache.get(key) for key in keys]
    missing = sorted((i for i, hit in enumerate(found) if hit is None), key=lambda i: -len(jobs[i].html))
    earlier = {i: cache.latest(lineage) for i in missing if (lineage := lineages[i]) is not None}
    work = [(jobs[i], hit.trace if (hit := earlier.get(i)) is not None else None) for i in missing]
    for index, traced in zip(missing, session.map(work, settings), strict=True):
        part, previous = traced.part, earlier.get(index)
        if traced.resynced_at is not None and previous is not None:
            spliced = splice(part, previous.part, traced.resynced_at)
            if spliced is None:  # its later pages link back into the new ones: lay out whole
                traced = lay_out(jobs[index], settings, None)
            part = spliced or traced.part
        found[index] = CachedPart(part, traced.trace)
        cache.put(keys[index], part, traced.trace)
    for key, lineage in zip(keys, lineages, strict=True):
        if lineage is not None:
            cache.remember(lineage, key)
    return [hit.part for hit in found if hit is not None]


# ----------------------------------------------------------------- the front document


def _ids(markup: str) -> set[str]:
    return {_value(markup, at, ' id="') for at in _positions(markup, ' id="')}


def _links(markup: str) -> set[str]:
    """The anchors ``markup`` links to (a chapter's links to other parts resolve once the parts are merged)."""
    return {_value(markup, at, ' href="#') for at in _positions(markup, ' href="#')}


def _stand_in(chapter: Chapter, part: RenderedPart, names: tuple[str, ...], first: int) -> str:
    """The chapter's element with one empty page per page it took, carrying its anchors and running elements.

    Page ``k`` of the body is the block with id ``PAGE_CLASS-k``; a page whose
    name differs from the chapter's first (a landscape table, say) is given
    that name, as the chapter's layout did.
    """
    present = _ids(chapter.open_tag) | {name for element in chapter.running for name in _ids(element)}
    pages: list[list[str]] = [[] for _ in part.page_sizes]
    pages[0].extend(chapter.running)
    for name, (page, _x, _y) in sorted(part.anchors.items()):
        if name not in present:
            pages[page].append(f'<span id="{escape(name)}"></span>')
    named = [f' style="page: {name}"' if name != names[0] else "" for name in names]  # a name read from the layout
    blocks = "".join(f'<div class="{PAGE_CLASS}" id="{PAGE_CLASS}-{first + index}"{style}>{"".join(inner)}</div>'
                     for index, (inner, style) in enumerate(zip(pages, named, strict=True)))  # fmt: skip
    return f"{chapter.open_tag}{blocks}{chapter.close_tag}"


def _front_document(split: Split, chapters: Sequence[RenderedPart]) -> str:
    stand_ins = []
    first = 0
    for chapter, part in zip(split.chapters, chapters, strict=True):
        if part.page_names is None:
            raise BrokenContract("page names unknown: WeasyPrint's internals are unavailable")
        stand_ins.append(_stand_in(chapter, part, part.page_names, first))
        first += len(part.page_sizes)
    return split.before + "".join(stand_ins) + split.after


def _check_stand_ins(front: RenderedPart, chapters: Sequence[RenderedPart]) -> None:
    """The stand-ins must fall one on each page after the front pages, with the chapters' page sizes.

    They do not where a chapter does not start a page of its own, or where its
    pages depend on where it starts (a blank page to reach a right-hand one).
    """
    body = [size for chapter in chapters for size in chapter.page_sizes]
    count = len(front.page_sizes) - len(body)
    if count < 0 or list(front.page_sizes[count:]) != body:
        raise BrokenContract("the chapters' stand-ins do not take the chapters' pages")
    for index in range(len(body)):
        if front.anchors.get(f"{PAGE_CLASS}-{index}", (-1,))[0] != count + index:
            raise BrokenContract(f"body page {index + 1} is not where the chapters' layouts put it")


# ----------------------------------------------------------------- the entry point

LARGE_DOCUMENT_CHARACTERS = 500_000
"""From this much HTML (about 150 pages of a stage report) a one-process build goes chapter by chapter too.

WeasyPrint keeps every page's boxes until the PDF is written, so a single pass
needs memory in proportion to the whole document; chapter by chapter it needs
that of the largest chapter, and it is no slower (``make bench``'s 400-page rows).
Below this size the split's fixed costs (front document, merge) outweigh what
it saves.
"""


def is_large(html: str) -> bool:
    """Whether ``html`` is large enough to lay out chapter by chapter even in one process."""
    return len(html) >= LARGE_DOCUMENT_CHARACTERS


def typeset_chapters(html: str, settings: TypesetOptions, *, jobs: int, cache_dir: Path | None,
                     session: Session | None = None) -> TypesetResult:  # fmt: skip
    """Typeset a document chapter by chapter in ``jobs`` processes, reusing cached parts.

    A caller that typesets again and again passes its own ``session`` (its
    ``workers`` then count, not ``jobs``); otherwise one lives for this call.
    """
    cache = PartCache(cache_dir, settings)
    shared: TypesetOptions = {**settings, "style_key": cache.salt}  # every part parses the same stylesheets
    current = Session(jobs) if session is None else session
    try:
        try:
            result = _typeset(split_document(html), shared, cache, current, vendored_fonts(settings["allowed_roots"]))
        except BrokenContract:
            (whole,) = current.map([(Job(html), None)], shared)
            result = TypesetResult(whole.part.pdf, len(whole.part.page_sizes))
    finally:
        if session is None:
            current.close()
    cache.prune()
    check_fonts(result.pdf, settings["allowed_roots"])  # the merged PDF, as the single pass checks its own
    return result


def _typeset(split: Split, settings: TypesetOptions, cache: PartCache, session: Session,
             originals: dict[str, Path]) -> TypesetResult:  # fmt: skip
    everywhere = _ids(split.before) | {name for chapter in split.chapters for name in _ids(chapter.markup)}
    chapter_jobs = [Job(split.chapter_document(chapter), lineage=chapter.name,
                        foreign=frozenset(_links(chapter.markup) & everywhere - _ids(chapter.markup)))
                    for chapter in split.chapters]  # fmt: skip
    chapters = _render_all(chapter_jobs, settings, cache, session)
    front, tail = _render_front(_front_document(split, chapters), chapters, settings, cache, session)
    _check_stand_ins(front, chapters)
    pdf = merge(front, chapters, originals, lambda face, glyphs: session.subset(face, glyphs, cache), tail)
    return TypesetResult(pdf, len(front.page_sizes))


SHARED_FRONT_PAGES = 8
"""From this many body pages on, two workers draw the front document: each lays it out, one draws its last pages."""


def _render_front(html: str, chapters: Sequence[RenderedPart], settings: TypesetOptions, cache: PartCache,
                  session: Session) -> tuple[RenderedPart, RenderedPart | None]:  # fmt: skip
    """The front document laid out; with two workers or more, drawn by two (the second part: its last pages).

    The front document comes after every chapter, when the other workers are
    idle. So two workers lay it out, the first drawing its front pages and the
    first stand-ins, the second the rest. A front page (the contents above all)
    costs many stand-ins to draw, and the contents grows with the body, so the
    second draws more than half of the stand-ins. Each lays the whole document
    out, which is most of what either does: where the cut falls matters little
    (``benchmarks/README.md``).
    """
    body = sum(len(chapter.page_sizes) for chapter in chapters)
    if session.workers < 2 or body < SHARED_FRONT_PAGES:
        (front,) = _render_all([Job(html)], settings, cache, session)
        return front, None
    last = min(body - 1, (body + body // 4 + 40) // 2)  # the second's share: the stand-ins' half and a front's worth
    front, tail = _render_all([Job(html, drawn=(None, -last)), Job(html, drawn=(-last, None))], settings, cache,
                              session)  # fmt: skip
    if tail.page_sizes != front.page_sizes or tail.page_names != front.page_names:
        raise BrokenContract("the front document's two layouts differ")
    cut = len(front.page_sizes) - last
    return replace(front, labels=front.labels[:cut] + tail.labels[cut:]), tail
