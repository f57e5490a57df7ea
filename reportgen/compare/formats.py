"""An ``EditionDiff`` as JSON, as terminal text, or as one RTL HTML page.

Pure functions returning strings; nothing here reads files or prints.

JSON schema ``reportgen-diff/2`` (``to_json``; keys sorted, UTF-8 text, indent 2)::

    {
      "schema": "reportgen-diff/2",
      "from": "<older edition label>",
      "to": "<newer edition label>",
      "titles": {"<section kind>": "<the chapter's own title>"},   # every section of summary
      "summary": {"<section kind>": {"added": n, "removed": n, "changed": n, "moved": n}},
      "sections": [                      # section-level fields, whole sections added/removed
        {"kind": "added|removed|changed", "section": "<kind>", "fields": [<field>, ...]}
      ],
      "changes": [                       # one per item change, in reading order
        {"kind": "added|removed|changed|moved", "section": "<kind>",
         "list_path": "cases[boston].lessons", "item_id": "b1", "label": "<item name>",
         "old_list_path": "<list path>|null",   # set when moved between lists
         "old_position": n|null, "new_position": n|null,   # 0-based, set for moved/added/removed
         "fields": [<field>, ...]}       # changed fields; for added/removed, every field (its text)
      ]
    }
    <field> = {"field": "<dotted path>", "old": "<text>|null", "new": "<text>|null",
               "normalisation_only": true|false,
               "words": [{"op": "equal|insert|delete", "text": "<tokens>"}, ...]}

``summary`` counts item changes, and one ``changed`` per changed field of a
section's own text; every section named in ``sections`` or ``changes`` appears
in it. A mapping (a matrix row) is compared key by key: ``roles.st-vision``.
``words`` is empty for values that are not text (enumerations, numbers,
dates), whose ``old``/``new`` hold their string or JSON form. ``JSON_SCHEMA`` is the same as a JSON Schema document.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from reportgen.compare.diff import CHANGE_KINDS, Change, EditionDiff, FieldChange, OpKind, SectionChange, WordOp
from reportgen.compare.labels import Words
from reportgen.compare.terminal import PERSIAN, pieces, visual_row, width, wrap
from reportgen.compare.trace import TraceEntry
from reportgen.content.models import item_name

SCHEMA_ID: Final = "reportgen-diff/2"

_SYMBOLS: Final[dict[str, str]] = {"added": "+", "removed": "-", "changed": "~", "moved": ">"}

_NULLABLE_STRING: Final[dict[str, object]] = {"type": ["string", "null"]}
_NULLABLE_INT: Final[dict[str, object]] = {"type": ["integer", "null"], "minimum": 0}


def _object(properties: dict[str, object]) -> dict[str, object]:
    return {"type": "object", "required": sorted(properties), "properties": properties,
            "additionalProperties": False}  # fmt: skip


JSON_SCHEMA: Final[dict[str, object]] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": SCHEMA_ID,
    "$defs": {
        "word": _object({"op": {"enum": ["equal", "insert", "delete"]}, "text": {"type": "string"}}),
        "field": _object({
            "field": {"type": "string"},
            "old": _NULLABLE_STRING,
            "new": _NULLABLE_STRING,
            "normalisation_only": {"type": "boolean"},
            "words": {"type": "array", "items": {"$ref": "#/$defs/word"}},
        }),
        "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}},
    },
    **_object({
        "schema": {"const": SCHEMA_ID},
        "from": {"type": "string"},
        "to": {"type": "string"},
        "titles": {"type": "object", "additionalProperties": {"type": "string"}},
        "summary": {
            "type": "object",
            "additionalProperties": _object({kind: {"type": "integer", "minimum": 0} for kind in CHANGE_KINDS}),
        },
        "sections": {"type": "array", "items": _object({
            "kind": {"enum": ["added", "removed", "changed"]},
            "section": {"type": "string"},
            "fields": {"$ref": "#/$defs/fields"},
        })},
        "changes": {"type": "array", "items": _object({
            "kind": {"enum": list(CHANGE_KINDS)},
            "section": {"type": "string"},
            "list_path": {"type": "string"},
            "item_id": {"type": "string"},
            "label": {"type": "string"},
            "old_list_path": _NULLABLE_STRING,
            "old_position": _NULLABLE_INT,
            "new_position": _NULLABLE_INT,
            "fields": {"$ref": "#/$defs/fields"},
        })},
    }),
}  # fmt: skip
"""The JSON output's schema (JSON Schema 2020-12)."""


