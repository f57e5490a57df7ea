"""Everything CI publishes: every published edition's PDF and a redline for each
pair of consecutive published editions, with ``manifest.json`` and ``SHA256SUMS``.

- Published only: draft editions are left out unless ``include_drafts``, which
  builds them with «پیش‌نویس» on every page and in the title.
- Incremental: each artifact has an *inputs key* (content, reportgen's own code,
  theme, fonts, engine versions, draft mark); an artifact whose key and bytes
  match the last release's manifest in the same folder is not rebuilt, and
  every rebuild says why.
- Parallel: artifacts build in separate processes.
- Clean: the folder ends up holding exactly what the manifest lists. Files of an
  earlier release that the new one does not list (a failed or withdrawn
  artifact) are removed; files no release wrote make the release refuse to
  start, unless ``clean`` removes them.
- Safe: each artifact is written atomically by its worker; the manifest and
  checksums are written last, together (both complete before either is renamed
  into place, and the manifest records the checksums file's hash), and list
  only artifacts that exist, complete, with the bytes they describe.

Progress is reported through a callback; this module prints nothing.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import jdatetime

from reportgen import __version__
from reportgen.content.models import EditionStatus
from reportgen.content.validate import raise_if_any
from reportgen.editions.find import EditionRef, load_stage, scan_editions
from reportgen.editions.freeze import edition_inputs, fingerprint
from reportgen.errors import ContentError, OutputError, Problem, ReportgenError
from reportgen.paths import DEFAULT_THEME, PACKAGE_DIR, Project, package_digest
from reportgen.text.persian import short_jalali_date
from reportgen.typeset import ENGINE_LIBRARIES, die_with_parent

SCHEMA = "reportgen-release/2"
RUN_SCHEMA = "reportgen-release-run/1"
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
LOCK_FILE = "requirements.lock"
"""The hashed lock of every Python dependency, at the root of reportgen's source (see README)."""

_SHA256 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}


def _object(properties: dict[str, Any], optional: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "required": sorted(set(properties) - set(optional)), "properties": properties,
            "additionalProperties": False}  # fmt: skip


# manifest.json, as a JSON Schema (tests validate every release against it with a real validator).
MANIFEST_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA,
    **_object({
        "schema": {"const": SCHEMA},
        "include_drafts": {"type": "boolean", "description": "whether draft editions were released"},
        "checksums_sha256": {**_SHA256, "description": "SHA-256 of the SHA256SUMS written with this manifest"},
        "artifacts": {"type": "array", "items": _object({
            "file": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9._-]*\.pdf$",
                     "description": "file name in the release folder"},
            "kind": {"enum": ["edition", "redline"]},
            "status": {"enum": ["published", "draft"],
                       "description": "draft if the edition (or, for a redline, either edition) is a draft"},
            "report": {"type": "string"},
            "stage": {"type": "integer", "minimum": 1},
            "edition": {"type": "integer", "minimum": 1, "description": "the edition typeset (redline: the newer)"},
            "base_edition": {"type": ["integer", "null"], "description": "redline: the older edition"},
            "date_jalali": {"type": "string", "pattern": "^[0-9]{4}/[0-9]{2}/[0-9]{2}$"},
            "date_iso": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            "pages": {"type": "integer", "minimum": 1},
            "size": {"type": "integer", "minimum": 1, "description": "bytes"},
            "sha256": _SHA256,
            "content_hash": {**_SHA256, "description": "hash of the edition's inputs (see editions/freeze.py)"},
            "inputs_key": {**_SHA256, "description": "hash of everything that shapes the bytes"},
            "code": {**_SHA256, "description": "digest of reportgen's own code and templates"},
            "theme": {**_SHA256, "description": "digest of the templates and stylesheets used"},
            "lock": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$",
                     "description": "SHA-256 of requirements.lock when built (null: not installed from it)"},
            "tools": _object({
                "reportgen": {"type": "string"},
                **{name: {"type": "string"} for name in ENGINE_LIBRARIES},
                "fonts": {"type": "object", "additionalProperties": _SHA256,
                          "description": "font file → SHA-256"},
            }),
        })},
    }),
}

