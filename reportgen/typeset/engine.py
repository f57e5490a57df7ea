"""HTML → PDF with WeasyPrint's public API; its internals only through the gate ``_weasyprint.enabled``.

- One ``FontConfiguration`` is shared by every stylesheet and by ``write_pdf``;
  without it ``@font-face`` is ignored and WeasyPrint silently falls back.
- Every resource goes through ``ConfinedFetcher``: ``file:`` URLs inside the
  project's own folders only; any refusal stops the build.
- Any warning WeasyPrint logs (an ignored CSS rule, a missing glyph source,
  a refused URL) fails the build: silent degradation is a defect.
- Output is byte-reproducible: dates come from the document's metadata, the
  PDF identifier is a hash of the content, and fontTools' subset timestamps
  follow ``SOURCE_DATE_EPOCH``.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reportgen.errors import TypesetError
from reportgen.typeset import _weasyprint
from reportgen.typeset.fontcheck import check_fonts
from reportgen.typeset.results import (
    PDF_VARIANT,
    LayoutTrace,
    RenderedPart,
    TracedPart,
    TypesetResult,
    page_label_ranges,
)


class RefusedResource(FatalURLFetchingError):  # type: ignore[misc]
    """A resource outside the allowed folders, or of a forbidden kind."""


def resolve_confined(url: str, roots: Sequence[Path]) -> Path:
    """The local file ``url`` names, if it lies inside one of ``roots``.

    Symlinks and ``..`` are resolved (also when percent-encoded) before the
    check; a sibling folder sharing a prefix with a root does not pass.
    Raises ``RefusedResource`` otherwise.
    """
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise RefusedResource(f"refused to fetch '{url}': only local project files may be used")
    if parts.netloc not in ("", "localhost"):
        raise RefusedResource(f"refused to fetch '{url}': remote file URL")
    try:
        path = Path(unquote(parts.path)).resolve(strict=True)
    except (OSError, RuntimeError):
        raise RefusedResource(f"refused to fetch '{url}': no such file") from None
    for root in roots:
        if path.is_file() and path.is_relative_to(root.resolve()):
            return path
    raise RefusedResource(f"refused to fetch '{url}': outside the project's folders")


class ConfinedFetcher(URLFetcher):  # type: ignore[misc]
    """A WeasyPrint URL fetcher that reads only files under the given roots."""

    def __init__(self, roots: Sequence[Path]) -> None:
        super().__init__(allowed_protocols={"file"})
        self.roots = tuple(root.resolve() for root in roots)

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = resolve_confined(url, self.roots)
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if mime_type.startswith("text/"):
            mime_type += "; charset=utf-8"  # our stylesheets are UTF-8; the default is Latin-1
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _collect_warnings() -> Iterator[_WarningCollector]:
    collector = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


class _TimeLimit(Exception):
    pass


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Stop a runaway layout: raise after ``seconds`` (main thread only, where signals work)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise _TimeLimit

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _source_date_epoch(epoch: int | None) -> Iterator[None]:
    """fontTools reads SOURCE_DATE_EPOCH when it stamps subset fonts."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None:
        os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


_NO_FULL_COLLECTIONS = 2**30


@contextmanager
def _layout_collection() -> Iterator[Callable[[], object]]:
    """Cyclic garbage collection tuned for one layout; yields a function to call between layout and drawing.

    Layout builds millions of objects that all live until it ends, so every
    full collection during it scans them in vain (a noticeable share of layout time);
    young collections stay on to catch short-lived cycles. The garbage freed
    when layout ends (the pre-layout box tree) is collected before drawing, so
    the PDF is written into that memory rather than into new memory.
    """
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None  # the thresholds are the process's: only the main thread changes them
        return
    young, middle, old = gc.get_threshold()
    gc.collect()  # whatever the caller left behind is freed before layout, not kept through it
    gc.set_threshold(young, middle, _NO_FULL_COLLECTIONS)
    try:
        yield gc.collect
    finally:
        gc.set_threshold(young, middle, old)


_PX_TO_PT = 0.75


Layout = Callable[[Any, list[Any], FontConfiguration, CounterStyle], Any]
"""Lays an ``HTML`` out with the stylesheets, font configuration and counter styles: a Document."""


def _whole(document: Any, styles: list[Any], font_config: FontConfiguration, counter_style: CounterStyle) -> Any:
    return document.render(stylesheets=styles, font_config=font_config, counter_style=counter_style)


@dataclass(frozen=True)
class _Styles:
    """Stylesheets parsed against the font configuration and counter styles the render must share."""

    font_config: FontConfiguration
    counter_style: CounterStyle
    sheets: tuple[CSS, ...]
    warnings: tuple[str, ...]