# ---------------------------------------------------------------- JSON


def _field_data(field: FieldChange) -> dict[str, object]:
    return {
        "field": field.field,
        "old": field.old,
        "new": field.new,
        "normalisation_only": field.normalisation_only,
        "words": [{"op": w.op, "text": w.text} for w in field.words],
    }


def _change_data(change: Change) -> dict[str, object]:
    return {
        "kind": change.kind,
        "section": change.section,
        "list_path": change.list_path,
        "item_id": change.item_id,
        "label": change.label,
        "old_list_path": change.old_list_path,
        "old_position": change.old_position,
        "new_position": change.new_position,
        "fields": [_field_data(f) for f in change.fields],
    }


def to_data(diff: EditionDiff) -> dict[str, object]:
    """The diff as plain data following ``JSON_SCHEMA``."""
    return {
        "schema": SCHEMA_ID,
        "from": diff.old_label,
        "to": diff.new_label,
        "titles": {section: diff.title(section) for section in diff.counts()},
        "summary": diff.counts(),
        "sections": [
            {"kind": s.kind, "section": s.section, "fields": [_field_data(f) for f in s.fields]} for s in diff.sections
        ],
        "changes": [_change_data(c) for c in diff.changes],
    }


def to_json(diff: EditionDiff) -> str:
    """The diff as JSON (schema ``reportgen-diff/2``), keys sorted, indented, not ASCII-escaped."""
    return json.dumps(to_data(diff), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- text

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"
# Deleted and inserted runs are first enclosed in stand-in marks of a strong direction
# (Hebrew letters for right-to-left runs, private-use characters for left-to-right ones)
# so that they stay glued to their run when a row is reordered; each pair then becomes
# brackets (and colour codes). Colour alone would not tell them apart for everyone.
_MARKS: Final[dict[tuple[str, str], str]] = {
    ("delete", "R"): "\u05d0",
    ("insert", "R"): "\u05d1",
    ("delete", "L"): "\ue000",
    ("insert", "L"): "\ue001",
}
_MARK_OP: Final[dict[str, str]] = {mark: op for (op, _), mark in _MARKS.items()}
_OPEN: Final[dict[tuple[str, bool], str]] = {
    ("delete", False): "[-",
    ("insert", False): "{+",
    ("delete", True): _RED + "[-",
    ("insert", True): _GREEN + "{+",
}
_CLOSE: Final[dict[tuple[str, bool], str]] = {
    ("delete", False): "-]",
    ("insert", False): "+}",
    ("delete", True): "-]" + _RESET,
    ("insert", True): "+}" + _RESET,
}
_ELLIPSIS: Final = "…"


@dataclass(frozen=True)
class _Line:
    """A line of text output: short pieces (scaffolding, or Persian labels when flagged) then, maybe, a field."""

    head: tuple[tuple[str, bool], ...]
    ops: tuple[WordOp, ...] | None = None
    """A field's text (wrapped in visual mode)."""
    tail: str = ""


def field_ops(field: FieldChange, words: Words) -> tuple[WordOp, ...]:
    """Word operations of a field; a non-text value (an enumeration, a cell) is shown whole, by its name."""
    if field.words:
        return field.words
    old = words.values.get(field.old, field.old) if field.old is not None else None
    new = words.values.get(field.new, field.new) if field.new is not None else None
    deleted = (WordOp("delete", old),) if old is not None else ()
    return deleted + ((WordOp("insert", new),) if new is not None else ())


def trim(ops: Sequence[WordOp], context: int | None) -> tuple[WordOp, ...]:
    """Unchanged runs cut to ``context`` words on each side of a change (``None``: everything)."""
    if context is None:
        return tuple(ops)
    result: list[WordOp] = []
    for index, op in enumerate(ops):
        if op.op != "equal":
            result.append(op)
            continue
        words = re.findall(r"\s*\S+\s*", op.text) or [op.text]
        first, last = index == 0, index == len(ops) - 1
        keep_start = 0 if first else context
        keep_end = 0 if last else context
        if len(words) <= keep_start + keep_end + 1:
            result.append(op)
            continue
        start = "".join(words[:keep_start]).replace("\n", " ")
        end = "".join(words[len(words) - keep_end:]).replace("\n", " ") if keep_end else ""
        result.append(WordOp("equal", f"{start.rstrip()} {_ELLIPSIS} {end.lstrip()}".strip() + (" " if end else "")
                             if not first else f"{_ELLIPSIS} {end.lstrip()}"))
    return tuple(result)


def _direction(chars: Iterable[str]) -> str:
    """ "L" or "R": the first strong direction among ``chars`` (R when there is none)."""
    for char in chars:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "L" if kind == "L" else "R"
    return "R"


def _mark(op: str, text: str) -> str:
    return f"{_MARKS[op, _direction(text)]}{text}{_MARKS[op, _direction(reversed(text))]}"


def _marked(ops: Iterable[WordOp]) -> str:
    """Word operations as one string, each line of a deleted or inserted run between stand-in marks."""
    parts: list[str] = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.text)
        else:
            parts.append("\n".join(_mark(op.op, line) if line else "" for line in op.text.split("\n")))
    return "".join(parts)


