"""The processes that lay parts out, and what a build keeps warm between parts.

Light on purpose: the command line imports this first, so that the workers
start while the content is still being loaded and rendered.

Where the platform allows, workers are forked from a small server process
that has imported WeasyPrint once (``forkserver`` with a preload): a cold
parallel build then pays WeasyPrint's import — mostly its C declarations
being parsed — once rather than once per worker, and the
workers are ready as soon as that one import is done. They are never forked
from the building process itself, which may already hold Pango and
fontconfig state; elsewhere they are spawned as clean interpreters.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.typeset.partcache import PartCache
    from reportgen.typeset.results import LayoutTrace, TracedPart, TypesetOptions


@dataclass(frozen=True)
class Job:
    """One part to lay out."""

    html: str
    extra_css: str = ""
    foreign: frozenset[str] = frozenset()
    """Anchors the part links to that live in other parts."""
    lineage: str | None = None
    """A name shared by the part's successive versions (a chapter's id): laid out incrementally."""
    drawn: tuple[int | None, int | None] | None = None
    """Only these pages (a slice's start and stop) are drawn and given margins; None: all."""


def die_with_parent() -> None:
    """Have the kernel kill this process when its parent dies (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing).

    Workers must never outlive a build killed with SIGKILL: they would go on
    laying out for minutes and hold the caller's standard output open.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _import_weasyprint() -> None:
    import reportgen.typeset.engine  # noqa: F401


def _prepare_worker() -> None:
    """The first thing every worker runs: WeasyPrint imported (already, when forked from the server), then frozen.

    Frozen objects — mostly the modules' — are never scanned by
    the garbage collector again. Each part collects twice (see
    ``engine._layout_collection``); frozen, those collections are much
    shorter (``make bench`` measures what that saves).
    """
    die_with_parent()
    _import_weasyprint()
    gc.freeze()


def lay_out(job: Job, settings: TypesetOptions, previous: LayoutTrace | None) -> TracedPart:
    """Lay one part out (in whichever process runs this)."""
    from reportgen.typeset.engine import (  # WeasyPrint loads only where parts are laid out
        render_part,
        render_traced_part,
    )
    from reportgen.typeset.results import TracedPart

    options: dict[str, Any] = dict(settings, extra_css=job.extra_css, foreign_anchors=job.foreign)
    if job.drawn is not None:
        options["drawn"] = job.drawn
    if job.lineage is None:
        return TracedPart(render_part(job.html, **options), None, None)
    return render_traced_part(job.html, previous=previous, **options)


# What the worker server imports before it forks the first worker.
_PRELOAD = ["reportgen.typeset._orphan_guard", "reportgen.typeset.workers", "reportgen.typeset.engine"]


def _worker_context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Takes effect when this process first starts its server (it then
        # serves every pool); the preload is the same each time.
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Session:
    """What a caller that typesets again and again (``watch``, ``build`` of several editions) keeps warm.

    The worker processes and the font subsets last made. Workers are started
    by ``start`` or once two parts need laying out; parts laid out in this
    process find WeasyPrint already imported after ``warm_up``.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ProcessPoolExecutor | None = None
        self._started = False
        self._warm = False
        self.subsets: dict[tuple[Path, frozenset[int]], bytes] = {}
        self._deadline: float | None = None
        self._total: float = 0.0

    def limit_total(self, seconds: float | None) -> None:
        """From now on, all the parts laid out together may take ``seconds`` (None: no limit)."""
        self._total = seconds or 0.0
        self._deadline = time.monotonic() + seconds if seconds else None

    def _within_total(self, settings: TypesetOptions) -> TypesetOptions:
        """``settings`` with each part's time limit cut to what is left of the total."""
        if self._deadline is None:
            return settings
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise self._over_time()
        limit = settings.get("time_limit")
        return {**settings, "time_limit": min(limit, left) if limit else left}

    def _left(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    def _over_time(self) -> Exception:
        from reportgen.errors import TypesetError

        return TypesetError(f"the build took longer than {self._total:g} s in all and was stopped")

    def warm_up(self) -> None:
        """Import WeasyPrint here now, so the first part laid out in this process does not wait for it."""
        _import_weasyprint()
        self._warm = True

    def start(self) -> None:
        """Get workers ready while the caller loads and renders content; returns at once.

        With a fork server, only the server starts here: it imports WeasyPrint
        meanwhile, and workers are forked from it when parts arrive. (Forking
        one now would wait for that import.) Spawned workers start right away.
        """
        if self.workers < 2 or self._started:
            return
        self._started = True
        context = _worker_context()
        if context.get_start_method() == "forkserver":
            forkserver.ensure_running()
            return
        pool = self._pool()
        for _ in range(self.workers):  # each submission starts one more worker
            pool.submit(_import_weasyprint)

    def abort(self) -> None:
        """Stop at once (a signal, an error): queued parts are dropped and the workers killed."""
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.workers, mp_context=_worker_context(),
                                                 initializer=_prepare_worker)  # fmt: skip
        return self._executor

    def _here(self, parts: int) -> bool:
        """Whether to lay ``parts`` out in this process rather than in workers.

        Two parts or more go to the workers. So does a single one when workers
        were started and this process has not loaded WeasyPrint: a worker
        forked from the server has, and this process need not load it at all.
        """
        return self.workers < 2 or (parts < 2 and (self._warm or not self._started))

    def map(self, work: list[tuple[Job, LayoutTrace | None]], settings: TypesetOptions) -> list[TracedPart]:
        """Lay ``work`` out, here or in the workers (see ``_here``)."""
        if not work or self._here(len(work)):
            return [lay_out(job, self._within_total(settings), previous) for job, previous in work]
        pool = self._pool()
        futures = [pool.submit(lay_out, job, self._within_total(settings), previous) for job, previous in work]
        try:
            return [future.result(timeout=self._left()) for future in futures]
        except TimeoutError:
            self.abort()
            raise self._over_time() from None

    def subset(self, original: Path, glyphs: set[int], cache: PartCache) -> bytes:
        """A face cut down to ``glyphs`` (ids kept): most edits add no glyph, so the last ones are kept."""
        from reportgen.typeset.pdfmerge import subset_font

        key = (original, frozenset(glyphs))
        if key not in self.subsets:
            if len(self.subsets) >= 16:
                self.subsets.pop(next(iter(self.subsets)))
            self.subsets[key] = cache.font_subset(original, key[1], lambda: subset_font(original, glyphs))
        return self.subsets[key]

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None


def prepare_session(jobs: int) -> Session:
    """A session for a build in ``jobs`` processes, its workers getting ready at once.

    Even a rebuild that finds most parts cached gains: the one part left is
    laid out in a worker forked from the server, which imported WeasyPrint
    while this process loaded the content.
    """
    session = Session(jobs)
    session.start()
    return session
