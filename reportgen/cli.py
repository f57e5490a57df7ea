"""The command line. The only module that prints or chooses exit codes."""

from __future__ import annotations

import os
import shutil
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from reportgen.errors import ContentError, Problem, ReportgenError
from reportgen.paths import Project, find_project_root

if TYPE_CHECKING:
    from rich.progress import TaskID

    from reportgen.build.release import Event

# Each command imports what it needs: ``build -j`` starts its workers before
# the content models, templates and WeasyPrint are imported.

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
    _exit_cleanly_on_sigterm()


def _exit_cleanly_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C, so workers are stopped and temporary files removed on the way out."""
    import signal

    def stop(number: int, frame: object) -> None:
        raise SystemExit(128 + number)

    try:
        signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread (an embedding application): leave its handlers alone
        pass


pass_context = click.make_pass_decorator(Context)


def _echo_problems(problems: list[Problem]) -> None:
    if problems:
        click.echo(_format_error(ContentError(problems)), err=True)


@main.command("list")
@pass_context
def list_command(context: Context) -> None:
    """List every report, stage and edition under content/ (exit 1 if any folder cannot be built)."""
    from reportgen.editions.find import load_stage, scan_editions
    from reportgen.text.persian import short_jalali_date

    project = context.project()
    with _errors_to_exit(context.debug):
        scan = scan_editions(project)
        if not scan.refs and not scan.problems:
            click.echo(f"No reports under {project.content}")
            return
        manifests = {}
        for ref in scan.refs:
            key = (ref.report, ref.stage)
            if key not in manifests:
                manifests[key] = load_stage(project, ref.report, ref.stage)
            entry = next(e for e in manifests[key].editions if e.number == ref.edition)
            date = short_jalali_date(entry.date)
            click.echo(f"{ref.report}  stage {ref.stage}  edition {ref.edition}  {date}  "
                       f"{entry.status.value}  -> {ref.pdf_name}")  # fmt: skip
        if scan.problems:
            _echo_problems(scan.problems)
            sys.exit(EXIT_ERROR)


@main.command()
@click.argument("report", required=False)
@click.option("--lint", "with_lint", is_flag=True, help="Also report Persian orthography findings as warnings.")
@pass_context
def validate(context: Context, report: str | None, with_lint: bool) -> None:
    """Validate content without typesetting: every problem, with file:line:column."""
    from reportgen.content.validate import load_sections
    from reportgen.editions.find import load_edition, scan_editions
    from reportgen.editions.freeze import check_frozen
    from reportgen.errors import EditionError

    project = context.project()
    with _errors_to_exit(context.debug):
        if with_lint:
            from reportgen.editions.lint import lint_project

            for result in lint_project(project, report):
                for finding in result.findings:
                    click.echo(f"Warning: {finding}", err=True)
        scan = scan_editions(project, report)
        problems: list[Problem] = list(scan.problems)
        warnings: list[Problem] = []
        frozen: list[EditionError] = []
        for folder in scan.unlisted:  # editions of a stage whose manifest is broken: their own files still count
            load_sections(folder, problems)
        for ref in scan.refs:
            try:
                edition = load_edition(project, ref)
                warnings.extend(edition.warnings)
                check_frozen(project, ref.report, edition.stage, ref.edition)
            except ContentError as error:
                problems.extend(p for p in error.problems if p not in problems)
            except EditionError as changed:
                frozen.append(changed)
        for warning in warnings:
            click.echo(f"Warning: {warning}", err=True)
        for message in map(str, frozen):
            click.echo(f"Error: {message}", err=True)
        if problems:
            raise ContentError(problems)
        if frozen:
            sys.exit(EXIT_ERROR)
        count = len(scan.refs)
        click.echo(f"OK: {count} edition{'s' if count != 1 else ''} valid"
                   + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""))


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--report", "name", required=True, help="Report folder name (lower-case ASCII): it names the PDFs.")
@click.option("--title", help="Title of the plan.")
@click.option("--city", help="City.")
@click.option("--client", help="Client (the municipality).")
@click.option("--consultant", help="Consultant.")
@pass_context
def new(context: Context, folder: Path, name: str, title: str | None, city: str | None, client: str | None,
        consultant: str | None) -> None:  # fmt: skip
    """Start a project in FOLDER: report, stage 1, edition 1, schemas, Makefile and CI workflow."""
    from reportgen.editions.scaffold import NewReport, create_project

    given = {k: v for k, v in {"title": title, "city": city, "client": client, "consultant": consultant}.items() if v}
    with _errors_to_exit(context.debug):
        written = create_project(folder, NewReport(name, **given))
        click.echo(f"created {folder} ({len(written)} files); build it with: cd {folder} && make pdf")


@main.command("add-stage")
@click.argument("report")
@pass_context
def add_stage_command(context: Context, report: str) -> None:
    """Add the report's next stage, with a draft first edition to write in."""
    from reportgen.editions.scaffold import add_stage

    with _errors_to_exit(context.debug):
        for path in add_stage(context.project(), report):
            click.echo(f"created {path}")