def _paint(text: str, colour: bool) -> str:
    """Stand-in marks → brackets (and colours); the left one of each pair opens, however it was reordered."""
    out: list[str] = []
    inside = False
    for char in text:
        if char not in _MARK_OP:
            out.append(char)
        else:
            out.append((_CLOSE if inside else _OPEN)[_MARK_OP[char], colour])
            inside = not inside
    return "".join(out)


def visual(text: str) -> str:
    """Logical right-to-left text shaped and put in visual order, when it holds Persian (one row)."""
    return visual_row(text)


def _summary_lines(diff: EditionDiff) -> list[_Line]:
    lines = [_Line(((f"reportgen diff: {diff.old_label} -> {diff.new_label}", False),))]
    if diff.is_empty:
        return [*lines, _Line((("no changes", False),))]
    sections = {s.section: s.kind for s in diff.sections}
    for section, counts in diff.counts().items():
        parts = [f"{n} {kind}" for kind, n in counts.items() if n]
        if section in sections:
            parts.insert(0, f"section {sections[section]}")
        name = diff.title(section)
        lines.append(_Line(((f"  {section} (", False), (name, True), (f"): {', '.join(parts)}", False))))
    return lines


def _field_head(field: FieldChange, names: dict[str, str], words: Words) -> tuple[tuple[str, bool], ...]:
    path, _, key = field.field.partition(".")
    head: tuple[tuple[str, bool], ...] = ((f"    {field.field}", False),)
    if key and key in names:  # a matrix cell: name its column
        head = ((f"    {path}[", False), (names[key], True), ("]", False))
    if field.normalisation_only:
        head += ((" (", False), (words.normalisation, True), (")", False))
    return (*head, (": ", False))


def _field_lines(field: FieldChange, names: dict[str, str], words: Words, context: int | None) -> list[_Line]:
    return [_Line(_field_head(field, names, words), trim(field_ops(field, words), context))]


def _item_head(change: Change, words: Words, indent: str = "") -> tuple[tuple[str, bool], ...]:
    """«~ glossary/vision  [تغییریافته] چشم‌انداز»: symbol and id for tools, kind and name for readers."""
    return ((f"{indent}{_SYMBOLS[change.kind]} {change.section}/{change.item_id}  [", False),
            (words.kinds[change.kind], True), ("] ", False), (change.label, True))  # fmt: skip


def _change_head(change: Change, words: Words) -> _Line:
    head = _item_head(change, words)
    if change.kind == "moved":
        old_path = change.old_list_path or change.list_path
        where = f"{old_path}#{change.old_position} -> {change.list_path}#{change.new_position}"
        return _Line((*head, (f"  ({where})", False)))
    if "." in change.list_path or change.kind != "changed":
        return _Line((*head, (f"  ({change.list_path})", False)))
    return _Line(head)


def _section_lines(section: SectionChange, diff: EditionDiff, words: Words, context: int | None) -> list[_Line]:
    symbol = {"added": "+", "removed": "-", "changed": "~"}[section.kind]
    head = _Line(((f"{symbol} {section.section}  [", False), (words.chapter_kinds[section.kind], True),
                  ("] ", False), (diff.title(section.section), True)))  # fmt: skip
    return [head] + [line for f in section.fields for line in _field_lines(f, diff.names, words, context)]


