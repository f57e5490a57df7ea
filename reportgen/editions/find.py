"""Finding reports, stages and editions under ``content/``, and loading one edition.

Layout::

    content/<report>/report.yaml
    content/<report>/stage-<n>/stage.yaml        (the edition manifest)
    content/<report>/stage-<n>/edition-<m>/*.yaml (one file per section kind)

The manifest and the edition folders must agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from reportgen.content.glyphs import missing_glyph_problems
from reportgen.content.labels import REPORT_LABELS, load_labels
from reportgen.content.models import SLUG_PATTERN, Comments, Edition, Report, Section, Stage
from reportgen.content.validate import (
    anchor_problems,
    comment_problems,
    load_model,
    load_sections,
    manifest_order_problems,
    raise_if_any,
)
from reportgen.errors import ContentError, NotFoundError, Problem
from reportgen.paths import Project

T = TypeVar("T")

# ASCII digits without leading zeros: "edition-01" or "edition-۱" would name
# edition 1 yet not be the folder reportgen reads for it.
_STAGE_DIR = re.compile(r"^stage-([1-9][0-9]*)$", re.ASCII)
_EDITION_DIR = re.compile(r"^edition-([1-9][0-9]*)$", re.ASCII)
_NUMBERED_LIKE = re.compile(r"^(stage|edition)\W?_?(.*)$", re.IGNORECASE)
LINKED = ("is a symbolic link; content must be regular files and folders inside the project "
          "(symbolic links are refused)")


@dataclass(frozen=True, order=True)
class EditionRef:
    """Names one edition: report folder, stage number, edition number."""

    report: str
    stage: int
    edition: int

    def __str__(self) -> str:
        return f"{self.report} stage {self.stage} edition {self.edition}"

    @property
    def pdf_name(self) -> str:
        """ASCII output file name, e.g. ``hamedan-strategic-plan_stage-1_edition-2.pdf``."""
        return f"{self.report}_stage-{self.stage}_edition-{self.edition}.pdf"


def list_reports(project: Project) -> list[str]:
    """Report folders under ``content/`` (those holding a report.yaml)."""
    if not project.content.is_dir():
        return []
    return sorted(p.parent.name for p in project.content.glob("*/report.yaml"))


def _misnamed(child: Path, kind: str) -> Problem | None:
    """A folder that looks like a stage or edition folder but is not named as one."""
    match = _NUMBERED_LIKE.match(child.name)
    if not match or match.group(1).lower() != kind:
        return None
    digits = match.group(2)
    example = f"{kind}-{int(digits)}" if digits.isdecimal() and int(digits) > 0 else f"{kind}-1"
    return Problem(child, None, None, "",
                   f"folder name '{child.name}' is not {kind}-<n> (n in ASCII digits without leading zeros, "
                   f"e.g. {example}); rename it")  # fmt: skip


def _numbered_dirs(folder: Path, pattern: re.Pattern[str], problems: list[Problem] | None = None) -> dict[int, Path]:
    """Folders named ``<kind>-<n>`` by number; misnamed and linked ones become ``problems``."""
    found: dict[int, Path] = {}
    kind = "stage" if pattern is _STAGE_DIR else "edition"
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            match = pattern.match(child.name)
            if match and child.is_symlink():
                if problems is not None:
                    problems.append(Problem(child, None, None, "", LINKED))
            elif match and child.is_dir():
                found[int(match.group(1))] = child
            elif problems is not None and child.is_dir() and (misnamed := _misnamed(child, kind)):
                problems.append(misnamed)
    return dict(sorted(found.items()))


def list_stages(project: Project, report: str) -> list[int]:
    return list(_numbered_dirs(project.report_dir(report), _STAGE_DIR))


def report_file(project: Project, ref: EditionRef, name: str) -> Path:
    """The report-level file ``name`` as edition ``ref`` reads it: its own copy if it kept one."""
    own = project.edition_dir(ref.report, ref.stage, ref.edition) / name
    return own if own.is_file() else project.report_dir(ref.report) / name


def load_report(project: Project, report: str, path: Path | None = None) -> Report:
    """``report.yaml`` of ``report`` (or the copy at ``path`` an edition kept)."""
    folder = project.report_dir(report)
    if not (folder / "report.yaml").exists() and not (folder / "report.yaml").is_symlink():
        raise NotFoundError(f"no report '{report}' (no {folder / 'report.yaml'})")
    problems: list[Problem] = []
    if not SLUG_PATTERN.match(report):
        problems.append(Problem(folder, None, None, "",
                                "report folder name must be lower-case ASCII letters, digits and '-'"))  # fmt: skip
    model, _ = load_model(path or folder / "report.yaml", Report, problems)
    raise_if_any(problems)
    assert model is not None
    return model


def load_stage(project: Project, report: str, stage: int) -> Stage:
    """A stage's manifest, checked against its edition folders."""
    folder = project.stage_dir(report, stage)
    manifest = folder / "stage.yaml"
    if not manifest.exists() and not manifest.is_symlink():
        raise NotFoundError(f"no stage {stage} in report '{report}' (no {manifest})")
    problems: list[Problem] = []
    model, loaded = load_model(manifest, Stage, problems)
    if model is not None and loaded is not None:
        if model.number != stage:
            message = f"stage number {model.number} does not match folder {folder.name}"
            problems.append(loaded.problem(("number",), message))
        problems.extend(manifest_order_problems(model, loaded))
        folders = _numbered_dirs(folder, _EDITION_DIR, problems)
        listed = {entry.number for entry in model.editions}
        for index, entry in enumerate(model.editions):
            if entry.number not in folders:
                message = f"edition {entry.number} has no folder edition-{entry.number}/"
                problems.append(loaded.problem(("editions", index, "number"), message))
        for number, path in folders.items():
            if number not in listed:
                message = f"folder {path.name}/ is not listed in the manifest"
                problems.append(loaded.problem(("editions",), message))
    raise_if_any(problems)
    assert model is not None
    return model