def _parse_styles(stylesheets: Sequence[Path], extra_css: str, fetcher: ConfinedFetcher) -> _Styles:
    # Like fonts, @counter-style rules only apply when one registry is shared
    # by the stylesheets and the render.
    font_config = FontConfiguration()
    counter_style = CounterStyle()
    with _collect_warnings() as warnings:
        sheets = [CSS(filename=str(path), font_config=font_config, counter_style=counter_style, url_fetcher=fetcher)
                  for path in stylesheets]  # fmt: skip
        if extra_css:
            sheets.append(CSS(string=extra_css, font_config=font_config, counter_style=counter_style,
                              url_fetcher=fetcher))  # fmt: skip
    return _Styles(font_config, counter_style, tuple(sheets), tuple(warnings.messages))


@lru_cache(maxsize=4)
def _shared_styles(style_key: str, stylesheets: tuple[Path, ...], extra_css: str, roots: tuple[Path, ...]) -> _Styles:
    """``_parse_styles`` once per process for every part typeset with the same ``style_key`` and extra CSS.

    The key is a digest of the stylesheets' and fonts' bytes (``partcache``).
    A process laying out part after part then parses the CSS once and keeps
    Pango's font caches warm, for the same PDF bytes. The warnings of the parse are
    kept and fail every part, not just the first.
    """
    return _parse_styles(stylesheets, extra_css, ConfinedFetcher(roots))


def render_part(
    html: str,
    *,
    stylesheets: Sequence[Path],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    extra_css: str = "",
    foreign_anchors: frozenset[str] = frozenset(),
    full_fonts: bool = False,
    source_date_epoch: int | None = None,
    time_limit: float | None = None,
    style_key: str | None = None,
    drawn: tuple[int | None, int | None] | None = None,
    layout: Layout = _whole,
) -> RenderedPart:
    """Typeset ``html`` and describe its pages; ``foreign_anchors`` may be linked to but live elsewhere.

    With a ``style_key`` (a digest of the stylesheets and fonts), the parsed
    stylesheets are shared with earlier parts of this process that had the same.
    With ``drawn`` (a slice's start and stop), the PDF holds only those pages,
    and only they are given margins; the description (sizes, anchors, names)
    covers every page, the printed numbers those drawn ("" elsewhere).
    """
    fetcher = ConfinedFetcher(allowed_roots)
    if _weasyprint.enabled():  # footnotes kept on their call's page; contents numbered in two passes
        from reportgen.typeset._weasyprint import footnotes, repagination

        footnotes.install()
        repagination.install()
    with (_layout_collection() as collect_layout_garbage, _collect_warnings() as warnings,
          _source_date_epoch(source_date_epoch), _time_limit(time_limit)):
        try:
            styles = (_shared_styles(style_key, tuple(stylesheets), extra_css, tuple(allowed_roots)) if style_key
                      else _parse_styles(stylesheets, extra_css, fetcher))  # fmt: skip
            document = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher)
            with _drawing(drawn):
                rendered = layout(document, list(styles.sheets), styles.font_config, styles.counter_style)
            labels: tuple[str, ...] = ()
            names: tuple[str, ...] | None = None
            selection = slice(*drawn) if drawn is not None else slice(None)
            output = rendered.pages[selection]
            if _weasyprint.enabled():  # leader dots in runs; joiners kept in the text layer; glyph widths
                # independent of drawing order (spliced and merged pages); printed numbers
                from reportgen.typeset._weasyprint import glyphwidths, leaders, pagelabels, pages, textlayer

                leaders.join_leader_dots(output)
                textlayer.install()
                glyphwidths.install()
                labels = pagelabels.printed_numbers(rendered.pages)
                names = pages.page_names(rendered.pages)  # the fast path's stand-ins take the same names
            described = _describe(b"", rendered.pages, foreign_anchors)  # before places are lent to anchors
            # Anchors on pages not drawn are elsewhere too, for the links of the pages drawn.
            kept = {id(page) for page in output}
            elsewhere = foreign_anchors | {name for page in rendered.pages if id(page) not in kept
                                           for name in page.anchors}  # fmt: skip
            if elsewhere and output:
                _anchor_elsewhere(output, frozenset(elsewhere))
            if drawn is not None:
                rendered = rendered.copy(output)
            del document  # only the laid-out pages are needed from here on
            collect_layout_garbage()
            pdf = rendered.write_pdf(pdf_identifier=True, uncompressed_pdf=False, full_fonts=full_fonts,
                                     pdf_variant=PDF_VARIANT,
                                     finisher=partial(_finish_catalog, labels=labels[selection]))
        except RefusedResource as error:
            raise TypesetError(str(error)) from None
        except _TimeLimit:
            raise TypesetError(f"typesetting took longer than {time_limit:g} s and was stopped") from None
        except MemoryError:
            raise TypesetError("typesetting ran out of memory") from None
        except (OSError, ValueError) as error:
            raise TypesetError(f"WeasyPrint failed: {error}") from error
    messages = dict.fromkeys([*styles.warnings, *warnings.messages])
    problems = list(messages)
    if problems:
        raise TypesetError("WeasyPrint reported problems:\n  " + "\n  ".join(problems))
    if not isinstance(pdf, bytes):
        raise TypesetError("WeasyPrint returned no PDF")
    return replace(described, pdf=pdf, labels=labels, page_names=names)


