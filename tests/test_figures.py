"""The timeline figure: shaped, visually ordered labels with logical titles."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import arabic_reshaper
from bidi import get_display

from reportgen.content.models import RoadmapStage
from reportgen.render.figures import timeline_svg, wrap_words
from reportgen.text.persian import visual
from reportgen.typeset.engine import typeset_pdf

from conftest import REPO


def stage(identifier: str, title: str, start: int, duration: int) -> RoadmapStage:
    return RoadmapStage(id=identifier, title=title, description="شرح", tools=("ابزار",),
                        participants=("مشاور",), deliverables=("گزارش",),
                        start_month=start, duration_months=duration)  # fmt: skip


def test_labels_are_shaped_and_reordered() -> None:
    label = visual("شناخت محیط")
    assert label == get_display(arabic_reshaper.reshape("شناخت محیط"))
    assert all(not ("\u0600" <= ch <= "\u06ff") for ch in label if ch != " ")  # presentation forms only
    assert label[0] == arabic_reshaper.reshape("محیط")[-1]  # last letter of the last word first


def test_timeline_svg() -> None:
    svg = timeline_svg([stage("s1", "شناخت محیط", 1, 3), stage("s2", "تدوین چشم‌انداز", 3, 4)],
                       month_label="ماه")  # fmt: skip
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    titles = re.findall(r"<title>(.*?)</title>", svg)
    assert "شناخت محیط" in titles and "تدوین چشم‌انداز" in titles and "ماه" in titles
    assert visual("تدوین چشم‌انداز") in svg
    assert svg.count("<rect") == 6 + 2  # six month bands and two bars
    # Month 1 is at the right: the first stage's bar ends further right than the second's.
    bars = re.findall(r'<rect x="([\d.]+)" y="\d+" width="([\d.]+)" height="\d+" rx', svg)
    first, second = ((float(x), float(x) + float(w)) for x, w in bars)
    assert first[1] > second[1]


def test_wrap_words() -> None:
    assert wrap_words("یک دو سه", 100) == ["یک دو سه"]
    assert wrap_words("یک دو سه چهار", 7) == ["یک دو", "سه چهار"]
    lines = wrap_words("الف " * 30, 10)
    assert len(lines) == 2 and lines[1].endswith("…")


HEH_YEH_FORMS = ("\u06c0", "\ufba5")  # «ۀ» isolated (the letter itself) and final


def test_heh_hamza_is_one_letter_in_the_typeset_figure(tmp_path: Path) -> None:
    """«آیندهٔ» is drawn as «ۀ», not as «ه» plus a hamza on a dotted circle (SVG text is not shaped)."""
    svg = timeline_svg([stage("s1", "تدوین سناریوهای آیندهٔ شهر", 1, 3)], month_label="ماه")
    label = re.findall(r"</title>([^<]*)</text>", svg)[-1]
    assert "\u0654" not in label and any(form in label for form in HEH_YEH_FORMS)
    styles = REPO / "styles"
    html = f'<html lang="fa" dir="rtl"><body>{svg}</body></html>'
    pdf = typeset_pdf(html, stylesheets=[styles / "fonts.css"], base_dir=styles, allowed_roots=[REPO]).pdf
    (tmp_path / "figure.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(tmp_path / "figure.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert "\u0654" not in text and "\u25cc" not in text  # no lone hamza drawn on a dotted circle
    assert any(form in text for form in HEH_YEH_FORMS)


def test_charts_and_figures_draw_a_label_alike() -> None:
    """One visual() for every SVG: the chart module has none of its own."""
    from reportgen.render import charts

    assert charts.visual is visual
