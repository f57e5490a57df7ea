"""The Persian lint: rules measured on a corpus, located findings, and byte-preserving fixes."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.content.lint import fixed_yaml, lint_yaml
from reportgen.text.lint import RULES, fix_text, lint_text

from conftest import REPO

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "lint_corpus.yaml").read_text(encoding="utf-8"))["cases"]


def measure() -> dict[str, tuple[int, int, int]]:
    """Per rule: (true positives, false positives, false negatives) over the corpus."""
    counts: dict[str, list[int]] = {name: [0, 0, 0] for name in RULES}
    for case in CORPUS:
        expected = Counter(tuple(e) for e in case["expect"])
        found = Counter((f.rule.name, f.original, f.replacement) for f in lint_text(case["text"]))
        for key in found | expected:
            hits = min(found[key], expected[key])
            counts[key[0]][0] += hits
            counts[key[0]][1] += found[key] - hits
            counts[key[0]][2] += expected[key] - hits
    return {name: (tp, fp, fn) for name, (tp, fp, fn) in counts.items()}


def test_every_safe_rule_is_precise_and_every_rule_is_exercised() -> None:
    table = measure()
    for name, (tp, fp, fn) in table.items():
        assert tp > 0, f"{name}: the corpus has no case the rule finds"
        precision = tp / (tp + fp)
        if RULES[name].safe:
            assert precision >= 0.95, f"{name}: precision {precision:.0%} is below 95 % for a rule --fix applies"
        assert tp / (tp + fn) >= 0.8, f"{name}: recall {tp / (tp + fn):.0%}"


def test_the_corpus_holds_traps_that_must_stay_untouched() -> None:
    clean = [case["text"] for case in CORPUS if not case["expect"]]
    assert len(clean) >= 25
    assert [text for text in clean if lint_text(text)] == []


@pytest.mark.parametrize(("text", "fixed"), [
    ("این كار مي شود و كتاب ها را ديد", "این کار می\u200cشود و کتاب\u200cها را دید"),
    ("اقتصاد ،جمعیت", "اقتصاد، جمعیت"),
    ("سال 1402 و ISO 9001", "سال ۱۴۰۲ و ISO 9001"),
])  # fmt: skip
def test_fix_text_repeats_until_stable(text: str, fixed: str) -> None:
    assert fix_text(text) == fixed
    assert lint_text(fixed) == []


def test_findings_in_a_file_are_located_at_their_characters(tmp_path: Path) -> None:
    text = 'title: "برنامه ريزي"\nintro: |\n  این متن\n  بازنگری مي شود.\n# یک توضیح\nid: plan-2\n'
    findings = lint_yaml(text, tmp_path / "x.yaml")
    assert [(f.line, f.column, f.field, f.finding.rule.name) for f in findings] == [
        (1, 17, "title", "arabic-letters"), (1, 19, "title", "arabic-letters"),
        (4, 12, "intro", "arabic-letters"),
    ]  # fmt: skip
    assert str(findings[0]).startswith(f"{tmp_path / 'x.yaml'}:1:17: title: arabic-letters: ")


def test_fix_changes_only_the_findings_and_keeps_comments_quoting_and_layout(tmp_path: Path) -> None:
    text = ("# سرفصل: یادداشت ويرايش (comments are not linted)\n"
            "title: 'برنامه ريزي'   # trailing comment\n"
            "intro: |\n  متن  نخست مي شود.\n\n  بند دوم.\n"
            "items:\n  - {id: a-1, text: \"كتاب ها\"}\n")  # fmt: skip
    fixed, applied = fixed_yaml(text, tmp_path / "x.yaml")
    assert fixed == ("# سرفصل: یادداشت ويرايش (comments are not linted)\n"
                     "title: 'برنامه ریزی'   # trailing comment\n"
                     "intro: |\n  متن نخست می\u200cشود.\n\n  بند دوم.\n"
                     "items:\n  - {id: a-1, text: \"کتاب\u200cها\"}\n")  # fmt: skip
    assert {f.finding.rule.name for f in applied} >= {"arabic-letters", "double-space", "zwnj-prefix", "zwnj-suffix"}


def test_sample_content_is_clean_and_stays_byte_identical_under_fix() -> None:
    for path in sorted((REPO / "content").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert lint_yaml(text, path) == [], path
        assert fixed_yaml(text, path)[0] == text


def test_cli_lint_reports_fixes_drafts_and_leaves_published_files_alone(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(REPO / "content", root / "content")
    stage = root / "content" / "hamedan-strategic-plan" / "stage-1"
    draft = stage / "edition-3"
    shutil.copytree(stage / "edition-2", draft)
    with (stage / "stage.yaml").open("a", encoding="utf-8") as manifest:
        manifest.write("  - number: 3\n    date: 1404/01/15\n    status: draft\n    summary: ویرایش سوم.\n")
    draft_file, published_file = draft / "glossary.yaml", stage / "edition-2" / "glossary.yaml"
    for path in (draft_file, published_file):
        path.write_text(path.read_text(encoding="utf-8").replace("برنامه‌ریزی", "برنامه ريزي", 1), encoding="utf-8")
    published_before = published_file.read_bytes()

    result = CliRunner().invoke(main, ["--project", str(root), "lint"])
    assert result.exit_code == 1
    assert f"{draft_file}:" in result.output and f"{published_file}:" in result.output
    assert "arabic-letters" in result.output

    result = CliRunner().invoke(main, ["--project", str(root), "lint", "--fix"])
    assert result.exit_code == 1, result.output  # the published file's findings remain
    assert "برنامه ريزي" not in draft_file.read_text(encoding="utf-8")
    assert published_file.read_bytes() == published_before
    assert "published" in result.output

    result = CliRunner().invoke(main, ["--project", str(root), "validate", "--lint"])
    assert f"Warning: {published_file}:" in result.output


def _sample_prose() -> list[str]:
    """Every prose scalar of the sample's stage-1 edition 2 (some 18,000 words of real report text)."""
    from reportgen.content.lint import _scalars  # the same walk lint uses

    texts: list[str] = []
    for path in sorted((REPO / "content" / "hamedan-strategic-plan" / "stage-1" / "edition-2").glob("*.yaml")):
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        texts.extend(str(node.value) for _, node in _scalars(root, ()) if lint_text(str(node.value)) == [])
    return [text for text in texts if len(text) > 40]


