"""Benchmark workloads: temporary project folders holding a copy of the sample.

A project folder is ``content/bench-city/`` (a copy of the bundled sample) with
``styles`` and ``fonts`` symlinked to the repository's. The sample workload is
edition 2 as published. A synthetic workload is edition 2 turned into a draft
(edition 1, its manifest entry and the comments register removed) and grown by
*units*: one unit is one more copy of a case study (fresh ids, lessons too)
plus proportional copies of upstream documents and glossary terms. Copies are
made on the YAML text, so the content stays the sample's own realistic Persian.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
SAMPLE = "hamedan-strategic-plan"
REPORT = "bench-city"
STAGE = 1
EDITION = 2

_ID_LINE = re.compile(r"^(\s*(?:- )?id: )([a-z0-9-]+)\s*$", re.MULTILINE)
_TOP_LEVEL_KEY = re.compile(r"^[A-Za-z_][\w-]*:")


@dataclass(frozen=True)
class Workload:
    """One project folder to benchmark."""

    name: str
    root: Path
    draft: bool
    units: int = 0
    stage: int = STAGE
    edition: int = EDITION

    @property
    def edition_dir(self) -> Path:
        return self.root / "content" / REPORT / f"stage-{self.stage}" / f"edition-{self.edition}"

    @property
    def output(self) -> Path:
        return self.root / "out"

    @property
    def pdf(self) -> Path:
        return self.output / f"{REPORT}_stage-{self.stage}_edition-{self.edition}.pdf"

    @property
    def cache(self) -> Path:
        return self.root / ".reportgen-cache"


# ------------------------------------------------------------ project folders


def make_project(root: Path, source: Path = REPO) -> None:
    """``root`` with the sample as ``content/bench-city`` and styles/fonts linked to ``source``'s."""
    root.mkdir(parents=True)
    shutil.copytree(source / "content" / SAMPLE, root / "content" / REPORT)
    for folder in ("styles", "fonts"):
        (root / folder).symlink_to(source / folder, target_is_directory=True)


def make_draft(root: Path) -> None:
    """Keep only edition 2, as a draft without a publication record and without comments."""
    stage_dir = root / "content" / REPORT / f"stage-{STAGE}"
    manifest = stage_dir / "stage.yaml"
    stage = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    entry = next(e for e in stage["editions"] if int(e["number"]) == EDITION)
    entry.pop("published", None)
    entry["status"] = "draft"
    stage["editions"] = [entry]
    manifest.write_text(yaml.safe_dump(stage, allow_unicode=True, sort_keys=False, width=10_000), encoding="utf-8")
    for number in range(1, EDITION):
        shutil.rmtree(stage_dir / f"edition-{number}")
    (stage_dir / f"edition-{EDITION}" / "comments.yaml").unlink(missing_ok=True)


STAGE_2 = (2, 1)
"""The stage-2 sample (generic chapters, charts included): stage and edition."""


def make_stage2_workload(name: str, root: Path) -> Workload:
    """The stage-2 sample edition as it is (published: no rebuild or watch rows)."""
    make_project(root)
    return Workload(name, root, draft=False, stage=STAGE_2[0], edition=STAGE_2[1])


def make_workload(name: str, root: Path, units: int | None) -> Workload:
    """The sample as is (``units`` None), or a draft grown by ``units``."""
    make_project(root)
    if units is None:
        return Workload(name, root, draft=False)
    make_draft(root)
    workload = Workload(name, root, draft=True, units=units)
    grow(workload.edition_dir, units)
    return workload


# ------------------------------------------------------------ synthetic content


def _split_list(text: str, key: str) -> tuple[str, list[str], str]:
    """The YAML text before top-level list ``key``'s items, the items' texts, and the text after."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.rstrip() == f"{key}:") + 1
    end = next((i for i in range(start, len(lines)) if _TOP_LEVEL_KEY.match(lines[i])), len(lines))
    first = next(i for i in range(start, end) if lines[i].startswith("  - "))
    items: list[list[str]] = []
    for line in lines[first:end]:
        if line.startswith("  - "):
            items.append([])
        items[-1].append(line)
    return "".join(lines[:first]), ["".join(item) for item in items], "".join(lines[end:])


def _fresh_ids(item: str, copy: int) -> str:
    """The item's text with every id (its own and its lessons') suffixed ``-r<copy>``."""
    return _ID_LINE.sub(lambda m: f"{m.group(1)}{m.group(2)}-r{copy}", item)


def _with_copies(text: str, key: str, count: int) -> str:
    """``text`` with ``count`` more items in list ``key``, cycling through the existing ones."""
    head, items, tail = _split_list(text, key)
    copies = [_fresh_ids(items[i % len(items)], 2 + i // len(items)) for i in range(count)]
    body = "".join(item if item.endswith("\n") else item + "\n" for item in items + copies)
    return head + body + tail


def grow(edition_dir: Path, units: int) -> None:
    """Add ``units`` case-study copies and proportional upstream documents and glossary terms."""
    cases = edition_dir / "case-studies.yaml"
    base_cases = len(_split_list(cases.read_text(encoding="utf-8"), "cases")[1])
    for file, key in (("case-studies.yaml", "cases"), ("upstream.yaml", "documents"), ("glossary.yaml", "terms")):
        path = edition_dir / file
        text = path.read_text(encoding="utf-8")
        count = round(units * len(_split_list(text, key)[1]) / base_cases)
        path.write_text(_with_copies(text, key, count), encoding="utf-8")


def units_per_repetition(edition_dir: Path) -> int:
    """How many units make one full copy of every case study."""
    return len(_split_list((edition_dir / "case-studies.yaml").read_text(encoding="utf-8"), "cases")[1])


# ------------------------------------------------------------ edits


def edit_one_word(edition_dir: Path, serial: int) -> Path:
    """Change one word in the first glossary term's definition; return the file changed."""
    path = edition_dir / "glossary.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith("definition:"))
    value = lines[index].split(":", 1)[1].strip()
    if value[:1] in ("|", ">"):  # block scalar: its first text line
        index = next(i for i in range(index + 1, len(lines)) if lines[i].strip())
        indent, text = re.match(r"^(\s*)(.*)$", lines[index].rstrip("\n")).groups()  # type: ignore[union-attr]
        prefix = indent
    else:
        prefix, text = lines[index].split(":", 1)[0] + ": ", value
    words = text.split(" ")
    words[min(1, len(words) - 1)] = f"ویرایش{serial}"
    lines[index] = prefix + " ".join(words) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return path
