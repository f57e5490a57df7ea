"""Content links name chapters and items as comments do (#glossary, #glossary/vision); the PDF resolves them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf

from reportgen.build.pipeline import build_edition
from reportgen.paths import Project
from reportgen.render.templating import Outline, resolve_content_links

from conftest import MINI_REF

INTRODUCTION = "در این گزارش از روش SWOT"
LINKED = "در [واژه‌نامه](#glossary) و [تعریف چشم‌انداز](#glossary/vision) از روش SWOT"


def link_destinations(path: Path) -> tuple[list[str], set[str]]:
    """(every link's named destination in page order, every name the PDF defines)."""
    with pikepdf.open(path) as pdf:
        links = [str(annot.get("/Dest") or annot.A.D) for page in pdf.pages for annot in page.get("/Annots", [])
                 if annot.Subtype == "/Link" and ("/Dest" in annot or "/D" in annot.get("/A", {}))]
        tree = pikepdf.NameTree(pdf.Root.Names.Dests)
        return links, set(tree.keys())


def test_links_to_a_chapter_and_an_item_land_on_their_anchors(
    mini_project: Project, edit_yaml: Callable[[str, str, str], Path]
) -> None:
    edit_yaml("introduction.yaml", INTRODUCTION, LINKED)
    result = build_edition(mini_project, MINI_REF, mini_project.root / "out")
    links, names = link_destinations(result.path)
    assert "chapter-glossary" in links and "item-glossary-vision" in links
    assert {"chapter-glossary", "item-glossary-vision"} <= names
    assert not [link for link in links if "/" in link or link == "glossary"]


def test_only_content_names_are_resolved() -> None:
    outline = Outline()
    outline.items[("glossary", "vision")] = "item-glossary-vision"
    html = ('<a href="#glossary">a</a><a href="#glossary/vision">b</a><a href="#glossary/gone">c</a>'
            '<a href="#chapter-glossary">toc</a><a href="https://example.org/#glossary">d</a>')
    assert resolve_content_links(html, outline, {"glossary": object()}) == (
        '<a href="#chapter-glossary">a</a><a href="#item-glossary-vision">b</a><a href="#chapter-glossary">c</a>'
        '<a href="#chapter-glossary">toc</a><a href="https://example.org/#glossary">d</a>')