# Corruptions of correct text, one per safe rule: fixing must give the original back exactly.
CORRUPTIONS = {
    "arabic-letters": lambda t: t.replace("ی", "ي").replace("ک", "ك"),
    "zwnj-prefix": lambda t: re.sub("(?<![\u0600-\u06ff])(ن?می)\u200c", r"\1 ", t),
    "zwnj-suffix": lambda t: re.sub("\u200c(ها|های|تر|ترین)(?![\u0600-\u06ff])", r" \1", t),
    "latin-punctuation": lambda t: re.sub("(?<=[\u0600-\u06ff])،(?= [\u0600-\u06ff])", ",", t),
    "double-space": lambda t: t.replace(" و ", "  و "),
    "punctuation-spacing": lambda t: re.sub("(?<=[\u0600-\u06ff])،(?= )", " ،", t),
    "tatweel": lambda t: t.replace("برنامه", "برنـامه"),
}


@pytest.mark.parametrize("rule", sorted(CORRUPTIONS))
def test_fix_restores_real_report_prose_corrupted_by_one_rule(rule: str) -> None:
    texts = [t for t in _sample_prose() if CORRUPTIONS[rule](t) != t]
    assert len(texts) >= 20, f"too few sample texts exercise {rule}"
    restored = sum(fix_text(CORRUPTIONS[rule](text)) == text for text in texts)
    assert restored / len(texts) >= 0.95, f"{rule}: {restored} of {len(texts)} paragraphs restored exactly"
