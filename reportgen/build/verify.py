"""Checking a release folder: first what a downloader can check, then the bytes by rebuilding.

1. ``check_folder`` (no rebuild, a second or less): ``SHA256SUMS`` is read line
   by line (a malformed line, a missing file or a checksum mismatch is reported
   with its line number), ``manifest.json`` is read and checked against the
   files (size and SHA-256) and against ``SHA256SUMS`` (same files, same
   hashes, and the checksums file the manifest was written with); files the
   folder holds that neither lists are reported.
2. ``rebuild_and_compare``: every artifact the manifest lists is rebuilt from
   the content and compared byte for byte; a difference names the first
   differing page or PDF object where it can.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen.build.release import CHECKSUMS, MANIFEST, SCHEMA, Artifact, build_artifact, plan
from reportgen.errors import ReportgenError
from reportgen.paths import Project

_LINE = re.compile(r"^([0-9a-f]{64}) [ *](\S(?:.*\S)?)$")


@dataclass(frozen=True)
class Finding:
    """One thing that does not verify: where (``SHA256SUMS:3``, ``manifest.json``, a file) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_checksums(folder: Path, findings: list[Finding]) -> tuple[dict[str, str], bytes | None]:
    """``SHA256SUMS`` as file → hash (malformed and duplicate lines reported), and its bytes."""
    path = folder / CHECKSUMS
    try:
        data = path.read_bytes()
    except OSError:
        findings.append(Finding(CHECKSUMS, "missing"))
        return {}, None
    sums: dict[str, str] = {}
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), start=1):
        match = _LINE.match(line)
        where = f"{CHECKSUMS}:{number}"
        if not match:
            findings.append(Finding(where, f"malformed line (want '<sha256>  <file>'): {line[:80]!r}"))
            continue
        digest, name = match.groups()
        if name in sums:
            findings.append(Finding(where, f"{name} listed twice"))
            continue
        sums[name] = digest
        file = folder / name
        if "/" in name or name in (MANIFEST, CHECKSUMS):
            findings.append(Finding(where, f"{name}: not a release artifact"))
        elif not file.is_file():
            findings.append(Finding(where, f"{name}: missing"))
        elif (actual := _sha256(file.read_bytes())) != digest:
            findings.append(Finding(where, f"{name}: SHA-256 differs (listed {digest[:12]}…, file {actual[:12]}…)"))
    return sums, data


