"""Changing a stage's edition manifest: starting a new edition, publishing one.

``stage.yaml`` is edited round-trip (ruamel.yaml), so the consultant's
comments and layout survive, and written atomically.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jdatetime
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from reportgen.build.atomic import write_atomic
from reportgen.content.models import SLUG_PATTERN, EditionStatus, Publication
from reportgen.content.validate import REPORT_COPIES
from reportgen.editions.find import EditionRef, load_edition, load_stage
from reportgen.editions.freeze import check_frozen, edition_inputs, fingerprint
from reportgen.errors import EditionError
from reportgen.paths import Project
from reportgen.text.persian import ordinal_in_words, short_jalali_date

# Files that belong to one edition only and are not carried into the next.
NOT_CARRIED_OVER = frozenset({"comments.yaml", *REPORT_COPIES})


def _round_trip() -> YAML:
    # ruamel's round-trip ("rt") mode builds plain maps and lists only: it is safe.
    round_trip = YAML(typ="rt")
    round_trip.preserve_quotes = True
    round_trip.indent(mapping=2, sequence=4, offset=2)
    round_trip.width = 4096
    return round_trip


def _edit_manifest(path: Path, change: Callable[[Any], None]) -> None:
    round_trip = _round_trip()
    data = round_trip.load(path.read_text(encoding="utf-8"))
    change(data)
    buffer = io.StringIO()
    round_trip.dump(data, buffer)
    write_atomic(path, buffer.getvalue().encode("utf-8"))


def placeholder_summary(number: int) -> str:
    """The summary ``edition new`` writes, to be replaced by what the edition changed."""
    return f"پیش‌نویس ویرایش {ordinal_in_words(number)}؛ شرح تغییرات پس از بازنگری نوشته شود."


def _check_report_name(report: str) -> None:
    if not SLUG_PATTERN.match(report):
        raise EditionError(f"'{report}' is not a report name (lower-case ASCII letters, digits and '-')")


def publish_edition(project: Project, ref: EditionRef) -> Publication:
    """Validate the edition, then record it as published with its content fingerprint."""
    _check_report_name(ref.report)
    edition = load_edition(project, ref)
    if edition.entry.published is not None:
        check_frozen(project, ref.report, edition.stage, ref.edition)
        raise EditionError(f"{ref} is already published")
    earlier = [e for e in edition.stage.editions if e.number < ref.edition]
    if any(e.status is EditionStatus.draft for e in earlier):
        raise EditionError(f"publish the earlier editions of stage {ref.stage} first")
    if edition.entry.summary.strip() == placeholder_summary(ref.edition):
        raise EditionError(
            f"edition {ref.edition}'s summary in stage-{ref.stage}/stage.yaml is still the placeholder "
            "'reportgen edition new' wrote: say what this edition changed before publishing it"
        )
    edition_dir = project.edition_dir(ref.report, ref.stage, ref.edition)
    for name in REPORT_COPIES:  # what it prints of the report stays as published, whatever the report becomes
        shared = project.report_dir(ref.report) / name
        if shared.is_file() and not (edition_dir / name).exists():
            write_atomic(edition_dir / name, shared.read_bytes())
    publication = fingerprint(edition_inputs(project, ref.report, edition.stage, ref.edition))

    def record(data: Any) -> None:
        for entry in data["editions"]:
            if int(str(entry["number"])) == ref.edition:
                entry["status"] = EditionStatus.published.value
                entry["published"] = CommentedMap(
                    [("content_hash", publication.content_hash), ("files", CommentedMap(publication.files))]
                )

    _edit_manifest(project.stage_dir(ref.report, ref.stage) / "stage.yaml", record)
    return publication


def new_edition(project: Project, report: str, stage_number: int, date: jdatetime.date) -> EditionRef:
    """Start the next draft edition as a copy of the latest one, and list it in the manifest."""
    _check_report_name(report)
    stage = load_stage(project, report, stage_number)
    latest = stage.editions[-1]
    if latest.status is EditionStatus.draft:
        raise EditionError(
            f"edition {latest.number} of stage {stage_number} is still a draft: publish it before starting the next"
        )
    check_frozen(project, report, stage, latest.number)
    if date < latest.date:
        raise EditionError(f"date {date.isoformat()} is before edition {latest.number}'s date")
    ref = EditionRef(report, stage_number, latest.number + 1)
    source = project.edition_dir(report, stage_number, latest.number)
    target = project.edition_dir(report, stage_number, ref.edition)
    if target.exists():
        raise EditionError(f"{target} already exists")
    # Copy into a temporary folder beside the target, then rename: never half a folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for path in sorted(source.iterdir()):
            if path.is_file() and path.name not in NOT_CARRIED_OVER:
                shutil.copy2(path, staging / path.name)
            elif path.is_dir() and not path.is_symlink():  # chapters/ and images/ of generic chapters
                shutil.copytree(path, staging / path.name, symlinks=True)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    def append(data: Any) -> None:
        data["editions"].append(CommentedMap([
            ("number", ref.edition),
            ("date", short_jalali_date(date)),
            ("status", EditionStatus.draft.value),
            ("summary", placeholder_summary(ref.edition)),
        ]))  # fmt: skip

    try:
        _edit_manifest(project.stage_dir(report, stage_number) / "stage.yaml", append)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return ref
