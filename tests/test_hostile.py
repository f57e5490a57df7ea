"""Second hardening pass (issue 18): what content can smuggle past validation or past the freeze.

Each test here failed on the code before that pass.
"""

from __future__ import annotations

import html
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import jdatetime
import pytest
from click.testing import CliRunner, Result

from reportgen.build.pipeline import build_edition, build_redline
from reportgen.build.release import MANIFEST, release
from reportgen.cli import main
from reportgen.editions.find import EditionRef
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.errors import EditionError
from reportgen.paths import Project

FIRST = EditionRef("mini-city", 1, 1)
SECOND = EditionRef("mini-city", 1, 2)


def run(project: Project, *args: str) -> Result:
    return CliRunner().invoke(main, ["--project", str(project.root), *args])


def published_pair(project: Project) -> Project:
    """Edition 1 published, edition 2 started from it and published with a real summary."""
    publish_edition(project, FIRST)
    new_edition(project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    manifest = project.stage_dir("mini-city", 1) / "stage.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("پیش‌نویس ویرایش دوم؛ شرح تغییرات پس از بازنگری نوشته شود.",
                                     "ویرایش دوم."), encoding="utf-8")  # fmt: skip
    return project


def tamper(project: Project, edition: int) -> None:
    glossary = project.edition_dir("mini-city", 1, edition) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("مطلوب", "نامطلوب"), encoding="utf-8")


# ------------------------------------------------------------ content files are regular files


def test_linked_pipes_and_devices_are_refused_never_read(mini_project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text("title: بیرون\nintro: متنی از بیرون پروژه.\ncomments: []\n", encoding="utf-8")
    folder = mini_project.edition_dir("mini-city", 1, 1)
    (folder / "comments.yaml").symlink_to(outside)
    (folder / "glossary.yaml").unlink()
    (folder / "glossary.yaml").symlink_to("/dev/zero")
    os.mkfifo(folder / "training.yaml.fifo")
    (folder / "training.yaml").unlink()
    os.rename(folder / "training.yaml.fifo", folder / "training.yaml")  # a named pipe: reading it would hang
    result = run(mini_project, "validate")
    assert result.exit_code == 1
    refused = "is not a regular file (a symbolic link, folder, pipe or device); content must be regular files " \
              "inside the project"
    for name in ("comments", "glossary", "training"):
        assert f"{folder}/{name}.yaml: {refused}" in result.output, result.output


def test_a_linked_edition_folder_is_refused(mini_project: Project, tmp_path: Path) -> None:
    stage = mini_project.stage_dir("mini-city", 1)
    os.rename(stage / "edition-1", tmp_path / "elsewhere")
    (stage / "edition-1").symlink_to(tmp_path / "elsewhere")
    result = run(mini_project, "validate")
    assert result.exit_code == 1
    assert f"{stage}/edition-1: is a symbolic link; content must be regular files and folders inside the project" \
        in result.output


# ------------------------------------------------------------ the freeze on every path


def test_diff_and_redline_refuse_a_changed_published_edition(mini_project: Project, tmp_path: Path) -> None:
    project = published_pair(mini_project)
    tamper(project, 1)
    result = run(project, "diff", "mini-city", "--stage", "1", "--from", "1", "--to", "2")
    assert result.exit_code == 2
    assert "edition 1 of stage 1 in 'mini-city' was published and its content has changed" in result.output
    assert "stage-1/edition-1/glossary.yaml (changed)" in result.output
    with pytest.raises(EditionError, match="was published and its content has changed"):
        build_redline(project, FIRST, SECOND, tmp_path / "redline.pdf")
    assert not (tmp_path / "redline.pdf").exists()


def test_validate_reports_every_changed_published_edition(mini_project: Project) -> None:
    project = published_pair(mini_project)
    publish_edition(project, SECOND)
    tamper(project, 1)
    tamper(project, 2)
    (project.edition_dir("mini-city", 1, 2) / "notes").mkdir()  # an empty folder is part of the content too
    result = run(project, "validate")
    assert result.exit_code == 1
    assert result.output.count("was published and its content has changed") == 2
    assert "stage-1/edition-2/notes/ (added)" in result.output


def test_removing_the_publication_record_is_detected(mini_project: Project, tmp_path: Path) -> None:
    publish_edition(mini_project, FIRST)
    output = tmp_path / "release"
    assert release(mini_project, output).ok
    listed = json.loads((output / MANIFEST).read_text(encoding="utf-8"))["artifacts"]
    assert [(a["file"], a["status"]) for a in listed] == [("mini-city_stage-1_edition-1.pdf", "published")]
    manifest = mini_project.stage_dir("mini-city", 1) / "stage.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text[: text.index("    published:")].replace("status: published", "status: draft"),
                        encoding="utf-8")  # fmt: skip
    tamper(mini_project, 1)
    for _ in range(2):  # refused, and still refused: the released file and its entry stay
        result = release(mini_project, output)
        assert list(result.failed) == ["mini-city_stage-1_edition-1.pdf"]
        assert "was released as published" in result.failed["mini-city_stage-1_edition-1.pdf"]
        assert "no longer published" in result.failed["mini-city_stage-1_edition-1.pdf"]
        again = json.loads((output / MANIFEST).read_text(encoding="utf-8"))["artifacts"]
        assert again == listed and (output / "mini-city_stage-1_edition-1.pdf").is_file()
    # With an edition after it, the content itself shows it: a draft is never followed by another edition.
    new = manifest.read_text(encoding="utf-8") + "  - number: 2\n    date: 1403/04/01\n    status: draft\n" \
        "    summary: دومی.\n"
    manifest.write_text(new, encoding="utf-8")
    (mini_project.stage_dir("mini-city", 1) / "edition-2").mkdir()
    result = run(mini_project, "validate")
    assert "editions[0].status: edition 1 is a draft but edition 2 follows it" in result.output


