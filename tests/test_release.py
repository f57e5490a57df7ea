"""`reportgen release`: a real release of the sample and of a small project with a draft,
checked as a downloader would (sha256sum, the manifest's schema), tampered with and verified."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import time
from pathlib import Path

import jdatetime
import pikepdf
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from reportgen.build.release import (
    CHECKSUMS,
    LOCK_FILE,
    MANIFEST,
    MANIFEST_SCHEMA,
    RUN_SCHEMA_DOCUMENT,
    Event,
    rebuild_reason,
    release,
)
from reportgen.build.verify import check_folder, first_difference
from reportgen.cli import EXIT_VERIFY_BYTES, EXIT_VERIFY_FOLDER, main
from reportgen.editions.find import EditionRef
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.errors import OutputError
from reportgen.paths import Project
from reportgen.typeset import ENGINE_LIBRARIES

from conftest import REPO
from schemas import assert_valid, schema_errors

EXPECTED = {
    "hamedan-strategic-plan_stage-1_edition-1.pdf",
    "hamedan-strategic-plan_stage-1_edition-2.pdf",
    "hamedan-strategic-plan_stage-1_redline_edition-1-to-2.pdf",
    "hamedan-strategic-plan_stage-2_edition-1.pdf",
}
MINI_1 = "mini-city_stage-1_edition-1.pdf"
MINI_2 = "mini-city_stage-1_edition-2.pdf"
MINI_REDLINE = "mini-city_stage-1_redline_edition-1-to-2.pdf"
DRAFT = "پیشنویس"  # «پیش‌نویس» as the text layer has it: the ZWNJ shapes the word and is not extracted


def lines(text: str) -> list[str]:
    """Lines of extracted text without the bidi controls pdftotext adds."""
    return [re.sub("[\u202a-\u202e]", "", line).strip() for line in text.splitlines()]


def manifest_of(folder: Path) -> dict[str, object]:
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def files_of(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def copy_folder(source: Path, target: Path) -> Path:
    target.mkdir()
    for path in source.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


def verify_cli(project: Project, folder: Path, *extra: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["--project", str(project.root), "release", "--verify", str(folder), *extra])
    return result.exit_code, result.output, time.perf_counter() - started


# ------------------------------------------------------------------ the sample


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, list[Event]]:
    output = tmp_path_factory.mktemp("release")
    project = Project.at(REPO, output)
    events: list[Event] = []
    result = release(project, output, jobs=2, on_event=events.append)
    assert result.ok, result.failed
    assert sorted(result.built) == sorted(EXPECTED)
    return project, output, events


def test_release_writes_every_artifact_with_checksums(released: tuple[Project, Path, list[Event]]) -> None:
    _, output, events = released
    assert set(files_of(output)) == EXPECTED | {MANIFEST, CHECKSUMS}
    check = subprocess.run(["sha256sum", "-c", CHECKSUMS], cwd=output, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == len(EXPECTED)
    assert sorted(e.kind for e in events) == ["built"] * len(EXPECTED) + ["started"] * len(EXPECTED)
    assert {e.message for e in events if e.kind == "started"} == {"not in the last release"}


def test_manifest_follows_its_schema(released: tuple[Project, Path, list[Event]]) -> None:
    _, output, _ = released
    manifest = manifest_of(output)
    assert_valid(manifest, MANIFEST_SCHEMA)
    entries = {e["file"]: e for e in manifest["artifacts"]}  # type: ignore[attr-defined]
    second = entries["hamedan-strategic-plan_stage-1_edition-2.pdf"]
    assert (second["date_jalali"], second["date_iso"], second["status"]) == ("1403/09/20", "2024-12-10", "published")
    redline = entries["hamedan-strategic-plan_stage-1_redline_edition-1-to-2.pdf"]
    assert (redline["kind"], redline["base_edition"], redline["edition"]) == ("redline", 1, 2)
    assert second["tools"]["fonts"].keys() >= {"fonts/vazirmatn/Vazirmatn-Regular.ttf"}
    assert second["tools"].keys() >= {*ENGINE_LIBRARIES, "reportgen"}
    lock = REPO / LOCK_FILE
    assert second["lock"] == (hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None)
    assert manifest["checksums_sha256"] == hashlib.sha256((output / CHECKSUMS).read_bytes()).hexdigest()
    # The schema is strict: an unknown key, or an untyped tool, is refused.
    assert schema_errors({**manifest, "extra": 1}, MANIFEST_SCHEMA)
    broken = json.loads(json.dumps(manifest))
    broken["artifacts"][0]["tools"]["weasyprint"] = 70
    assert schema_errors(broken, MANIFEST_SCHEMA)


def test_second_release_rebuilds_nothing(released: tuple[Project, Path, list[Event]]) -> None:
    project, output, _ = released
    result = release(project, output, jobs=2)
    assert result.built == [] and sorted(result.skipped) == sorted(EXPECTED) and result.ok
    assert result.removed == []


def test_rebuild_says_why() -> None:
    tools = {"reportgen": "0.1.0", "weasyprint": "70.0", "fonts": {"a.ttf": "1" * 64}}
    old = {"sha256": "f" * 64, "inputs_key": "a", "content_hash": "c", "status": "draft", "code": "x",
           "theme": "t", "tools": tools}  # fmt: skip
    new = {**old, "inputs_key": "b", "status": "published", "code": "y",
           "tools": {**tools, "weasyprint": "71.0"}}  # fmt: skip
    assert rebuild_reason(old, old, "f" * 64) is None
    assert rebuild_reason(None, new, None) == "not in the last release"
    assert rebuild_reason(old, old, None) == "file missing"
    assert rebuild_reason(old, old, "e" * 64) == "file differs from the last manifest"
    assert rebuild_reason(old, new, "f" * 64) == (
        "status draft → published, reportgen's code or templates changed, weasyprint 70.0 → 71.0")


def test_verify_checks_the_folder_before_rebuilding(released: tuple[Project, Path, list[Event]],
                                                     tmp_path: Path) -> None:  # fmt: skip
    project, output, _ = released
    assert check_folder(output) == []
    # SHA256SUMS corrupted, nothing else: found at once, by line, without rebuilding anything.
    copy = copy_folder(output, tmp_path / "sums")
    lines = (copy / CHECKSUMS).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "0" + lines[1][1:]
    (copy / CHECKSUMS).write_text("".join(lines), encoding="utf-8")
    code, text, seconds = verify_cli(project, copy)
    assert code == EXIT_VERIFY_FOLDER, text
    assert "MISMATCH SHA256SUMS:2: hamedan-strategic-plan_stage-1_edition-2.pdf: SHA-256 differs (listed 0" in text
    assert "SHA256SUMS is not the one written with this manifest" in text
    assert "rebuilding" not in text and "(nothing rebuilt)" in text and seconds < 10
    # A malformed line is named too.
    (copy / CHECKSUMS).write_text("".join([lines[0], "not a checksum line\n", *lines[2:]]), encoding="utf-8")
    assert "SHA256SUMS:2: malformed line" in verify_cli(project, copy)[1]
    # A stray PDF and a one-byte tamper in an artifact.
    copy = copy_folder(output, tmp_path / "stray")
    (copy / "hamedan-strategic-plan_stage-1_edition-3.pdf").write_bytes(b"%PDF-1.7\n")
    tampered = copy / "hamedan-strategic-plan_stage-1_edition-1.pdf"
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    code, text, _ = verify_cli(project, copy)
    assert code == EXIT_VERIFY_FOLDER
    assert "MISMATCH hamedan-strategic-plan_stage-1_edition-3.pdf: not listed in SHA256SUMS or manifest.json" in text
    assert "MISMATCH SHA256SUMS:1: hamedan-strategic-plan_stage-1_edition-1.pdf: SHA-256 differs" in text
    assert "manifest.json: hamedan-strategic-plan_stage-1_edition-1.pdf: SHA-256 differs from the file" in text
    assert "edition-2.pdf" not in text
    # A missing file, and --no-rebuild on an intact folder.
    (copy / "hamedan-strategic-plan_stage-1_edition-3.pdf").unlink()
    tampered.unlink()
    assert "SHA256SUMS:1: hamedan-strategic-plan_stage-1_edition-1.pdf: missing" in verify_cli(project, copy)[1]
    code, text, _ = verify_cli(project, output, "--no-rebuild")
    assert code == 0 and "agree" in text and "rebuilding" not in text


def flip_in_page(path: Path, page: int) -> bytearray:
    """The PDF's bytes with one byte changed inside page ``page``'s content stream."""
    data = bytearray(path.read_bytes())
    with pikepdf.open(path) as pdf:
        number, generation = pdf.pages[page - 1].obj["/Contents"].objgen
    start = re.search(rb"\b%d %d obj\b" % (number, generation), data)
    assert start is not None
    data[start.end() + 40] ^= 0x01
    return data


def test_first_difference_names_the_page(released: tuple[Project, Path, list[Event]]) -> None:
    _, output, _ = released
    path = output / "hamedan-strategic-plan_stage-1_edition-1.pdf"
    published = path.read_bytes()
    changed = flip_in_page(path, 3)
    offset = next(i for i, (a, b) in enumerate(zip(published, changed, strict=True)) if a != b)
    with pikepdf.open(path) as pdf:
        number, generation = pdf.pages[2].obj["/Contents"].objgen
    assert first_difference(published, bytes(changed)) == (
        f"first difference at byte {offset}, in object {number} {generation} (page 3 content stream)")
    assert first_difference(published, published) == "identical"


# ------------------------------------------------------------------ drafts, stale files, failures


@pytest.fixture(scope="module")
def mini_with_draft(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The small project with edition 1 published and edition 2 a draft."""
    import shutil

    from conftest import DATA

    root = tmp_path_factory.mktemp("mini-draft")
    # A whole project folder, as the command line finds it: content, and the repository's styles and fonts.
    for folder in ("styles", "fonts"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copytree(DATA / "mini" / "content", root / "content")
    project = Project.at(root)
    publish_edition(project, EditionRef("mini-city", 1, 1))
    new_edition(project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    return project


@pytest.fixture(scope="module")
def draft_releases(mini_with_draft: Project, tmp_path_factory: pytest.TempPathFactory
                   ) -> dict[str, tuple[list[str], dict[str, object], str]]:  # fmt: skip
    """The same folder released without drafts, with drafts, then without again (files, manifest, CLI output)."""
    output = tmp_path_factory.mktemp("draft-release") / "dist"
    steps: dict[str, tuple[list[str], dict[str, object], str]] = {}
    for step, flags in (("published", []), ("drafts", ["--include-drafts"]), ("again", [])):
        result = CliRunner().invoke(main, ["--project", str(mini_with_draft.root), "release", "-o", str(output),
                                           *flags], env={"CI": "true"})  # fmt: skip
        assert result.exit_code == 0, result.output
        steps[step] = (files_of(output), manifest_of(output), result.output)
        if step == "drafts":
            pages = []
            for name in (MINI_2, MINI_REDLINE):
                text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(output / name), "-"], check=True,
                                      capture_output=True, text=True).stdout.replace("\u200c", "")  # fmt: skip
                pages.append((name, text.split("\f")[:-1], PdfReader(output / name).metadata.title))
            steps["pages"] = ([], {"pages": pages}, "")
    return steps


