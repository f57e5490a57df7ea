"""Chapter-parallel typesetting with a per-part cache: the typesetting layer's fast path.

Every body chapter starts on a new page, so its layout does not depend on the
page it starts on. The document is split into parts — the front (cover, title
page back, contents, lists, front-matter chapters) and one part per body
chapter — and:

1. each chapter is laid out in a worker process, with its footers left blank,
   and cached on disk (``partcache``) keyed by everything that affects it (its
   HTML, the stylesheets, fonts, tool versions); a chapter that changed is
   laid out only until its pages fall in step with its previous layout
   (``resync``), and the previous layout's later pages are spliced in;
2. once page counts are known, the front part is laid out with the contents'
   page numbers filled in, and a *stamp* document draws the running footer
   (page number, edition) of every body page;
3. the parts are merged (``pdfmerge``): stamps overlaid, outlines joined,
   links from the front part to the chapters re-made, each font face
   embedded once.

Used with ``-j N``, by ``watch``, and for large editions even in one process
(``is_large``: memory is then bounded by the largest chapter, not the whole).
The merged PDF has the same text, outline and links as a single pass, and a
cold build is byte-reproducible; after an incremental layout the pages are
the same, though font subsets may hold a few more glyphs than a cold build's.
The worker processes, and what stays warm between parts and builds, live in
``workers``. The rest of the pipeline only calls ``typeset_chapters``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.errors import TypesetError
from reportgen.text.persian import to_persian_digits
from reportgen.typeset.partcache import CachedPart, PartCache
from reportgen.typeset.pdfmerge import merge, splice, vendored_fonts
from reportgen.typeset.results import RenderedPart, TypesetOptions, TypesetResult
from reportgen.typeset.workers import Job, Session, lay_out

_CHAPTER_START = re.compile(r'(?=<section class="chapter )')
_MAIN = re.compile(r'(<div class="main-matter">)(.*)(</div>\s*</body>)', re.S)
_EDITION_LINE = re.compile(r'<p class="edition-line">.*?</p>', re.S)

# Body parts are laid out without footers: the stamp document draws them.
_BLANK_FOOTERS = "@page { @bottom-center { content: none; } @bottom-left { content: none; } }"
_STAMP_CSS = """
@page { @top-center { content: none; border: none; } }
.edition-line { visibility: hidden; height: 0; margin: 0; padding: 0; }
"""
# How each kind of reference in the front part prints the page it points to.
_REFERENCE_CSS = """
.toc a[data-page]::after { content: leader(".") " " attr(data-page); }
a.page-ref[data-page]::after { content: attr(data-page); }
"""


@dataclass(frozen=True)
class Split:
    front: str
    chapters: tuple[str, ...]
    edition_line: str


def split_document(html: str) -> Split:
    """The front part (main matter emptied) and one standalone document per body chapter."""
    main = _MAIN.search(html)
    if not main:
        raise TypesetError("document has no main matter to split into chapters")
    head = html[: html.index("<body>") + len("<body>")]
    chapters = tuple(
        f'{head}\n<div class="main-matter">{part.strip()}</div>\n</body>\n</html>\n'
        for part in _CHAPTER_START.split(main.group(2))
        if part.strip()
    )
    edition = _EDITION_LINE.search(html)
    return Split(html[: main.start(2)] + html[main.end(2) :], chapters, edition.group() if edition else "")


# ----------------------------------------------------------------- rendering parts


def _render_all(jobs: list[Job], settings: TypesetOptions, cache: PartCache, session: Session) -> list[RenderedPart]:
    """Lay jobs out, from the cache where possible, the largest first so the workers finish together.

    A part missing from the cache whose lineage has an earlier layout is laid
    out only until it falls in step with that layout; the rest is spliced in.
    """
    keys = [cache.key(job.html, job.extra_css, job.foreign) for job in jobs]
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


# ----------------------------------------------------------------- the front and the stamps


_LINK = re.compile(r'(<a\b[^>]*?\bhref="#([^"]+)")')


def _with_page_numbers(front: str, labels: dict[str, str]) -> str:
    """The front part with each link to a chapter anchor carrying that anchor's page (``data-page``).

    One attribute per link and two rules (``_REFERENCE_CSS``), rather than a
    rule per anchor: hundreds of attribute selectors slow the cascade down.
    """
    return _LINK.sub(lambda m: f'{m.group(1)} data-page="{labels[m.group(2)]}"' if m.group(2) in labels
                     else m.group(1), front)  # fmt: skip


def _stamp_html(split: Split, sizes: Sequence[tuple[float, float]]) -> str:
    pages = []
    for index, (width, height) in enumerate(sizes):
        name = "landscape" if width > height else "body"
        brk = "" if index == 0 else " break-before: page;"
        inner = split.edition_line if index == 0 else ""
        pages.append(f'<div style="page: {name};{brk}">{inner}</div>')
    return ('<!DOCTYPE html><html lang="fa-IR" dir="rtl"><head><meta charset="utf-8"></head><body>'
            + "".join(pages) + "</body></html>")  # fmt: skip


# ----------------------------------------------------------------- the entry point


_CHAPTER_ID = re.compile(r'<section class="chapter[^"]*" id="([^"]+)"')

LARGE_DOCUMENT_CHARACTERS = 500_000
"""From this much HTML (about 150 pages of a stage report) a one-process build goes chapter by chapter too.

