"""The labels catalogue: the chapters' own words come from it, and a report renames them in its labels.yaml."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.build.pipeline import build_edition
from reportgen.cli import main
from reportgen.content.labels import default_labels
from reportgen.paths import PACKAGE_DIR

from conftest import DATA, MINI_REF, BuiltPdf, make_project
from pdfcheck import normalize

SECTIONS = PACKAGE_DIR / "render" / "templates" / "sections"
# Arabic-script letters and digits; the comma and semicolon «،؛» may stay between values.
ARABIC = re.compile("[\u0600-\u060b\u060d-\u061a\u061c-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)

RENAMED = {  # old → new, as the report's labels.yaml below says
    "بازیگران برنامه": "کنشگران برنامه",  # environment.actors, a sub-heading
    "نقش در برنامه": "جایگاه در برنامه",  # environment.role, a column header
    "بازیگران مکلف برنامه": "فهرست بازیگران مکلف",  # environment.actors_table, a caption around a label
}
REPORT_LABELS = """\
environment:
  actors: کنشگران برنامه
  role: جایگاه در برنامه
  actors_table: "فهرست {kind}"
"""


def test_no_section_template_prints_a_persian_word_of_its_own() -> None:
    templates = sorted(SECTIONS.glob("*.html.j2"))
    assert len(templates) >= 11
    found = [f"{path.name}:{number}: {''.join(ARABIC.findall(line))}"
             for path in templates
             for number, line in enumerate(COMMENT.sub("", path.read_text(encoding="utf-8")).splitlines(), 1)
             if ARABIC.search(line)]  # fmt: skip
    assert found == [], "words belong in reportgen/content/labels.yaml"


def test_the_timeline_takes_its_month_label_from_the_catalogue() -> None:
    tree = ast.parse((PACKAGE_DIR / "render" / "figures.py").read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and node.body
                  and isinstance(node.body[0], ast.Expr)}  # fmt: skip
    literals = [node.value for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
                and ARABIC.search(node.value)]  # fmt: skip
    assert literals == []


def test_no_label_is_named_like_a_method_of_a_mapping() -> None:
    # A template reads catalogue.group.items as dict.items, not as the label.
    def names(group: dict[str, object]) -> list[str]:
        return [name for key, value in group.items()
                for name in ([key] + (names(value) if isinstance(value, dict) else []))]  # fmt: skip

    assert [name for name in names(default_labels()) if hasattr(dict, name)] == []


@pytest.fixture(scope="module")
def relabelled(tmp_path_factory: pytest.TempPathFactory) -> BuiltPdf:
    root = tmp_path_factory.mktemp("relabelled")
    shutil.copytree(DATA / "mini" / "content", root / "content")
    (root / "content" / MINI_REF.report / "labels.yaml").write_text(REPORT_LABELS, encoding="utf-8")
    return BuiltPdf(build_edition(make_project(root, root / "content"), MINI_REF))


def test_a_report_renames_a_chapters_heading_column_header_and_caption(relabelled: BuiltPdf,
                                                                      mini_pdf: BuiltPdf) -> None:  # fmt: skip
    before, after = normalize(mini_pdf.text()), normalize(relabelled.text())
    for old, new in RENAMED.items():
        assert normalize(old) in before and normalize(new) not in before  # the defaults, so the test can fail
        assert normalize(new) in after, new
        assert normalize(old) not in after, old


def test_a_label_keeps_the_placeholders_its_template_fills(tmp_path: Path) -> None:
    root = tmp_path / "p"
    CliRunner().invoke(main, ["new", str(root), "--report", "labelled"])
    labels = root / "content" / "labelled" / "labels.yaml"
    labels.write_text('environment:\n  actors_table: فهرست بازیگران\nupstream:\n  documents: "اسناد {level}"\n'
                      '  conclusion: "جمع‌بندی {level}"\n', encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["--project", str(root), "validate"])
    assert result.exit_code == 1
    assert result.output.splitlines()[1:] == [
        f"  {labels}:2:3: environment.actors_table: must contain {{kind}}, where the template puts a word"
        " (default: {kind} برنامه)",
        f"  {labels}:5:3: upstream.conclusion: {{level}} is not filled in here; write the word itself",
    ]
