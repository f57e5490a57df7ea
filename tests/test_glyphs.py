"""Characters the fonts cannot draw are refused where written; marks the stylesheet draws are not text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.build.pipeline import build_edition
from reportgen.cli import main
from reportgen.content.glyphs import missing_glyph_problems
from reportgen.content.loader import parse_yaml
from reportgen.errors import FallbackFontError
from reportgen.paths import PACKAGE_DIR, Project
from reportgen.typeset.fontcheck import foreign_fonts
from reportgen.typeset.pdfmerge import vendored_fonts

from conftest import DATA, MINI_REF, REPO, BuiltPdf, make_project

FONTS = PACKAGE_DIR / "theme" / "fonts"
MATRIX = """\
legend:
  - {key: overlap, label: هم‌پوشانی ▲, symbol: ▲}
  - {key: gap, label: خلأ, symbol: ★}
"""


def test_a_legend_symbol_is_a_drawn_shape_but_the_same_character_in_a_label_is_text() -> None:
    loaded = parse_yaml(MATRIX, Path("matrix.yaml"))
    problems = [str(problem) for problem in missing_glyph_problems([loaded], [FONTS])]
    assert len(problems) == 2, problems
    assert "matrix.yaml:2:" in problems[0] and "legend[0].label" in problems[0] and "U+25B2" in problems[0]
    # ★ is not a shape the stylesheet draws: as a symbol it is still refused
    assert "legend[1].symbol" in problems[1] and "U+2605" in problems[1]


def _mini(root: Path) -> Project:
    shutil.copytree(DATA / "mini" / "content", root / "content")
    return make_project(root, root / "content")


def test_a_relabelled_word_no_font_has_is_refused_where_it_is_written(tmp_path: Path) -> None:
    project = _mini(tmp_path)
    labels = project.report_dir(MINI_REF.report) / "labels.yaml"
    labels.write_text("document:\n  contents: فهرست ★ مطالب\n", encoding="utf-8")
    for command in ("validate", "build"):
        result = CliRunner().invoke(main, ["--project", str(tmp_path), command, MINI_REF.report])
        assert result.exit_code == 1, result.output
        assert f"{labels}:2:3: document.contents:" in result.output and "U+2605" in result.output
    assert not list(project.output.glob("*.pdf"))


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_that_would_embed_a_fallback_font_fails_naming_the_characters(tmp_path: Path, jobs: int) -> None:
    """A project template's own text is not content: validation cannot see its ★, the typeset PDF is read back."""
    project = _mini(tmp_path)
    template = PACKAGE_DIR / "render" / "templates" / "sections" / "glossary.html.j2"
    own = tmp_path / "templates" / "sections" / template.name
    own.parent.mkdir(parents=True)
    own.write_text(template.read_text(encoding="utf-8").replace("</table>", "</table>\n<p>واژه‌ها ★</p>"),
                   encoding="utf-8")  # fmt: skip
    assert CliRunner().invoke(main, ["--project", str(tmp_path), "validate"]).exit_code == 0
    with pytest.raises(FallbackFontError) as raised:
        build_edition(project, MINI_REF, jobs=jobs)
    assert "★" in "".join(raised.value.fonts.values()) and "'★' (U+2605)" in str(raised.value)
    assert not any(font.startswith("Vazirmatn") for font in raised.value.fonts)
    assert not list(project.output.glob("*.pdf"))


def test_the_sample_embeds_only_its_own_fonts(mini_pdf: BuiltPdf) -> None:
    configured = frozenset(vendored_fonts([REPO / "fonts"]))
    assert foreign_fonts(mini_pdf.path.read_bytes(), configured) == {}
