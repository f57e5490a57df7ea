"""`reportgen diff` on the command line, and the redline PDF read back."""

from __future__ import annotations

import json
import subprocess
import unicodedata
from pathlib import Path

import arabic_reshaper
from bidi import get_display
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.compare.diff import diff_sections
from reportgen.compare.formats import to_text
from reportgen.content.models import Glossary, Term
from reportgen.editions.find import EditionRef, load_edition
from reportgen.paths import Project

from conftest import REPO

SAMPLE = ["--project", str(REPO), "diff", "hamedan-strategic-plan", "--stage", "1"]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*SAMPLE, *args])
    return result.exit_code, result.output


def test_same_edition_is_no_difference() -> None:
    code, output = run("--from", "2", "--to", "2", "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert data["changes"] == [] and data["sections"] == []


def test_missing_edition_is_trouble() -> None:
    code, output = run("--from", "1", "--to", "9")
    assert code == 2
    assert output.startswith("Error: no edition 9 of stage 1 in report 'hamedan-strategic-plan'")


def test_sample_diff_in_json(tmp_path: Path) -> None:
    target = tmp_path / "diff.json"
    code, _ = run("--from", "1", "--to", "2", "--format", "json", "-o", str(target))
    assert code == 1
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["schema"] == "reportgen-diff/2"
    changes = {(c["section"], c["item_id"]): c["kind"] for c in data["changes"]}
    assert changes[("case-studies", "qazvin")] == "added"          # a case study added after review
    assert changes[("glossary", "swot-analysis")] == "removed"     # a term dropped
    assert changes[("roadmap", "st-scenarios")] == "added"          # the roadmap restructured
    assert changes[("upstream", "doc-central-region-plan")] == "changed"  # moved from national to provincial
    level = next(f for c in data["changes"] if c["item_id"] == "doc-central-region-plan" for f in c["fields"]
                 if f["field"] == "level")  # fmt: skip
    assert (level["old"], level["new"]) == ("national", "provincial")
    assert any(c["kind"] == "moved" for c in data["changes"])


def test_sample_diff_in_text_and_html(tmp_path: Path) -> None:
    code, output = run("--from", "1", "--to", "2", "--bidi", "logical", "--no-colour")
    assert code == 1
    assert output.startswith("reportgen diff: stage 1 edition 1 -> stage 1 edition 2\n")
    assert "\n+ case-studies/qazvin  [افزوده] قزوین  (cases)\n" in output
    html_file = tmp_path / "diff.html"
    assert run("--from", "1", "--to", "2", "--format", "html", "-o", str(html_file))[0] == 1
    html = html_file.read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and "<ins" in html and "<del" in html


def test_visual_bidi_matches_a_reshaped_golden() -> None:
    old = {"glossary": Glossary(title="تعاریف", terms=(Term(id="vision", term="چشم‌انداز", english="Vision",
                                                             definition="تصویر آینده."),))}  # fmt: skip
    new = {"glossary": Glossary(title="تعاریف", terms=(Term(id="vision", term="چشم‌انداز", english="Vision",
                                                             definition="تصویر روشن آینده."),))}  # fmt: skip
    text = to_text(diff_sections(old, new, "1", "2"), bidi="visual")
    shaped_label = get_display(arabic_reshaper.reshape("چشم‌انداز"), base_dir="R")
    assert shaped_label in text
    assert "چشم‌انداز" not in text  # no logical Persian left on a visual line


# ---------------------------------------------------------------- narrowing


def test_newer_from_than_to_is_refused() -> None:
    code, output = run("--from", "2", "--to", "1")
    assert code == 2 and "--from 2 is newer than --to 1" in output


def test_section_filter_and_context_trimming() -> None:
    code, output = run("--from", "1", "--to", "2", "--bidi", "logical", "--no-colour", "--section", "upstream",
                       "--context", "3")  # fmt: skip
    assert code == 1
    heads = [line for line in output.splitlines() if line[:2] in ("~ ", "+ ", "- ", "> ")]
    assert heads and all(" upstream" in line for line in heads)
    code, whole = run("--from", "1", "--to", "2", "--bidi", "logical", "--section", "upstream", "--context", "-1")
    trimmed = output.split("    intro: ")[1].split("    conclusion: ")[0]
    full = whole.split("    intro: ")[1].split("    conclusion: ")[0]
    assert "…" in trimmed and "…" not in full and len(trimmed) < 0.8 * len(full)  # only words near a change
    assert trimmed.startswith("… طرح‌های توسعهٔ شهری {+مصوب یا در دست تهیه +}قرار گیرد. اسناد …")
    code, output = run("--from", "1", "--to", "2", "--section", "nowhere")
    assert code == 2 and "no section nowhere" in output


# ---------------------------------------------------------------- terminals without bidi


def _columns(text: str) -> int:
    return sum(0 if unicodedata.combining(c) or c == "\u200c" else 1 for c in text)


def _wrap(text: str, room: int) -> list[str]:
    """Greedy wrapping by words, written here apart from the code under test."""
    rows: list[str] = []
    for word in text.split():
        if rows and _columns(rows[-1]) + 1 + _columns(word) <= room:
            rows[-1] += " " + word
        else:
            rows.append(word)
    return rows


def _fribidi(row: str) -> str:
    reshaped = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False}).reshape(row)
    return subprocess.run(["fribidi", "--nopad", "--nobreak", "--rtl", "--reordernsm"], input=reshaped,
                          capture_output=True, text=True, check=True).stdout.rstrip("\n")  # fmt: skip


def test_visual_trace_rows_match_fribidi() -> None:
    """Wrapped before reordering, diacritics kept, brackets mirrored: as GNU FriBidi shows the same rows."""
    code, output = run("--from", "1", "--to", "2", "--format", "trace", "--bidi", "visual")
    assert code == 1
    lines = output.splitlines()
    register = load_edition(Project.at(REPO), EditionRef("hamedan-strategic-plan", 1, 2)).sections["comments"]
    checked = 0
    for comment in register.comments:  # type: ignore[attr-defined]
        start = lines.index(next(line for line in lines if line.startswith(f"# {comment.id} "))) + 1
        assert lines[start].startswith("  comment: ")
        expected = _wrap(comment.text, 80 - len("  comment: "))
        shown = [line[len("  comment: "):].strip() for line in lines[start:start + len(expected)]]
        assert shown == [_fribidi(row) for row in expected], comment.id
        assert all(_columns(line) <= 80 for line in lines[start:start + len(expected)])
        checked += 1
    assert checked == 18
    assert "\u0654" in output  # the hamza of «نقشهٔ» survives shaping


def test_visual_diff_keeps_hamza_and_mirrors() -> None:
    definition = "سند (مصوب سال ۱۴۰۳) «برنامهٔ» شهر."
    old = {"glossary": Glossary(title="تعاریف", terms=(Term(id="plan", term="برنامهٔ شهر", english="Plan",
                                                             definition=definition),))}  # fmt: skip
    new = {"glossary": Glossary(title="تعاریف", terms=(Term(id="plan", term="برنامه شهر", english="Plan",
                                                             definition=definition),))}  # fmt: skip
    text = to_text(diff_sections(old, new, "1", "2"), bidi="visual", columns=70)
    term = next(line for line in text.splitlines() if line.startswith("    term: "))
    assert "\u0654" in term  # «برنامهٔ» → «برنامه» does not print the same on both sides
    assert term.count("[-") == 1 and term.count("{+") == 1