WeasyPrint keeps every page's boxes until the PDF is written, so a single pass
needs memory in proportion to the whole document; chapter by chapter it needs
that of the largest chapter (a 400-page edition: about 0.4× the memory, and
no slower). Below this size the split's fixed costs (stamps, merge) outweigh
what it saves.
"""


def is_large(html: str) -> bool:
    """Whether ``html`` is large enough to lay out chapter by chapter even in one process."""
    return len(html) >= LARGE_DOCUMENT_CHARACTERS


_HREF = re.compile(r'<a\b[^>]*?\bhref="#([^"]+)"')
_ID = re.compile(r'\bid="([^"]+)"')


def _foreign_anchors(chapter: str) -> frozenset[str]:
    """Anchors a chapter links to that live in another part (a cross-reference to another chapter)."""
    return frozenset(_HREF.findall(chapter)) - frozenset(_ID.findall(chapter))


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
        result = _typeset(split_document(html), shared, cache, current, vendored_fonts(settings["allowed_roots"]))
    finally:
        if session is None:
            current.close()
    cache.prune()
    return result


def _typeset(split: Split, settings: TypesetOptions, cache: PartCache, session: Session,
             originals: dict[str, Path]) -> TypesetResult:  # fmt: skip
    chapter_jobs = [Job(chapter, _BLANK_FOOTERS, lineage=found.group(1) if (found := _CHAPTER_ID.search(chapter))
                        else None, foreign=_foreign_anchors(chapter)) for chapter in split.chapters]  # fmt: skip
    chapters = _render_all(chapter_jobs, settings, cache, session)
    # Body page numbers, and where every chapter anchor landed.
    labels: dict[str, str] = {}
    sizes: list[tuple[float, float]] = []
    for chapter in chapters:
        for name, (page, _x, _y) in chapter.anchors.items():
            labels.setdefault(name, to_persian_digits(len(sizes) + page + 1))
        sizes.extend(chapter.page_sizes)
    front, stamps = _render_all(
        [Job(_with_page_numbers(split.front, labels), _REFERENCE_CSS, frozenset(labels)),
         Job(_stamp_html(split, sizes), _STAMP_CSS)],
        settings, cache, session,
    )  # fmt: skip
    if len(stamps.page_sizes) != len(sizes):
        raise TypesetError(f"stamp pages ({len(stamps.page_sizes)}) do not match body pages ({len(sizes)})")
    pdf = merge(front, chapters, stamps, originals, lambda face, glyphs: session.subset(face, glyphs, cache))
    return TypesetResult(pdf, len(front.page_sizes) + len(sizes))