# ------------------------------------------------------------ edition commands


def test_edition_new_refuses_a_path_for_a_report(mini_project: Project) -> None:
    result = run(mini_project, "edition", "new", "../../outside/evil", "--stage", "1")
    assert result.exit_code == 1
    assert result.output == ("Error: '../../outside/evil' is not a report name "
                             "(lower-case ASCII letters, digits and '-')\n")  # fmt: skip
    assert not (mini_project.root.parent / "outside").exists()


def test_publishing_an_untouched_copy_with_the_placeholder_summary_is_refused(mini_project: Project) -> None:
    publish_edition(mini_project, FIRST)
    new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    result = run(mini_project, "edition", "publish", "mini-city", "--stage", "1", "--edition", "2")
    assert result.exit_code == 1
    assert "summary in stage-1/stage.yaml is still the placeholder" in result.output


# ------------------------------------------------------------ one broken stage or report


def test_a_broken_stage_or_report_does_not_stop_the_others(mini_project: Project) -> None:
    content = mini_project.content
    other = content / "other-city"
    (other / "stage-1").mkdir(parents=True)
    (other / "report.yaml").write_text((content / "mini-city" / "report.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")  # fmt: skip
    (other / "stage-1" / "stage.yaml").write_text("number: 1\ntitle: [\n", encoding="utf-8")
    (content / "notes").mkdir()
    listing = run(mini_project, "list")
    assert listing.exit_code == 1
    assert "mini-city  stage 1  edition 1  1403/02/15  draft  -> mini-city_stage-1_edition-1.pdf" in listing.output
    assert f"{other}/stage-1/stage.yaml:3:1:" in listing.output
    assert f"{content}/notes: folder under content/ has no report.yaml, so it is not a report" in listing.output
    validated = run(mini_project, "validate")
    assert validated.exit_code == 1 and f"{other}/stage-1/stage.yaml:3:1:" in validated.output
    built = run(mini_project, "build")
    assert built.exit_code == 1
    assert (mini_project.output / "mini-city_stage-1_edition-1.pdf").is_file()
    assert "Error: 0 of 1 editions failed; content that could not be read was not built" in built.output


# ------------------------------------------------------------ a killed build leaves nothing running


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                tree.setdefault(int(fields[1]), []).append(int(entry.name))
    return tree


def _descendants(pid: int) -> set[int]:
    tree, found, pending = _children(), set(), [pid]
    while pending:
        for child in tree.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text(errors="replace")
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_killing_a_parallel_build_leaves_no_process_behind(mini_project: Project) -> None:
    """SIGKILL to ``build -j 2`` while its workers lay out: the server and workers go too, within seconds."""
    paragraph = "این بند برای آزمون است و چند بار تکرار می‌شود تا صفحه‌آرایی فصل زمان ببرد. "
    long = "conclusion: |\n" + "".join(f"  {paragraph * 6}\n\n" for _ in range(400))
    folder = mini_project.edition_dir("mini-city", 1, 1)
    for path in (folder / "approaches.yaml", folder / "upstream.yaml"):  # two long chapters: both workers busy
        text = path.read_text(encoding="utf-8").replace("conclusion: جمع‌بندی فصل.\n", "")
        path.write_text(text + long, encoding="utf-8")
    command = [sys.executable, "-m", "reportgen", "--project", str(mini_project.root), "build", "-j", "2"]
    build = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while build.poll() is None and time.monotonic() < deadline:
        seen |= _descendants(build.pid)
        forked = {pid for child in _children().get(build.pid, []) for pid in _descendants(child)}
        if len([pid for pid in forked if "forkserver" in _command(pid)]) >= 2:
            break  # the worker server has forked both workers
        time.sleep(0.02)
    time.sleep(0.5)  # the workers are at work
    assert build.poll() is None, "the build ended before its workers could be seen"
    seen |= _descendants(build.pid)
    build.kill()
    build.wait()
    assert build.stdout is not None
    closed, deadline = False, time.monotonic() + 5
    while not closed and time.monotonic() < deadline:  # a CI step capturing the output must not hang
        ready, _, _ = select.select([build.stdout], [], [], 0.2)
        closed = bool(ready) and os.read(build.stdout.fileno(), 65536) == b""
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [pid for pid in seen if _alive(pid)]
    for pid in survivors:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert len(seen) >= 3 and not survivors
    assert closed, "the output pipe is still held open"


# ------------------------------------------------------------ Latin runs display in their own order


def _words(pdf: Path) -> list[tuple[str, float, float]]:
    """(word, xMin, yMin) of every word pdftotext finds, in its order."""
    page = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    return [(html.unescape(m.group(3)), float(m.group(1)), float(m.group(2)))
            for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page)]


