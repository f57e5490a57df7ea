"""The redline edition: the newer edition typeset as usual, with its changes marked.

Inserted and deleted words travel through the normal templates as private-use
sentinel characters wrapped around them inside the text fields: they survive
escaping and Markdown untouched, and become ``<ins>``/``<del>`` in the finished
HTML. So do anchors: the first marked word of each change carries one, so that
the summary's page number points where the change is typeset. Items removed
since the older edition are put back where they stood, their text struck
through; added, changed, moved and removed items get a CSS class (a change
bar), and so does every paragraph with a marked word. Generic by design: any
section whose items have ids and prose fields is marked the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from reportgen.compare.diff import Change, EditionDiff, FieldChange, WordOp, diff_editions, edition_title
from reportgen.compare.labels import Words
from reportgen.compare.trace import TraceEntry, answered_by, trace_comments
from reportgen.content.models import Edition, Item, Section, prose_fields

INS_OPEN, INS_CLOSE, DEL_OPEN, DEL_CLOSE = "\ue000", "\ue001", "\ue002", "\ue003"
ANCHOR_OPEN, ANCHOR_CLOSE = "\ue004", "\ue005"
_DIGIT = 0xE010
_ANCHOR = re.compile("\ue004([\ue010-\ue019]+)\ue005")
_MARKS = re.compile("\ue004[\ue010-\ue019]*\ue005|[\ue000-\ue003]")
_DELETED = re.compile("\ue002[^\ue003]*\ue003")
_REPLACEMENTS = {
    ord(INS_OPEN): '<ins class="rl">', ord(INS_CLOSE): "</ins>",
    ord(DEL_OPEN): '<del class="rl">', ord(DEL_CLOSE): "</del>",
}  # fmt: skip
PILCROW = "¶"
"""Stands for a paragraph break that was inserted or deleted (a split or a merge)."""

KIND_CLASSES = {"added": "rl-added", "changed": "rl-changed", "moved": "rl-moved", "removed": "rl-removed"}
# A Markdown block prefix (list bullet, number, quote, heading, footnote label) stays outside the marks.
_BLOCK_PREFIX = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)]|>|#{1,6})\s+|\s*\[\^[^\]]+\]:\s*)*")


def strip_marks(text: str) -> str:
    """Text without any sentinel (deleted words kept)."""
    return _MARKS.sub("", text)


def final_text(text: str) -> str:
    """The newer edition's text: deleted words dropped, marks removed."""
    return strip_marks(_DELETED.sub("", text))


def anchor_mark(number: int) -> str:
    return ANCHOR_OPEN + "".join(chr(_DIGIT + int(d)) for d in str(number)) + ANCHOR_CLOSE


def _wrap(text: str, opening: str, closing: str) -> str:
    """Each line between marks (a paragraph or list item closes them), Markdown block syntax outside."""
    lines = []
    for line in text.split("\n"):
        prefix = _BLOCK_PREFIX.match(line)
        start = prefix.end() if prefix else 0
        body = line[start:]
        lines.append(f"{line[:start]}{opening}{body}{closing}" if body.strip() else line)
    return "\n".join(lines)


def _is_break(text: str) -> bool:
    return not text.strip() and "\n" in text


def marked_text(words: tuple[WordOp, ...] | list[WordOp], anchor: str = "") -> str:
    """The new text with deleted words kept (struck) and inserted words marked.

    A deleted word run and the inserted run that replaces it are kept apart by a
    space; a deleted paragraph break (a merge) shows as a struck ¶ and an
    inserted one (a split) as an inserted ¶ before the break.
    """
    parts = [anchor]
    previous = "equal"
    for op in words:
        if op.op == "insert":
            if previous == "delete" and not op.text[:1].isspace():
                parts.append(" ")
            if _is_break(op.text):
                parts.append(f"{INS_OPEN}{PILCROW}{INS_CLOSE}{op.text}")
            else:
                parts.append(_wrap(op.text, INS_OPEN, INS_CLOSE))
        elif op.op == "delete":
            struck = f"{DEL_OPEN}{PILCROW}{DEL_CLOSE}" if _is_break(op.text) else _wrap(op.text, DEL_OPEN, DEL_CLOSE)
            parts.append(struck)
        else:
            parts.append(op.text)
        previous = op.op
    return "".join(parts)


def _value_with(model: BaseModel, name: str, text: str) -> Any:
    """``text`` in the shape of ``model.name``: a string, or a tuple of lines."""
    current = getattr(model, name, None)
    if isinstance(current, tuple):
        return tuple(line for line in text.split("\n"))
    return text


