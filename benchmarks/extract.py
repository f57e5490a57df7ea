"""How much of the written Persian text comes back out of the PDFs (issue 19). A measurement, not a test.

    .venv/bin/python benchmarks/extract.py                 # build every edition into a temporary folder, measure
    .venv/bin/python benchmarks/extract.py --pdf-dir dist  # measure PDFs already built (named as `reportgen list`)
    .venv/bin/python benchmarks/extract.py --json out.json

The words: every Persian word occurrence in the edition's YAML (its folder and
``report.yaml``), Markdown stripped (footnote calls, emphasis, link targets),
split at white space, brackets and quotation marks trimmed but Persian
punctuation kept on the word it follows — a comma moved to the next word makes
two words wrong. A word is *found exactly* if the extracted text holds that very
string; each extractor's score is the multiset intersection of the two word
lists (a word written 5 times and extracted 3 times counts 3).

The extractors:

- ``pdftotext`` (poppler-utils, reading order, UTF-8);
- ``pypdf`` (``page.extract_text()``);
- pdf.js (Firefox's viewer), run with node: ``npm install --prefix .tools pdfjs-dist``
  once (``.tools/`` is ignored by git; ``--pdfjs DIR`` points elsewhere). Where
  node or pdfjs-dist is missing its columns say n/a. The searches (``--find``,
  by default «می‌شود» and «اسلامی») go through pdf.js's own find controller, so
  query and text are normalised exactly as the viewer does; the expected count
  is the number of occurrences in the YAML.

Also counted: words holding a ZWNJ found exactly, and Latin runs in
parentheses, ``(Sherry Arnstein)``, found with their brackets the right way.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reportgen.editions.find import EditionRef, find_editions  # noqa: E402
from reportgen.paths import Project  # noqa: E402

ZWNJ = "\u200c"
DEFAULT_FINDS = ("می\u200cشود", "میشود", "اسلامی")
"""«میشود» is «می‌شود» as pdf.js keeps it: its text content drops every format character (\\p{Cf}, so ZWNJ)
while its find bar keeps the ZWNJ typed in a query, so a query with a ZWNJ can never match (a pdf.js bug)."""
DEFAULT_PDFJS = ROOT / ".tools" / "node_modules" / "pdfjs-dist"
EXTRACTORS = ("pdftotext", "pypdf", "pdf.js")

_PERSIAN = re.compile(r"[\u0621-\u064a\u066e-\u06d3\u06f0-\u06f9]")
_TRIM = "()[]{}«»\"'“”‹›<>*_`"
_FOOTNOTE_CALL = re.compile(r"\[\^[^\]]*\]:?")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"(?:https?|mailto):\S+")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_NO_BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_LATIN_IN_BRACKETS = re.compile(r"\(([A-Za-z][^()\n]*?)\)")


def strip_markdown(text: str) -> str:
    """Text as printed: no footnote calls, link targets, emphasis marks or list bullets."""
    text = _FOOTNOTE_CALL.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _EMPHASIS.sub(r"\2", text)
    return re.sub(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+", "", text)


def words(text: str) -> list[str]:
    """Persian words of ``text``: white-space separated, outer brackets and quotes trimmed.

    Bidi formatting characters are dropped first: pdftotext wraps each line and
    run in embeddings (U+202B … U+202C) that say how it ordered them, not text.
    """
    found = []
    for chunk in text.translate(_NO_BIDI_CONTROLS).split():
        chunk = chunk.strip(_TRIM).strip(ZWNJ)
        if _PERSIAN.search(chunk):
            found.append(chunk)
    return found


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def written_text(project: Project, ref: EditionRef) -> str:
    """Every string of the edition's YAML and its report.yaml, Markdown stripped, one per line."""
    report = project.content / ref.report
    folder = report / f"stage-{ref.stage}" / f"edition-{ref.edition}"
    files = [report / "report.yaml", *sorted(folder.glob("*.yaml"))]
    texts = []
    for path in files:
        texts.extend(strip_markdown(s) for s in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    return "\n".join(texts)


def pdftotext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def pypdf_text(pdf: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(pdf).pages)


def pdfjs(pdf: Path, dist: Path, queries: Sequence[str]) -> tuple[str, dict[str, int]] | None:
    """pdf.js's text and find counts, or None where node or pdfjs-dist is missing."""
    node = shutil.which("node")
    if node is None or not (dist / "legacy" / "build" / "pdf.mjs").is_file():
        return None
    helper = Path(__file__).with_name("pdfjs_text.mjs")
    out = subprocess.run([node, str(helper), str(dist), str(pdf), *queries], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    data = json.loads(out)
    return "\n".join(data["pages"]), {query: int(n) for query, n in data["finds"].items()}


@dataclass
class Score:
    """One extractor over one or more editions."""

    words: int = 0
    found: int = 0
    zwnj_words: int = 0
    zwnj_found: int = 0
    latin_brackets: int = 0
    latin_brackets_found: int = 0
    finds: dict[str, list[int]] = field(default_factory=dict)  # query → [found, expected]

    def add(self, written: str, extracted: str) -> None:
        want, got = Counter(words(written)), Counter(words(extracted))
        self.words += sum(want.values())
        self.found += sum((want & got).values())
        zwnj = Counter({w: n for w, n in want.items() if ZWNJ in w})
        self.zwnj_words += sum(zwnj.values())
        self.zwnj_found += sum((zwnj & got).values())
        flat = " ".join(extracted.translate(_NO_BIDI_CONTROLS).split())
        for match in _LATIN_IN_BRACKETS.finditer(written):
            self.latin_brackets += 1
            self.latin_brackets_found += f"({' '.join(match.group(1).split())})" in flat

    def add_finds(self, written: str, finds: dict[str, int]) -> None:
        plain = written.replace(ZWNJ, "")  # a query without ZWNJ is expected wherever the word is written with one
        for query, n in finds.items():
            counts = self.finds.setdefault(query, [0, 0])
            counts[0] += n
            counts[1] += (plain if ZWNJ not in query else written).count(query)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


def table(scores: dict[str, Score | None], queries: Sequence[str]) -> str:
    head = ["extractor", "words found exactly", "ZWNJ words", "(Latin) brackets",
            *(f"pdf.js finds «{q}»" for q in queries)]  # fmt: skip
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, score in scores.items():
        if score is None:
            rows.append(f"| {name} | " + " | ".join(["n/a"] * (len(head) - 1)) + " |")
            continue
        cells = [name, f"{_percent(score.found, score.words)} ({score.found:,} of {score.words:,})",
                 f"{_percent(score.zwnj_found, score.zwnj_words)} ({score.zwnj_found:,} of {score.zwnj_words:,})",
                 f"{score.latin_brackets_found} of {score.latin_brackets}"]  # fmt: skip
        cells += [f"{score.finds[q][0]} of {score.finds[q][1]}" if q in score.finds else "" for q in queries]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def measure(project: Project, pdf_dir: Path, refs: Sequence[EditionRef], dist: Path,
            queries: Sequence[str]) -> dict[str, Score | None]:  # fmt: skip
    scores: dict[str, Score | None] = {name: Score() for name in EXTRACTORS}
    for ref in refs:
        pdf = pdf_dir / ref.pdf_name
        written = written_text(project, ref)
        for name, text in (("pdftotext", pdftotext(pdf)), ("pypdf", pypdf_text(pdf))):
            score = scores[name]
            assert score is not None
            score.add(written, text)
        result = pdfjs(pdf, dist, queries)
        if result is None:
            scores["pdf.js"] = None
        elif (score := scores["pdf.js"]) is not None:
            score.add(written, result[0])
            score.add_finds(written, result[1])
    return scores


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=ROOT)
    parser.add_argument("--pdf-dir", type=Path, help="measure PDFs already built here (default: build them)")
    parser.add_argument("--pdfjs", type=Path, default=DEFAULT_PDFJS, help="an installed npm pdfjs-dist")
    parser.add_argument("--find", action="append", help="a pdf.js search to count (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    project = Project.at(args.project)
    queries = tuple(args.find or DEFAULT_FINDS)
    refs = find_editions(project)
    with tempfile.TemporaryDirectory(prefix="reportgen-extract-") as tmp:
        pdf_dir = args.pdf_dir
        if pdf_dir is None:
            pdf_dir = Path(tmp)
            subprocess.run([sys.executable, "-m", "reportgen", "--project", str(project.root), "build", "-o", tmp],
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        scores = measure(project, pdf_dir, refs, args.pdfjs, queries)
    print(f"{len(refs)} editions: " + ", ".join(str(ref) for ref in refs))
    print(table(scores, queries))
    if args.json:
        args.json.write_text(json.dumps({k: v.__dict__ if v else None for k, v in scores.items()},
                                        ensure_ascii=False, indent=1))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
