"""Typesetting: HTML → PDF with WeasyPrint, in one pass or chapter by chapter; the only user of WeasyPrint.

This module is the package's public surface, and stays light: each name is
imported from its submodule on first use (PEP 562), so that importing
``reportgen.typeset.workers`` (which the command line does first, to start
workers early) loads no WeasyPrint. Code outside ``reportgen.typeset``
imports these names from here, never from the submodules.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.typeset.chapters import is_large, typeset_chapters
    from reportgen.typeset.engine import typeset_pdf
    from reportgen.typeset.results import ENGINE_LIBRARIES, TypesetOptions, TypesetResult, engine_versions
    from reportgen.typeset.workers import Session, die_with_parent, prepare_session

_HOMES = {
    "typeset_pdf": "engine",
    "typeset_chapters": "chapters",
    "is_large": "chapters",
    "TypesetOptions": "results",
    "TypesetResult": "results",
    "engine_versions": "results",
    "ENGINE_LIBRARIES": "results",
    "Session": "workers",
    "prepare_session": "workers",
    "die_with_parent": "workers",
}

__all__ = ["ENGINE_LIBRARIES", "Session", "TypesetOptions", "TypesetResult", "die_with_parent", "engine_versions",
           "is_large", "prepare_session", "typeset_chapters", "typeset_pdf"]  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
