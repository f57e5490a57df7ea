"""Reading facts back from a built PDF: fonts, page labels, contents entries, outline."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

# pdftotext wraps runs in bidi embedding marks (they separate words), drops
# ZWNJ inconsistently and may move hamza-above: compare without them. The
# left-to-right and right-to-left marks of compound numbers («۳‏-‏۵») are inside words.
_MARKS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_DROPPED = re.compile("[\u200c\u200e\u200f\u0654]")
PERSIAN_NUMBER = re.compile("[۰-۹]+")


def normalize(text: str) -> str:
    """Text as pdftotext reports it, comparable with what went in.

    pdftotext also reverses the two letters of the lam-alef ligature («لا» comes
    out «ال»; the PDF's ToUnicode map is right, pypdf reads «لا»), so both sides
    fold «لا» to «ال».
    """
    text = _DROPPED.sub("", _MARKS.sub(" ", text)).replace("لا", "ال")
    # Spacing around punctuation moves with the bidi reordering: ignore it.
    text = re.sub(r"\s*([،؛؟:])\s*", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def embedded_fonts(pdf: Path) -> list[tuple[str, bool, bool]]:
    """(name, embedded, subset) for each font pdffonts lists."""
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    fonts = []
    for line in lines.splitlines()[2:]:
        parts = line.split()
        # name type... encoding emb sub uni object-id gen
        fonts.append((parts[0], parts[-5] == "yes", parts[-4] == "yes"))
    return fonts


def page_labels(pdf: Path) -> list[str]:
    """The page number or letter printed in each page's bottom margin ('' if none)."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip
    labels = []
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S)
    for width, height, body in pages:
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>(.*?)</word>', body)
        # The number is centred in the bottom margin (22 mm, 62 pt); footnotes sit above it,
        # the edition label to its left.
        footer = [text for left, top, right, text in words
                  if float(top) > float(height) - 55 and abs((float(left) + float(right)) / 2 - float(width) / 2) < 40]
        # -bbox gives glyphs in visual (left-to-right) order: letters read reversed.
        labels.append(" ".join(word[::-1] if re.search("[آ-ی]", word) else word for word in footer))
    return labels


def toc_page_numbers(pages: list[str], toc_pages: range) -> dict[str, str]:
    """Contents entry (normalized text) → the page label printed after it."""
    entries: dict[str, str] = {}
    for index in toc_pages:
        for line in pages[index].splitlines():
            clean = normalize(line)
            match = re.search(r"^(.*?)\s*([۰-۹]+|[آ-ی]{1,3})\s*\.{4,}$", clean) or \
                re.search(r"^(.*?)\s*\.{4,}\s*([۰-۹]+|[آ-ی]{1,3})$", clean)  # fmt: skip
            if match:
                entries[match.group(1).strip()] = match.group(2)
    return entries


def outline_titles(pdf: Path) -> list[str]:
    titles: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))  # type: ignore[attr-defined]

    walk(PdfReader(str(pdf)).outline)
    return titles