def _marked_fields(model: BaseModel, changes: list[FieldChange], anchor: str) -> dict[str, Any]:
    """Updates for the top-level text fields of ``model`` that changed in substance (the first anchored)."""
    updates: dict[str, Any] = {}
    prose = prose_fields(type(model))
    for change in changes:
        if change.normalisation_only or not change.words or change.field not in prose:
            continue
        current = getattr(model, change.field, None)
        if isinstance(current, str) or (isinstance(current, tuple) and all(isinstance(v, str) for v in current)):
            updates[change.field] = _value_with(model, change.field, marked_text(change.words, anchor))
            anchor = ""
    return updates


def _struck(item: BaseModel, anchor: str) -> BaseModel:
    """A removed item with all its prose (its nested items' too) struck through."""
    updates: dict[str, Any] = {}
    prose = prose_fields(type(item))
    for name in type(item).model_fields:
        value = getattr(item, name)
        if name in prose and isinstance(value, str):
            updates[name] = anchor + _wrap(value, DEL_OPEN, DEL_CLOSE)
            anchor = ""
        elif name in prose and isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            updates[name] = tuple(anchor * (i == 0) + _wrap(v, DEL_OPEN, DEL_CLOSE) for i, v in enumerate(value))
            anchor = ""
        elif isinstance(value, tuple) and any(isinstance(v, BaseModel) for v in value):
            updates[name] = tuple(_struck(v, "") if isinstance(v, BaseModel) else v for v in value)
    return item.model_copy(update=updates)


@dataclass
class _Marker:
    """Marks one section: changed fields, anchors, removed items put back in place."""

    fields: dict[tuple[str, str], list[FieldChange]]
    anchors: dict[tuple[str, str], str]
    """(list path, id) → anchor mark of the item's change."""
    removed: dict[str, list[tuple[str | None, Item]]]
    """List path → removed old items, each after the id of the item it followed (None: first)."""

    def tree(self, value: Any, path: str) -> Any:
        if not isinstance(value, BaseModel):
            return value
        updates: dict[str, Any] = {}
        for name in type(value).model_fields:
            current = getattr(value, name)
            if isinstance(current, tuple) and (current and all(isinstance(v, Item) for v in current)
                                               or f"{path}{name}" in self.removed):  # fmt: skip
                updates[name] = self.items(current, f"{path}{name}")
        updates = {name: new for name, new in updates.items() if new != getattr(value, name)}
        return value.model_copy(update=updates) if updates else value

    def items(self, items: tuple[Item, ...], path: str) -> tuple[Item, ...]:
        result: list[Item] = []
        gone = self.removed.get(path, [])
        result += [self.gone(item, path) for after, item in gone if after is None]
        for item in items:
            marked = self.tree(item, f"{path}[{item.id}].")
            key = (path, item.id)
            if key in self.fields:
                marked = marked.model_copy(update=_marked_fields(marked, self.fields[key], self.anchors.get(key, "")))
            result.append(marked)
            result += [self.gone(old, path) for after, old in gone if after == item.id]
        return tuple(result)

    def gone(self, item: Item, path: str) -> Item:
        struck = _struck(item, self.anchors.get((path, item.id), ""))
        assert isinstance(struck, Item)
        return struck


def _old_lists(old: BaseModel | None, path: str = "") -> dict[str, tuple[Item, ...]]:
    """List path → items, for every item list of a section (nested ones too)."""
    if old is None:
        return {}
    lists: dict[str, tuple[Item, ...]] = {}
    for name in type(old).model_fields:
        value = getattr(old, name)
        if isinstance(value, tuple) and value and all(isinstance(v, Item) for v in value):
            lists[f"{path}{name}"] = value
            for item in value:
                lists.update(_old_lists(item, f"{path}{name}[{item.id}]."))
    return lists


def _removed_in_place(changes: list[Change], old: Section | None, new_ids: dict[str, set[str]]) -> dict[
        str, list[tuple[str | None, Item]]]:  # fmt: skip
    """Removed items (top of their removal only) placed after the kept item they followed in the old list."""
    lists = _old_lists(old)
    removed = {(c.list_path, c.item_id) for c in changes if c.kind == "removed"}
    placed: dict[str, list[tuple[str | None, Item]]] = {}
    for path, items in lists.items():
        after: str | None = None
        for item in items:
            if (path, item.id) in removed:
                parent_removed = any(path.startswith(p) and f"[{i}]" in path for p, i in removed if p != path)
                if not parent_removed:
                    placed.setdefault(path, []).append((after, item))
            elif item.id in new_ids.get(path, set()):
                after = item.id
    return placed


