"""One edition through every stage: load → validate → render → typeset → publish."""

from __future__ import annotations

import calendar
import errno
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportgen.build.atomic import write_atomic
from reportgen.compare.diff import diff_editions
from reportgen.compare.redline import Redline, mark_changes
from reportgen.content.models import Edition
from reportgen.editions.find import EditionRef
from reportgen.editions.freeze import load_checked_edition
from reportgen.errors import OutputError
from reportgen.paths import Project
from reportgen.render.templating import render_edition
from reportgen.render.theme import theme_view
from reportgen.typeset import Session, TypesetOptions, TypesetResult, is_large, prepare_session, typeset_chapters


@dataclass(frozen=True)
class BuildResult:
    ref: EditionRef
    path: Path
    pages: int
    seconds: float
    warnings: tuple[str, ...] = ()
    """Things worth a look that did not stop the build (an unusable chapter cache)."""


def usable_cache(folder: Path) -> tuple[Path | None, str | None]:
    """``folder`` if the chapter cache can live there, else None and why: the cache is optional."""
    try:
        if folder.is_symlink():
            raise OSError(errno.ELOOP, "it is a symbolic link")
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(descriptor)
        os.unlink(probe)
    except OSError as error:
        why = error.strerror or str(error)
        return None, f"the chapter cache {folder} cannot be used ({why}); built without it"
    return folder, None


def check_output(project: Project, folder: Path) -> None:
    """Refuse to write output inside ``content/``: it would become part of an edition's content."""
    if folder.resolve().is_relative_to(project.content.resolve()):
        raise OutputError(f"output folder {folder} is inside {project.content}: writing there would change an "
                          "edition's content (and a published edition's freeze); choose a folder outside content/")


def source_date_epoch(edition: Edition) -> int:
    """The edition's date, midnight UTC, as a Unix time: fixes every date in the PDF."""
    gregorian = edition.entry.date.togregorian()
    return calendar.timegm(gregorian.timetuple())


def render_html(project: Project, edition: Edition, ref: EditionRef | None = None, draft_mark: bool = False) -> str:
    """The edition's HTML; ``ref`` names its folder, which a generic chapter's images come from."""
    edition_dir = project.edition_dir(ref.report, ref.stage, ref.edition) if ref else None
    return render_edition(edition, project.template_dirs, theme=theme_view(project), edition_dir=edition_dir,
                          fonts=project.chart_fonts, draft=draft_mark)


TIME_LIMIT_SECONDS = 600.0
"""A stage report lays out in seconds; ten minutes means something is wrong."""


def typeset_edition(
    project: Project, edition: Edition, time_limit: float = TIME_LIMIT_SECONDS, jobs: int = 1,
    session: Session | None = None,
) -> TypesetResult:
    """The edition as PDF bytes (nothing written).

    ``jobs`` > 1 (or a ``session``, which ``watch`` keeps warm between builds)
    lays chapters out in parallel, cached and incrementally.
    """
    html = render_html(project, edition)
    return typeset_html(project, html, source_date_epoch(edition), time_limit, jobs, session)


def typeset_html(project: Project, html: str, epoch: int, time_limit: float, jobs: int,
                 session: Session | None = None) -> TypesetResult:  # fmt: skip
    options = TypesetOptions(stylesheets=project.stylesheets, base_dir=project.templates,
                             allowed_roots=project.readable_roots, source_date_epoch=epoch,
                             time_limit=time_limit, style_key=None)  # fmt: skip
    if jobs > 1 or session is not None:
        cache_dir, _ = usable_cache(project.cache)
        return typeset_chapters(html, options, jobs=jobs, cache_dir=cache_dir, session=session)
    from reportgen.typeset import typeset_pdf  # WeasyPrint loads only when something is laid out

    return typeset_pdf(html, **options)


def render_redline(project: Project, base: EditionRef, ref: EditionRef, draft_mark: bool = False,
                   sections: Sequence[str] = ()) -> tuple[str, Redline, Edition]:  # fmt: skip
    """The redline's finished HTML, its change marks and the newer edition (only ``sections``' changes if given)."""
    old, new = load_checked_edition(project, base), load_checked_edition(project, ref)
    difference = diff_editions(old, new)
    marked, redline = mark_changes(old, new, difference.only(sections) if sections else difference)
    edition_dir = project.edition_dir(ref.report, ref.stage, ref.edition)
    html = redline.finish(render_edition(marked, project.template_dirs, redline, theme=theme_view(project),
                                         edition_dir=edition_dir, fonts=project.chart_fonts, draft=draft_mark))
    return html, redline, new


def build_redline(project: Project, base: EditionRef, ref: EditionRef, path: Path,
                  draft_mark: bool = False, sections: Sequence[str] = ()) -> tuple[Path, int]:  # fmt: skip
    """Typeset edition ``ref`` with its changes since ``base`` marked, into ``path``.

    ``draft_mark``: see build_edition.
    """
    check_output(project, path.parent)
    html, _, new = render_redline(project, base, ref, draft_mark, sections)
    result = typeset_html(project, html, source_date_epoch(new), TIME_LIMIT_SECONDS, jobs=1)
    write_atomic(path, result.pdf)
    return path, result.pages


DIFF_PAGE_FONTS = ((400, "vazirmatn/Vazirmatn-Regular.ttf"), (700, "vazirmatn/Vazirmatn-Bold.ttf"))
"""The faces the HTML diff page embeds (the report's own font, so Persian looks as in print)."""


def diff_page_fonts(project: Project) -> list[tuple[int, bytes]]:
    return [(weight, (project.chart_fonts / name).read_bytes()) for weight, name in DIFF_PAGE_FONTS]


def _checked_html(project: Project, ref: EditionRef, draft_mark: bool = False) -> tuple[str, int]:
    """The edition's HTML and date; its models go out of scope here, so layout can reuse their memory."""
    edition = load_checked_edition(project, ref)
    return render_html(project, edition, ref, draft_mark), source_date_epoch(edition)


def build_edition(
    project: Project, ref: EditionRef, output_dir: Path | None = None, jobs: int = 1,
    session: Session | None = None, split_large: bool = True, draft_mark: bool = False,
) -> BuildResult:
    """Build one edition's PDF into ``output_dir`` (default: the project's output).

    Laid out chapter by chapter (cached, incremental) with ``jobs`` > 1, a
    ``session``, or, unless ``split_large`` is off, a large edition; otherwise
    in one pass, whose bytes never depend on the part cache (what ``release``
    publishes). ``draft_mark`` marks every page and the title «پیش‌نویس».
    """
    started = time.perf_counter()
    check_output(project, output_dir or project.output)
    own_session = prepare_session(jobs) if jobs > 1 and session is None else None
    current = session
    warnings: tuple[str, ...] = ()
    try:
        html, epoch = _checked_html(project, ref, draft_mark)
        if session is None and jobs == 1 and split_large and is_large(html):
            own_session = Session(1)  # bounded memory: one chapter's boxes at a time
        current = session or own_session
        if current is not None:
            current.limit_total(TIME_LIMIT_SECONDS)  # the limit is per build, not per chapter
            warnings = tuple(w for w in [usable_cache(project.cache)[1]] if w)
        result = typeset_html(project, html, epoch, TIME_LIMIT_SECONDS, jobs, current)
    finally:
        if current is not None:
            current.limit_total(None)
        if own_session is not None:
            own_session.close()
    path = (output_dir or project.output) / ref.pdf_name
    write_atomic(path, result.pdf)
    return BuildResult(ref, path, result.pages, time.perf_counter() - started, warnings)