@main.command("add-chapter")
@click.argument("report")
@click.argument("kind")
@click.option("--stage", type=int, required=True, help="Stage number.")
@click.option("--edition", type=int, required=True, help="Edition number (a draft).")
@pass_context
def add_chapter_command(context: Context, report: str, kind: str, stage: int, edition: int) -> None:
    """Add a chapter of KIND (introduction, approaches, glossary …) with its smallest valid content."""
    from reportgen.editions.scaffold import add_chapter

    with _errors_to_exit(context.debug):
        click.echo(f"created {add_chapter(context.project(), report, stage, edition, kind)}")


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the schema files (default: schemas/ in the project).")
@pass_context
def schema(context: Context, output: Path | None) -> None:
    """Write JSON Schema for every content file, for editors with the YAML language server."""
    import json

    from reportgen.build.atomic import write_atomic
    from reportgen.content.schema import json_schemas

    folder = output or context.project().root / "schemas"
    with _errors_to_exit(context.debug):
        for name, document in json_schemas().items():
            write_atomic(folder / name, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
        click.echo(f"wrote {len(json_schemas())} schemas to {folder}")


@main.command()
@click.argument("report", required=False)
@click.option("--fix", is_flag=True, help="Apply the safe fixes to files of draft editions (never to published ones).")
@pass_context
def lint(context: Context, report: str | None, fix: bool) -> None:
    """Check Persian orthography in every prose field: file:line:column: field: rule: message.

    Exit status: 0 nothing left to report, 1 findings remain.
    """
    from reportgen.build.atomic import write_atomic
    from reportgen.editions.lint import fixed_content, lint_project

    project = context.project()
    with _errors_to_exit(context.debug):
        remaining = fixed_count = 0
        for result in lint_project(project, report):
            fixed = fixed_content(result) if fix else None
            if fixed is not None:
                write_atomic(result.path, fixed.encode("utf-8"))
                left = [f for f in result.findings if not f.finding.rule.safe]
                fixed_count += len(result.findings) - len(left)
                click.echo(f"fixed {len(result.findings) - len(left)} in {result.path}")
            else:
                left = result.findings
            for finding in left:
                click.echo(str(finding) + (" [published: not fixed]" if fix and result.frozen else ""))
            remaining += len(left)
        click.echo(f"{remaining} finding{'s' if remaining != 1 else ''}" + (f", {fixed_count} fixed" if fix else ""))
        if remaining:
            sys.exit(EXIT_ERROR)


@main.command()
@click.argument("report", required=False)
@click.option("--stage", type=int, help="Stage number (default: every stage).")
@click.option("--edition", type=int, help="Edition number (default: every edition).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ in the project).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Lay chapters out in N processes and reuse unchanged chapters from .reportgen-cache/.")
@pass_context
def build(context: Context, report: str | None, stage: int | None, edition: int | None,
          output: Path | None, jobs: int) -> None:  # fmt: skip
    """Build edition PDFs: all of them, or those of REPORT filtered by --stage/--edition."""
    from reportgen.typeset import prepare_session

    project = context.project(output)
    # Workers start first, so they are ready once the content is loaded and rendered; they serve every edition.
    session = prepare_session(jobs) if jobs > 1 else None
    from reportgen.build.pipeline import build_edition  # WeasyPrint loads only when needed
    from reportgen.editions.find import EditionRef, scan_editions

    try:
        with _errors_to_exit(context.debug):
            scan = scan_editions(project, report, stage, edition)
            refs = scan.refs
            failures: list[tuple[EditionRef | None, ReportgenError]] = []
            if scan.problems:  # a broken report or stage: the others still build
                failures.append((None, ContentError(scan.problems)))
                _echo_problems(scan.problems)
            for ref in refs:
                try:
                    result = build_edition(project, ref, jobs=jobs, session=session)
                except ReportgenError as error:
                    failures.append((ref, error))
                    click.echo(f"FAILED {ref}", err=True)
                    click.echo(_format_error(error), err=True)
                    continue
                for warning in result.warnings:
                    click.echo(f"Warning: {warning}", err=True)
                click.echo(f"built {result.path}  ({result.pages} pages, {result.seconds:.1f} s)")
            if failures:
                failed = sum(1 for ref, _ in failures if ref is not None)
                click.echo(f"Error: {failed} of {len(refs)} editions failed"
                           + ("; content that could not be read was not built" if scan.problems else ""), err=True)
                sys.exit(EXIT_ERROR)
    except BaseException as stop:
        interrupted = not isinstance(stop, SystemExit) or stop.code not in (0, EXIT_ERROR, None)
        if session is not None and interrupted:
            session.abort()  # Ctrl-C or SIGTERM: the workers are killed, not waited for
        raise
    finally:
        if session is not None:
            session.close()


EXIT_DIFF_TROUBLE = 2


@main.command("diff")
@click.argument("report")
@click.option("--stage", type=int, required=True, help="Stage number.")
@click.option("--from", "base", type=int, required=True, help="The older edition.")
@click.option("--to", "target", type=int, required=True, help="The newer edition.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "html", "pdf", "trace"]),
              default="text", show_default=True,
              help="text for people, json for tools, html for a browser, pdf for a redline edition, "
                   "trace for each comment with the changes made for it.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to FILE (required for pdf; default: standard output).")
@click.option("--section", "sections", multiple=True, metavar="KIND",
              help="Only this section kind (e.g. glossary); may be given more than once.")
@click.option("--context", "context_words", type=int, default=8, show_default=True,
              help="Text output: unchanged words kept on each side of a change (-1: all).")
@click.option("--bidi", type=click.Choice(["auto", "visual", "logical"]), default="auto", show_default=True,
              help="visual: wrap, reshape and reorder Persian for terminals without bidi; auto: visual on a terminal.")
@click.option("--colour/--no-colour", "colour", default=None, help="Colour text output (default: on a terminal).")
@pass_context
def diff_command(context: Context, report: str, stage: int, base: int, target: int, output_format: str,
                 output: Path | None, sections: tuple[str, ...], context_words: int, bidi: str,
                 colour: bool | None) -> None:  # fmt: skip
    """Compare two editions item by item: exit 0 if identical, 1 if they differ, 2 on trouble.

    Items are matched by id; an item whose id changed shows as removed and added.
    """
    from reportgen.build.atomic import write_atomic
    from reportgen.compare.diff import diff_editions
    from reportgen.compare.formats import to_json, to_text, to_trace_text
    from reportgen.compare.trace import trace_comments
    from reportgen.compare.webpage import to_html
    from reportgen.editions.find import EditionRef
    from reportgen.editions.freeze import load_checked_edition

    if base > target:
        raise click.UsageError(f"--from {base} is newer than --to {target}: give the older edition first")
    project = context.project()
    try:
        old = load_checked_edition(project, EditionRef(report, stage, base))
        new = load_checked_edition(project, EditionRef(report, stage, target))
        difference = diff_editions(old, new)
        if sections:
            unknown = sorted(set(sections) - set(old.sections) - set(new.sections))
            if unknown:
                raise click.UsageError(f"no section {', '.join(unknown)} in these editions "
                                       f"(sections: {', '.join(dict.fromkeys([*old.sections, *new.sections]))})")
            difference = difference.only(sections)
        if output_format == "pdf":
            from reportgen.build.pipeline import build_redline

            if output is None:
                raise click.UsageError("--format pdf needs -o FILE")
            _, pages = build_redline(project, old_ref := EditionRef(report, stage, base),
                                     EditionRef(report, stage, target), output, sections=sections)  # fmt: skip
            click.echo(f"redline {old_ref} -> edition {target}: {output} ({pages} pages)", err=True)
        else:
            terminal = output is None and sys.stdout.isatty()
            mode = ("visual" if terminal else "logical") if bidi == "auto" else bidi
            columns = shutil.get_terminal_size().columns
            traces = trace_comments(difference, new, old)
            if output_format == "json":
                text = to_json(difference)
            elif output_format == "html":
                from reportgen.build.pipeline import diff_page_fonts

                text = to_html(difference, traces=traces, fonts=diff_page_fonts(project))
            elif output_format == "trace":
                text = to_trace_text(difference, traces, bidi=mode, columns=columns)  # type: ignore[arg-type]
            else:
                text = to_text(difference, bidi=mode, colour=terminal if colour is None else colour,  # type: ignore[arg-type]
                               context=None if context_words < 0 else context_words, columns=columns)  # fmt: skip
            if output is None:
                click.echo(text, nl=not text.endswith("\n"))
            else:
                write_atomic(output, text.encode("utf-8"))
    except ReportgenError as error:
        if context.debug:
            traceback.print_exc()
        click.echo(_format_error(error), err=True)
        sys.exit(EXIT_DIFF_TROUBLE)
    sys.exit(0 if difference.is_empty else 1)


@main.command()
@click.argument("report")
@click.option("--stage", type=int, required=True, help="Stage number.")
@click.option("--edition", type=int, required=True, help="Edition number.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (default: dist/ in the project).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=2, show_default=True,
              help="Processes for laying chapters out.")
@pass_context
def watch(context: Context, report: str, stage: int, edition: int, output: Path | None, jobs: int) -> None:
    """Rebuild an edition each time its content, a template, a style or a font is saved (Ctrl-C stops)."""
    from reportgen.build.watch import watch as watch_edition
    from reportgen.editions.find import EditionRef, find_editions

    project = context.project(output)

    def report_build(outcome: object) -> None:
        if isinstance(outcome, ReportgenError):
            click.echo(_format_error(outcome), err=True)
        else:
            click.echo(f"built {outcome.path}  ({outcome.pages} pages, {outcome.seconds:.2f} s)")  # type: ignore[attr-defined]

    with _errors_to_exit(context.debug):
        find_editions(project, report, stage, edition)  # unknown names fail at once
        try:
            watch_edition(project, EditionRef(report, stage, edition), project.output, jobs=jobs,
                          on_build=report_build)  # fmt: skip
        except KeyboardInterrupt:
            click.echo("stopped")


EXIT_VERIFY_FOLDER = 3
"""``release --verify``: the folder's files, SHA256SUMS and manifest.json disagree (found before any rebuild)."""
EXIT_VERIFY_BYTES = 4
"""``release --verify``: a rebuilt artifact differs from the published one (or cannot be rebuilt)."""


@main.command("release")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=Path("dist"),
              show_default=True, help="Release folder.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--include-drafts", is_flag=True,
              help="Release draft editions too, marked «پیش‌نویس» on every page and in the title.")