# ``reportgen release --json``: what one run did.
RUN_SCHEMA_DOCUMENT: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": RUN_SCHEMA,
    **_object({
        "schema": {"const": RUN_SCHEMA},
        "ok": {"type": "boolean"},
        "output": {"type": "string"},
        "manifest": {"type": ["string", "null"]},
        "include_drafts": {"type": "boolean"},
        "seconds": {"type": "number", "minimum": 0},
        "removed": {"type": "array", "items": {"type": "string"}, "description": "files removed from the folder"},
        "artifacts": {"type": "array", "items": _object({
            "file": {"type": "string"},
            "action": {"enum": ["built", "unchanged", "failed"]},
            "reason": {"type": ["string", "null"], "description": "why it was (re)built"},
            "sha256": {"type": ["string", "null"], "pattern": "^[0-9a-f]{64}$"},
            "seconds": {"type": ["number", "null"], "minimum": 0},
            "error": {"type": ["string", "null"]},
        })},
    }),
}

Kind = Literal["edition", "redline"]


@dataclass(frozen=True)
class Artifact:
    """One file a release publishes."""

    kind: Kind
    ref: EditionRef
    """The edition typeset (for a redline: the newer one)."""
    base: EditionRef | None = None
    """For a redline: the older edition it is compared with."""
    draft: bool = False
    """The edition (or either edition of a redline) is a draft: marked «پیش‌نویس»."""

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
    """A progress event: ``started`` (``message``: why), ``built``, ``skipped``, ``failed`` or ``removed``."""

    kind: Literal["started", "built", "skipped", "failed", "removed"]
    artifact: str
    seconds: float = 0.0
    message: str = ""


@dataclass
class ReleaseResult:
    output: Path
    include_drafts: bool = False
    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    reasons: dict[str, str] = field(default_factory=dict)
    """Why each built (or failed) artifact was (re)built."""
    timings: dict[str, float] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    manifest: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


# ----------------------------------------------------------------- planning


def plan(project: Project, include_drafts: bool = False, problems: list[Problem] | None = None) -> list[Artifact]:
    """Every artifact the content calls for, in a stable order.

    Without ``include_drafts``, draft editions are left out, and a redline joins
    two consecutive *published* editions. A broken report or stage does not
    stop the others: its problems go into ``problems`` (raised if that is None).
    """
    scan = scan_editions(project)
    if problems is None:
        raise_if_any(scan.problems)
    else:
        problems.extend(scan.problems)
    refs = scan.refs
    statuses: dict[EditionRef, bool] = {}
    stages: dict[tuple[str, int], dict[int, bool]] = {}
    for ref in refs:
        key = (ref.report, ref.stage)
        if key not in stages:
            stages[key] = {e.number: e.status is EditionStatus.draft for e in load_stage(project, *key).editions}
        statuses[ref] = stages[key][ref.edition]
    chosen = [ref for ref in refs if include_drafts or not statuses[ref]]
    artifacts = [Artifact("edition", ref, draft=statuses[ref]) for ref in chosen]
    for older, newer in zip(chosen, chosen[1:], strict=False):
        if (older.report, older.stage) == (newer.report, newer.stage):
            artifacts.append(Artifact("redline", newer, older, draft=statuses[older] or statuses[newer]))
    return artifacts


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree_digest(folders: Iterable[Path]) -> dict[str, str]:
    """Name → SHA-256 of every file under ``folders`` (a path that is a file stands for itself)."""
    return {
        f"{folder.name}/{path.relative_to(folder).as_posix()}" if path != folder else folder.name:
            _sha256(path.read_bytes())
        for folder in folders
        for path in ([folder] if folder.is_file() else sorted(folder.rglob("*")))
        if path.is_file() and "__pycache__" not in path.parts
    }  # fmt: skip