def _text_lines(diff: EditionDiff, context: int | None) -> list[_Line]:
    lines = _summary_lines(diff)
    words = Words(diff.labels)
    sections = {s.section: s for s in diff.sections}
    for name in diff.counts():
        lines.append(_Line(()))
        if name in sections:
            lines += _section_lines(sections[name], diff, words, context)
        for change in (c for c in diff.changes if c.section == name):
            lines.append(_change_head(change, words))
            lines += [line for f in change.fields for line in _field_lines(f, diff.names, words, context)]
    return lines


_INDENT: Final = "      "
_OP_KINDS: Final[dict[str, OpKind]] = {"equal": "equal", "insert": "insert", "delete": "delete"}


def _logical(line: _Line) -> str:
    head = "".join(text for text, _ in line.head)
    if line.ops is None:
        return head + line.tail
    first, *rest = _marked(line.ops).split("\n")
    return "\n".join([head + first, *(_INDENT + row for row in rest)]) + line.tail


def _visual(line: _Line, columns: int) -> str:
    head = "".join(visual_row(text) if content else text for text, content in line.head)
    if line.ops is None:
        return head + line.tail
    room = max(20, columns - width(head))
    rows = wrap(pieces([(op.op, op.text) for op in line.ops]), room, mark_width=4)
    shown = []
    for row in rows:
        merged: list[WordOp] = []
        for part in row:
            if merged and merged[-1].op == part.op:
                merged[-1] = WordOp(merged[-1].op, merged[-1].text + part.text)
            else:
                merged.append(WordOp(_OP_KINDS[part.op], part.text))
        text = visual_row(_marked(merged))
        if PERSIAN.search(text):  # right-to-left rows end at the right edge
            text = " " * max(0, room - width(text, _MARK_OP)) + text
        shown.append(text)
    pad = " " * width(head)
    return "\n".join([head + (shown[0] if shown else ""), *(pad + row for row in shown[1:])]) + line.tail


def to_text(
    diff: EditionDiff,
    *,
    bidi: Literal["logical", "visual"] = "logical",
    colour: bool = False,
    context: int | None = None,
    columns: int = 80,
) -> str:
    """A readable summary then every change; deletions ``[-…-]``, insertions ``{+…+}`` (with ANSI colours).

    ``bidi="visual"`` is for terminals without bidi support: each field is wrapped to
    ``columns`` in reading order, then every row is shaped, reordered right to left and
    mirrored (``terminal.py``); the English scaffolding stays in place. ``context`` cuts
    unchanged text to that many words around each change. Positions read ``list#index``
    (0-based).
    """
    lines = _text_lines(diff, context)
    render = (lambda line: _visual(line, columns)) if bidi == "visual" else _logical
    return _paint("".join(render(line) + "\n" for line in lines), colour)


# ---------------------------------------------------------------- trace


def to_trace_text(diff: EditionDiff, entries: Sequence[TraceEntry], *, bidi: Literal["logical", "visual"] = "logical",
                  columns: int = 80) -> str:  # fmt: skip
    """Each comment with its status (and previous status), response and the changes made for it."""
    words = Words(diff.labels)
    lines: list[_Line] = [_Line(((f"reportgen trace: {diff.old_label} -> {diff.new_label}, "
                                  f"{len(entries)} comments, {sum(e.is_open for e in entries)} open", False),))]
    for entry in entries:
        comment = entry.comment
        status = words.status_name(entry.status)
        lines.append(_Line(()))
        head: tuple[tuple[str, bool], ...] = ((f"# {comment.id} ", False), (item_name(comment), True),
                                              ("  status: ", False), (status, True))  # fmt: skip
        if entry.previous_status:
            head += (("  was: ", False), (words.status_name(entry.previous_status), True))
        lines.append(_Line(head))
        lines.append(_Line((("  comment: ", False),), (WordOp("equal", comment.text),)))
        if comment.response:
            lines.append(_Line((("  response: ", False),), (WordOp("equal", comment.response),)))
        if comment.reason:
            lines.append(_Line((("  reason: ", False),), (WordOp("equal", comment.reason),)))
        lines += [_Line(((f"  ~ {s}  [section text changed] ", False), (diff.title(s), True)))
                  for s in entry.sections]  # fmt: skip
        for index in entry.changes:
            change = diff.changes[index]
            lines.append(_Line(_item_head(change, words, "  ")))
        if not entry.changes and not entry.sections:
            lines.append(_Line((("  (no change made for it)", False),)))
    render = (lambda line: _visual(line, columns)) if bidi == "visual" else _logical
    return _paint("".join(render(line) + "\n" for line in lines), False)