@click.option("--clean", is_flag=True, help="Remove files in the release folder that no release wrote "
              "(without it, such files stop the release).")
@click.option("--verify", "verify_folder", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Check FOLDER's SHA256SUMS and manifest.json against its files, then rebuild every artifact "
              "and compare the bytes. Exit 0 verified, 3 the folder's own checks fail (nothing rebuilt), "
              "4 rebuilt bytes differ, 1 another error.")
@click.option("--no-rebuild", is_flag=True, help="With --verify: only the checks that need no rebuild.")
@click.option("--quiet", is_flag=True, help="Print only errors.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary (schema reportgen-release-run/1).")
@pass_context
def release_command(context: Context, output: Path, jobs: int | None, include_drafts: bool, clean: bool,
                    verify_folder: Path | None, no_rebuild: bool, quiet: bool, as_json: bool) -> None:  # fmt: skip
    """Build every published edition and a redline per consecutive pair, with manifest.json and SHA256SUMS.

    Only what changed is rebuilt, and each rebuild says why. Draft editions are
    left out unless --include-drafts.
    """
    import json

    from reportgen.build.release import release, run_summary

    project = context.project()
    with _errors_to_exit(context.debug):
        if verify_folder is not None:
            _verify(project, verify_folder, no_rebuild, quiet)
            return
        if no_rebuild:
            raise click.UsageError("--no-rebuild goes with --verify")
        with _progress(quiet or as_json) as on_event:
            result = release(project, output if output.is_absolute() else context.root / output, jobs=jobs,
                             include_drafts=include_drafts, clean=clean, on_event=on_event)  # fmt: skip
        if as_json:
            click.echo(json.dumps(run_summary(result), ensure_ascii=False, indent=2))
        elif not quiet:
            removed = f", {len(result.removed)} removed" if result.removed else ""
            click.echo(f"release: {len(result.built)} built, {len(result.skipped)} unchanged, "
                       f"{len(result.failed)} failed{removed} -> {result.manifest}")  # fmt: skip
        for name, message in result.failed.items():
            click.echo(f"FAILED {name}\n{message}", err=True)
        if not result.ok:
            click.echo(f"Error: {len(result.failed)} artifact(s) failed; the manifest does not list them", err=True)
            sys.exit(EXIT_ERROR)