def lock_hash() -> str | None:
    """SHA-256 of the lock file reportgen was installed from (None when not run from a source tree)."""
    path = PACKAGE_DIR.parent / LOCK_FILE
    return _sha256(path.read_bytes()) if path.is_file() else None


def tool_versions(project: Project) -> dict[str, Any]:
    """Versions of everything that shapes the bytes, and the font files' hashes."""
    from reportgen.typeset import engine_versions

    fonts = {name: digest for name, digest in _tree_digest([DEFAULT_THEME / "fonts", project.fonts]).items()
             if name.endswith((".ttf", ".otf"))}  # fmt: skip
    return {"reportgen": __version__, **engine_versions(), "fonts": fonts}


@dataclass(frozen=True)
class Inputs:
    """What shapes every artifact of a release besides its content."""

    tools: dict[str, Any]
    code: str
    theme: str
    lock: str | None

    @classmethod
    def of(cls, project: Project) -> Inputs:
        theme = json.dumps(_tree_digest(project.theme_roots), sort_keys=True).encode()
        return cls(tool_versions(project), package_digest(), _sha256(theme), lock_hash())


def content_hash(project: Project, ref: EditionRef) -> str:
    """The hash of one edition's inputs (as ``reportgen edition publish`` records it)."""
    stage = load_stage(project, ref.report, ref.stage)
    return fingerprint(edition_inputs(project, ref.report, stage, ref.edition)).content_hash


def inputs_key(project: Project, artifact: Artifact, inputs: Inputs, hashes: dict[EditionRef, str]) -> str:
    """A hash of everything that affects the artifact's bytes (``hashes``: each edition's content hash)."""
    editions = [artifact.ref] + ([artifact.base] if artifact.base else [])
    content = {}
    for ref in editions:
        if ref not in hashes:
            hashes[ref] = content_hash(project, ref)
        content[str(ref)] = hashes[ref]
    payload = {"artifact": artifact.name, "kind": artifact.kind, "content": content, "draft": artifact.draft,
               "tools": inputs.tools, "code": inputs.code, "theme": inputs.theme}  # fmt: skip
    return _sha256(json.dumps(payload, sort_keys=True).encode())


def rebuild_reason(old: dict[str, Any] | None, new: dict[str, Any], on_disk: str | None) -> str | None:
    """Why an artifact must be built again (None: it need not be).

    ``old`` is its entry in the last manifest, ``new`` the fields it would have
    now (``content_hash``, ``inputs_key``, ``code``, ``theme``, ``status``,
    ``tools``), ``on_disk`` the SHA-256 of the file in the folder (None: absent).
    """
    if old is None:
        return "not in the last release"
    if on_disk is None:
        return "file missing"
    if on_disk != old.get("sha256"):
        return "file differs from the last manifest"
    if old.get("inputs_key") == new["inputs_key"]:
        return None
    changes = []
    if old.get("content_hash") != new["content_hash"]:
        changes.append("content changed")
    if old.get("status") != new["status"]:
        changes.append(f"status {old.get('status')} → {new['status']}")
    if old.get("code") != new["code"]:
        changes.append("reportgen's code or templates changed")
    if old.get("theme") != new["theme"]:
        changes.append("templates or styles changed")
    old_tools = old.get("tools") or {}
    for name, version in new["tools"].items():
        if name == "fonts":
            if old_tools.get("fonts") != version:
                changes.append("fonts changed")
        elif old_tools.get(name) != version:
            changes.append(f"{name} {old_tools.get(name, '?')} → {version}")
    return ", ".join(changes) or "inputs changed"


# ----------------------------------------------------------------- building