def read_manifest_strictly(folder: Path, findings: list[Finding]) -> dict[str, Any] | None:
    """``manifest.json`` if it is readable and has the shape of a release manifest (else reported, None)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except OSError:
        findings.append(Finding(MANIFEST, "missing"))
        return None
    except ValueError as error:
        findings.append(Finding(MANIFEST, f"not JSON: {error}"))
        return None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        schema = data.get("schema") if isinstance(data, dict) else None
        findings.append(Finding(MANIFEST, f"schema is {schema!r}, not {SCHEMA!r}"))
        return None
    artifacts = data.get("artifacts")
    if not isinstance(artifacts, list) or not all(
        isinstance(e, dict) and isinstance(e.get("file"), str) and isinstance(e.get("sha256"), str)
        and isinstance(e.get("size"), int) for e in artifacts
    ):  # fmt: skip
        findings.append(Finding(MANIFEST, "artifacts is not a list of entries with file, size and sha256"))
        return None
    return data


def check_folder(folder: Path) -> list[Finding]:
    """What can be checked without rebuilding (see the module's docstring); [] when all agrees."""
    findings: list[Finding] = []
    sums, sums_bytes = _read_checksums(folder, findings)
    manifest = read_manifest_strictly(folder, findings)
    listed: set[str] = set(sums)
    if manifest is not None:
        for entry in manifest["artifacts"]:
            name = entry["file"]
            listed.add(name)
            where = f"{MANIFEST}: {name}"
            file = folder / name
            if not file.is_file():
                if name in sums:
                    continue  # reported with its SHA256SUMS line
                findings.append(Finding(where, "missing"))
                continue
            data = file.read_bytes()
            if _sha256(data) != entry["sha256"]:
                findings.append(Finding(where, "SHA-256 differs from the file"))
            elif len(data) != entry["size"]:
                findings.append(Finding(where, f"size {entry['size']} differs from the file's {len(data)}"))
            if sums_bytes is not None:
                if name not in sums:
                    findings.append(Finding(where, f"not listed in {CHECKSUMS}"))
                elif sums[name] != entry["sha256"]:
                    findings.append(Finding(where, f"SHA-256 differs from {CHECKSUMS}'s"))
        in_manifest = {entry["file"] for entry in manifest["artifacts"]}
        for name in sorted(set(sums) - in_manifest):
            findings.append(Finding(f"{CHECKSUMS}: {name}", f"not listed in {MANIFEST}"))
        recorded = manifest.get("checksums_sha256")
        if sums_bytes is not None and recorded != _sha256(sums_bytes):
            findings.append(Finding(MANIFEST, f"{CHECKSUMS} is not the one written with this manifest"))
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.name not in listed and path.name not in (MANIFEST, CHECKSUMS):
                findings.append(Finding(path.name, f"not listed in {CHECKSUMS} or {MANIFEST} (unlisted file)"))
    return findings


def first_difference(published: bytes, rebuilt: bytes) -> str:
    """Where two PDFs first differ: the page, or else the object, at the first differing byte."""
    if published == rebuilt:
        return "identical"
    offset = next((i for i, (a, b) in enumerate(zip(published, rebuilt, strict=False)) if a != b),
                  min(len(published), len(rebuilt)))  # fmt: skip
    where = f"first difference at byte {offset}"
    starts = list(re.finditer(rb"(\d+) (\d+) obj\b", published[: offset + 1]))
    if not starts:
        return where + " (before the first object)"
    number, generation = int(starts[-1].group(1)), int(starts[-1].group(2))
    where += f", in object {number} {generation}"
    page = _page_of(published, number, generation)
    return where + (f" ({page})" if page else "")


def _page_of(pdf: bytes, number: int, generation: int) -> str | None:
    """Which page an object belongs to (its page dictionary or content stream), if any."""
    import io

    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(pdf)) as document:
            for index, page in enumerate(document.pages, start=1):
                objects: list[pikepdf.Object] = [page.obj]
                contents = page.obj.get("/Contents")
                if contents is not None:
                    objects += list(contents) if isinstance(contents, pikepdf.Array) else [contents]
                for item in objects:
                    if item.is_indirect and item.objgen == (number, generation):
                        return f"page {index}" + (" content stream" if item is not page.obj else " dictionary")
    except pikepdf.PdfError:
        return None
    return None


def rebuild_and_compare(
    project: Project, folder: Path, scratch: Path, on_artifact: Callable[[str], None] = lambda name: None
) -> list[Finding]:
    """Rebuild every artifact ``folder``'s manifest lists (into ``scratch``) and compare bytes."""
    findings: list[Finding] = []
    manifest = read_manifest_strictly(folder, findings)
    if manifest is None:
        raise ReportgenError(f"no readable {MANIFEST} in {folder}: {findings[0]}")
    planned: dict[str, Artifact] = {a.name: a for a in plan(project, bool(manifest.get("include_drafts")))}
    for entry in sorted(manifest["artifacts"], key=lambda e: e["file"]):
        name = entry["file"]
        on_artifact(name)
        artifact = planned.get(name)
        if artifact is None:
            findings.append(Finding(name, "the content no longer calls for this artifact"))
            continue
        try:
            rebuilt = build_artifact(project, artifact, scratch)
        except ReportgenError as error:
            findings.append(Finding(name, f"rebuild failed: {error}"))
            continue
        if rebuilt.sha256 != entry["sha256"]:
            detail = first_difference((folder / name).read_bytes(), (scratch / name).read_bytes())
            findings.append(Finding(name, f"rebuilt bytes differ from the published file: {detail}"))
    return findings
