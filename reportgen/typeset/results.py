"""Results of typesetting, and the engine's versions, without importing WeasyPrint.

Kept apart from ``typeset.py`` so that code that only reads cached results
(the chapter cache, release manifests) starts quickly.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

PDF_VARIANT = "pdf/ua-1"
"""Every PDF is tagged for accessibility (PDF/UA-1): structure tree, /Lang, artefacts, alt text."""


@dataclass(frozen=True)
class TypesetResult:
    pdf: bytes
    pages: int


@dataclass(frozen=True)
class RenderedPart:
    """One typeset part of a document, with what a merge needs to know about its pages."""

    pdf: bytes
    page_sizes: tuple[tuple[float, float], ...]
    """(width, height) of each page in PDF points."""
    anchors: dict[str, tuple[int, float, float]]
    """Anchor name → (page index, x, y) in PDF points (y from the bottom)."""
    labels: tuple[str, ...] = ()
    """The page number printed on each page ("" where none), for the PDF's /PageLabels; () if unknown."""
    page_names: tuple[str, ...] | None = None
    """The CSS page name of each page; None where WeasyPrint's internals are unavailable (see ``_weasyprint``)."""


def page_label_ranges(labels: Sequence[str]) -> list[tuple[int, str]]:
    """/PageLabels entries (first page index, prefix) for the numbers printed on the pages.

    PDF's numbering styles are Latin (decimal, roman, letters): Persian digits
    and the front matter's letters (الف، ب، پ …) can only be written as a
    prefix, so every numbered page starts a range of its own. Pages printed
    without a number before the first one (the cover and its back) are labelled
    «جلد»; later unnumbered pages share the label of a range without prefix.
    """
    ranges: list[tuple[int, str]] = []
    seen_number = False
    for index, label in enumerate(labels):
        seen_number = seen_number or bool(label)
        text = label or ("" if seen_number else "جلد")
        if not ranges or text or ranges[-1][1]:
            ranges.append((index, text))
    return ranges


@dataclass(frozen=True)
class LayoutTrace:
    """What a later layout of the same part needs to know about this one (JSON-friendly)."""

    shape: str
    """Hash of the part's element structure (tags and attributes, in document order)."""
    texts: tuple[str, ...]
    """Per element, in document order: a short hash of its text and tail."""
    boundaries: tuple[str | None, ...]
    """Per page after the first: the fingerprint at its start, None where it cannot be reused."""

    def to_json(self) -> dict[str, Any]:
        return {"shape": self.shape, "texts": list(self.texts), "boundaries": list(self.boundaries)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LayoutTrace:
        return cls(str(data["shape"]), tuple(map(str, data["texts"])),
                   tuple(None if b is None else str(b) for b in data["boundaries"]))  # fmt: skip


@dataclass(frozen=True)
class TracedPart:
    """A typeset part with the trace of its layout, for laying out a later version incrementally."""

    part: RenderedPart
    """The part; when ``resynced_at`` is set, only its first ``resynced_at`` pages."""
    trace: LayoutTrace | None
    """None when the part was laid out the ordinary way (nothing to reuse next time)."""
    resynced_at: int | None
    """Where the layout fell in step with the previous one: later pages are the previous part's."""


class TypesetOptions(TypedDict):
    """What every typesetting call needs besides the HTML: where things are, and the limits."""

    stylesheets: tuple[Path, ...]
    base_dir: Path
    allowed_roots: tuple[Path, ...]
    source_date_epoch: int | None
    time_limit: float | None
    style_key: str | None
    """A digest of the stylesheets and fonts: parts with the same share their parsed stylesheets."""


ENGINE_LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "cssselect2", "tinyhtml5", "fonttools", "pikepdf", "qpdf",
                    "pango", "harfbuzz")
"""Every library that shapes a PDF's bytes (``engine_versions`` gives each one's version)."""


def _c_version(library: str, function: str) -> str:
    """A C library's version string, from its ``function`` (returning ``const char *``)."""
    handle = ctypes.CDLL(library)
    getter = getattr(handle, function)
    getter.restype = ctypes.c_char_p
    return str(getter().decode("ascii"))


def _qpdf_version() -> str:
    """The version of the qpdf library pikepdf carries (or links), without importing pikepdf."""
    from importlib.metadata import distribution

    bundled = [f for f in distribution("pikepdf").files or () if f.name.startswith("libqpdf")]
    library = str(bundled[0].locate()) if bundled else (ctypes.util.find_library("qpdf") or "libqpdf.so")
    return _c_version(library, "qpdf_get_qpdf_version")


@cache
def engine_versions() -> dict[str, str]:
    """Versions of every library in ``ENGINE_LIBRARIES``, for manifests and cache keys."""
    from importlib.metadata import version  # slow to import; few callers need it
    library = ctypes.util.find_library("pango-1.0") or "libpango-1.0.so.0"
    encoded = int(ctypes.CDLL(library).pango_version())  # major * 10000 + minor * 100 + micro
    python = {name: version(name) for name in ENGINE_LIBRARIES if name not in ("qpdf", "pango", "harfbuzz")}
    return {
        **python,
        "qpdf": _qpdf_version(),
        "pango": f"{encoded // 10000}.{encoded // 100 % 100}.{encoded % 100}",
        "harfbuzz": _c_version(ctypes.util.find_library("harfbuzz") or "libharfbuzz.so.0", "hb_version_string"),
    }