def build_artifact(project: Project, artifact: Artifact, output: Path) -> Built:
    """Build one artifact into ``output`` (runs in a worker process)."""
    from reportgen.build.pipeline import build_edition, build_redline  # loads WeasyPrint

    started = time.perf_counter()
    if artifact.kind == "edition":
        result = build_edition(project, artifact.ref, output, split_large=False,  # bytes independent of any cache
                               draft_mark=artifact.draft)  # fmt: skip
        path, pages = result.path, result.pages
    else:
        assert artifact.base is not None
        path, pages = build_redline(project, artifact.base, artifact.ref, output / artifact.name,
                                    draft_mark=artifact.draft)  # fmt: skip
    data = path.read_bytes()
    return Built(artifact.name, pages, len(data), _sha256(data), time.perf_counter() - started)


def _fields(artifact: Artifact, key: str, inputs: Inputs, edition_hash: str) -> dict[str, Any]:
    """The parts of a manifest entry known before building (what ``rebuild_reason`` compares)."""
    return {"status": "draft" if artifact.draft else "published", "content_hash": edition_hash, "inputs_key": key,
            "code": inputs.code, "theme": inputs.theme, "tools": inputs.tools}  # fmt: skip


def _entry(project: Project, artifact: Artifact, built: Built, fields: dict[str, Any], lock: str | None
           ) -> dict[str, Any]:  # fmt: skip
    stage = load_stage(project, artifact.ref.report, artifact.ref.stage)
    edition = next(e for e in stage.editions if e.number == artifact.ref.edition)
    date: jdatetime.date = edition.date
    return {
        "file": artifact.name,
        "kind": artifact.kind,
        "status": fields["status"],
        "report": artifact.ref.report,
        "stage": artifact.ref.stage,
        "edition": artifact.ref.edition,
        "base_edition": artifact.base.edition if artifact.base else None,
        "date_jalali": short_jalali_date(date),
        "date_iso": date.togregorian().isoformat(),
        "pages": built.pages,
        "size": built.size,
        "sha256": built.sha256,
        "content_hash": fields["content_hash"],
        "inputs_key": fields["inputs_key"],
        "code": fields["code"],
        "theme": fields["theme"],
        "lock": lock,
        "tools": fields["tools"],
    }


