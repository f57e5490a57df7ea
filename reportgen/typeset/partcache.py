"""Typeset parts on disk, keyed by a hash of everything that shapes them.

An entry is a part's PDF, what a merge needs to know about its pages, and the
trace of its layout (see ``resync``). Besides entries, the cache remembers for
every chapter the key of its latest layout, so that the chapter's next version
can be laid out incrementally against it. Entries unused for ``MAX_AGE_DAYS``
are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from reportgen.build.atomic import write_atomic
from reportgen.paths import package_digest
from reportgen.typeset.results import LayoutTrace, RenderedPart, TypesetOptions, engine_versions

MAX_AGE_DAYS = 14


@dataclass(frozen=True)
class CachedPart:
    part: RenderedPart
    trace: LayoutTrace | None


class PartCache:
    """Parts under ``folder`` (None: a cache that keeps nothing)."""

    def __init__(self, folder: Path | None, settings: TypesetOptions) -> None:
        self.folder = folder
        digest = hashlib.sha256()
        for path in (*settings["stylesheets"], *sorted(p for root in settings["allowed_roots"]
                                                       for p in root.rglob("*.tt[fc]"))):  # fmt: skip
            digest.update(path.name.encode() + path.read_bytes())
        # The package's own code, not __version__: a commit that changes the output need not bump the version.
        digest.update(json.dumps([package_digest(), engine_versions(), settings["source_date_epoch"]]).encode())
        self.salt = digest.hexdigest()

    def key(self, html: str, extra_css: str, foreign: frozenset[str],
            drawn: tuple[int | None, int | None] | None = None) -> str:  # fmt: skip
        fields: list[Any] = [self.salt, html, extra_css, sorted(foreign)]
        if drawn is not None:  # a part drawing only some of its pages
            fields.append(list(drawn))
        payload = json.dumps(fields).encode()
        return hashlib.sha256(payload).hexdigest()

    def lineage(self, name: str, extra_css: str) -> str:
        """The name under which a part's successive versions (one chapter's) are remembered."""
        return hashlib.sha256(json.dumps([self.salt, name, extra_css]).encode()).hexdigest()[:32]

    def get(self, key: str) -> CachedPart | None:
        if self.folder is None:
            return None
        try:
            meta = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            pdf = (self.folder / f"{key}.pdf").read_bytes()
            if hashlib.sha256(pdf).hexdigest() != meta.get("sha256"):
                return None
            part = RenderedPart(
                pdf,
                tuple((width, height) for width, height in meta["page_sizes"]),
                {name: (page, x, y) for name, (page, x, y) in meta["anchors"].items()},
                tuple(str(label) for label in meta.get("labels", ())),
                None if meta.get("page_names") is None else tuple(map(str, meta["page_names"])),
            )
            trace = LayoutTrace.from_json(meta["trace"]) if meta.get("trace") else None
        except (OSError, ValueError, KeyError, TypeError):
            return None  # unreadable: laid out again
        for suffix in (".json", ".pdf"):  # used: kept from pruning
            os.utime(self.folder / f"{key}{suffix}")
        return CachedPart(part, trace)

    def put(self, key: str, part: RenderedPart, trace: LayoutTrace | None) -> None:
        if self.folder is None:
            return
        meta = asdict(part)
        meta.pop("pdf")
        meta["sha256"] = hashlib.sha256(part.pdf).hexdigest()
        meta["trace"] = trace.to_json() if trace is not None else None
        write_atomic(self.folder / f"{key}.pdf", part.pdf)
        write_atomic(self.folder / f"{key}.json", json.dumps(meta).encode())

    def latest(self, lineage: str) -> CachedPart | None:
        """The latest layout remembered under ``lineage``, if still cached."""
        if self.folder is None:
            return None
        try:
            key = (self.folder / f"latest-{lineage}").read_text(encoding="ascii").strip()
        except (OSError, ValueError):
            return None
        return self.get(key) if len(key) == 64 and key.isalnum() else None

    def remember(self, lineage: str, key: str) -> None:
        if self.folder is not None:
            write_atomic(self.folder / f"latest-{lineage}", key.encode())

    def font_subset(self, original: Path, glyphs: frozenset[int], make: Callable[[], bytes]) -> bytes:
        """A font subset from the cache, or ``make()``'s, kept for the next build."""
        if self.folder is None:
            return make()
        key = hashlib.sha256(json.dumps([self.salt, original.name, sorted(glyphs)]).encode()).hexdigest()
        path = self.folder / f"font-{key}.ttf"
        try:
            data = path.read_bytes()
            os.utime(path)
            return data
        except OSError:
            data = make()
            write_atomic(path, data)
            return data

    def prune(self) -> None:
        """Remove entries not used for ``MAX_AGE_DAYS``."""
        if self.folder is None or not self.folder.is_dir():
            return
        oldest = time.time() - MAX_AGE_DAYS * 86400
        for path in self.folder.iterdir():
            try:
                if path.stat().st_mtime < oldest:
                    path.unlink()
            except OSError:
                continue  # another build removed or replaced it
