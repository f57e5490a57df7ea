"""The timeline figure: shaped, visually ordered labels with logical titles."""

from __future__ import annotations

import re

import arabic_reshaper
from bidi import get_display

from reportgen.content.models import RoadmapStage
from reportgen.render.figures import timeline_svg, wrap_words
from reportgen.text.persian import visual


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