def _verify(project: Project, folder: Path, no_rebuild: bool, quiet: bool) -> None:
    """``release --verify``: the folder's own checks first (no rebuild when they fail), then the bytes."""
    import tempfile

    from reportgen.build.verify import check_folder, rebuild_and_compare

    findings = check_folder(folder)
    for finding in findings:
        click.echo(f"MISMATCH {finding}", err=True)
    if findings:
        click.echo(f"Error: {folder} does not verify: {len(findings)} problem(s) with its files, SHA256SUMS "
                   "and manifest.json (nothing rebuilt)", err=True)  # fmt: skip
        sys.exit(EXIT_VERIFY_FOLDER)
    if not quiet:
        click.echo(f"checked {folder}: the files, SHA256SUMS and manifest.json agree")
    if no_rebuild:
        return
    with tempfile.TemporaryDirectory() as scratch:
        def progress(name: str) -> None:
            if not quiet:
                click.echo(f"rebuilding {name}")

        findings = rebuild_and_compare(project, folder, Path(scratch), progress)
    for finding in findings:
        click.echo(f"MISMATCH {finding}", err=True)
    if findings:
        click.echo(f"Error: {len(findings)} artifact(s) do not rebuild to the published bytes", err=True)
        sys.exit(EXIT_VERIFY_BYTES)
    if not quiet:
        click.echo(f"verified {folder}: every artifact rebuilds to the same bytes")