def mark_edition(edition: Edition, diff: EditionDiff, old: Edition | None = None,
                 anchors: dict[tuple[str, str, str], str] | None = None) -> Edition:  # fmt: skip
    """The edition with inserted and deleted words marked and removed items put back, struck through.

    ``anchors`` maps (section, list path, id) — or (section, "", "") for a section's own
    text — to the anchor mark placed before the change's first marked word.
    """
    anchors = anchors or {}
    sections: dict[str, Section] = {}
    kinds = list(edition.sections)
    for kind in kinds:
        section = edition.sections[kind]
        changes = [c for c in diff.changes if c.section == kind]
        fields: dict[tuple[str, str], list[FieldChange]] = {}
        for change in changes:
            if change.kind == "changed":
                fields.setdefault((change.list_path, change.item_id), []).extend(change.fields)
        new_ids = {path: {i.id for i in items} for path, items in _old_lists(section).items()}
        old_section = old.sections.get(kind) if old is not None else None
        marker = _Marker(fields, {(p, i): a for (s, p, i), a in anchors.items() if s == kind},
                         _removed_in_place(changes, old_section, new_ids))  # fmt: skip
        marked = marker.tree(section, "")
        own = [f for s in diff.sections if s.section == kind and s.kind == "changed" for f in s.fields]
        updates = _marked_fields(marked, own, anchors.get((kind, "", ""), ""))
        sections[kind] = marked.model_copy(update=updates) if updates else marked
    return edition.model_copy(update={"sections": sections})


_PARAGRAPH = re.compile(r"<(p|li)((?:\s[^>]*)?)>((?:(?!<\1[\s>]).)*?)</\1>", re.S)


def _bar_paragraphs(html: str) -> str:
    """A change bar (class ``rl-para``) on every paragraph or list item holding a marked word."""

    def bar(match: re.Match[str]) -> str:
        tag, attributes, body = match.groups()
        if 'class="rl"' not in body:
            return match.group()
        if 'class="' in attributes:
            attributes = attributes.replace('class="', 'class="rl-para ', 1)
        else:
            attributes += ' class="rl-para"'
        return f"<{tag}{attributes}>{body}</{tag}>"

    return _PARAGRAPH.sub(bar, html)


def finish_html(html: str, anchor_names: list[str] | None = None) -> str:
    """Sentinels → ``<ins>``/``<del>`` and anchors in text; in tags, the title and figures only the new text.

    An anchor is placed once, where it first occurs; a link to one that was never
    placed (its field is not typeset) falls back to its ``data-fallback``.
    """
    names = anchor_names or []
    html = re.sub(r"<[^>]*>", lambda m: final_text(m.group()), html)
    html = re.sub(r"<(title|svg)\b.*?</\1>", lambda m: final_text(m.group()), html, flags=re.S)
    placed: set[str] = set()

    def anchor(match: re.Match[str]) -> str:
        index = int("".join(str(ord(c) - _DIGIT) for c in match.group(1)))
        name = names[index] if index < len(names) else ""
        if not name or name in placed:
            return ""
        placed.add(name)
        return f'<a class="rl-anchor" id="{name}"></a>'

    html = _ANCHOR.sub(anchor, html).translate(_REPLACEMENTS)
    ids = set(re.findall(r'\bid="([^"]+)"', html)) | placed

    def link(match: re.Match[str]) -> str:
        if match.group(1) in placed:
            return f'<a class="page-ref" href="#{match.group(1)}"></a>'
        target = _existing_anchor(match.group(2).removeprefix("#"), ids)
        return f'<a class="page-ref" href="#{target}"></a>' if target else '<span class="page-ref">–</span>'

    html = re.sub(r'<a class="page-ref" href="#(rl-[^"]+)" data-fallback="([^"]*)"></a>', link, html)
    return _bar_paragraphs(html)


def _existing_anchor(name: str, ids: set[str]) -> str | None:
    """``item-<section>-<id>``, or the anchor a generic block gives that item (``item-<section>-<block>-<id>``)."""
    if name in ids:
        return name
    parts = name.split("-")
    for split in range(2, len(parts)):
        head, tail = "-".join(parts[:split]) + "-", "-" + "-".join(parts[split:])
        found = sorted(i for i in ids if i.startswith(head) and i.endswith(tail) and len(i) > len(name))
        if found:
            return found[0]
    return None