def test_latin_runs_with_punctuation_keep_their_order_in_the_pdf(mini_project: Project) -> None:
    glossary = mini_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    text = text.replace("definition: تصویری از آینده مطلوب.",
                        "definition: 'نشانی https://example.org/path?x=1&y=2 و رایانامهٔ info@hamedan.ir را ببینید.'")
    text = text.replace("definition: چرایی وجود سازمان.",
                        "definition: \"اگر x = y + 1 < z باشد، واژهٔ cafe\\u0301 را بنویسید.\"")
    glossary.write_text(text, encoding="utf-8")
    words = _words(build_edition(mini_project, FIRST).path)
    found = [word for word, _, _ in words]
    assert "https://example.org/path?x=1&y=2" in found
    assert "info@hamedan.ir" in found
    assert "café" in found and "\u0301" not in "".join(found)
    line = next(y for word, _, y in words if word == "=")
    formula = sorted((x, word) for word, x, y in words if abs(y - line) < 2 and word in set("x=y+1<z"))
    assert [word for _, word in formula] == ["x", "=", "y", "+", "1", "<", "z"]  # left to right, as written


# ------------------------------------------------------------ leftovers, cache, output folder, time


def test_a_crash_leftover_is_removed_by_the_next_build(mini_project: Project) -> None:
    mini_project.output.mkdir(parents=True)
    leftover = mini_project.output / ".mini-city_stage-1_edition-1.pdf.k3j2x9.tmp"
    leftover.write_bytes(b"%PDF half written")
    os.utime(leftover, (time.time() - 60, time.time() - 60))  # a writer killed a minute ago
    other = mini_project.output / ".other.pdf.abc.tmp"  # another target's: not this build's business
    other.write_bytes(b"")
    os.utime(other, (time.time() - 60, time.time() - 60))
    build_edition(mini_project, FIRST)
    assert sorted(p.name for p in mini_project.output.iterdir()) == [other.name, "mini-city_stage-1_edition-1.pdf"]


