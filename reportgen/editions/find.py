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
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from reportgen.content.labels import load_labels
from reportgen.content.models import SLUG_PATTERN, Comments, Edition, Report, Section, Stage
from reportgen.content.validate import (
    comment_problems,
    load_model,
    load_sections,
    manifest_order_problems,
    raise_if_any,
)
from reportgen.errors import ContentError, NotFoundError, Problem
from reportgen.paths import Project

T = TypeVar("T")

_STAGE_DIR = re.compile(r"^stage-(\d+)$")
_EDITION_DIR = re.compile(r"^edition-(\d+)$")


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


def _numbered_dirs(folder: Path, pattern: re.Pattern[str]) -> dict[int, Path]:
    found: dict[int, Path] = {}
    if folder.is_dir():
        for child in folder.iterdir():
            match = pattern.match(child.name)
            if match and child.is_dir():
                found[int(match.group(1))] = child
    return dict(sorted(found.items()))


def list_stages(project: Project, report: str) -> list[int]:
    return list(_numbered_dirs(project.report_dir(report), _STAGE_DIR))


def load_report(project: Project, report: str) -> Report:
    folder = project.report_dir(report)
    if not (folder / "report.yaml").is_file():
        raise NotFoundError(f"no report '{report}' (no {folder / 'report.yaml'})")
    problems: list[Problem] = []
    if not SLUG_PATTERN.match(report):
        problems.append(Problem(folder, None, None, "",
                                "report folder name must be lower-case ASCII letters, digits and '-'"))  # fmt: skip
    model, _ = load_model(folder / "report.yaml", Report, problems)
    raise_if_any(problems)
    assert model is not None
    return model


def load_stage(project: Project, report: str, stage: int) -> Stage:
    """A stage's manifest, checked against its edition folders."""
    folder = project.stage_dir(report, stage)
    manifest = folder / "stage.yaml"
    if not manifest.is_file():
        raise NotFoundError(f"no stage {stage} in report '{report}' (no {manifest})")
    problems: list[Problem] = []
    model, loaded = load_model(manifest, Stage, problems)
    if model is not None and loaded is not None:
        if model.number != stage:
            message = f"stage number {model.number} does not match folder {folder.name}"
            problems.append(loaded.problem(("number",), message))
        problems.extend(manifest_order_problems(model, loaded))
        folders = _numbered_dirs(folder, _EDITION_DIR)
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


def find_editions(
    project: Project,
    report: str | None = None,
    stage: int | None = None,
    edition: int | None = None,
) -> list[EditionRef]:
    """Every edition matching the filters, in order; unknown names raise NotFoundError."""
    reports = [report] if report else list_reports(project)
    if report and report not in list_reports(project):
        raise NotFoundError(f"no report '{report}' under {project.content}")
    refs: list[EditionRef] = []
    problems: list[Problem] = []
    for name in reports:
        stages = list_stages(project, name)
        if stage is not None:
            if stage not in stages:
                raise NotFoundError(f"no stage {stage} in report '{name}'")
            stages = [stage]
        for number in stages:
            try:
                manifest = load_stage(project, name, number)
            except ContentError as error:
                problems.extend(error.problems)
                continue
            numbers = [entry.number for entry in manifest.editions]
            if edition is not None:
                if edition not in numbers:
                    raise NotFoundError(
                        f"no edition {edition} of stage {number} in report '{name}'"
                        f" (editions: {', '.join(map(str, numbers))})"
                    )
                numbers = [edition]
            refs.extend(EditionRef(name, number, n) for n in numbers)
    raise_if_any(problems)
    return refs


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
    report = _collecting(lambda: load_report(project, ref.report), problems)
    stage = _collecting(lambda: load_stage(project, ref.report, ref.stage), problems)
    if stage is not None and ref.edition not in {e.number for e in stage.editions}:
        raise NotFoundError(f"no edition {ref.edition} of stage {ref.stage} in report '{ref.report}'")
    sections, files = load_sections(project.edition_dir(ref.report, ref.stage, ref.edition), problems)
    labels = load_labels(project.report_dir(ref.report), problems)
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
