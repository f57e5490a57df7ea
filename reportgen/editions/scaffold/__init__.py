"""Starting a project, a stage or a chapter: files that build a correct PDF at once.

``create_project`` lays out a folder in the spirit of ``mkdocs new``: the
report, stage 1 and its first edition with the smallest valid content of a
front-matter and a body chapter, JSON Schema for editors, a ``.gitignore``,
the two-command Makefile and a CI workflow. Every YAML file it writes starts
with a ``yaml-language-server`` line naming its schema. Nothing existing is
ever overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jdatetime

from reportgen.build.atomic import write_atomic
from reportgen.content.models import SECTION_KINDS, SLUG_PATTERN
from reportgen.content.schema import json_schemas, schema_comment
from reportgen.editions.find import list_stages, load_stage
from reportgen.errors import EditionError, NotFoundError
from reportgen.paths import Project
from reportgen.text.persian import format_jalali_date, to_latin_digits

FILES = Path(__file__).resolve().parent
STARTER_CHAPTERS = ("introduction", "glossary")
"""Chapters a new edition starts with: one in the front matter, one in the body."""


@dataclass(frozen=True)
class NewReport:
    """What ``reportgen new`` asks for; everything has a Persian placeholder to edit later."""

    name: str
    """Folder name under content/ (lower-case ASCII): it names the PDFs."""
    title: str = "برنامهٔ راهبردی و عملیاتی شهر"
    city: str = "نام شهر"
    client: str = "شهرداری"
    consultant: str = "مشاور برنامه"


def _yaml_text(value: str) -> str:
    """A YAML scalar for any text: JSON's double-quoted string is valid YAML."""
    return json.dumps(value, ensure_ascii=False)


def _write_new(path: Path, text: str) -> Path:
    if path.exists():
        raise EditionError(f"{path} exists already: nothing was changed")
    write_atomic(path, text.encode("utf-8"))
    return path


def _with_schema(path: Path, project_root: Path, stem: str, body: str) -> str:
    schemas = Path(os.path.relpath(project_root / "schemas", path.parent)).as_posix()
    return schema_comment(stem, schemas) + body


def _reportgen_spec() -> str:
    """How the new project's Makefile installs reportgen: this checkout's folder, or this version."""
    try:
        direct = json.loads(metadata.distribution("reportgen").read_text("direct_url.json") or "{}")
    except metadata.PackageNotFoundError:
        direct = {}
    url = str(direct.get("url", ""))
    if url.startswith("file://"):
        return url.removeprefix("file://")
    return f"reportgen=={metadata.version('reportgen')}"


def chapter_text(kind: str) -> str:
    """The smallest valid content of a chapter kind, with Persian text to replace."""
    return (FILES / "chapters" / f"{kind}.yaml").read_text(encoding="utf-8")


def create_project(root: Path, report: NewReport, today: jdatetime.date | None = None) -> list[Path]:
    """Lay out a new project in ``root`` (which must be empty or absent); the files written."""
    if not SLUG_PATTERN.match(report.name):
        raise EditionError(f"report name '{report.name}' must be lower-case ASCII letters, digits and '-'")
    if root.exists() and any(root.iterdir()):
        raise EditionError(f"{root} is not empty: start a project in a new folder")
    project = Project.at(root)
    written = write_schemas(project)
    replacements = {"@REPORTGEN_SPEC@": _reportgen_spec(), "@TITLE@": report.title, "@REPORT@": report.name}
    for source, target in (("Makefile", "Makefile"), ("gitignore", ".gitignore"), ("README.md", "README.md"),
                           ("build.yml", ".github/workflows/build.yml")):  # fmt: skip
        text = (FILES / "project" / source).read_text(encoding="utf-8")
        for token, value in replacements.items():
            text = text.replace(token, value)
        written.append(_write_new(root / target, text))
    report_yaml = project.report_dir(report.name) / "report.yaml"
    body = (f"title: {_yaml_text(report.title)}\ncity: {_yaml_text(report.city)}\n"
            f"client: {_yaml_text(report.client)}\nconsultant: {_yaml_text(report.consultant)}\n"
            "notice: ارقام و داده‌های این گزارش پیش از بازبینی نهایی جنبهٔ نمونه دارند.\n"
            "keywords: [برنامهٔ راهبردی]\n")  # fmt: skip
    written.append(_write_new(report_yaml, _with_schema(report_yaml, root, "report", body)))
    written += add_stage(project, report.name, today)
    return written


def write_schemas(project: Project) -> list[Path]:
    folder = project.root / "schemas"
    return [_write_or_replace(folder / name, json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
            for name, schema in json_schemas().items()]  # fmt: skip


def _write_or_replace(path: Path, text: str) -> Path:
    write_atomic(path, text.encode("utf-8"))
    return path


def add_stage(project: Project, report: str, today: jdatetime.date | None = None) -> list[Path]:
    """Add the report's next stage with a draft first edition holding the starter chapters."""
    if not (project.report_dir(report) / "report.yaml").is_file():
        raise NotFoundError(f"no report '{report}' under {project.content}")
    number = max(list_stages(project, report), default=0) + 1
    date = to_latin_digits(format_jalali_date(today or jdatetime.date.today(), long=False))
    stage_yaml = project.stage_dir(report, number) / "stage.yaml"
    body = (f"number: {number}\ntitle: عنوان گزارش مرحلهٔ {number}\neditions:\n"
            f"  - number: 1\n    date: {date}\n    status: draft\n    summary: نخستین ویرایش گزارش این مرحله.\n")
    written = [_write_new(stage_yaml, _with_schema(stage_yaml, project.root, "stage", body))]
    project.edition_dir(report, number, 1).mkdir(parents=True)
    for kind in STARTER_CHAPTERS:
        written.append(add_chapter(project, report, number, 1, kind))
    return written


def add_chapter(project: Project, report: str, stage: int, edition: int, kind: str) -> Path:
    """Add one chapter file of ``kind`` with its smallest valid content to an edition."""
    if kind not in SECTION_KINDS:
        raise NotFoundError(f"unknown chapter kind '{kind}' (known: {', '.join(SECTION_KINDS)})")
    entry = next((e for e in load_stage(project, report, stage).editions if e.number == edition), None)
    if entry is None:
        raise NotFoundError(f"stage {stage} of '{report}' has no edition {edition}")
    if entry.published is not None:
        raise EditionError(f"edition {edition} of stage {stage} is published and frozen: "
                           "start a new edition with 'reportgen edition new'")
    path = project.edition_dir(report, stage, edition) / f"{kind}.yaml"
    return _write_new(path, _with_schema(path, project.root, kind, chapter_text(kind)))
