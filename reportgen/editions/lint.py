"""The Persian lint over a project's content: which files, and which of them may be fixed.

A file that a published edition's record lists (its own files, ``report.yaml``,
the stage manifest) is frozen: its findings are reported but never fixed, since
changing it would unpublish the edition. A stage whose manifest does not
validate is treated as frozen too: nothing tells which of its editions are.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportgen.content.lint import LintFinding, fixed_yaml, lint_yaml
from reportgen.editions.find import list_reports, list_stages, load_stage
from reportgen.errors import ContentError
from reportgen.paths import Project


@dataclass(frozen=True)
class FileLint:
    path: Path
    findings: list[LintFinding]
    frozen: bool
    """Part of a published edition: reported, never fixed."""


def frozen_files(project: Project, report: str) -> set[Path]:
    """Every file a published edition of ``report`` depends on (a broken stage: all its files)."""
    report_dir = project.report_dir(report)
    frozen: set[Path] = set()
    for number in list_stages(project, report):
        try:
            stage = load_stage(project, report, number)
        except ContentError:
            stage_dir = project.stage_dir(report, number)
            frozen.update(stage_dir.rglob("*.yaml"))
            frozen.add(report_dir / "report.yaml")
            continue
        for entry in stage.editions:
            if entry.published is not None:
                frozen.update(report_dir / name for name in entry.published.files)
    return {path.resolve() for path in frozen}


def lint_project(project: Project, report: str | None = None) -> list[FileLint]:
    """Lint every YAML file of ``report`` (default: every report), in path order."""
    results: list[FileLint] = []
    for name in [report] if report else list_reports(project):
        frozen = frozen_files(project, name)
        for path in sorted(project.report_dir(name).rglob("*.yaml")):
            findings = lint_yaml(path.read_text(encoding="utf-8"), path)
            results.append(FileLint(path, findings, path.resolve() in frozen))
    return results


def fixed_content(result: FileLint) -> str | None:
    """The file's text with every safe finding fixed, or None when there is nothing to fix or it is frozen."""
    if result.frozen or not any(f.finding.rule.safe for f in result.findings):
        return None
    return fixed_yaml(result.path.read_text(encoding="utf-8"), result.path)[0]
