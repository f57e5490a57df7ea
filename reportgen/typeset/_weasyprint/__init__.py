"""WeasyPrint's non-public API, behind one gate: ``enabled()``.

Everything here reaches into WeasyPrint's internals (its paginator, its
laid-out boxes), written against one release. Callers import these modules
only after ``enabled()`` says yes; otherwise they use the public API, so an
unsupported WeasyPrint makes builds slower, never breaks them.
"""

from __future__ import annotations

from functools import cache

RELEASE = 70
"""The WeasyPrint release these modules copy from; pyproject.toml pins ``weasyprint>=70,<71`` (a test compares)."""


@cache
def enabled() -> bool:
    """Whether the private-API code may run: WeasyPrint ``RELEASE`` is installed and every private name imports."""
    import weasyprint

    if weasyprint.__version__.split(".")[0] != str(RELEASE):
        return False
    try:
        from reportgen.typeset._weasyprint import (  # noqa: F401  (their imports)
            drawing,
            footnotes,
            glyphwidths,
            leaders,
            pagelabels,
            pages,
            repagination,
            resync,
            textlayer,
        )
    except ImportError:
        return False
    return True