@contextmanager
def _progress(silent: bool) -> Iterator[Callable[[Event], None]]:
    """Progress for a release: rich bars on a terminal, one plain line per event in CI."""
    if silent:
        yield lambda event: None
        return
    interactive = sys.stdout.isatty() and os.environ.get("CI", "").lower() not in ("true", "1")
    if not interactive:
        def plain(event: Event) -> None:
            timing = f" ({event.seconds:.1f} s)" if event.kind == "built" else ""
            why = f" ({event.message})" if event.kind in ("started", "removed") and event.message else ""
            click.echo(f"{event.kind:8} {event.artifact}{timing}{why}")

        yield plain
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn()) as progress:
        tasks: dict[str, TaskID] = {}

        def show(event: Event) -> None:
            if event.artifact not in tasks:
                tasks[event.artifact] = progress.add_task(event.artifact, total=1)
            task = tasks[event.artifact]
            if event.kind != "started":
                progress.update(task, completed=1, description=f"{event.artifact} [{event.kind}]")

        yield show


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
    import jdatetime

    from reportgen.editions.lifecycle import new_edition
    from reportgen.text.persian import parse_jalali_date

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
    from reportgen.editions.find import EditionRef
    from reportgen.editions.lifecycle import publish_edition

    with _errors_to_exit(context.debug):
        ref = EditionRef(report, stage, number)
        publication = publish_edition(context.project(), ref)
        click.echo(f"published {ref} (content {publication.content_hash[:12]}…, {len(publication.files)} files)")