def test_a_draft_is_not_released(draft_releases: dict[str, tuple[list[str], dict[str, object], str]]) -> None:
    files, manifest, _ = draft_releases["published"]
    assert files == [CHECKSUMS, MANIFEST, MINI_1]
    assert [e["file"] for e in manifest["artifacts"]] == [MINI_1]  # type: ignore[attr-defined]
    assert manifest["include_drafts"] is False
    assert_valid(manifest, MANIFEST_SCHEMA)


def test_include_drafts_marks_every_page(draft_releases: dict[str, tuple[list[str], dict[str, object], str]]
                                         ) -> None:  # fmt: skip
    files, manifest, output = draft_releases["drafts"]
    assert files == [CHECKSUMS, MANIFEST, MINI_1, MINI_2, MINI_REDLINE]
    status = {e["file"]: e["status"] for e in manifest["artifacts"]}  # type: ignore[attr-defined]
    assert status == {MINI_1: "published", MINI_2: "draft", MINI_REDLINE: "draft"}
    assert manifest["include_drafts"] is True
    assert_valid(manifest, MANIFEST_SCHEMA)
    assert f"skipped  {MINI_1}" in output and f"started  {MINI_2} (not in the last release)" in output
    for name, pages, title in draft_releases["pages"][1]["pages"]:  # type: ignore[index]
        assert len(pages) > 5, name
        unmarked = [number for number, page in enumerate(pages, start=1) if DRAFT not in lines(page)]
        assert unmarked == [], f"{name}: pages without the draft mark: {unmarked}\n{pages[unmarked[0] - 1]}"
        assert title.startswith("پیش‌نویس — "), title


