"""Generic chapters of typed blocks: a small edition of every block kind, built once and read back."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from reportgen.build.pipeline import build_edition
from reportgen.cli import main
from reportgen.content.blocks import evaluate, parse_expression
from reportgen.editions.find import EditionRef, load_edition
from reportgen.paths import Project
from reportgen.render.charts import chart_svg
from reportgen.text.numbers import format_number, format_percent
from reportgen.text.persian import visual

from conftest import DATA, REPO, BuiltPdf, make_project

REF = EditionRef("blocks-town", 2, 1)


@pytest.fixture(scope="module")
def blocks_project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("blocks")
    shutil.copytree(DATA / "blocks" / "content", root / "content")
    return make_project(root, root / "content")


@pytest.fixture(scope="module")
def blocks_pdf(blocks_project: Project) -> BuiltPdf:
    return BuiltPdf(build_edition(blocks_project, REF))


def _plain(text: str) -> str:
    """pdftotext's output without its bidi marks, spaces collapsed."""
    return " ".join(re.sub("[\u200e\u200f\u202a-\u202e]", "", text).split())


def _links(pdf: BuiltPdf) -> Iterator[tuple[int, str]]:
    reader = pypdf.PdfReader(pdf.path)
    for number, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            link = annotation.get_object()
            if link.get("/Subtype") == "/Link" and "/Dest" in link:
                yield number, str(link["/Dest"])


def _outline_titles(entries: list[Any]) -> Iterator[str]:
    for entry in entries:
        if isinstance(entry, list):
            yield from _outline_titles(entry)
        else:
            yield str(entry.title)


# ---------------------------------------------------------------- pure helpers


def test_numbers_use_persian_separators() -> None:
    assert format_number(Decimal("1234567")) == "۱٬۲۳۴٬۵۶۷"
    assert format_number(Decimal("12.345"), 2) == "۱۲٫۳۵"
    assert format_number(Decimal("-5")) == "−۵"
    assert format_percent(Decimal("45.25"), 1) == "۴۵٫۳٪"


def test_expressions_are_parsed_not_evaluated_as_python() -> None:
    tree = parse_expression("weight * (rating - 1) / 2")
    assert evaluate(tree, {"weight": Decimal("0.5"), "rating": Decimal("3")}) == Decimal("0.5")
    for bad in ("__import__('os')", "weight **", "(weight", "weight rating"):
        with pytest.raises(ValueError):
            parse_expression(bad)
    with pytest.raises(ValueError, match="division by zero"):
        evaluate(parse_expression("a / b"), {"a": Decimal(1), "b": Decimal(0)})


def test_chart_svg_keeps_text_as_text_in_the_report_font() -> None:
    svg = chart_svg("bar", ["همدان", "ملایر"], [("جمعیت", [1200.0, 300.0])], unit="نفر",
                    fonts=REPO / "fonts", prefix="c1")  # fmt: skip
    assert "<text" in svg and "font-family=\"Vazirmatn\"" in svg
    assert visual("همدان") in svg  # shaped, in visual order
    assert "style=" not in svg and "<style" not in svg  # presentation attributes only
    assert "۱٬۲۰۰" in svg  # Persian digits on the value axis
    assert 'id="c1-' in svg and 'id="figure_1"' not in svg


def test_visual_keeps_diacritics_joins_heh_hamza_and_mirrors_brackets() -> None:
    assert "\u064e" in visual("شَهر")
    assert "\u0654" not in visual("منطقهٔ یک") and "\ufba5" in visual("منطقهٔ یک")  # final ۀ, one glyph
    assert "\u06c0" in visual("ادارهٔ")  # isolated: the letter itself (the font has no U+FBA4)
    assert visual("تحلیل (PESTEL)").startswith("(PESTEL)")
    shaped = visual("۱۴۰۲ (برآورد)")
    assert shaped.startswith("(") and shaped.endswith("۱۴۰۲") and ")" in shaped


# ---------------------------------------------------------------- the built edition


