"""Editions: publish (freeze), start the next one, comments register, history, bad manifests."""

from __future__ import annotations

from pathlib import Path

import jdatetime
import pytest
from click.testing import CliRunner

from reportgen.build.pipeline import build_edition
from reportgen.cli import main
from reportgen.editions.find import EditionRef, find_editions, load_edition
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.errors import ContentError, EditionError
from reportgen.paths import Project

from conftest import BuiltPdf
from pdfcheck import normalize

FIRST = EditionRef("mini-city", 1, 1)
SECOND = EditionRef("mini-city", 1, 2)

COMMENTS = """\
title: پاسخ به نظرات
intro: نظرات دریافتی دربارهٔ ویرایش اول.
comments:
  - id: c1
    sender: شورای اسلامی شهر
    date: 1403/03/01
    text: تعریف چشم‌انداز دقیق‌تر شود.
    concerns: [glossary/vision]
    response: تعریف بازنویسی شد.
    status: accepted
  - id: c2
    sender: شهروند
    date: 1403/03/05
    text: تجربهٔ شهر بوستون حذف شود.
    concerns: [case-studies/boston, case-studies]
    response: این تجربه برای بخش مشارکت سودمند است.
    status: not-accepted
    reason: درس‌های مشارکتی آن برای شهر نمونه کاربردی است.
  - id: c3
    sender: شهروند
    date: 1403/03/09
    text: نظری که دیرتر رسید.
"""


@pytest.fixture
def two_editions(mini_project: Project) -> Project:
    """The mini project with edition 1 published and edition 2 started, revised and commented."""
    publish_edition(mini_project, FIRST)
    assert new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1)) == SECOND
    folder = mini_project.edition_dir("mini-city", 1, 2)
    glossary = folder / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace(
        "تصویری از آینده مطلوب.", "تصویری روشن و الهام‌بخش از آیندهٔ مطلوب شهر."), encoding="utf-8")  # fmt: skip
    (folder / "comments.yaml").write_text(COMMENTS, encoding="utf-8")
    return mini_project


def test_publish_records_hash_and_keeps_yaml_comments(mini_project: Project) -> None:
    manifest = mini_project.stage_dir("mini-city", 1) / "stage.yaml"
    manifest.write_text("# مانیفست ویرایش‌ها\n" + manifest.read_text(encoding="utf-8"), encoding="utf-8")
    publication = publish_edition(mini_project, FIRST)
    text = manifest.read_text(encoding="utf-8")
    assert text.startswith("# مانیفست ویرایش‌ها\n")
    assert "status: published" in text and f"content_hash: {publication.content_hash}" in text
    # The edition's own copy of report.yaml (stage-1/edition-1/report.yaml), not the shared one.
    assert (mini_project.edition_dir("mini-city", 1, 1) / "report.yaml").is_file()
    assert set(publication.files) == {
        "stage-1/stage.yaml",
        *(f"stage-1/edition-1/{p.name}" for p in mini_project.edition_dir("mini-city", 1, 1).iterdir()),
    }  # fmt: skip
    entry = load_edition(mini_project, FIRST).entry
    assert entry.published == publication
    with pytest.raises(EditionError, match="already published"):
        publish_edition(mini_project, FIRST)


def test_published_edition_is_frozen(mini_project: Project) -> None:
    publish_edition(mini_project, FIRST)
    build_edition(mini_project, FIRST)
    pdf = mini_project.output / FIRST.pdf_name
    before = pdf.read_bytes()
    glossary = mini_project.edition_dir("mini-city", 1, 1) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    with pytest.raises(EditionError) as caught:
        build_edition(mini_project, FIRST)
    message = str(caught.value)
    assert "edition 1 of stage 1 in 'mini-city' was published and its content has changed" in message
    assert "stage-1/edition-1/glossary.yaml (changed)" in message
    assert "report.yaml" not in message.replace(str(mini_project.content), "")
    assert pdf.read_bytes() == before
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "validate"])
    assert result.exit_code == 1 and "glossary.yaml (changed)" in result.output


def test_report_and_manifest_changes_also_break_the_freeze(mini_project: Project) -> None:
    publish_edition(mini_project, FIRST)
    manifest = mini_project.stage_dir("mini-city", 1) / "stage.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("نخستین ویرایش.", "ویرایش نخست."),
                        encoding="utf-8")  # fmt: skip
    with pytest.raises(EditionError, match=r"stage-1/stage.yaml \(changed\)"):
        build_edition(mini_project, FIRST)


def test_new_edition_needs_the_latest_published(mini_project: Project) -> None:
    with pytest.raises(EditionError, match="edition 1 of stage 1 is still a draft"):
        new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    assert not mini_project.edition_dir("mini-city", 1, 2).exists()


def test_new_edition_copies_the_latest(two_editions: Project) -> None:
    assert [ref.edition for ref in find_editions(two_editions)] == [1, 2]
    second = load_edition(two_editions, SECOND)
    assert second.entry.status.value == "draft"
    assert second.entry.date == jdatetime.date(1403, 4, 1)
    assert [e.number for e in second.history] == [1, 2]
    first_files = {p.name for p in two_editions.edition_dir("mini-city", 1, 1).iterdir()}
    second_files = {p.name for p in two_editions.edition_dir("mini-city", 1, 2).iterdir()}
    # Everything but the published edition's copy of report.yaml: the draft reads the shared one.
    assert "report.yaml" in first_files and first_files - {"report.yaml"} <= second_files
    assert "report.yaml" not in second_files