def test_drafts_left_out_again_are_removed(draft_releases: dict[str, tuple[list[str], dict[str, object], str]]
                                           ) -> None:  # fmt: skip
    files, manifest, output = draft_releases["again"]
    assert files == [CHECKSUMS, MANIFEST, MINI_1]
    assert [e["file"] for e in manifest["artifacts"]] == [MINI_1]  # type: ignore[attr-defined]
    assert f"removed  {MINI_2} (not in the new manifest)" in output
    assert "0 built, 1 unchanged, 0 failed, 2 removed" in output


def test_files_no_release_wrote_stop_it_unless_clean(mini_with_draft: Project, tmp_path: Path) -> None:
    output = tmp_path / "dist"
    output.mkdir()
    (output / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds files no release wrote: notes\.txt"):
        release(mini_with_draft, output, jobs=1)
    assert files_of(output) == ["notes.txt"]  # refused before anything was built or written
    result = CliRunner().invoke(main, ["--project", str(mini_with_draft.root), "release", "-o", str(output),
                                       "--clean", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert_valid(summary, RUN_SCHEMA_DOCUMENT)
    assert summary["removed"] == ["notes.txt"] and summary["ok"] is True
    [row] = summary["artifacts"]
    assert (row["file"], row["action"], row["reason"]) == (MINI_1, "built", "not in the last release")
    assert row["sha256"] == hashlib.sha256((output / MINI_1).read_bytes()).hexdigest() and row["seconds"] > 0
    assert files_of(output) == [CHECKSUMS, MANIFEST, MINI_1]
    # The bytes, rebuilt, are the same; a consistent folder with other bytes fails verify, naming where.
    project = mini_with_draft
    assert verify_cli(project, output)[0] == 0
    other = copy_folder(output, tmp_path / "other")
    data = flip_in_page(other / MINI_1, 2)
    (other / MINI_1).write_bytes(bytes(data))
    digest = hashlib.sha256(bytes(data)).hexdigest()
    manifest = manifest_of(other)
    manifest["artifacts"][0]["sha256"] = digest  # type: ignore[index]
    sums = f"{digest}  {MINI_1}\n"
    manifest["checksums_sha256"] = hashlib.sha256(sums.encode()).hexdigest()
    (other / CHECKSUMS).write_text(sums, encoding="utf-8")
    (other / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    code, text, _ = verify_cli(project, other)
    assert code == EXIT_VERIFY_BYTES, text
    assert f"MISMATCH {MINI_1}: rebuilt bytes differ from the published file: first difference at byte" in text
    assert "(page 2 content stream)" in text


def test_broken_edition_does_not_stop_the_others(mini_project: Project, tmp_path: Path) -> None:
    publish_edition(mini_project, EditionRef("mini-city", 1, 1))
    new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    output = tmp_path / "out"
    output.mkdir()
    stale = output / MINI_2
    stale.write_bytes(b"%PDF- from an earlier release")
    (output / MANIFEST).write_text(json.dumps({"schema": "reportgen-release/2", "artifacts": [
        {"file": MINI_2, "sha256": hashlib.sha256(stale.read_bytes()).hexdigest(), "size": 10}]}), encoding="utf-8")
    glossary = mini_project.edition_dir("mini-city", 1, 2) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("term: چشم‌انداز", "trem: چشم‌انداز"),
                        encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "release", "-o", str(output),
                                       "--include-drafts", "-j", "1"], env={"CI": "true"})  # fmt: skip
    assert result.exit_code == 1
    assert f"built    {MINI_1} (" in result.output
    assert f"FAILED {MINI_2}" in result.output
    assert f"FAILED {MINI_REDLINE}" in result.output
    # The failed edition's file from the earlier release is not left lying around, nor listed.
    assert f"removed  {MINI_2} (not in the new manifest)" in result.output
    assert [e["file"] for e in manifest_of(output)["artifacts"]] == [MINI_1]  # type: ignore[attr-defined]
    assert files_of(output) == [CHECKSUMS, MANIFEST, MINI_1]