@dataclass(frozen=True)
class SummaryRow:
    index: int
    """The change's index in ``EditionDiff.changes`` (-1: a section's own text)."""
    change: Change | None
    section: str
    section_title: str
    label: str
    kind: str
    fields: tuple[str, ...]
    anchor: str
    """Where the change is typeset (``rl-…``; may fall back to ``fallback``)."""
    fallback: str
    comments: tuple[str, ...]
    """Ids of the comments (in the new edition's register) this change answers."""


@dataclass
class Redline:
    """The change marks one render needs (``templating.ChangeMarks``), the summary and the comments' trace."""

    diff: EditionDiff
    base_label: str
    new_label: str = ""
    rows: list[SummaryRow] = field(default_factory=list)
    classes: dict[tuple[str, str], str] = field(default_factory=dict)
    traces: list[TraceEntry] = field(default_factory=list)
    anchor_names: list[str] = field(default_factory=list)
    cells: dict[tuple[str, str, str], FieldChange] = field(default_factory=dict)

    @property
    def words(self) -> Words:
        """The comparison's words, from the newer edition's catalogue (its report's labels.yaml included)."""
        return Words(self.diff.labels)

    @property
    def ui(self) -> dict[str, str]:
        return self.words.ui

    @property
    def kind_names(self) -> dict[str, str]:
        return self.words.kinds

    @property
    def chapter_text(self) -> str:
        """The summary's kind for a chapter's own text."""
        return self.words.chapter_text

    def item_class(self, section: str, item_id: str) -> str:
        return self.classes.get((section, item_id), "")

    def field_label(self, path: str) -> str:
        return self.words.field_name(path, self.diff.names)

    def status_label(self, status: str | None) -> str:
        return self.words.status_name(status)

    def trace_of(self, comment_id: str) -> TraceEntry | None:
        return next((t for t in self.traces if t.comment.id == comment_id), None)

    def final_text(self, text: str) -> str:
        return final_text(text)

    def field_change(self, section: str, item_id: str, field_path: str) -> FieldChange | None:
        """The change of one field (a matrix cell ``roles.st-vision``) of an item, if it changed."""
        return self.cells.get((section, item_id, field_path))

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        return self.diff.counts()

    def rows_for(self, indexes: tuple[int, ...]) -> list[SummaryRow]:
        return [row for row in self.rows if row.index in indexes]

    def section_rows(self, sections: tuple[str, ...]) -> list[SummaryRow]:
        return [row for row in self.rows if row.index == -1 and row.section in sections]

    def finish(self, html: str) -> str:
        return finish_html(html, self.anchor_names)


def _fallback(change: Change) -> str:
    return f"#item-{change.section}-{change.item_id}"


def mark_changes(old: Edition, new: Edition, diff: EditionDiff | None = None) -> tuple[Edition, Redline]:
    """The marked newer edition and what its render needs to show the changes."""
    diff = diff or diff_editions(old, new)
    redline = Redline(diff, edition_title(old, new.labels), edition_title(new))
    redline.traces = trace_comments(diff, new, old)
    answers = answered_by(redline.traces)
    anchors: dict[tuple[str, str, str], str] = {}

    title = diff.title
    for section in diff.sections:
        if section.kind != "changed":
            continue
        name = f"rl-s-{section.section}"
        anchors[(section.section, "", "")] = anchor_mark(len(redline.anchor_names))
        redline.anchor_names.append(name)
        redline.rows.append(SummaryRow(-1, None, section.section, title(section.section), title(section.section),
                                       "changed", tuple(f.field for f in section.fields), name,
                                       f"#ch-{section.section}", ()))  # fmt: skip
    for index, change in enumerate(diff.changes):
        key = (change.section, change.item_id)
        if change.kind in KIND_CLASSES and key not in redline.classes:
            redline.classes[key] = KIND_CLASSES[change.kind]
        name = f"rl-c{index}"  # a move marks no word: its link falls back to the item
        place = (change.section, change.list_path, change.item_id)
        if change.kind != "moved" and place not in anchors:
            anchors[place] = anchor_mark(len(redline.anchor_names))
            redline.anchor_names.append(name)
        for f in change.fields:
            redline.cells[(change.section, change.item_id, f.field)] = f
        redline.rows.append(SummaryRow(index, change, change.section, title(change.section), change.label,
                                       change.kind, tuple(f.field for f in change.fields if change.kind == "changed"),
                                       name, _fallback(change), tuple(answers.get(index, []))))  # fmt: skip
    # Section-level rows first in their chapter, like the diff's own order.
    order = {kind: i for i, kind in enumerate(diff.counts())}
    redline.rows.sort(key=lambda r: (order.get(r.section, len(order)), r.index >= 0, r.index))
    return mark_edition(new, diff, old, anchors), redline
