"""Everything CI publishes: every edition's PDF and a redline for each pair of
consecutive editions, with ``manifest.json`` and ``SHA256SUMS``.

- Incremental: each artifact has an *inputs key* (content, templates, styles,
  fonts, tool versions); an artifact whose key and bytes match the last
  release's manifest in the same folder is not rebuilt.
- Parallel: artifacts build in separate processes.
- Safe: each artifact is written atomically by its worker; the manifest and
  checksums are written last and list only artifacts that exist, complete,
  with the bytes they describe — a failed or interrupted artifact is never
  claimed.

Progress is reported through a callback; this module prints nothing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import jdatetime

from reportgen import __version__
from reportgen.editions.find import EditionRef, find_editions, load_stage
from reportgen.errors import ReportgenError
from reportgen.editions.freeze import edition_inputs, fingerprint
from reportgen.paths import Project
from reportgen.build.atomic import write_atomic

SCHEMA = "reportgen-release/1"

# manifest.json, documented as a JSON Schema (tests validate every release against it).
MANIFEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["schema", "artifacts"],
    "properties": {
        "schema": {"const": SCHEMA},
        "artifacts": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["file", "kind", "report", "stage", "edition", "base_edition", "date_jalali", "date_iso",
                             "pages", "size", "sha256", "content_hash", "inputs_key", "tools"],
                "properties": {
                    "file": {"type": "string", "description": "file name in the release folder"},
                    "kind": {"enum": ["edition", "redline"]},
                    "report": {"type": "string"},
                    "stage": {"type": "integer"},
                    "edition": {"type": "integer", "description": "the edition typeset (redline: the newer)"},
                    "base_edition": {"type": ["integer", "null"], "description": "redline: the older edition"},
                    "date_jalali": {"type": "string", "pattern": "^[0-9]{4}/[0-9]{2}/[0-9]{2}$"},
                    "date_iso": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "pages": {"type": "integer"},
                    "size": {"type": "integer", "description": "bytes"},
                    "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                    "content_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                     "description": "hash of the edition's inputs (see freeze.py)"},
                    "inputs_key": {"type": "string", "pattern": "^[0-9a-f]{64}$",
                                   "description": "hash of everything that shapes the bytes"},
                    "tools": {"type": "object", "required": ["reportgen", "weasyprint", "pango", "fonts"]},
                },
            },
        },
    },
}
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"

Kind = Literal["edition", "redline"]


@dataclass(frozen=True)
class Artifact:
    """One file a release publishes."""

    kind: Kind
    ref: EditionRef
    """The edition typeset (for a redline: the newer one)."""
    base: EditionRef | None = None
    """For a redline: the older edition it is compared with."""

    @property
    def name(self) -> str:
        if self.kind == "edition":
            return self.ref.pdf_name
        assert self.base is not None
        return (f"{self.ref.report}_stage-{self.ref.stage}_redline_edition-{self.base.edition}"
                f"-to-{self.ref.edition}.pdf")  # fmt: skip


@dataclass(frozen=True)
class Built:
    """What a worker reports back for an artifact it built."""

    name: str
    pages: int
    size: int
    sha256: str
    seconds: float


@dataclass(frozen=True)
class Event:
    """A progress event: ``started``, ``built``, ``skipped`` or ``failed``."""

    kind: Literal["started", "built", "skipped", "failed"]
    artifact: str
    seconds: float = 0.0
    message: str = ""


@dataclass
class ReleaseResult:
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    manifest: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


# ----------------------------------------------------------------- planning


def plan(project: Project) -> list[Artifact]:
    """Every artifact the content calls for, in a stable order."""
    artifacts: list[Artifact] = []
    refs = find_editions(project)
    for ref in refs:
        artifacts.append(Artifact("edition", ref))
    for older, newer in zip(refs, refs[1:], strict=False):
        if (older.report, older.stage) == (newer.report, newer.stage):
            artifacts.append(Artifact("redline", newer, older))
    return artifacts


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(folders: Iterable[Path]) -> dict[str, str]:
    return {
        f"{folder.name}/{path.relative_to(folder).as_posix()}": _sha256(path.read_bytes())
        for folder in folders
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def tool_versions(project: Project) -> dict[str, Any]:
    """Versions of everything that shapes the bytes, and the font files' hashes."""
    from reportgen.typeset import engine_versions

    fonts = {name: digest for name, digest in _tree_digest([project.fonts]).items() if name.endswith((".ttf", ".otf"))}
    return {"reportgen": __version__, **engine_versions(), "fonts": fonts}


