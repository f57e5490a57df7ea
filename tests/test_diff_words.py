"""The comparison names chapters by their own titles and takes its words from the labels catalogue."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from click.testing import CliRunner

from reportgen.cli import main
from reportgen.compare.diff import diff_editions
from reportgen.compare.formats import to_json, to_text
from reportgen.compare.labels import Words
from reportgen.compare.redline import mark_changes
from reportgen.compare.webpage import to_html
from reportgen.content.blocks import Chapter
from reportgen.content.labels import default_labels
from reportgen.content.models import Edition
from reportgen.editions.find import EditionRef, load_edition
from reportgen.paths import Project

from conftest import DATA, MINI_REF, REPO

STAGE_2 = EditionRef("hamedan-strategic-plan", 2, 1)


def _edited(edition: Edition, chapter: str, body: str, dropped: str) -> Edition:
    """``edition`` with the first block of ``chapter`` rewritten and the chapter ``dropped`` gone."""
    section = edition.sections[chapter]
    assert isinstance(section, Chapter)
    first, *rest = section.blocks
    blocks = (first.model_copy(update={"body": body}), *rest)
    sections = {kind: (section.model_copy(update={"blocks": blocks}) if kind == chapter else model)
                for kind, model in edition.sections.items() if kind != dropped}  # fmt: skip
    return edition.model_copy(update={"sections": sections})


def test_generic_chapters_are_named_by_their_titles_in_every_output() -> None:
    old = load_edition(Project.at(REPO), STAGE_2)
    new = _edited(old, "population", "جمعیت شهر در این دوره کند رشد کرده است.", dropped="heritage-mobility")
    population, heritage = old.sections["population"].title, old.sections["heritage-mobility"].title
    assert population == "جمعیت و جامعه"
    diff = diff_editions(old, new)

    text = to_text(diff)
    assert f"  population ({population}): 1 changed\n" in text
    assert f"- heritage-mobility  [فصل حذف‌شده] {heritage}\n" in text

    data = json.loads(to_json(diff))
    assert data["titles"]["population"] == population and data["titles"]["heritage-mobility"] == heritage
    assert set(data["titles"]) == set(data["summary"])

    page = to_html(diff)
    assert f'<h2 id="s-population">{population}</h2>' in page
    assert f'<a href="#s-heritage-mobility">{heritage}</a>' in page

    _, redline = mark_changes(old, new, diff)
    assert {row.section: row.section_title for row in redline.rows}["population"] == population


def test_the_comparisons_words_are_the_catalogues() -> None:
    words, labels = Words(), default_labels()
    assert words.kinds == {kind: labels["change"][kind] for kind in ("added", "removed", "changed", "moved")}
    assert words.field_name("items") == labels["field"]["items_"] and words.field_name("roles.x") == "نقش‌ها › x"
    assert words.value_name("inform") == labels["role"]["inform"] and words.status_name(None) == "در دست بررسی"
    python = (REPO / "reportgen" / "compare" / "labels.py").read_text(encoding="utf-8")
    assert not [c for c in python if "\u0600" <= c <= "\u06ff"], "words belong in reportgen/content/labels.yaml"


def test_a_reports_own_change_kind_label_shows_in_the_diff_text_and_the_redline(tmp_path: Path) -> None:
    shutil.copytree(DATA / "mini" / "content", tmp_path / "content")
    for folder in ("styles", "fonts"):
        (tmp_path / folder).symlink_to(REPO / folder)
    report = tmp_path / "content" / MINI_REF.report
    (report / "labels.yaml").write_text("change:\n  changed: دگرگون‌شده\n", encoding="utf-8")
    runner = CliRunner()
    common = ["--project", str(tmp_path)]
    args = [MINI_REF.report, "--stage", "1"]
    assert runner.invoke(main, [*common, "edition", "publish", *args, "--edition", "1"]).exit_code == 0
    made = runner.invoke(main, [*common, "edition", "new", *args, "--date", "1403/05/01"])
    assert made.exit_code == 0, made.output
    glossary = report / "stage-1" / "edition-2" / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("تصویری از آینده", "تصویری روشن از آینده"),
                        encoding="utf-8")  # fmt: skip
    compare = [*common, "diff", *args, "--from", "1", "--to", "2"]

    text = runner.invoke(main, [*compare, "--bidi", "logical", "--no-colour"])
    assert text.exit_code == 1, text.output
    assert "~ glossary/vision  [دگرگون‌شده] چشم‌انداز\n" in text.output and "تغییریافته" not in text.output

    redline = tmp_path / "redline.pdf"
    built = runner.invoke(main, [*compare, "--format", "pdf", "-o", str(redline)])
    assert built.exit_code == 1 and redline.exists(), built.output
    summary = subprocess.run(["pdftotext", "-enc", "UTF-8", str(redline), "-"], check=True,
                             capture_output=True, text=True).stdout.replace("\u200c", "")  # fmt: skip
    assert "دگرگونشده" in summary and "تغییریافته" not in summary  # the summary's kind column