@dataclass
class Scan:
    """What is under ``content/``: the editions that can be loaded, and the problems of the rest.

    A broken report or stage does not hide the others: its problems are
    collected, and the edition folders of a stage whose manifest cannot be
    read are kept in ``unlisted`` so that ``validate`` can still check them.
    """

    refs: list[EditionRef] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unlisted: list[Path] = field(default_factory=list)


def _report_folders(project: Project, problems: list[Problem]) -> list[str]:
    """Every report folder; folders under ``content/`` that cannot be one are problems."""
    names: list[str] = []
    if not project.content.is_dir():
        return names
    for child in sorted(project.content.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_symlink():
            problems.append(Problem(child, None, None, "", LINKED))
        elif not child.is_dir():
            continue
        elif not (child / "report.yaml").is_file() and not (child / "report.yaml").is_symlink():
            problems.append(Problem(child, None, None, "",
                                    "folder under content/ has no report.yaml, so it is not a report"))  # fmt: skip
        else:
            names.append(child.name)
    return names


def scan_editions(
    project: Project,
    report: str | None = None,
    stage: int | None = None,
    edition: int | None = None,
) -> Scan:
    """Every edition matching the filters, in order, with the problems found on the way.

    A name given explicitly that does not exist raises ``NotFoundError``.
    """
    scan = Scan()
    reports = _report_folders(project, scan.problems)
    if report:
        if report not in reports:
            raise NotFoundError(f"no report '{report}' under {project.content}")
        scan.problems = [p for p in scan.problems if p.file.name == report]
        reports = [report]
    for name in reports:
        before = len(scan.problems)
        _collecting(lambda name=name: load_report(project, name), scan.problems)  # type: ignore[misc]
        report_broken = len(scan.problems) > before
        stages = _numbered_dirs(project.report_dir(name), _STAGE_DIR, scan.problems)
        if stage is not None:
            if stage not in stages:
                raise NotFoundError(f"no stage {stage} in report '{name}'")
            stages = {stage: stages[stage]}
        for number, folder in stages.items():
            if not (folder / "stage.yaml").exists() and not (folder / "stage.yaml").is_symlink():
                scan.problems.append(Problem(folder, None, None, "", "stage folder has no stage.yaml"))
                continue
            manifest = _collecting(lambda name=name, number=number: load_stage(project, name, number),  # type: ignore[misc]
                                   scan.problems)
            if manifest is None or report_broken:
                scan.unlisted.extend(_numbered_dirs(folder, _EDITION_DIR).values())
                continue
            numbers = [entry.number for entry in manifest.editions]
            if edition is not None:
                if edition not in numbers:
                    raise NotFoundError(
                        f"no edition {edition} of stage {number} in report '{name}'"
                        f" (editions: {', '.join(map(str, numbers))})"
                    )
                numbers = [edition]
            scan.refs.extend(EditionRef(name, number, n) for n in numbers)
    return scan


def find_editions(
    project: Project,
    report: str | None = None,
    stage: int | None = None,
    edition: int | None = None,
) -> list[EditionRef]:
    """Every edition matching the filters, in order; unknown names raise NotFoundError, problems ContentError."""
    scan = scan_editions(project, report, stage, edition)
    raise_if_any(scan.problems)
    return scan.refs


def _collecting(load: Callable[[], T], problems: list[Problem]) -> T | None:
    """Run ``load``; on a content error keep its problems and return None."""
    try:
        return load()
    except ContentError as error:
        problems.extend(error.problems)
        return None


def load_edition(project: Project, ref: EditionRef) -> Edition:
    """Load and validate one edition, raising every problem found at once.

    A comments register is checked against the edition it comments on (the
    previous one in the manifest) as well as this one.
    """
    problems: list[Problem] = []
    stage = _collecting(lambda: load_stage(project, ref.report, ref.stage), problems)
    report = _collecting(lambda: load_report(project, ref.report, report_file(project, ref, "report.yaml")),
                         problems)  # fmt: skip
    if stage is not None and ref.edition not in {e.number for e in stage.editions}:
        raise NotFoundError(f"no edition {ref.edition} of stage {ref.stage} in report '{ref.report}'")
    sections, files = load_sections(project.edition_dir(ref.report, ref.stage, ref.edition), problems)
    labels, labels_file = load_labels(report_file(project, ref, REPORT_LABELS), problems)
    own_text = [*files.values(), *([labels_file] if labels_file else [])]  # a relabelled word is printed too
    problems.extend(missing_glyph_problems(own_text, project.font_dirs))
    problems.extend(anchor_problems(files.values(), sections))
    warnings: list[Problem] = []
    comments = sections.get("comments")
    if isinstance(comments, Comments) and stage is not None:
        previous = [e.number for e in stage.editions if e.number < ref.edition]
        commented: dict[str, Section] = {}
        if previous:
            commented, _ = load_sections(project.edition_dir(ref.report, ref.stage, previous[-1]), [])
        errors, warnings = comment_problems(comments, files["comments"], [commented, sections])
        problems.extend(errors)
    raise_if_any(problems)
    assert report is not None and stage is not None
    entry = next(e for e in stage.editions if e.number == ref.edition)
    return Edition(report=report, stage=stage, entry=entry, sections=sections, warnings=tuple(warnings),
                   labels=labels)  # fmt: skip
