"""The command line: exit codes, messages, help on every command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.paths import Project

from conftest import DATA, REPO


def run(project: Project, *args: str) -> click.testing.Result:
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


@pytest.fixture
def cli_project(tmp_path: Path) -> Project:
    """A full project folder (content, styles, fonts) in a temporary folder."""
    import shutil

    shutil.copytree(DATA / "mini" / "content", tmp_path / "content")
    shutil.copytree(REPO / "styles", tmp_path / "styles")
    shutil.copytree(REPO / "fonts", tmp_path / "fonts")
    return Project.at(tmp_path)


def test_every_command_has_help() -> None:
    for name, command in main.commands.items():
        assert command.help, name
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_list(cli_project: Project) -> None:
    result = run(cli_project, "list")
    assert result.exit_code == 0
    assert result.output == "mini-city  stage 1  edition 1  1403/02/15  draft  -> mini-city_stage-1_edition-1.pdf\n"


def test_validate_ok(cli_project: Project) -> None:
    result = run(cli_project, "validate")
    assert (result.exit_code, result.output) == (0, "OK: 1 edition valid\n")


def test_validate_reports_every_problem(cli_project: Project) -> None:
    glossary = cli_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8").replace("english: Vision", "englsh: Vision\n    colour: red")
    glossary.write_text(text, encoding="utf-8")
    result = run(cli_project, "validate", "mini-city")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 2 problems in the content:\n"
        f"  {glossary}:5:5: terms[0].englsh: unknown field: did you mean 'english'?\n"
        f"  {glossary}:6:5: terms[0].colour: unknown field\n"
    )
    assert "Traceback" not in result.output


def test_build_one_edition(cli_project: Project, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(cli_project, "build", "mini-city", "--stage", "1", "--edition", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"built {out / 'mini-city_stage-1_edition-1.pdf'}  (")
    assert (out / "mini-city_stage-1_edition-1.pdf").read_bytes().startswith(b"%PDF-")


def test_failed_build_keeps_the_previous_pdf(cli_project: Project) -> None:
    assert run(cli_project, "build").exit_code == 0
    pdf = cli_project.output / "mini-city_stage-1_edition-1.pdf"
    before = pdf.read_bytes()
    roadmap = cli_project.edition_dir("mini-city", 1, 1) / "roadmap.yaml"
    roadmap.write_text(roadmap.read_text(encoding="utf-8").replace("start_month: 3", "start_month: x"),
                       encoding="utf-8")  # fmt: skip
    result = run(cli_project, "build")
    assert result.exit_code == 1
    assert f"{roadmap}:17:5: stages[1].start_month: must be a whole number, e.g. 1402" in result.output
    assert pdf.read_bytes() == before
    assert sorted(p.name for p in cli_project.output.iterdir()) == [pdf.name]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "paris"], "Error: no report 'paris' under"),
        (["build", "mini-city", "--edition", "9"],
         "Error: no edition 9 of stage 1 in report 'mini-city' (editions: 1)"),
        (["validate", "mini-city"], None),
    ],
)  # fmt: skip
def test_errors_are_one_clean_line(cli_project: Project, args: list[str], message: str | None) -> None:
    result = run(cli_project, *args)
    if message is None:
        assert result.exit_code == 0
    else:
        assert result.exit_code == 1
        assert result.output.startswith(message)
        assert "Traceback" not in result.output


def test_debug_shows_traceback(cli_project: Project) -> None:
    result = CliRunner().invoke(main, ["--debug", "--project", str(cli_project.root), "build", "paris"])
    assert result.exit_code == 1 and "Traceback" in result.output


def test_usage_error_exits_2(cli_project: Project) -> None:
    assert run(cli_project, "build", "--stage", "one").exit_code == 2


def test_runs_as_module_and_script() -> None:
    for command in ([sys.executable, "-m", "reportgen", "--help"],
                    [str(Path(sys.executable).parent / "reportgen"), "--help"]):  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
        assert result.returncode == 0 and "validate" in result.stdout


def test_build_with_jobs_starts_workers_once_for_every_edition(cli_project: Project,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    import shutil

    import reportgen.build.pipeline
    import reportgen.typeset
    from reportgen.editions.find import EditionRef
    from reportgen.editions.lifecycle import publish_edition

    publish_edition(cli_project, EditionRef("mini-city", 1, 1))  # a draft is never followed by another edition
    stage = cli_project.content / "mini-city" / "stage-1"
    shutil.copytree(stage / "edition-1", stage / "edition-2")
    with (stage / "stage.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write("  - number: 2\n    date: 1403/03/01\n    status: draft\n    summary: ویرایش دوم.\n")
    sessions: list[reportgen.typeset.Session] = []
    used: list[object] = []
    prepare, build = reportgen.typeset.prepare_session, reportgen.build.pipeline.build_edition
    monkeypatch.setattr(reportgen.typeset, "prepare_session",
                        lambda *a: sessions.append(prepare(*a)) or sessions[-1])  # fmt: skip
    monkeypatch.setattr(reportgen.build.pipeline, "build_edition",
                        lambda *a, session, **k: used.append(session) or build(*a, session=session, **k))  # fmt: skip
    result = run(cli_project, "build", "-j", "2")
    assert result.exit_code == 0, result.output
    assert result.output.count("built ") == 2
    assert len(sessions) == 1 and used == [sessions[0], sessions[0]]
    assert sessions[0]._executor is None  # closed at the end
