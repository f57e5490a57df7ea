"""Rebuild an edition whenever one of its inputs is saved (``reportgen watch``).

Polling file modification times keeps this free of platform-specific file
watchers. Rebuilds go through the chapter cache, so only what changed is laid
out again; this module reports through a callback and prints nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from reportgen.build.pipeline import BuildResult, build_edition
from reportgen.editions.find import EditionRef
from reportgen.errors import ReportgenError
from reportgen.paths import Project
from reportgen.typeset import Session

Snapshot = dict[Path, int]


def snapshot(folders: Iterable[Path]) -> Snapshot:
    """Modification time (ns) of every file under ``folders``."""
    return {path: path.stat().st_mtime_ns for folder in folders
            for path in ([folder] if folder.is_file() else sorted(folder.rglob("*")))
            if path.is_file() and "__pycache__" not in path.parts}  # fmt: skip


def watched_folders(project: Project, ref: EditionRef) -> tuple[Path, ...]:
    return (project.report_dir(ref.report), *project.theme_roots)


def watch(
    project: Project,
    ref: EditionRef,
    output: Path,
    *,
    jobs: int,
    on_build: Callable[[BuildResult | ReportgenError], None],
    should_stop: Callable[[], bool] = lambda: False,
    interval: float = 0.1,
) -> None:
    """Build now, then again after every change, until ``should_stop()``.

    One typesetting session lives as long as the watch: its workers, the
    WeasyPrint import and the last font subsets stay warm between builds.
    """
    folders = watched_folders(project, ref)
    seen: Snapshot | None = None
    session = Session(jobs)
    try:
        while not should_stop():
            current = snapshot(folders)
            if current != seen:
                seen = current
                try:
                    on_build(build_edition(project, ref, output, jobs=jobs, session=session))
                except ReportgenError as error:
                    on_build(error)
                session.warm_up()  # after the first build, so its result is not delayed
                continue  # ``seen`` is from before the build: a save during it triggers one more
            time.sleep(interval)
    finally:
        session.close()