def test_a_live_writers_temporary_file_is_left_alone(tmp_path: Path) -> None:
    import fcntl

    from reportgen.build.atomic import remove_stale_temporaries

    busy = tmp_path / ".x.pdf.abc.tmp"
    busy.write_bytes(b"")
    os.utime(busy, (time.time() - 60, time.time() - 60))
    with busy.open("rb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        script = f"from pathlib import Path; from reportgen.build.atomic import remove_stale_temporaries as r; " \
                 f"print(r(Path({str(tmp_path / 'x.pdf')!r})))"  # fmt: skip
        other = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
        assert other.stdout.strip() == "[]" and busy.exists()
    assert remove_stale_temporaries(tmp_path / "x.pdf") == [busy]


def test_an_unusable_cache_is_a_warning(mini_project: Project) -> None:
    (mini_project.root / ".reportgen-cache").write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "build", "-j", "2"])
    assert result.exit_code == 0, result.output
    assert "Warning: the chapter cache" in result.output and "built without it" in result.output
    assert (mini_project.output / "mini-city_stage-1_edition-1.pdf").is_file()


def test_output_inside_content_is_refused(mini_project: Project) -> None:
    folder = mini_project.edition_dir("mini-city", 1, 1)
    result = run(mini_project, "build", "-o", str(folder))
    assert result.exit_code == 1
    assert f"output folder {folder} is inside {mini_project.content}" in result.output
    assert not list(folder.glob("*.pdf"))


def test_the_time_limit_is_for_the_whole_build(mini_project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chapters laid out in turn share one deadline: each may be quick, the build as a whole is stopped."""
    import reportgen.build.pipeline as pipeline
    from reportgen.errors import TypesetError
    from reportgen.typeset import Session

    started = time.perf_counter()
    build_edition(mini_project, FIRST, session=Session(1))
    whole = time.perf_counter() - started
    monkeypatch.setattr(pipeline, "TIME_LIMIT_SECONDS", whole * 0.4)
    shutil.rmtree(mini_project.root / ".reportgen-cache")  # every chapter laid out again
    with pytest.raises(TypesetError, match="took longer than"):
        build_edition(mini_project, FIRST, mini_project.root / "again", session=Session(1))


def test_unbreakable_text_breaks_instead_of_running_off_the_page(mini_project: Project) -> None:
    glossary = mini_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    long_word = "واژه‌ای بی‌فاصله " + "ب" * 3000
    text = glossary.read_text(encoding="utf-8").replace("english: Vision", f"english: {digest}")
    glossary.write_text(text.replace("تصویری از آینده مطلوب.", long_word), encoding="utf-8")
    words = _words(build_edition(mini_project, FIRST).path)
    letters = [(word, y) for word, _, y in words if set(word) == {"ب"}]
    assert sum(len(word) for word, _ in letters) >= 3000 and len({y for _, y in letters}) > 5  # many lines
    pieces = [(word, y) for word, _, y in words if re.fullmatch("[0-9a-f]{2,}", word) and word in digest]
    assert "".join(word for word, _ in pieces) == digest and len({y for _, y in pieces}) > 1  # broken in its cell