WEB_DATA = ".reportgen-web"


def _release_for_site(context: Context, release_dir: Path | None, build_pdfs: bool) -> Path | None:
    """The release folder whose PDFs the site offers: brought up to date first (only what changed is built)."""
    from reportgen.build.release import release

    folder = release_dir or context.root / "dist"
    folder = folder if folder.is_absolute() else context.root / folder
    if build_pdfs:
        result = release(context.project(), folder)
        for name, message in result.failed.items():
            click.echo(f"FAILED {name}\n{message}", err=True)
        if not result.ok:
            raise click.ClickException(f"{len(result.failed)} PDF(s) failed: the site is not written")
    return folder


@main.command("site")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the site into.")
@click.option("--release", "release_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Release folder whose PDFs the site offers (default: dist/ in the project).")
@click.option("--no-build", is_flag=True, help="Use the release folder as it is, without bringing it up to date.")
@pass_context
def site_command(context: Context, output: Path, release_dir: Path | None, no_build: bool) -> None:
    """Write the static web edition: an announcement page and the text of every published edition, with search."""
    with _errors_to_exit(context.debug):
        release = _release_for_site(context, release_dir, not no_build)
        from reportgen.web.site import build_site

        site = build_site(context.project(), output, release)
        click.echo(f"site: {len(site.pages)} edition(s) -> {output / 'index.html'}")


def _database(context: Context, data: Path | None, database: str | None) -> tuple[Path, str]:
    from reportgen.web.store import database_url

    folder = data or context.root / WEB_DATA
    return folder, database_url(database or os.environ.get("REPORTGEN_DATABASE_URL"), folder)


_DATA_OPTION = click.option("--data", type=click.Path(file_okay=False, path_type=Path),
                            help=f"Folder for the served site, the secret key and the SQLite database "
                                 f"(default: {WEB_DATA}/ in the project).")  # fmt: skip
_DATABASE_OPTION = click.option("--database", metavar="URL",
                                help="SQLAlchemy URL, e.g. postgresql://user@host/db (default: SQLite in the data "
                                     "folder; also REPORTGEN_DATABASE_URL).")  # fmt: skip


def _per_seconds(value: str, option: str) -> tuple[int, int]:
    """``5/600`` → (5, 600): a limit of N per SECONDS."""
    try:
        count, seconds = (int(part) for part in value.split("/"))
    except ValueError:
        raise click.BadParameter("expected N/SECONDS, e.g. 5/600", param_hint=option) from None
    return count, seconds


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True, help="Port to listen on.")
@_DATA_OPTION
@_DATABASE_OPTION
@click.option("--release", "release_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Release folder whose PDFs the pages offer (default: dist/ in the project).")
@click.option("--no-build", is_flag=True, help="Use the release folder as it is.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Proxies whose X-Forwarded-For/-Proto are trusted (for the rate limit and HTTPS).")
@click.option("--secure-cookies", is_flag=True, help="Send cookies over HTTPS only (behind an HTTPS proxy).")
@click.option("--rate-limit", default="5/600", show_default=True, metavar="N/SECONDS",
              help="At most N comments from one address in SECONDS.")
