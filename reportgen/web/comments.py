"""From approved web comments to the comments register of the next draft edition.

Each approved comment not yet exported becomes an entry of the draft's
``comments.yaml`` (sender, Jalali date, text, the item it concerns, no
response): appended round-trip (ruamel.yaml), so the consultant's own
comments and layout in the file survive. Items are named as
``content/references.py`` says (``chapter/block/item`` in a generic chapter).
A comment about an item the draft no longer has is kept, and flagged with a
YAML comment beside it. The file is written atomically and the edition
validated; if it does not validate, the old file is put back and nothing is
marked exported.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jdatetime
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from reportgen.build.atomic import write_atomic
from reportgen.content.models import EditionStatus
from reportgen.content.references import known_references
from reportgen.content.validate import load_sections
from reportgen.editions.find import EditionRef, load_edition, load_stage
from reportgen.errors import ContentError, EditionError
from reportgen.paths import Project
from reportgen.text.persian import ordinal_in_words
from reportgen.web.store import Status, Store, StoredComment

IRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))
REGISTER = "comments.yaml"


@dataclass
class ExportResult:
    draft: EditionRef
    path: Path
    added: list[str] = field(default_factory=list)
    """Ids of the entries appended (``web-<number>``)."""
    flagged: list[str] = field(default_factory=list)
    """One line per comment about an item the draft no longer has."""


def _round_trip() -> YAML:
    round_trip = YAML(typ="rt")  # builds plain maps and lists only: safe
    round_trip.preserve_quotes = True
    round_trip.indent(mapping=2, sequence=4, offset=2)
    round_trip.width = 4096
    return round_trip


def jalali_date(moment: dt.datetime) -> str:
    date = jdatetime.date.fromgregorian(date=moment.astimezone(IRAN).date())
    return f"{date.year:04d}/{date.month:02d}/{date.day:02d}"


def _draft(project: Project, report: str, stage: int) -> EditionRef:
    manifest = load_stage(project, report, stage)
    latest = manifest.editions[-1]
    if latest.status is not EditionStatus.draft:
        raise EditionError(f"stage {stage} of '{report}' has no draft edition to take the comments: "
                           f"start one with 'reportgen edition new {report} --stage {stage}'")  # fmt: skip
    return EditionRef(report, stage, latest.number)


def _known(project: Project, ref: EditionRef) -> set[str]:
    """Every reference a register may use for an edition (as far as it loads): ``kind``, ``kind/id``,
    ``chapter/block/item``."""
    sections, _ = load_sections(project.edition_dir(ref.report, ref.stage, ref.edition), [])
    return known_references(sections)


def nearest_reference(reference: str, known: set[str]) -> str | None:
    """``reference`` if known, else the nearest enclosing one that is (a generic item's block, then its
    chapter; an item's section), else None."""
    parts = reference.split("/")
    return next((r for end in range(len(parts), 0, -1) if (r := "/".join(parts[:end])) in known), None)


def _entry(comment: StoredComment, draft: EditionRef, in_draft: set[str], in_previous: set[str],
           result: ExportResult) -> CommentedMap:  # fmt: skip
    entry_id = f"web-{comment.id}"
    entry = CommentedMap([("id", entry_id), ("sender", comment.name), ("date", jalali_date(comment.created)),
                          ("text", comment.text)])  # fmt: skip
    concerns = CommentedSeq()
    flag = ""
    if comment.item:
        if comment.item not in in_draft:
            edition = comment.edition.rsplit("/", 1)[1]
            flag = (f"about '{comment.item}' of edition {edition}, which edition {draft.edition} no longer has")
            result.flagged.append(f"{entry_id}: {flag}")
        # Kept, about what validation can still find: the item in either edition, else what held it.
        kept = nearest_reference(comment.item, in_draft | in_previous)
        if kept:
            concerns.append(kept)
    if concerns:
        entry["concerns"] = concerns
    if flag:
        entry.yaml_set_start_comment(f"reportgen comments export: {flag}", indent=2)
    result.added.append(entry_id)
    return entry


def export_comments(project: Project, store: Store, report: str, stage: int) -> ExportResult:
    """Append every approved, not yet exported comment on an earlier edition to the draft's register."""
    draft = _draft(project, report, stage)
    path = project.edition_dir(report, stage, draft.edition) / REGISTER
    result = ExportResult(draft, path)
    prefix = f"{report}/{stage}/"
    pending = [c for c in store.list(status=Status.approved, exported=False)
               if c.edition.startswith(prefix) and int(c.edition.removeprefix(prefix)) < draft.edition]
    if not pending:
        return result
    round_trip = _round_trip()
    original = path.read_bytes() if path.is_file() else None
    data: Any
    if original is not None:
        data = round_trip.load(original.decode("utf-8"))
    else:
        data = CommentedMap([
            ("title", f"پاسخ به نظرات دریافتی دربارهٔ ویرایش {ordinal_in_words(draft.edition - 1)}"),
            ("comments", CommentedSeq()),
        ])  # fmt: skip
    register = data.get("comments") if isinstance(data, dict) else None
    if not isinstance(register, list):
        raise EditionError(f"{path}: has no 'comments' list to append to")
    existing = {str(entry.get("id")) for entry in register if isinstance(entry, dict)}
    in_draft = _known(project, draft)
    in_previous = _known(project, EditionRef(report, stage, draft.edition - 1)) if draft.edition > 1 else set()
    exported: list[int] = []
    for comment in pending:
        if f"web-{comment.id}" not in existing:  # exported before, by a run that could not mark it
            register.append(_entry(comment, draft, in_draft, in_previous, result))
        exported.append(comment.id)
    buffer = io.StringIO()
    round_trip.dump(data, buffer)
    write_atomic(path, buffer.getvalue().encode("utf-8"))
    try:
        load_edition(project, draft)
    except ContentError:
        if original is None:
            path.unlink()
        else:
            write_atomic(path, original)
        raise
    store.mark_exported(exported)
    return result