def content_hash(project: Project, ref: EditionRef) -> str:
    """The hash of one edition's inputs (as ``reportgen edition publish`` records it)."""
    stage = load_stage(project, ref.report, ref.stage)
    return fingerprint(edition_inputs(project, ref.report, stage, ref.edition)).content_hash


def inputs_key(project: Project, artifact: Artifact, shared: dict[str, Any], hashes: dict[EditionRef, str]) -> str:
    """A hash of everything that affects the artifact's bytes (``hashes``: each edition's content hash)."""
    editions = [artifact.ref] + ([artifact.base] if artifact.base else [])
    content = {}
    for ref in editions:
        if ref not in hashes:
            hashes[ref] = content_hash(project, ref)
        content[str(ref)] = hashes[ref]
    payload = {"artifact": artifact.name, "kind": artifact.kind, "content": content, **shared}
    return _sha256(json.dumps(payload, sort_keys=True).encode())


# ----------------------------------------------------------------- building


def _build(project: Project, artifact: Artifact, output: Path) -> Built:
    """Build one artifact into ``output`` (runs in a worker process)."""
    from reportgen.build.pipeline import build_edition, build_redline  # loads WeasyPrint

    started = time.perf_counter()
    if artifact.kind == "edition":
        result = build_edition(project, artifact.ref, output, split_large=False)  # bytes independent of any cache
        path, pages = result.path, result.pages
    else:
        assert artifact.base is not None
        path, pages = build_redline(project, artifact.base, artifact.ref, output / artifact.name)
    data = path.read_bytes()
    return Built(artifact.name, pages, len(data), _sha256(data), time.perf_counter() - started)


def _entry(project: Project, artifact: Artifact, built: Built, key: str, tools: dict[str, Any],
           edition_hash: str) -> dict[str, Any]:  # fmt: skip
    stage = load_stage(project, artifact.ref.report, artifact.ref.stage)
    date: jdatetime.date = next(e.date for e in stage.editions if e.number == artifact.ref.edition)
    return {
        "file": artifact.name,
        "kind": artifact.kind,
        "report": artifact.ref.report,
        "stage": artifact.ref.stage,
        "edition": artifact.ref.edition,
        "base_edition": artifact.base.edition if artifact.base else None,
        "date_jalali": f"{date.year:04d}/{date.month:02d}/{date.day:02d}",
        "date_iso": date.togregorian().isoformat(),
        "pages": built.pages,
        "size": built.size,
        "sha256": built.sha256,
        "content_hash": edition_hash,
        "inputs_key": key,
        "tools": tools,
    }