def test_the_stage_notice_replaces_the_reports(blocks_pdf: BuiltPdf) -> None:
    back = _plain(blocks_pdf.pages_text()[1]).replace("\u200c", "")
    assert "ارقام این مرحله نمونهاند" in back and "ارقام این گزارش آزمایشی" not in back


def test_table_numbers_print_with_persian_separators(blocks_pdf: BuiltPdf) -> None:
    text = blocks_pdf.text()
    for printed in ("۱٬۲۳۴٬۵۶۷", "۱٫۲۵٪", "۰٫۵۰٪", "۷٬۵۰۰٬۰۰۰", "۱۲٬۵۰۰٬۰۰۰", "۱۳۹۵/۰۷/۱۵"):
        assert printed in text, printed
    # IFE: computed weighted scores and their total (0.6 × 4 + 0.4 × 1 = 2.80).
    for printed in ("۲٫۴۰", "۰٫۴۰", "۲٫۸۰", "۱٫۰۰"):
        assert printed in text, printed


def test_chart_data_and_labels_are_text(blocks_pdf: BuiltPdf) -> None:
    text = blocks_pdf.text()
    # Inline chart data are printed as a table under the chart.
    for printed in ("حمل‌ونقل", "فضای سبز", "۳۰٫۵", "درآمد پایدار", "۱۲٫۵"):
        assert printed.replace("\u200c", "") in text.replace("\u200c", ""), printed
    # A chart drawn from a table links to it (from under the chart as well as from the prose).
    assert sum(dest == "blk-population" for _, dest in _links(blocks_pdf)) >= 4
    # Chart labels are SVG text in Vazirmatn, and nothing falls back to another font.
    fonts = subprocess.run(["pdffonts", str(blocks_pdf.path)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("Vazirmatn" in name for name in names), names


def test_cross_references_print_numbers_and_link(blocks_pdf: BuiltPdf) -> None:
    pages = blocks_pdf.pages_text()
    chapter = next(i for i, page in enumerate(pages) if "روند جمعیت" in page and "فهرست مطالب" not in page)
    assert "[@" not in blocks_pdf.text()
    page = _plain(pages[chapter])
    assert "در جدول ۱-۱" in page and "در شکل ۱-۱" in page and "S۱" in page
    assert "در شکل ۱-۲" in page  # as written: the marks around the hyphen reach the text (before: «۲-۱»)
    targets = {dest for number, dest in _links(blocks_pdf) if number == chapter}
    assert {"blk-population", "blk-population-chart", "blk-budget-pie",
            "item-analysis-swot-town-s-heritage", "item-analysis-goals-g-economy"} <= targets  # fmt: skip
    destinations = pypdf.PdfReader(blocks_pdf.path).named_destinations
    assert {"blk-population", "item-analysis-swot-town-s-heritage"} <= set(destinations)


def test_cross_references_between_chapters_survive_a_parallel_build(blocks_project: Project, blocks_pdf: BuiltPdf,
                                                                    tmp_path: Path) -> None:  # fmt: skip
    parallel = build_edition(blocks_project, REF, output_dir=tmp_path, jobs=2)

    def link_counts(path: Path) -> list[int]:
        pages = pypdf.PdfReader(path).pages
        return [sum(a.get_object().get("/Subtype") == "/Link" for a in page.get("/Annots") or []) for page in pages]

    assert parallel.pages == blocks_pdf.result.pages
    assert link_counts(parallel.path) == link_counts(blocks_pdf.path)


def test_block_sub_headings_enter_contents_and_outline(blocks_pdf: BuiltPdf) -> None:
    contents = _plain(blocks_pdf.pages_text()[2])
    for title in ("روند جمعیت", "ساختار سنی", "تعاریف", "تحلیل راهبردی"):
        assert title in contents
    titles = [t.replace("\u200f", "") for t in _outline_titles(pypdf.PdfReader(blocks_pdf.path).outline)]
    assert any("روند جمعیت" in t and "۱-۱" in t for t in titles)
    assert any("ساختار سنی" in t and "۱-۱-۱" in t for t in titles)


def test_lists_of_tables_and_figures_hold_the_blocks(blocks_pdf: BuiltPdf) -> None:
    front = _plain("\n".join(blocks_pdf.pages_text()[:6]))
    for caption in ("جمعیت شهر آزمون در سال", "ماتریس ارزیابی عوامل داخلی", "شاخص", "نمودار جمعیت شهر آزمون",
                    "ماتریس قوت", "درخت اهداف", "زمان"):  # fmt: skip
        assert caption in front, caption


def test_the_readme_example_of_another_kind_of_report_validates(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    path = "water-annual/stage-1/edition-1/chapters/01-supply.yaml"
    match = re.search(rf"```yaml\n# content/({path})\n(.*?)```", readme, re.S)
    assert match, "the README's example chapter"
    chapter = tmp_path / "content" / match.group(1)
    chapter.parent.mkdir(parents=True)
    chapter.write_text(match.group(2), encoding="utf-8")
    (tmp_path / "content" / "water-annual" / "report.yaml").write_text(
        "title: گزارش سالانهٔ شرکت آب\ncity: نمونه\nclient: شرکت آب\nconsultant: واحد برنامه‌ریزی\n", encoding="utf-8")
    (tmp_path / "content" / "water-annual" / "stage-1" / "stage.yaml").write_text(
        "number: 1\ntitle: سال ۱۴۰۳\nlabel: گزارش سالانه\neditions:\n  - number: 1\n    date: 1404/02/01\n"
        "    summary: نخستین ویرایش.\n", encoding="utf-8")  # fmt: skip
    edition = load_edition(Project.at(tmp_path), EditionRef("water-annual", 1, 1))
    assert edition.stage.label == "گزارش سالانه" and list(edition.sections) == ["supply"]


# ---------------------------------------------------------------- editions and diff


def test_diff_names_a_changed_cell_chart_datum_and_swot_entry(blocks_project: Project, tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(blocks_project.content, root / "content")
    for folder in ("styles", "fonts"):
        (root / folder).symlink_to(REPO / folder)
    runner = CliRunner()
    common = ["--project", str(root)]
    published = runner.invoke(main, [*common, "edition", "publish", "blocks-town", "--stage", "2", "--edition", "1"])
    assert published.exit_code == 0, published.output
    new = runner.invoke(main, [*common, "edition", "new", "blocks-town", "--stage", "2", "--date", "1404/04/01"])
    assert new.exit_code == 0, new.output
    chapters = root / "content" / "blocks-town" / "stage-2" / "edition-2" / "chapters"
    people = chapters / "02-people.yaml"
    people.write_text(people.read_text(encoding="utf-8").replace("population: 1300000", "population: 1310000")
                      .replace("values: [10, 12.5, 15]", "values: [10, 13, 15]"), encoding="utf-8")  # fmt: skip
    analysis = chapters / "03-analysis.yaml"
    analysis.write_text(analysis.read_text(encoding="utf-8").replace("text: خشکسالی}", "text: خشکسالی و کم‌آبی}"),
                        encoding="utf-8")  # fmt: skip
    result = runner.invoke(main, [*common, "diff", "blocks-town", "--stage", "2", "--from", "1", "--to", "2",
                                  "--format", "json"])  # fmt: skip
    assert result.exit_code == 1, result.output
    changes = {(c["section"], c["list_path"], c["item_id"]): c for c in json.loads(result.output)["changes"]}
    cell = changes[("people", "blocks[population].rows", "y1400")]
    assert [(f["field"], f["old"], f["new"]) for f in cell["fields"]] == [("population", "1300000", "1310000")]
    datum = changes[("people", "blocks", "trend-line")]
    assert [(f["field"], f["old"], f["new"]) for f in datum["fields"]] == [("data[درآمد پایدار][۱۴۰۱]", "12.5", "13")]
    entry = changes[("analysis", "blocks[swot-town].threats", "t-drought")]
    assert entry["kind"] == "changed" and entry["fields"][0]["field"] == "text"
    assert len(changes) == 3
    edition = load_edition(Project.at(root), EditionRef("blocks-town", 2, 2))
    assert list(edition.sections) == ["foreword", "people", "analysis"]
    # A comments register names blocks and their items as chapter-id/item-id.
    comments = root / "content" / "blocks-town" / "stage-2" / "edition-2" / "comments.yaml"
    comments.write_text("""title: پاسخ به نظرات
comments:
  - id: c1
    sender: شورای شهر
    date: 1404/03/20
    text: خشکسالی را دقیق‌تر بنویسید و جمعیت ۱۴۰۰ را بازبینی کنید.
    concerns: [analysis/t-drought, people/y1400, people/trend-line, analysis/nothing-here]
""", encoding="utf-8")
    refused = runner.invoke(main, [*common, "validate"])
    assert refused.exit_code == 1
    assert "comments[0].concerns[3]: 'analysis/nothing-here': no item 'nothing-here' in analysis" in refused.output
    assert refused.output.count("concerns[") == 1
    comments.write_text(comments.read_text(encoding="utf-8").replace(", analysis/nothing-here", ""), encoding="utf-8")
    assert runner.invoke(main, [*common, "validate"]).exit_code == 0
    comments.unlink()
    # The redline of the pair marks the changed SWOT entry's words and row in the typeset edition.
    redline = tmp_path / "redline.pdf"
    result = runner.invoke(main, [*common, "diff", "blocks-town", "--stage", "2", "--from", "1", "--to", "2",
                                  "--format", "pdf", "-o", str(redline)])  # fmt: skip
    assert result.exit_code == 1 and redline.exists(), result.output
    summary = _plain(BuiltPdf(build_result(redline)).text(first=1, last=6)).replace("\u200c", "")
    assert "خشکسالی و کمآبی" in summary and "روند درآمد شهرداری" in summary


def build_result(path: Path) -> Any:
    from reportgen.build.pipeline import BuildResult

    return BuildResult(REF, path, len(pypdf.PdfReader(path).pages), 0.0)


def test_diff_of_the_hamedan_stage_2_sample_names_each_change(tmp_path: Path) -> None:
    """A draft edition 2 of the real stage-2 sample: a table cell, a chart datum and a SWOT entry changed."""
    root = tmp_path / "project"
    report = root / "content" / "hamedan-strategic-plan"
    report.mkdir(parents=True)
    shutil.copyfile(REPO / "content" / "hamedan-strategic-plan" / "report.yaml", report / "report.yaml")
    shutil.copytree(REPO / "content" / "hamedan-strategic-plan" / "stage-2", report / "stage-2")
    runner = CliRunner()
    common = ["--project", str(root)]
    stage = (report / "stage-2" / "stage.yaml").read_text(encoding="utf-8")
    if "status: published" not in stage:
        runner.invoke(main, [*common, "edition", "publish", "hamedan-strategic-plan", "--stage", "2", "--edition", "1"])
    new = runner.invoke(main, [*common, "edition", "new", "hamedan-strategic-plan", "--stage", "2",
                               "--date", "1405/01/20"])  # fmt: skip
    assert new.exit_code == 0, new.output
    chapters = report / "stage-2" / "edition-2" / "chapters"
    edits = {
        "04-population.yaml": ("population: 525000,", "population: 526000,"),
        "07-heritage-mobility.yaml": ("values: [118, 64,", "values: [120, 64,"),
        "09-strategic-analysis.yaml": ("{id: s-heritage, text: میراث تاریخی", "{id: s-heritage, text: میراث کهن"),
    }
    for name, (old, new_text) in edits.items():
        text = (chapters / name).read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        (chapters / name).write_text(text.replace(old, new_text), encoding="utf-8")
    result = runner.invoke(main, [*common, "diff", "hamedan-strategic-plan", "--stage", "2", "--from", "1",
                                  "--to", "2", "--format", "json"])  # fmt: skip
    assert result.exit_code == 1, result.output
    changes = json.loads(result.output)["changes"]
    named = {(c["item_id"], f["field"], f["old"], f["new"]) for c in changes for f in c["fields"]}
    assert ("census-1390", "population", "525000", "526000") in named
    assert any(field.endswith("[فروردین]") and (old, new_) == ("118", "120") for _, field, old, new_ in named)
    assert any(item == "s-heritage" and field == "text" for item, field, _, _ in named)
    assert len(changes) == 3