@click.option("--login-limit", default="5/900", show_default=True, metavar="N/SECONDS",
              help="At most N failed moderator logins from one address in SECONDS.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Server processes.")
@pass_context
def serve_command(context: Context, host: str, port: int, data: Path | None, database: str | None,
                  release_dir: Path | None, no_build: bool, forwarded_allow_ips: str, secure_cookies: bool,
                  rate_limit: str, login_limit: str, workers: int) -> None:  # fmt: skip
    """Serve the web edition with a comment form on each announcement and item, and moderation at /moderate."""
    comments_limit, logins_limit = _per_seconds(rate_limit, "--rate-limit"), _per_seconds(login_limit, "--login-limit")
    with _errors_to_exit(context.debug):
        release = _release_for_site(context, release_dir, not no_build)
        import uvicorn

        from reportgen.web.server import CONFIG_VARIABLE, ServerConfig, config_to_environment, create_app

        folder, url = _database(context, data, database)
        config = ServerConfig(context.project(), folder, url, release, comments_limit, secure_cookies=secure_cookies,
                              login_limit=logins_limit)  # fmt: skip
        app = create_app(config)  # writes the site and migrates the database once, before any worker starts
        options = {"host": host, "port": port, "proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips,
                   "server_header": False, "log_level": "warning"}  # fmt: skip
        click.echo(f"serving on http://{host}:{port}/  (moderation: /moderate; Ctrl-C stops)")
        if workers == 1:
            uvicorn.run(app, **options)  # type: ignore[arg-type]
        else:
            os.environ[CONFIG_VARIABLE] = config_to_environment(config)
            uvicorn.run("reportgen.web.server:app_from_environment", factory=True, workers=workers,
                        **options)  # type: ignore[arg-type]  # fmt: skip


@main.group()
def moderator() -> None:
    """Moderators of the consultation server."""


@moderator.command("add")
@click.argument("username")
@_DATA_OPTION
@_DATABASE_OPTION
@click.password_option(envvar="REPORTGEN_MODERATOR_PASSWORD",
                       help="Password (prompted; or REPORTGEN_MODERATOR_PASSWORD).")
@pass_context
def moderator_add(context: Context, username: str, data: Path | None, database: str | None, password: str) -> None:
    """Add a moderator, or set a moderator's password (stored as an Argon2 hash)."""
    from reportgen.web.store import Store

    with _errors_to_exit(context.debug):
        store = Store(_database(context, data, database)[1])
        try:
            store.set_moderator(username, password)
        finally:
            store.close()
        click.echo(f"moderator '{username}' saved")


@main.group()
def comments() -> None:
    """Comments received on the consultation server."""


@comments.command("export")
@click.argument("report")
@click.option("--stage", type=int, required=True, help="Stage number.")
@_DATA_OPTION
@_DATABASE_OPTION
@pass_context
def comments_export(context: Context, report: str, stage: int, data: Path | None, database: str | None) -> None:
    """Append approved comments to the next draft edition's comments.yaml (no response yet)."""
    from reportgen.web.comments import export_comments
    from reportgen.web.store import Store

    with _errors_to_exit(context.debug):
        store = Store(_database(context, data, database)[1])
        try:
            result = export_comments(context.project(), store, report, stage)
        finally:
            store.close()
        for flag in result.flagged:
            click.echo(f"Warning: {flag}", err=True)
        if result.added:
            click.echo(f"exported {len(result.added)} comment(s) to {result.path}: {', '.join(result.added)}")
        else:
            click.echo("no approved comments to export")


if __name__ == "__main__":  # pragma: no cover
    main()
