"""The command line. The only module that prints or chooses exit codes."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import jdatetime

from reportgen.editions import EditionRef, find_editions, load_edition, load_stage
from reportgen.errors import ContentError, Problem, ReportgenError
from reportgen.freeze import check_frozen
from reportgen.paths import Project, find_project_root
from reportgen.persian import format_jalali_date, parse_jalali_date, to_latin_digits

EXIT_ERROR = 1


class Context:
    def __init__(self, project_root: Path | None, debug: bool) -> None:
        self.root = project_root or find_project_root(Path.cwd())
        self.debug = debug

    def project(self, output: Path | None = None) -> Project:
        return Project.at(self.root, output)


@contextmanager
def _errors_to_exit(debug: bool) -> Iterator[None]:
    """Turn reportgen's errors into ``Error: …`` lines and a non-zero exit."""
    try:
        yield
    except ReportgenError as error:
        if debug:
            traceback.print_exc()
        click.echo(_format_error(error), err=True)
        sys.exit(EXIT_ERROR)


def _format_error(error: ReportgenError) -> str:
    if isinstance(error, ContentError):
        count = len(error.problems)
        head = f"Error: {count} problem{'s' if count != 1 else ''} in the content:"
        return "\n".join([head, *(f"  {problem}" for problem in error.problems)])
    return f"Error: {error}"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_root", type=click.Path(file_okay=False, path_type=Path),
              help="Project folder (the one holding content/). Default: found from the current folder.")
@click.option("--debug", is_flag=True, help="Show a traceback on errors.")
@click.version_option(package_name="reportgen")
@click.pass_context
def main(ctx: click.Context, project_root: Path | None, debug: bool) -> None:
    """reportgen: Persian (RTL) PDF reports from structured YAML content."""
    ctx.obj = Context(project_root, debug)


pass_context = click.make_pass_decorator(Context)


@main.command("list")
@pass_context
def list_command(context: Context) -> None:
    """List every report, stage and edition under content/."""
    project = context.project()
    with _errors_to_exit(context.debug):
        refs = find_editions(project)
        if not refs:
            click.echo(f"No reports under {project.content}")
            return
        manifests = {}
        for ref in refs:
            key = (ref.report, ref.stage)
            if key not in manifests:
                manifests[key] = load_stage(project, ref.report, ref.stage)
            entry = next(e for e in manifests[key].editions if e.number == ref.edition)
            date = to_latin_digits(format_jalali_date(entry.date, long=False))
            click.echo(f"{ref.report}  stage {ref.stage}  edition {ref.edition}  {date}  "
                       f"{entry.status.value}  -> {ref.pdf_name}")  # fmt: skip


@main.command()
@click.argument("report", required=False)
@pass_context
def validate(context: Context, report: str | None) -> None:
    """Validate content without typesetting: every problem, with file:line:column."""
    project = context.project()
    with _errors_to_exit(context.debug):
        refs = find_editions(project, report)
        problems: list[Problem] = []
        warnings: list[Problem] = []
        for ref in refs:
            try:
                edition = load_edition(project, ref)
            except ContentError as error:
                problems.extend(p for p in error.problems if p not in problems)
                continue
            warnings.extend(edition.warnings)
            check_frozen(project, ref.report, edition.stage, ref.edition)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
        if problems:
            raise ContentError(problems)
        click.echo(f"OK: {len(refs)} edition{'s' if len(refs) != 1 else ''} valid"
                   + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""))


@main.command()
@click.argument("report", required=False)
@click.option("--stage", type=int, help="Stage number (default: every stage).")
@click.option("--edition", type=int, help="Edition number (default: every edition).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ in the project).")
@pass_context
def build(context: Context, report: str | None, stage: int | None, edition: int | None,
          output: Path | None) -> None:  # fmt: skip
    """Build edition PDFs: all of them, or those of REPORT filtered by --stage/--edition."""
    from reportgen.pipeline import build_edition  # WeasyPrint loads only when needed

    project = context.project(output)
    with _errors_to_exit(context.debug):
        refs = find_editions(project, report, stage, edition)
        failures: list[tuple[EditionRef, ReportgenError]] = []
        for ref in refs:
            try:
                result = build_edition(project, ref)
            except ReportgenError as error:
                failures.append((ref, error))
                click.echo(f"FAILED {ref}", err=True)
                click.echo(_format_error(error), err=True)
                continue
            click.echo(f"built {result.path}  ({result.pages} pages, {result.seconds:.1f} s)")
        if failures:
            click.echo(f"Error: {len(failures)} of {len(refs)} editions failed", err=True)
            sys.exit(EXIT_ERROR)


@main.group()
def edition() -> None:
    """Start and publish editions of a stage."""


@edition.command("new")
@click.argument("report")
@click.option("--stage", type=int, required=True, help="Stage number.")
@click.option("--date", "date_text", help="Jalali date of the new edition, YYYY/MM/DD (default: today).")
@pass_context
def edition_new(context: Context, report: str, stage: int, date_text: str | None) -> None:
    """Start the next draft edition as a copy of the latest (published) one."""
    from reportgen.manifest import new_edition

    with _errors_to_exit(context.debug):
        try:
            date = parse_jalali_date(date_text) if date_text else jdatetime.date.today()
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--date") from None
        ref = new_edition(context.project(), report, stage, date)
        click.echo(f"started {ref} in {context.project().edition_dir(ref.report, ref.stage, ref.edition)}")


@edition.command("publish")
@click.argument("report")
@click.option("--stage", type=int, required=True, help="Stage number.")
@click.option("--edition", "number", type=int, required=True, help="Edition number.")
@pass_context
def edition_publish(context: Context, report: str, stage: int, number: int) -> None:
    """Validate an edition and freeze it: its content hash goes into the manifest."""
    from reportgen.manifest import publish_edition

    with _errors_to_exit(context.debug):
        ref = EditionRef(report, stage, number)
        publication = publish_edition(context.project(), ref)
        click.echo(f"published {ref} (content {publication.content_hash[:12]}…, {len(publication.files)} files)")


if __name__ == "__main__":  # pragma: no cover
    main()
