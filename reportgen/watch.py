"""Rebuild an edition whenever one of its inputs is saved (``reportgen watch``).

Polling file modification times keeps this free of platform-specific file
watchers. Rebuilds go through the chapter cache, so only what changed is laid
out again; this module reports through a callback and prints nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from reportgen.editions import EditionRef
from reportgen.errors import ReportgenError
from reportgen.paths import Project
from reportgen.pipeline import BuildResult, build_edition

Snapshot = dict[Path, int]


def snapshot(folders: Iterable[Path]) -> Snapshot:
    """Modification time (ns) of every file under ``folders``."""
    return {path: path.stat().st_mtime_ns for folder in folders for path in sorted(folder.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}  # fmt: skip


def watched_folders(project: Project, ref: EditionRef) -> tuple[Path, ...]:
    return (project.report_dir(ref.report), project.styles, project.fonts, project.templates)


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
    """Build now, then again after every change, until ``should_stop()``."""
    folders = watched_folders(project, ref)
    seen: Snapshot | None = None
    while not should_stop():
        current = snapshot(folders)
        if current != seen:
            seen = current
            try:
                on_build(build_edition(project, ref, output, jobs=jobs))
            except ReportgenError as error:
                on_build(error)
            seen = snapshot(folders)  # a save during the build triggers one more
            continue
        time.sleep(interval)
