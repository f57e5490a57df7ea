"""What a comment's ``concerns`` names, and the web edition's anchors too: a section, or one item of it.

* ``kind``: a section; a generic chapter by its id;
* ``kind/id``: an item of a stage-1 section, or a block of a generic chapter;
* ``chapter/block/item``: an item inside a generic block (a table row, a SWOT entry, a node …). Such an
  id is unique only in its block, so it is named with the block, as ``[@block/item]`` names it.

A register written before generic chapters may also name a generic item ``chapter/item``: still accepted
by validation (``known_references``), but never written by reportgen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from reportgen.content.blockcheck import nested_items
from reportgen.content.blocks import Chapter
from reportgen.content.models import Item, Section, iter_items


def item_references(kind: str, section: Section) -> Iterator[tuple[str, Item]]:
    """Every item of a section with the reference that names it, in document order (first of a repeated
    id only: the one an anchor ``kind/id`` reaches)."""
    seen: set[str] = set()
    for reference, item in _references(kind, section):
        if reference not in seen:
            seen.add(reference)
            yield reference, item


def _references(kind: str, section: Section) -> Iterator[tuple[str, Item]]:
    if not isinstance(section, Chapter):
        for item in iter_items(section):
            yield f"{kind}/{item.id}", item
        return
    for block in section.blocks:
        yield f"{kind}/{block.id}", block
        for item in nested_items(block):
            yield f"{kind}/{block.id}/{item.id}", item


def find_reference(sections: Mapping[str, Section], reference: str) -> Item | None:
    """The item ``reference`` names in ``sections`` (None for a section alone, or one it lacks)."""
    kind = reference.partition("/")[0]
    section = sections.get(kind)
    if section is None or "/" not in reference:
        return None
    return next((item for name, item in item_references(kind, section) if name == reference), None)


def known_references(sections: Mapping[str, Section]) -> set[str]:
    """Every reference a register may use for these sections (``chapter/item`` included, see above)."""
    known: set[str] = set(sections)
    for kind, section in sections.items():
        known.update(name for name, _ in item_references(kind, section))
        known.update(f"{kind}/{item.id}" for item in iter_items(section))
    return known
