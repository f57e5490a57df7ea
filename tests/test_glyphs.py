"""Characters the fonts cannot draw are refused where written; marks the stylesheet draws are not text."""

from __future__ import annotations

from pathlib import Path

from reportgen.content.glyphs import missing_glyph_problems
from reportgen.content.loader import parse_yaml
from reportgen.paths import PACKAGE_DIR

FONTS = PACKAGE_DIR / "theme" / "fonts"
MATRIX = """\
legend:
  - {key: overlap, label: هم‌پوشانی ▲, symbol: ▲}
  - {key: gap, label: خلأ, symbol: ★}
"""


def test_a_legend_symbol_is_a_drawn_shape_but_the_same_character_in_a_label_is_text() -> None:
    loaded = parse_yaml(MATRIX, Path("matrix.yaml"))
    problems = [str(problem) for problem in missing_glyph_problems([loaded], FONTS)]
    assert len(problems) == 2, problems
    assert "matrix.yaml:2:" in problems[0] and "legend[0].label" in problems[0] and "U+25B2" in problems[0]
    # ★ is not a shape the stylesheet draws: as a symbol it is still refused
    assert "legend[1].symbol" in problems[1] and "U+2605" in problems[1]