def withdrawn(project: Project, previous: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Editions the last release in this folder listed as published that may not be released now, and why.

    A published edition never changes and is never unpublished: removing its
    publication record by hand (and perhaps publishing other content under
    its number) shows here as a state or content hash other than last time.
    """
    refused: dict[str, str] = {}
    for name, old in previous.items():
        if old.get("kind") != "edition" or old.get("status") != "published":
            continue
        ref = EditionRef(str(old.get("report")), int(old.get("stage", 0)), int(old.get("edition", 0)))
        try:
            stage = load_stage(project, ref.report, ref.stage)
            entry = next((e for e in stage.editions if e.number == ref.edition), None)
            current = content_hash(project, ref) if entry is not None and entry.published is not None else None
        except ReportgenError:
            continue  # reported where the content is read
        released = str(old.get("content_hash"))[:12]
        if current is None:
            refused[name] = (f"{ref} was released as published (content {released}…) and is no longer published: "
                             "its publication record was removed by hand; restore it")  # fmt: skip
        elif current != old.get("content_hash"):
            refused[name] = (f"{ref} was released as published with content {released}… and is now published with "
                             f"content {current[:12]}…: a published edition never changes")  # fmt: skip
    return refused


def read_manifest(output: Path) -> dict[str, dict[str, Any]]:
    """The last release's entries in ``output``, by file name ({} if none or unreadable)."""
    try:
        data = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        return {entry["file"]: entry for entry in data["artifacts"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _file_sha256(path: Path) -> str | None:
    return _sha256(path.read_bytes()) if path.is_file() else None


def checksums_text(entries: Sequence[dict[str, Any]]) -> str:
    """``SHA256SUMS`` for these manifest entries, as ``sha256sum`` writes it."""
    return "".join(f"{e['sha256']}  {e['file']}\n" for e in sorted(entries, key=lambda e: e["file"]))


def _write_pair(output: Path, files: dict[str, bytes]) -> None:
    """Write several files so that each is complete before any is renamed into place."""
    temporaries: list[tuple[str, Path]] = []
    try:
        for name, data in files.items():
            descriptor, created = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=output)
            temporaries.append((name, Path(created)))
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        for name, path in temporaries:
            os.replace(path, output / name)
        directory = os.open(output, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as error:
        raise OutputError(f"cannot write {output / MANIFEST}: {error.strerror}") from None
    finally:
        for _, path in temporaries:
            path.unlink(missing_ok=True)


def _write_manifest(output: Path, entries: Sequence[dict[str, Any]], include_drafts: bool) -> Path:
    ordered = sorted(entries, key=lambda e: (e["report"], e["stage"], e["edition"], e["kind"]))
    sums = checksums_text(ordered).encode()
    manifest = {"schema": SCHEMA, "include_drafts": include_drafts, "checksums_sha256": _sha256(sums),
                "artifacts": ordered}  # fmt: skip
    # SHA256SUMS is renamed first: a reader that sees the new manifest sees the checksums it names.
    _write_pair(output, {CHECKSUMS: sums, MANIFEST: (json.dumps(manifest, ensure_ascii=False, indent=2)
                                                     + "\n").encode()})  # fmt: skip
    return output / MANIFEST


def _ours(name: str) -> bool:
    """Files a release itself writes besides artifacts: the manifest pair, and temporaries of atomic writes."""
    return name in (MANIFEST, CHECKSUMS) or (name.startswith(".") and name.endswith(".tmp"))


def strangers(output: Path, artifacts: Sequence[Artifact], previous: dict[str, dict[str, Any]]) -> list[str]:
    """Files in ``output`` that no release wrote: neither planned now nor listed by the last manifest."""
    if not output.is_dir():
        return []
    known = {a.name for a in artifacts} | set(previous)
    return sorted(p.name for p in output.iterdir() if p.name not in known and not _ours(p.name))


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as error:
        raise OutputError(f"cannot remove {path}: {error.strerror}") from None


def release(
    project: Project,
    output: Path,
    *,
    jobs: int | None = None,
    include_drafts: bool = False,
    clean: bool = False,
    on_event: Callable[[Event], None] = lambda event: None,
) -> ReleaseResult:
    """Build what changed since the last release in ``output``, in parallel, then write the manifest.

    Files in ``output`` that no release wrote stop the release before anything
    is built (``OutputError``), unless ``clean``, which removes them.
    """
    started = time.perf_counter()
    problems: list[Problem] = []
    artifacts = plan(project, include_drafts, problems)
    previous = read_manifest(output)
    result = ReleaseResult(output, include_drafts)
    foreign = strangers(output, artifacts, previous)
    if foreign and not clean:
        raise OutputError(
            f"{output} holds files no release wrote: {', '.join(foreign)}\n"
            "A release folder holds exactly what its manifest lists: move them away, or pass --clean to remove them."
        )
    output.mkdir(parents=True, exist_ok=True)
    for name in foreign:
        _remove(output / name)
        result.removed.append(name)
        on_event(Event("removed", name, message="not written by a release"))
    inputs = Inputs.of(project)
    entries: dict[str, dict[str, Any]] = {}
    fields: dict[str, dict[str, Any]] = {}
    hashes: dict[EditionRef, str] = {}
    to_build: list[tuple[Artifact, str]] = []
    if problems:  # a broken report or stage: the others are still released
        result.failed["content"] = str(ContentError(problems))
        on_event(Event("failed", "content", message=result.failed["content"]))
    for name, why in withdrawn(project, previous).items():
        result.failed[name] = why
        on_event(Event("failed", name, message=why))
        if _file_sha256(output / name) == previous[name].get("sha256"):
            entries[name] = previous[name]  # what was published stays listed, untouched
    for artifact in artifacts:
        if artifact.name in result.failed:
            continue
        try:
            key = inputs_key(project, artifact, inputs, hashes)
        except ReportgenError as error:
            result.failed[artifact.name] = str(error)
            on_event(Event("failed", artifact.name, message=str(error)))
            continue
        fields[artifact.name] = _fields(artifact, key, inputs, hashes[artifact.ref])
        old = previous.get(artifact.name)
        reason = rebuild_reason(old, fields[artifact.name], _file_sha256(output / artifact.name))
        if reason is None and old is not None:
            entries[artifact.name] = old
            result.skipped.append(artifact.name)
            result.hashes[artifact.name] = old["sha256"]
            on_event(Event("skipped", artifact.name))
        else:
            result.reasons[artifact.name] = reason or "inputs changed"
            to_build.append((artifact, reason or "inputs changed"))
    try:
        for artifact, outcome in _run(project, output, to_build, jobs, on_event):
            if isinstance(outcome, Built):
                entries[artifact.name] = _entry(project, artifact, outcome, fields[artifact.name], inputs.lock)
                result.built.append(artifact.name)
                result.timings[artifact.name] = outcome.seconds
                result.hashes[artifact.name] = outcome.sha256
                on_event(Event("built", artifact.name, outcome.seconds))
            else:
                result.failed[artifact.name] = outcome
                on_event(Event("failed", artifact.name, message=outcome))
    finally:
        # Whatever happened, the folder ends up holding only what the manifest lists,
        # each file complete and as described: an artifact that failed (or was
        # withdrawn, e.g. a draft now left out) does not keep last release's file.
        for path in sorted(output.iterdir()):
            if path.name not in entries and not _ours(path.name):
                _remove(path)
                result.removed.append(path.name)
                on_event(Event("removed", path.name, message="not in the new manifest"))
        result.manifest = _write_manifest(output, list(entries.values()), include_drafts)
        result.seconds = time.perf_counter() - started
    return result


def _run(
    project: Project,
    output: Path,
    work: list[tuple[Artifact, str]],
    jobs: int | None,
    on_event: Callable[[Event], None],
) -> Iterable[tuple[Artifact, Built | str]]:
    """Build ``work`` (artifact, why) in worker processes, yielding each outcome as it completes."""
    if not work:
        return
    workers = max(1, min(jobs or multiprocessing.cpu_count(), len(work)))
    context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited Pango state
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent) as pool:
        pending: dict[Future[Built], Artifact] = {}
        for artifact, reason in work:
            pending[pool.submit(build_artifact, project, artifact, output)] = artifact
            on_event(Event("started", artifact.name, message=reason))
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    artifact = pending.pop(future)
                    try:
                        yield artifact, future.result()
                    except ReportgenError as error:
                        yield artifact, str(error)
        except BaseException:  # an error, Ctrl-C or SIGTERM: nothing goes on building after the release stops
            for future in pending:
                future.cancel()
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def run_summary(result: ReleaseResult) -> dict[str, Any]:
    """What ``reportgen release --json`` prints (``RUN_SCHEMA_DOCUMENT``)."""
    rows: list[dict[str, Any]] = []
    for name in sorted({*result.built, *result.skipped, *result.failed}):
        action = "built" if name in result.built else "failed" if name in result.failed else "unchanged"
        rows.append({"file": name, "action": action, "reason": result.reasons.get(name),
                     "sha256": result.hashes.get(name), "seconds": result.timings.get(name),
                     "error": result.failed.get(name)})  # fmt: skip
    return {
        "schema": RUN_SCHEMA,
        "ok": result.ok,
        "output": str(result.output),
        "manifest": str(result.manifest) if result.manifest else None,
        "include_drafts": result.include_drafts,
        "seconds": round(result.seconds, 3),
        "removed": sorted(result.removed),
        "artifacts": rows,
    }
