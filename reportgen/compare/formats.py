"""An ``EditionDiff`` as JSON, as terminal text, or as one RTL HTML page.

Pure functions returning strings; nothing here reads files or prints.

JSON schema ``reportgen-diff/1`` (``to_json``; keys sorted, UTF-8 text, indent 2)::

    {
      "schema": "reportgen-diff/1",
      "from": "<older edition label>",
      "to": "<newer edition label>",
      "summary": {"<section kind>": {"added": n, "removed": n, "changed": n, "moved": n}},
      "sections": [                      # section-level fields, whole sections added/removed
        {"kind": "added|removed|changed", "section": "<kind>", "fields": [<field>, ...]}
      ],
      "changes": [                       # one per item change, in reading order
        {"kind": "added|removed|changed|moved", "section": "<kind>",
         "list_path": "cases[boston].lessons", "item_id": "b1", "label": "<item name>",
         "old_list_path": "<list path>|null",   # set when moved between lists
         "old_position": n|null, "new_position": n|null,   # 0-based, set for moved/added/removed
         "fields": [<field>, ...]}       # non-empty for "changed"
      ]
    }
    <field> = {"field": "<dotted path>", "old": "<text>|null", "new": "<text>|null",
               "normalisation_only": true|false,
               "words": [{"op": "equal|insert|delete", "text": "<tokens>"}, ...]}

``summary`` counts item changes only; every section named in ``sections`` or
``changes`` appears in it. ``words`` is empty for values that are not text
(enumerations, numbers, dates, mappings), whose ``old``/``new`` hold their
string or JSON form. ``JSON_SCHEMA`` is the same as a JSON Schema document.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from html import escape
from typing import Final, Literal

from reportgen.compare.diff import CHANGE_KINDS, Change, EditionDiff, FieldChange, SectionChange, WordOp
from reportgen.text.persian import to_persian_digits, visual

SCHEMA_ID: Final = "reportgen-diff/1"

SECTION_NAMES: Final[dict[str, str]] = {
    "introduction": "پیشگفتار",
    "approaches": "رویکردها و مدل‌ها",
    "glossary": "تعاریف",
    "case-studies": "تجارب شهرها",
    "upstream": "اسناد فرادست",
    "roadmap": "نقشهٔ راه",
    "training": "آموزش",
    "environment": "تدارک محیط برنامه",
    "missions": "مأموریت‌ها و ارزش‌ها",
    "comments": "پاسخ به نظرات",
}
"""Persian name of each section kind, for summaries."""

KIND_NAMES: Final[dict[str, str]] = {
    "added": "افزوده",
    "removed": "حذف‌شده",
    "changed": "تغییریافته",
    "moved": "جابه‌جاشده",
}
"""Persian name of each change kind."""

NORMALISATION_LABEL: Final = "تغییر نگارشی"

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
        "summary": diff.counts(),
        "sections": [
            {"kind": s.kind, "section": s.section, "fields": [_field_data(f) for f in s.fields]} for s in diff.sections
        ],
        "changes": [_change_data(c) for c in diff.changes],
    }


def to_json(diff: EditionDiff) -> str:
    """The diff as JSON (schema ``reportgen-diff/1``), keys sorted, indented, not ASCII-escaped."""
    return json.dumps(to_data(diff), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------- text

_RED, _GREEN, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[0m"
# Deleted and inserted runs are first enclosed in stand-in marks of a strong direction
# (Hebrew letters for right-to-left runs, private-use characters for left-to-right ones)
# so that they stay glued to their run when a line is reordered; each pair then becomes
# brackets or colour codes. (``bidi.get_display`` does not mirror brackets itself.)
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
    ("delete", True): _RED,
    ("insert", True): _GREEN,
}
_CLOSE: Final[dict[tuple[str, bool], str]] = {
    ("delete", False): "-]",
    ("insert", False): "+}",
    ("delete", True): _RESET,
    ("insert", True): _RESET,
}

Segment = tuple[str, bool]
"""A piece of a text line: (text, is content). Content is reordered in visual mode, the rest is not."""


def _field_ops(field: FieldChange) -> tuple[WordOp, ...]:
    """Word operations of a field; a non-text value is shown as a whole deleted and inserted."""
    if field.words:
        return field.words
    deleted = (WordOp("delete", field.old),) if field.old is not None else ()
    return deleted + ((WordOp("insert", field.new),) if field.new is not None else ())


def _direction(chars: Iterable[str]) -> str:
    """ "L" or "R": the first strong direction among ``chars`` (R when there is none)."""
    for char in chars:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "L" if kind == "L" else "R"
    return "R"


def _marked(ops: Iterable[WordOp]) -> str:
    """Word operations as one string, each line of a deleted or inserted run between stand-in marks."""
    parts: list[str] = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.text)
        else:
            parts.append("\n".join(_mark(op.op, line) if line else "" for line in op.text.split("\n")))
    return "".join(parts)


def _mark(op: str, text: str) -> str:
    return f"{_MARKS[op, _direction(text)]}{text}{_MARKS[op, _direction(reversed(text))]}"


def _paint(text: str, colour: bool) -> str:
    """Stand-in marks → brackets or ANSI colours; the left one of each pair opens, however it was reordered."""
    out: list[str] = []
    inside = False
    for char in text:
        if char not in _MARK_OP:
            out.append(char)
        else:
            out.append((_CLOSE if inside else _OPEN)[_MARK_OP[char], colour])
            inside = not inside
    return "".join(out)


def _summary_lines(diff: EditionDiff) -> list[list[Segment]]:
    lines: list[list[Segment]] = [[(f"reportgen diff: {diff.old_label} -> {diff.new_label}", False)]]
    if diff.is_empty:
        return [*lines, [("no changes", False)]]
    sections = {s.section: s.kind for s in diff.sections}
    for section, counts in diff.counts().items():
        parts = [f"{n} {kind}" for kind, n in counts.items() if n]
        if section in sections:
            parts.insert(0, f"section {sections[section]}")
        name = SECTION_NAMES.get(section, section)
        lines.append([(f"  {section} (", False), (name, True), (f"): {', '.join(parts)}", False)])
    return lines


def _field_lines(field: FieldChange) -> list[list[Segment]]:
    name: list[Segment] = [(f"    {field.field}", False)]
    if field.normalisation_only:
        name += [(" (", False), (NORMALISATION_LABEL, True), (")", False)]
    first, *rest = _marked(_field_ops(field)).split("\n")
    return [[*name, (": ", False), (first, True)], *([("      ", False), (line, True)] for line in rest)]


def _change_head(change: Change) -> list[Segment]:
    head: list[Segment] = [
        (f"{_SYMBOLS[change.kind]} {change.section}/{change.item_id}  ", False),
        (change.label, True),
    ]
    if change.kind == "moved":
        old_path = change.old_list_path or change.list_path
        where = f"{old_path}#{change.old_position} -> {change.list_path}#{change.new_position}"
        return [*head, (f"  ({where})", False)]
    if "." in change.list_path or change.kind != "changed":
        return [*head, (f"  ({change.list_path})", False)]
    return head


def _section_lines(section: SectionChange) -> list[list[Segment]]:
    symbol = {"added": "+", "removed": "-", "changed": "~"}[section.kind]
    name = SECTION_NAMES.get(section.section, section.section)
    head: list[Segment] = [(f"{symbol} {section.section}  [section {section.kind}] ", False), (name, True)]
    return [head] + [line for f in section.fields for line in _field_lines(f)]


def _text_lines(diff: EditionDiff) -> list[list[Segment]]:
    lines = _summary_lines(diff)
    sections = {s.section: s for s in diff.sections}
    for name in diff.counts():
        lines.append([])
        if name in sections:
            lines += _section_lines(sections[name])
        for change in (c for c in diff.changes if c.section == name):
            lines.append(_change_head(change))
            lines += [line for f in change.fields for line in _field_lines(f)]
    return lines


def to_text(diff: EditionDiff, *, bidi: Literal["logical", "visual"] = "logical", colour: bool = False) -> str:
    """A readable summary then every change; deletions ``[-…-]``, insertions ``{+…+}`` (or ANSI colours).

    ``bidi="visual"`` shapes and reorders each piece of Persian text (a label, a field's
    text) right to left with ``arabic_reshaper`` and ``get_display``, for terminals without
    bidi support; the English scaffolding around it stays in place. Positions read
    ``list#index`` (0-based).
    """
    convert = visual if bidi == "visual" else str
    text = "".join(
        "".join(convert(piece) if content else piece for piece, content in line) + "\n" for line in _text_lines(diff)
    )
    return _paint(text, colour)


# ---------------------------------------------------------------- HTML

_STYLE: Final = """
body { font-family: Vazirmatn, Tahoma, sans-serif; margin: 2rem; line-height: 1.8; color: #222; }
table { border-collapse: collapse; margin-block: 1rem; }
th, td { border: 1px solid #bbb; padding: .25rem .75rem; text-align: center; }
.change { border-inline-start: 4px solid #888; padding-inline-start: 1rem; margin-block: 1rem; }
.added { border-color: #2e7d32; } .removed { border-color: #c62828; }
.changed { border-color: #1565c0; } .moved { border-color: #6a1b9a; }
.ref, .path { direction: ltr; unicode-bidi: isolate; font-family: monospace; font-size: .9em; color: #555; }
.value { white-space: pre-wrap; }
ins { background: #e6f4ea; color: #1b5e20; text-decoration: none; }
del { background: #fdecea; color: #b71c1c; }
.normalisation { color: #777; }
.normalisation ins, .normalisation del { background: #eee; color: #666; }
.tag { font-size: .8em; border: 1px solid #aaa; border-radius: .3em; padding: 0 .3em; }
"""


def _html_ops(ops: Iterable[WordOp]) -> str:
    tags = {"equal": "{}", "delete": "<del>{}</del>", "insert": "<ins>{}</ins>"}
    return "".join(tags[op.op].format(escape(op.text)) for op in ops)


def _html_fields(fields: Sequence[FieldChange]) -> str:
    def rows(chosen: Iterable[FieldChange]) -> str:
        return "".join(
            f'<dt><span class="path">{escape(f.field)}</span></dt><dd class="value">{_html_ops(_field_ops(f))}</dd>'
            for f in chosen
        )

    main = [f for f in fields if not f.normalisation_only]
    cosmetic = [f for f in fields if f.normalisation_only]
    html = f"<dl>{rows(main)}</dl>" if main else ""
    if cosmetic:
        html += (f'<div class="normalisation"><span class="tag">{NORMALISATION_LABEL}</span>'
                 f"<dl>{rows(cosmetic)}</dl></div>")  # fmt: skip
    return html


def _html_summary(diff: EditionDiff) -> str:
    if diff.is_empty:
        return "<p>دو ویرایش یکسان‌اند.</p>"
    head = "".join(f"<th>{KIND_NAMES[k]}</th>" for k in CHANGE_KINDS)
    body = "".join(
        f'<tr><th>{escape(SECTION_NAMES.get(s, s))} <span class="ref">{escape(s)}</span></th>'
        + "".join(f"<td>{to_persian_digits(counts[k])}</td>" for k in CHANGE_KINDS)
        + "</tr>"
        for s, counts in diff.counts().items()
    )
    return f"<table><thead><tr><th>بخش</th>{head}</tr></thead><tbody>{body}</tbody></table>"


def _html_change(change: Change) -> str:
    cosmetic = bool(change.fields) and all(f.normalisation_only for f in change.fields)
    classes = f"change {change.kind}" + (" normalisation" if cosmetic else "")
    where = escape(change.list_path)
    if change.kind == "moved":
        where = (f"{escape(change.old_list_path or change.list_path)}#{change.old_position} → "
                 f"{escape(change.list_path)}#{change.new_position}")  # fmt: skip
    return (
        f'<section class="{classes}"><h3><span class="tag">{KIND_NAMES[change.kind]}</span> '
        f'<bdi>{escape(change.label)}</bdi> <span class="ref">{escape(change.section)}/{escape(change.item_id)}'
        f" ({where})</span></h3>{_html_fields(change.fields)}</section>"
    )


def _html_section(section: SectionChange) -> str:
    name = SECTION_NAMES.get(section.section, section.section)
    return (
        f'<section class="change {section.kind}"><h3><span class="tag">بخش {KIND_NAMES[section.kind]}</span> '
        f'{escape(name)} <span class="ref">{escape(section.section)}</span></h3>'
        f"{_html_fields(section.fields)}</section>"
    )


def to_html(diff: EditionDiff) -> str:
    """One standalone RTL HTML page: a summary table, then every change with ``<ins>``/``<del>``."""
    title = f"مقایسهٔ ویرایش‌ها: {diff.old_label} ← {diff.new_label}"
    heading = f"مقایسهٔ ویرایش‌ها: <bdi>{escape(diff.old_label)}</bdi> ← <bdi>{escape(diff.new_label)}</bdi>"
    sections = {s.section: s for s in diff.sections}
    body: list[str] = []
    for name in diff.counts():
        body.append(f'<h2>{escape(SECTION_NAMES.get(name, name))} <span class="ref">{escape(name)}</span></h2>')
        if name in sections:
            body.append(_html_section(sections[name]))
        body += [_html_change(c) for c in diff.changes if c.section == name]
    return (
        '<!DOCTYPE html>\n<html lang="fa" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{heading}</h1>\n{_html_summary(diff)}\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
