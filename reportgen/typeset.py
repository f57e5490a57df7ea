"""HTML → PDF with WeasyPrint. The only module that imports WeasyPrint.

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

import logging
import mimetypes
import os
import signal
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from reportgen.errors import TypesetError


@dataclass(frozen=True)
class TypesetResult:
    pdf: bytes
    pages: int


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
        self.fetched: list[Path] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        path = resolve_confined(url, self.roots)
        self.fetched.append(path)
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


def typeset_pdf(
    html: str,
    *,
    stylesheets: Sequence[Path],
    base_dir: Path,
    allowed_roots: Sequence[Path],
    source_date_epoch: int | None = None,
    time_limit: float | None = None,
) -> TypesetResult:
    """Typeset ``html`` with ``stylesheets`` into PDF bytes."""
    fetcher = ConfinedFetcher(allowed_roots)
    # Like fonts, @counter-style rules only apply when one registry is shared
    # by the stylesheets and the render.
    font_config = FontConfiguration()
    counter_style = CounterStyle()
    with _collect_warnings() as warnings, _source_date_epoch(source_date_epoch), _time_limit(time_limit):
        try:
            styles = [
                CSS(filename=str(path), font_config=font_config, counter_style=counter_style,
                    url_fetcher=fetcher)
                for path in stylesheets
            ]
            document = HTML(string=html, base_url=base_dir.as_uri() + "/", url_fetcher=fetcher)
            rendered = document.render(
                stylesheets=styles, font_config=font_config, counter_style=counter_style
            )
            pdf = rendered.write_pdf(pdf_identifier=True, uncompressed_pdf=False)
        except RefusedResource as error:
            raise TypesetError(str(error)) from None
        except _TimeLimit:
            raise TypesetError(f"typesetting took longer than {time_limit:g} s and was stopped") from None
        except MemoryError:
            raise TypesetError("typesetting ran out of memory") from None
        except (OSError, ValueError) as error:
            raise TypesetError(f"WeasyPrint failed: {error}") from error
    if warnings.messages:
        details = "\n  ".join(dict.fromkeys(warnings.messages))
        raise TypesetError(f"WeasyPrint reported problems:\n  {details}")
    if not isinstance(pdf, bytes):
        raise TypesetError("WeasyPrint returned no PDF")
    return TypesetResult(pdf, len(rendered.pages))


def engine_versions() -> dict[str, str]:
    """Versions of the typesetting engine, for manifests and cache keys."""
    from weasyprint.text.ffi import pango

    encoded = pango.pango_version()  # major * 10000 + minor * 100 + micro
    return {
        "weasyprint": weasyprint.__version__,
        "pango": f"{encoded // 10000}.{encoded // 100 % 100}.{encoded % 100}",
    }