@contextmanager
def _drawing(drawn: tuple[int | None, int | None] | None) -> Iterator[None]:
    """Margins and backgrounds laid out only on the pages ``drawn`` picks (behind the gate; else on all)."""
    if drawn is None or not _weasyprint.enabled():
        yield
        return
    from reportgen.typeset._weasyprint import drawing

    with drawing.only(slice(*drawn)):
        yield


def _finish_catalog(document: Any, pdf: Any, *, labels: Sequence[str]) -> None:
    """Right-to-left reading order for viewers (facing pages, scrolling) and the printed page numbers."""
    preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
    preferences["Direction"] = "/R2L"
    preferences["DisplayDocTitle"] = "true"
    pdf.catalog["ViewerPreferences"] = preferences
    _scope_table_headers(pdf.objects)
    if labels:
        nums = []
        for index, prefix in page_label_ranges(labels):
            nums += [index, pydyf.Dictionary({"P": pydyf.String(prefix)} if prefix else {})]
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": pydyf.Array(nums)})


def _scope_table_headers(objects: Sequence[Any]) -> None:
    """Give each header cell the /Scope a screen reader needs to tie it to its data cells (PDF/UA-1 7.5).

    WeasyPrint tags ``<th>`` as /TH without one: a header in the table's head
    heads a column, any other (a matrix row's first cell) heads its row.
    """
    by_reference = {obj.reference: obj for obj in objects if isinstance(obj, pydyf.Dictionary) and obj.number}
    for element in by_reference.values():
        if element.get("S") != "/TH" or not isinstance(element.get("A"), pydyf.Dictionary):
            continue
        row = by_reference.get(element.get("P"))
        group = by_reference.get(row.get("P")) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        element["A"]["Scope"] = "/Column" if in_head else "/Row"


def render_traced_part(html: str, *, previous: LayoutTrace | None, **settings: Any) -> TracedPart:
    """``render_part``, recording a layout trace, and laying out only until in step with ``previous``.

    Falls back to an ordinary whole layout (and no trace) where the incremental
    paginator does not apply (WeasyPrint's internals unavailable, page-based counters).
    """
    if not _weasyprint.enabled():
        return TracedPart(render_part(html, **settings), None, None)
    from reportgen.typeset._weasyprint.resync import TracedRender, Unsupported, render_traced

    outcome: list[TracedRender] = []

    def traced(document: Any, styles: list[Any], font_config: FontConfiguration, counter_style: CounterStyle) -> Any:
        outcome.append(render_traced(document, styles, font_config, counter_style, previous))
        return outcome[-1].document

    try:
        part = render_part(html, layout=traced, **settings)
    except Unsupported:
        return TracedPart(render_part(html, **settings), None, None)
    return TracedPart(part, outcome[-1].trace, outcome[-1].resynced_at)


def _anchor_elsewhere(pages: Sequence[Any], foreign: frozenset[str]) -> None:
    """Give each of ``foreign`` a place on the first page, so that WeasyPrint makes the links to it, and tags them.

    Its links name their destination (``/Dest (name)``), and the merge rebuilds
    the named destinations from every part: they resolve where the anchor
    really is, and sit in the structure tree (a /Link with an /OBJR) as in a
    single pass. ``Page.anchors`` is public API.
    """
    present = {name for page in pages for name in page.anchors}
    for name in sorted(foreign - present):
        pages[0].anchors[name] = (0, 0, 0, 0)


def _describe(pdf: bytes, pages: Sequence[Any], foreign: frozenset[str]) -> RenderedPart:
    """The part's page sizes and the places of its own anchors (not those only anchored for its links)."""
    sizes = tuple((page.width * _PX_TO_PT, page.height * _PX_TO_PT) for page in pages)
    anchors: dict[str, tuple[int, float, float]] = {}
    for index, page in enumerate(pages):
        height = sizes[index][1]
        for name, (x, y, *_rest) in page.anchors.items():
            if name not in foreign:
                anchors.setdefault(name, (index, x * _PX_TO_PT, height - y * _PX_TO_PT))
    return RenderedPart(pdf, sizes, anchors)


def typeset_pdf(
    html: str,
    *,
    stylesheets: Sequence[Path],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    source_date_epoch: int | None = None,
    time_limit: float | None = None,
    style_key: str | None = None,
) -> TypesetResult:
    """Typeset ``html`` with ``stylesheets`` into PDF bytes, in one pass; a fallback font embedded fails it."""
    part = render_part(html, stylesheets=stylesheets, base_dir=base_dir, allowed_roots=allowed_roots,
                       source_date_epoch=source_date_epoch, time_limit=time_limit, style_key=style_key)
    check_fonts(part.pdf, allowed_roots)
    return TypesetResult(part.pdf, len(part.page_sizes))
