"""Fingerprints of an edition's content, so that a published edition stays as published.

An edition's inputs are every file in its folder, the report's ``report.yaml``
(and ``labels.yaml``) unless the edition keeps its own copies (a published one
does), the project's own theme files (``theme.yaml``, ``templates/``,
``styles/``, ``fonts/``, ``assets/``; not the default theme's, which versions
with reportgen),
and the part of the stage manifest it prints (the stage title and the entries
up to this edition, without the publication record itself). Each input is
hashed; the content hash is the hash of that list. Sub-folders are inputs too
(an empty one as ``name/``), so the set of files and folders is covered.
Content files must be regular files: a symbolic link, pipe or device in an
edition folder is an error, never followed. File modes are not covered: they
do not change what is typeset.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from reportgen.content.loader import MAX_FILE_BYTES, read_content_file
from reportgen.content.models import Edition, Publication, Stage
from reportgen.content.validate import REPORT_COPIES
from reportgen.editions.find import EditionRef, load_edition
from reportgen.errors import EditionError
from reportgen.paths import Project

MAX_RESOURCE_BYTES = 64 * 1024 * 1024
"""Largest file other than YAML (an image) an edition folder may hold."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_fingerprint(stage: Stage, edition: int) -> bytes:
    """The manifest as far as edition ``edition`` prints it, in a canonical form."""
    entries = [
        {"number": e.number, "date": e.date.isoformat(), "summary": e.summary}
        for e in stage.editions
        if e.number <= edition
    ]
    return json.dumps({"title": stage.title, "editions": entries}, ensure_ascii=False, sort_keys=True).encode()


def edition_inputs(project: Project, report: str, stage: Stage, edition: int) -> dict[str, bytes]:
    """Every input of one edition, keyed by its path relative to the report folder."""
    report_dir = project.report_dir(report)
    edition_dir = project.edition_dir(report, stage.number, edition)
    inputs: dict[str, bytes] = {}
    for name in REPORT_COPIES:  # an edition that kept no copy depends on the report's own file
        if not (edition_dir / name).is_file() and (report_dir / name).is_file():
            inputs[name] = read_content_file(report_dir / name)
    for path in project.own_theme_files():
        inputs[f"theme:{path.relative_to(project.root).as_posix()}"] = read_content_file(path, MAX_RESOURCE_BYTES)
    for folder, folders, files in os.walk(edition_dir):  # never follows a linked folder
        here = Path(folder)
        for name in sorted(files):
            limit = MAX_FILE_BYTES if name.endswith((".yaml", ".yml")) else MAX_RESOURCE_BYTES  # images are larger
            inputs[(here / name).relative_to(report_dir).as_posix()] = read_content_file(here / name, limit)
        for name in sorted(folders):
            if (here / name).is_symlink():
                read_content_file(here / name)  # refused, with its message
            inputs[(here / name).relative_to(report_dir).as_posix() + "/"] = b""
    inputs[f"stage-{stage.number}/stage.yaml"] = manifest_fingerprint(stage, edition)
    return dict(sorted(inputs.items()))


def fingerprint(inputs: dict[str, bytes]) -> Publication:
    files = {name: _sha256(data) for name, data in sorted(inputs.items())}
    listing = "".join(f"{digest}  {name}\n" for name, digest in files.items())
    return Publication(content_hash=_sha256(listing.encode()), files=files)


def changed_files(recorded: Publication, current: Publication) -> list[str]:
    """Inputs that differ from what was published, each with how."""
    changes: list[str] = []
    for name in sorted(set(recorded.files) | set(current.files)):
        if name not in current.files:
            changes.append(f"{name} (removed)")
        elif name not in recorded.files:
            changes.append(f"{name} (added)")
        elif recorded.files[name] != current.files[name]:
            changes.append(f"{name} (changed)")
    return changes


def check_frozen(project: Project, report: str, stage: Stage, edition: int) -> None:
    """Raise ``EditionError`` if a published edition's content no longer matches its record."""
    entry = next(e for e in stage.editions if e.number == edition)
    if entry.published is None:
        return
    current = fingerprint(edition_inputs(project, report, stage, edition))
    if current.content_hash == entry.published.content_hash:
        return
    changes = changed_files(entry.published, current)
    folder = Path(project.report_dir(report))
    raise EditionError(
        f"edition {edition} of stage {stage.number} in '{report}' was published and its content has changed "
        f"since (in {folder}):\n  " + "\n  ".join(changes)
        + "\nPublished content is frozen: undo the change, or start a new edition with 'reportgen edition new'."
    )


def load_checked_edition(project: Project, ref: EditionRef) -> Edition:
    """Load and validate an edition, and if it was published check that it is still as published.

    Every path that reads an edition to publish something from it (build,
    diff, redline, release) goes through here.
    """
    edition = load_edition(project, ref)
    check_frozen(project, ref.report, edition.stage, ref.edition)
    return edition
