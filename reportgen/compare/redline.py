"""The redline edition: the newer edition typeset as usual, with its changes marked.

Inserted and deleted words travel through the normal templates as private-use
sentinel characters wrapped around them inside the text fields: they survive
escaping and Markdown untouched, and become ``<ins>``/``<del>`` in the finished
HTML. Items that were added, changed or moved get a CSS class (a change bar);
a summary of every change, with page numbers and the comments each answers,
opens the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reportgen.compare.diff import Change, EditionDiff, FieldChange, WordOp, diff_editions
from reportgen.content.models import Comments, Edition, Item, Section, prose_fields
from reportgen.text.persian import ordinal_in_words

INS_OPEN, INS_CLOSE, DEL_OPEN, DEL_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
_MARKS = re.compile("[\ue000-\ue003]")
_REPLACEMENTS = {
    ord(INS_OPEN): '<ins class="rl">', ord(INS_CLOSE): "</ins>",
    ord(DEL_OPEN): '<del class="rl">', ord(DEL_CLOSE): "</del>",
}  # fmt: skip

KIND_CLASSES = {"added": "rl-added", "changed": "rl-changed", "moved": "rl-moved"}


def strip_marks(text: str) -> str:
    return _MARKS.sub("", text)


def _wrap(text: str, opening: str, closing: str) -> str:
    # Marks never span a line break: a paragraph or list item closes them.
    return "\n".join(f"{opening}{line}{closing}" if line else line for line in text.split("\n"))


def marked_text(words: tuple[WordOp, ...]) -> str:
    """The new text with deleted words kept (struck) and inserted words marked."""
    parts = []
    for op in words:
        if op.op == "insert":
            parts.append(_wrap(op.text, INS_OPEN, INS_CLOSE))
        elif op.op == "delete":
            parts.append(_wrap(op.text, DEL_OPEN, DEL_CLOSE))
        else:
            parts.append(op.text)
    return "".join(parts)


def _marked_fields(model: BaseModel, changes: list[FieldChange]) -> dict[str, Any]:
    """Updates for the top-level text fields of ``model`` that changed in substance."""
    updates: dict[str, Any] = {}
    prose = prose_fields(type(model))
    for change in changes:
        if change.normalisation_only or not change.words or change.field not in prose:
            continue
        current = getattr(model, change.field, None)
        text = marked_text(change.words)
        if isinstance(current, str):
            updates[change.field] = text
        elif isinstance(current, tuple) and all(isinstance(value, str) for value in current):
            updates[change.field] = tuple(text.split("\n"))
    return updates


def _mark_tree(value: Any, fields_by_item: dict[str, list[FieldChange]]) -> Any:
    """A copy of ``value`` with the changed fields of its items marked."""
    if isinstance(value, tuple):
        return tuple(_mark_tree(element, fields_by_item) for element in value)
    if not isinstance(value, BaseModel):
        return value
    updates = {name: _mark_tree(getattr(value, name), fields_by_item) for name in type(value).model_fields}
    updates = {name: new for name, new in updates.items() if new is not getattr(value, name)}
    if isinstance(value, Item) and value.id in fields_by_item:
        updates.update(_marked_fields(value, fields_by_item[value.id]))
    return value.model_copy(update=updates) if updates else value


def mark_edition(edition: Edition, diff: EditionDiff) -> Edition:
    """The edition with inserted and deleted words marked in its text fields."""
    sections: dict[str, Section] = {}
    for kind, section in edition.sections.items():
        by_item: dict[str, list[FieldChange]] = {}
        for change in diff.changes:
            if change.section == kind and change.kind == "changed":
                by_item.setdefault(change.item_id, []).extend(change.fields)
        marked = _mark_tree(section, by_item)
        own = [f for s in diff.sections if s.section == kind and s.kind == "changed" for f in s.fields]
        updates = _marked_fields(marked, own)
        sections[kind] = marked.model_copy(update=updates) if updates else marked
    return edition.model_copy(update={"sections": sections})


def finish_html(html: str) -> str:
    """Sentinels → ``<ins>``/``<del>`` in text; dropped inside tags, the title and figures."""
    html = re.sub(r"<[^>]*>", lambda m: strip_marks(m.group()), html)
    html = re.sub(r"<(title|svg)\b.*?</\1>", lambda m: strip_marks(m.group()), html, flags=re.S)
    return html.translate(_REPLACEMENTS)


@dataclass(frozen=True)
class SummaryRow:
    change: Change
    section_title: str
    comments: tuple[str, ...]
    """Labels of the comments (in the new edition's register) this change answers."""


@dataclass
class Redline:
    """The change marks one render needs (``templating.ChangeMarks``) and the summary."""

    diff: EditionDiff
    base_label: str
    rows: list[SummaryRow] = field(default_factory=list)
    classes: dict[tuple[str, str], str] = field(default_factory=dict)

    def item_class(self, section: str, item_id: str) -> str:
        return self.classes.get((section, item_id), "")

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return self.diff.counts()


def _comment_index(new: Edition) -> dict[str, list[str]]:
    """Reference (``kind`` or ``kind/id``) → labels of the comments that concern it."""
    index: dict[str, list[str]] = {}
    register = new.sections.get("comments")
    if isinstance(register, Comments):
        for number, comment in enumerate(register.comments, start=1):
            for reference in comment.concerns:
                index.setdefault(reference, []).append(str(number))
    return index


def mark_changes(old: Edition, new: Edition) -> tuple[Edition, Redline]:
    """The marked newer edition and what its render needs to show the changes."""
    diff = diff_editions(old, new)
    redline = Redline(diff, f"ویرایش {ordinal_in_words(old.entry.number)}")
    comments = _comment_index(new)
    for change in diff.changes:
        if change.kind in KIND_CLASSES and (change.section, change.item_id) not in redline.classes:
            redline.classes[(change.section, change.item_id)] = KIND_CLASSES[change.kind]
        section = new.sections.get(change.section) or old.sections.get(change.section)
        answered = comments.get(f"{change.section}/{change.item_id}", [])
        redline.rows.append(SummaryRow(change, section.title if section else change.section, tuple(answered)))
    return mark_edition(new, diff), redline