def read_manifest(output: Path) -> dict[str, dict[str, Any]]:
    """The last release's entries in ``output``, by file name ({} if none or unreadable)."""
    try:
        data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        return {entry["file"]: entry for entry in data["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _file_matches(path: Path, sha256: str) -> bool:
    return path.is_file() and _sha256(path.read_bytes()) == sha256


def _write_manifest(output: Path, entries: Sequence[dict[str, Any]]) -> Path:
    ordered = sorted(entries, key=lambda e: (e["report"], e["stage"], e["edition"], e["kind"]))
    manifest = {"schema": SCHEMA, "artifacts": ordered}
    write_atomic(output / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode())
    sums = "".join(f"{e['sha256']}  {e['file']}\n" for e in sorted(ordered, key=lambda e: e["file"]))
    write_atomic(output / CHECKSUMS, sums.encode())
    return output / MANIFEST


def release(
    project: Project,
    output: Path,
    *,
    jobs: int | None = None,
    on_event: Callable[[Event], None] = lambda event: None,
) -> ReleaseResult:
    """Build what changed since the last release in ``output``, in parallel, then write the manifest."""
    output.mkdir(parents=True, exist_ok=True)
    artifacts = plan(project)
    tools = tool_versions(project)
    shared = {"tools": tools, "code": _tree_digest([project.templates, project.styles])}
    previous = read_manifest(output)
    result = ReleaseResult()
    entries: dict[str, dict[str, Any]] = {}
    hashes: dict[EditionRef, str] = {}
    to_build: list[tuple[Artifact, str]] = []
    for artifact in artifacts:
        try:
            key = inputs_key(project, artifact, shared, hashes)
        except ReportgenError as error:
            result.failed[artifact.name] = str(error)
            on_event(Event("failed", artifact.name, message=str(error)))
            continue
        old = previous.get(artifact.name)
        if old and old.get("inputs_key") == key and _file_matches(output / artifact.name, old["sha256"]):
            entries[artifact.name] = old
            result.skipped.append(artifact.name)
            on_event(Event("skipped", artifact.name))
        else:
            to_build.append((artifact, key))
    try:
        for artifact, key, outcome in _run(project, output, to_build, jobs, on_event):
            if isinstance(outcome, Built):
                entries[artifact.name] = _entry(project, artifact, outcome, key, tools, hashes[artifact.ref])
                result.built.append(artifact.name)
                on_event(Event("built", artifact.name, outcome.seconds))
            else:
                result.failed[artifact.name] = outcome
                on_event(Event("failed", artifact.name, message=outcome))
    finally:
        # Whatever happened, list only what is on disk, complete and as described:
        # artifacts from the last release that were not touched keep their entries.
        for name, old in previous.items():
            if name not in entries and name not in result.failed and _file_matches(output / name, old["sha256"]):
                if any(a.name == name for a in artifacts):
                    entries[name] = old
        result.manifest = _write_manifest(output, list(entries.values()))
    return result


def _run(
    project: Project,
    output: Path,
    work: list[tuple[Artifact, str]],
    jobs: int | None,
    on_event: Callable[[Event], None],
) -> Iterable[tuple[Artifact, str, Built | str]]:
    """Build ``work`` in worker processes, yielding each outcome as it completes."""
    if not work:
        return
    workers = max(1, min(jobs or multiprocessing.cpu_count(), len(work)))
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited Pango state
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict[Future[Built], tuple[Artifact, str]] = {}
        for artifact, key in work:
            pending[pool.submit(_build, project, artifact, output)] = (artifact, key)
            on_event(Event("started", artifact.name))
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    artifact, key = pending.pop(future)
                    try:
                        yield artifact, key, future.result()
                    except ReportgenError as error:
                        yield artifact, key, str(error)
        except BaseException:
            for future in pending:
                future.cancel()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


# ----------------------------------------------------------------- verifying


@dataclass(frozen=True)
class Mismatch:
    file: str
    reason: str


def verify(project: Project, folder: Path, scratch: Path) -> list[Mismatch]:
    """Rebuild every artifact the manifest in ``folder`` lists (into ``scratch``) and compare."""
    manifest = read_manifest(folder)
    if not manifest:
        raise ReportgenError(f"no readable {MANIFEST} in {folder}")
    planned = {artifact.name: artifact for artifact in plan(project)}
    mismatches: list[Mismatch] = []
    for name, entry in sorted(manifest.items()):
        if not _file_matches(folder / name, entry["sha256"]):
            mismatches.append(Mismatch(name, "file differs from its manifest entry (or is missing)"))
            continue
        artifact = planned.get(name)
        if artifact is None:
            mismatches.append(Mismatch(name, "the content no longer has this artifact"))
            continue
        try:
            rebuilt = _build(project, artifact, scratch)
        except ReportgenError as error:
            mismatches.append(Mismatch(name, f"rebuild failed: {error}"))
            continue
        if rebuilt.sha256 != entry["sha256"]:
            mismatches.append(Mismatch(name, "rebuilt bytes differ from the published file"))
    return mismatches


def manifest_as_dict(result: ReleaseResult) -> dict[str, Any]:
    """A JSON-ready summary of a release run."""
    return {key: value for key, value in asdict(result).items() if key != "manifest"} | {
        "manifest": str(result.manifest) if result.manifest else None
    }
