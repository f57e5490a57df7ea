"""Each comment of the register traced to the changes made for it.

A comment names what it is about (``concerns``: ``kind``, ``kind/item-id`` or ``chapter/block/item``).
Its trace is every change of the diff about one of those: the item itself,
items nested in it (a case study's lessons), and, for a whole section, the
section's own text and all its items. Comments still without a status (open)
come first, then the rest in register order.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportgen.compare.diff import Change, EditionDiff
from reportgen.content.models import Comment, Comments, Edition


@dataclass(frozen=True)
class TraceEntry:
    """One comment and the changes that answer it."""

    comment: Comment
    number: int
    """Its row in the register (1-based)."""
    changes: tuple[int, ...]
    """Indexes into ``EditionDiff.changes``."""
    sections: tuple[str, ...]
    """Section kinds whose own text changed and that the comment names as a whole."""
    previous_status: str | None
    """The comment's status in the older edition's register, when it was there with another status."""

    @property
    def is_open(self) -> bool:
        return self.comment.status is None

    @property
    def status(self) -> str | None:
        return self.comment.status.value if self.comment.status else None


def concerns(change: Change, reference: str) -> bool:
    """Whether ``change`` is about ``reference`` (``kind``, ``kind/id`` or a generic chapter's
    ``chapter/block/item``, with the items nested in it)."""
    kind, _, path = reference.partition("/")
    if change.section != kind:
        return False
    if not path:
        return True
    block, _, item_id = path.rpartition("/")  # a generic item is known by its block too
    in_block = not block or f"[{block}]" in change.list_path
    return in_block and (change.item_id == item_id or f"[{item_id}]" in change.list_path)


def _register(edition: Edition | None) -> tuple[Comment, ...]:
    register = edition.sections.get("comments") if edition is not None else None
    return register.comments if isinstance(register, Comments) else ()


def trace_comments(diff: EditionDiff, new: Edition, old: Edition | None = None) -> list[TraceEntry]:
    """The trace of every comment in ``new``'s register: open ones first, then in register order."""
    previous = {c.id: (c.status.value if c.status else None) for c in _register(old)}
    changed_sections = {s.section for s in diff.sections if s.kind == "changed" and s.fields}
    entries: list[TraceEntry] = []
    for number, comment in enumerate(_register(new), start=1):
        found = tuple(i for i, change in enumerate(diff.changes) if change.section != "comments"
                      and any(concerns(change, r) for r in comment.concerns))  # fmt: skip
        whole = tuple(r for r in comment.concerns if "/" not in r and r in changed_sections)
        status = comment.status.value if comment.status else None
        before = previous.get(comment.id, status)
        entries.append(TraceEntry(comment, number, found, whole, before if before != status else None))
    return sorted(entries, key=lambda e: (not e.is_open, e.number))


def answered_by(entries: list[TraceEntry]) -> dict[int, list[str]]:
    """Change index → ids of the comments it answers."""
    index: dict[int, list[str]] = {}
    for entry in sorted(entries, key=lambda e: e.number):
        for change in entry.changes:
            index.setdefault(change, []).append(entry.comment.id)
    return index