def test_comment_without_response_is_a_warning(two_editions: Project) -> None:
    result = CliRunner().invoke(main, ["--project", str(two_editions.root), "validate"])
    assert result.exit_code == 0, result.output
    comments = two_editions.edition_dir("mini-city", 1, 2) / "comments.yaml"
    assert f"Warning: {comments}:19:5: comments[2]: comment 'c3' has no response yet" in result.output
    assert "OK: 2 editions valid, 1 warning" in result.output


def test_comment_on_unknown_item_is_an_error(two_editions: Project) -> None:
    comments = two_editions.edition_dir("mini-city", 1, 2) / "comments.yaml"
    comments.write_text(COMMENTS.replace("glossary/vision", "glossary/visoin").replace(
        "case-studies]", "case-study]"), encoding="utf-8")  # fmt: skip
    with pytest.raises(ContentError) as caught:
        load_edition(two_editions, SECOND)
    assert [str(p) for p in caught.value.problems] == [
        f"{comments}:8:16: comments[0].concerns[0]: 'glossary/visoin': no item 'visoin' in glossary of either edition",
        f"{comments}:15:37: comments[1].concerns[1]: 'case-study': no section 'case-study' in either edition",
    ]


def test_declined_comment_needs_a_reason(two_editions: Project) -> None:
    comments = two_editions.edition_dir("mini-city", 1, 2) / "comments.yaml"
    comments.write_text(COMMENTS.replace("    reason: درس‌های مشارکتی آن برای شهر نمونه کاربردی است.\n", ""),
                        encoding="utf-8")  # fmt: skip
    with pytest.raises(ContentError, match=r"comments.yaml:11:5: comments\[1\]: a comment with status "
                                           r"'not-accepted' needs a reason"):  # fmt: skip
        load_edition(two_editions, SECOND)


def test_second_edition_pdf_shows_history_comments_and_edition(two_editions: Project) -> None:
    result = build_edition(two_editions, SECOND)
    pdf = BuiltPdf(result)
    pages = pdf.pages_text()
    text = normalize(pdf.text())
    back = normalize(pages[1])
    assert "ویرایش دوم" in normalize(pages[0]) and "تیر ۱۴۰۳" in normalize(pages[0])
    for row in ("اول ۱۴۰۳/۰۲/۱۵ منتشرشده نخستین ویرایش", "دوم ۱۴۰۳/۰۴/۰۱ پیشنویس"):
        assert row in back or row.split(" ", 1)[1] in back, row
    assert "تاریخچه ویرایشها" in back
    for comment in ("تعریف چشمانداز دقیقتر شود", "تجربه شهر بوستون حذف شود", "نظری که دیرتر رسید"):
        assert comment in text
    assert "پذیرفته نشد" in text and "در دست بررسی" in text
    assert "تعاریف:چشمانداز" in text  # the item a comment concerns, by name
    # The running footer names the edition on body pages.
    footer = normalize(pages[8]).rsplit("۲ ", 1)[-1]
    assert footer.startswith("گزارش مرحله اول،ویرایش دوم") and "تیر ۱۴۰۳" in footer


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("  - number: 1\n", "  - number: 1\n    number: 2\n", "duplicate key 'number'"),
        ("date: 1403/02/15", "date: 1403/02/32", "editions[0].date: '1403/02/32' is not a valid Jalali date"),
    ],
)
def test_bad_manifest(mini_project: Project, old: str, new: str, message: str) -> None:
    manifest = mini_project.stage_dir("mini-city", 1) / "stage.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "build"])
    assert result.exit_code == 1 and message in result.output
    assert not mini_project.output.exists()


def _second_entry(date: str, number: int = 2) -> str:
    return f"  - number: {number}\n    date: {date}\n    status: draft\n    summary: دومی.\n"


def test_duplicate_number_and_backwards_date(mini_project: Project) -> None:
    stage_dir = mini_project.stage_dir("mini-city", 1)
    (stage_dir / "edition-2").mkdir()
    manifest = stage_dir / "stage.yaml"
    original = manifest.read_text(encoding="utf-8")
    manifest.write_text(original + _second_entry("1403/01/01"), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        find_editions(mini_project)
    assert (f"{manifest}:9:5: editions[1].date: date goes backwards: edition 2 is dated before edition 1"
            in str(caught.value).splitlines())
    manifest.write_text(original + _second_entry("1403/05/01", number=1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        find_editions(mini_project)
    assert [str(p) for p in caught.value.problems if "draft" not in p.message] == [
        f"{manifest}:3:1: editions: folder edition-2/ is not listed in the manifest",
        f"{manifest}:8:5: editions[1].number: duplicate edition number 1 (also entry 1)",
    ]


def test_builds_are_byte_identical(two_editions: Project, tmp_path: Path) -> None:
    first = build_edition(two_editions, SECOND, tmp_path / "a").path.read_bytes()
    second = build_edition(two_editions, SECOND, tmp_path / "b").path.read_bytes()
    assert first == second
