"""Two validated editions → the changes between them, item by item and word by word.

A diff compares models, never PDFs. Within one section kind, list items are
matched by ``id`` across all of that section's lists:

* an item found only in the newer edition is ``added``; only in the older, ``removed``;
* an item whose fields differ is ``changed``, with one ``FieldChange`` per field
  (a dotted path inside the item) and, for text, the word operations;
* an item that now lives in another list (a lesson moved from one city to
  another) is ``moved`` with ``old_list_path`` set; an item of the same list
  whose order among the items common to both editions changed is ``moved`` too
  (items outside the longest common subsequence of common ids). Insertions and
  removals alone never make other items ``moved``. An item both moved and edited
  gives a ``moved`` change and a ``changed`` change.
* An item whose **id changed is removed and added**: ids are the only identity.
  Likewise, two items of different models never match.

Items are matched first in the same list; an item missing from its old list is
then looked for in the section's other lists, and matched there only when its
model and id are unambiguous. Nested items (a case study's lessons) are items
of their own: ``list_path`` names their list as ``cases[boston].lessons``, with
the parent's id in brackets, and a changed parent does not list them as fields.
The items of an added or removed parent are reported as added or removed too.

Fields that are not items are compared as text: plain strings as they are,
lists of strings joined with ``"\\n"``; enumerations, numbers, dates and
mappings by their string or JSON form (with no word operations). A text change
that vanishes under ``normalise`` (Arabic ي/ك, digits, ZWNJ, spacing) is marked
``normalisation_only``. Positions are 0-based indexes in their list.

Output order: sections in ``SECTION_KINDS`` order; within a section, items in
their order in the newer edition, removed items at their old place.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Literal

from pydantic import BaseModel

from reportgen.content.models import SECTION_KINDS, Edition, Item, Section, item_name
from reportgen.text.persian import to_latin_digits

ZWNJ = "\u200c"
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed"
_TOKEN = re.compile(rf"[\w\u200c\u200d{_MARKS}]+|\s+|.", re.DOTALL)
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})
_WHITESPACE = re.compile(r"\s+")

OpKind = Literal["equal", "insert", "delete"]
ChangeKind = Literal["added", "removed", "changed", "moved"]
SectionChangeKind = Literal["added", "removed", "changed"]
_Key = tuple[str, str]
"""An item where it stands: (list path, id)."""
CHANGE_KINDS: tuple[ChangeKind, ...] = ("added", "removed", "changed", "moved")


# ---------------------------------------------------------------- words


def tokenize(text: str) -> list[str]:
    """Words (keeping their ZWNJ and marks), single punctuation marks and whitespace runs.

    ``"".join(tokenize(text)) == text`` always holds.
    """
    return _TOKEN.findall(text)


def normalise(text: str) -> str:
    """Text as a reader compares it: Persian ی/ک, Latin digits, ZWNJ as space, single spaces."""
    text = to_latin_digits(text.translate(_ARABIC_LETTERS)).replace(ZWNJ, " ")
    return _WHITESPACE.sub(" ", text).strip()


@dataclass(frozen=True)
class WordOp:
    """One run of tokens kept, inserted or deleted."""

    op: OpKind
    text: str


def _merge(ops: Sequence[WordOp]) -> list[WordOp]:
    merged: list[WordOp] = []
    for op in ops:
        if merged and merged[-1].op == op.op:
            merged[-1] = WordOp(op.op, merged[-1].text + op.text)
        elif op.text:
            merged.append(op)
    return merged


def word_diff(old: str, new: str) -> list[WordOp]:
    """Token-level diff of two texts; a replacement is a delete then an insert."""
    a, b = tokenize(old), tokenize(new)
    ops: list[WordOp] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(WordOp("equal", "".join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            ops.append(WordOp("delete", "".join(a[i1:i2])))
        if tag in ("insert", "replace"):
            ops.append(WordOp("insert", "".join(b[j1:j2])))
    return _merge(ops)


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class FieldChange:
    """One field of an item or section whose value differs (``None``: absent)."""

    field: str
    old: str | None
    new: str | None
    normalisation_only: bool
    words: tuple[WordOp, ...]


@dataclass(frozen=True)
class Change:
    """What happened to one item of a section."""

    kind: ChangeKind
    section: str
    list_path: str
    item_id: str
    label: str
    fields: tuple[FieldChange, ...] = ()
    old_list_path: str | None = None
    old_position: int | None = None
    new_position: int | None = None


@dataclass(frozen=True)
class SectionChange:
    """A whole section added or removed, or its own (non-item) fields changed."""

    kind: SectionChangeKind
    section: str
    fields: tuple[FieldChange, ...]


@dataclass(frozen=True)
class EditionDiff:
    """Everything that differs between two editions, in reading order."""

    old_label: str
    new_label: str
    sections: tuple[SectionChange, ...]
    changes: tuple[Change, ...]

    @property
    def is_empty(self) -> bool:
        """True when the two editions have the same content."""
        return not self.sections and not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """Section → item change kind → count, for every section with any change."""
        ordered = [s.section for s in self.sections] + [c.section for c in self.changes]
        result: dict[str, dict[str, int]] = {name: dict.fromkeys(CHANGE_KINDS, 0) for name in _section_order(ordered)}
        for change in self.changes:
            result[change.section][change.kind] += 1
        return result


# ---------------------------------------------------------------- field values


def _is_item_list(value: object) -> bool:
    return isinstance(value, tuple | list) and bool(value) and all(isinstance(v, Item) for v in value)


def _lines(value: object) -> tuple[str, ...] | None:
    """A text value as its lines (a string, or a list of strings), or None when it is not text."""
    if isinstance(value, Enum):
        return None
    if isinstance(value, str):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(v, str) and not isinstance(v, Enum) for v in value):
        return tuple(value)
    return None


def _plain(value: object) -> object:
    """A JSON-ready form of a field value."""
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _as_string(value: object) -> str | None:
    """The text compared for a field: joined lines for string lists, else string or JSON form."""
    if value is None:
        return None
    lines = _lines(value)
    if lines is not None:
        return "\n".join(lines)
    plain = _plain(value)
    if isinstance(plain, str):
        return plain
    return json.dumps(plain, ensure_ascii=False, sort_keys=True)


def _leaf_fields(model: BaseModel, prefix: str = "") -> Iterator[tuple[str, object]]:
    """(dotted path, value) of every field that is neither an item list nor ``id``.

    Extra keys a model allows (a table row's cells) are fields too; a mapping
    named in the model's ``DIFF_EXPAND`` (a matrix's cells) is compared key by key.
    """
    expand: frozenset[str] = getattr(type(model), "DIFF_EXPAND", frozenset())
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in expand and hasattr(model, f"diff_{name}"):  # the model names its own parts
            yield from ((f"{prefix}{path}", leaf) for path, leaf in getattr(model, f"diff_{name}")())
            continue
        if (not prefix and isinstance(model, Item) and name == "id") or _is_item_list(value):
            continue
        if isinstance(value, tuple) and not value and name in _item_list_names(type(model)):
            continue
        if isinstance(value, BaseModel):
            yield from _leaf_fields(value, f"{prefix}{name}.")
        elif isinstance(value, dict) and name in expand:
            yield from _mapping_leaves(value, f"{prefix}{name}")
        else:
            yield f"{prefix}{name}", value
    for name, value in (model.model_extra or {}).items():
        yield f"{prefix}{name}", value


def _mapping_leaves(mapping: dict[object, object], path: str) -> Iterator[tuple[str, object]]:
    for key, value in mapping.items():
        if isinstance(value, dict):
            yield from _mapping_leaves(value, f"{path}.{key}")
        elif not _is_item_list(value):
            yield f"{path}.{key}", value


@cache
def _item_list_names(model: type[BaseModel]) -> frozenset[str]:
    """Fields declared as tuples of items (found from the annotation, so empty lists count)."""
    return frozenset(
        name
        for name, info in model.model_fields.items()
        if any(isinstance(arg, type) and issubclass(arg, Item) for arg in getattr(info.annotation, "__args__", ()))
    )


def field_change(path: str, old: object, new: object) -> FieldChange | None:
    """The change of one field, or None when both values are the same."""
    old_text, new_text = _as_string(old), _as_string(new)
    if old_text == new_text:
        return None
    old_lines, new_lines = _lines(old), _lines(new)
    if (old is not None and old_lines is None) or (new is not None and new_lines is None):
        return FieldChange(path, old_text, new_text, False, ())
    cosmetic = (
        old_lines is not None
        and new_lines is not None
        and [normalise(line) for line in old_lines] == [normalise(line) for line in new_lines]
    )
    words = tuple(word_diff(old_text or "", new_text or ""))
    return FieldChange(path, old_text, new_text, cosmetic, words)


def compare_fields(old: BaseModel | None, new: BaseModel | None) -> tuple[FieldChange, ...]:
    """Changed leaf fields of two versions of a model (either may be absent)."""
    olds = dict(_leaf_fields(old)) if old is not None else {}
    news = dict(_leaf_fields(new)) if new is not None else {}
    paths = list(news) + [p for p in olds if p not in news]
    found = (field_change(p, olds.get(p), news.get(p)) for p in paths)
    return tuple(change for change in found if change is not None)


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class _Entry:
    """One item where it stands in its section."""

    list_path: str
    position: int
    item: Item

    @property
    def key(self) -> _Key:
        return self.list_path, self.item.id


def _entries(model: BaseModel, prefix: str = "") -> Iterator[_Entry]:
    """Every item inside ``model``, depth first, with its list path and position."""
    for name in type(model).model_fields:
        yield from _list_entries(getattr(model, name), f"{prefix}{name}")


def _list_entries(value: object, path: str) -> Iterator[_Entry]:
    """The items of an item list at ``path``; a mapping's item lists (a matrix cell's) at ``path.key``."""
    if isinstance(value, dict):
        for key, element in value.items():
            yield from _list_entries(element, f"{path}.{key}")
    elif isinstance(value, tuple) and _is_item_list(value):
        for position, item in enumerate(value):
            yield _Entry(path, position, item)
            yield from _entries(item, f"{path}[{item.id}].")


def _match(olds: Sequence[_Entry], news: Sequence[_Entry]) -> dict[_Key, _Entry]:
    """New entry key → matching old entry: same list first, then a unique id of the same model."""
    old_by_key = {e.key: e for e in olds}
    matched = {n.key: old_by_key[n.key] for n in news if n.key in old_by_key}
    used = {m.key for m in matched.values()}

    def signature(entry: _Entry) -> tuple[type[Item], str]:
        return type(entry.item), entry.item.id

    left_old = [e for e in olds if e.key not in used]
    left_new = [e for e in news if e.key not in matched]
    old_count = Counter(signature(e) for e in left_old)
    new_count = Counter(signature(e) for e in left_new)
    by_signature = {signature(e): e for e in left_old}
    for entry in left_new:
        sig = signature(entry)
        if old_count[sig] == 1 and new_count[sig] == 1:
            matched[entry.key] = by_signature[sig]
    return matched


def _lcs(old: Sequence[str], new: Sequence[str]) -> set[str]:
    """Ids in a longest common subsequence (ties keep the items earlier in ``new``)."""
    rows, cols = len(old), len(new)
    table = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if old[i] == new[j] else max(table[i + 1][j], table[i][j + 1])
    kept: set[str] = set()
    i = j = 0
    while i < rows and j < cols:
        if old[i] == new[j]:
            kept.add(old[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def _reordered(olds: Sequence[_Entry], news: Sequence[_Entry], matched: dict[_Key, _Entry]) -> set[_Key]:
    """Keys of new entries that stayed in their list but changed order among the common items."""
    moved: set[_Key] = set()
    for path in dict.fromkeys(e.list_path for e in news):
        common = [e for e in news if e.list_path == path and e.key in matched and matched[e.key].list_path == path]
        common_ids = {e.item.id for e in common}
        old_order = [e.item.id for e in olds if e.list_path == path and e.item.id in common_ids]
        kept = _lcs(old_order, [e.item.id for e in common])
        moved.update(e.key for e in common if e.item.id not in kept)
    return moved


def _pair_changes(section: str, old: _Entry, new: _Entry, reordered: bool) -> list[Change]:
    label = item_name(new.item)
    changes: list[Change] = []
    if old.list_path != new.list_path or reordered:
        old_path = old.list_path if old.list_path != new.list_path else None
        changes.append(Change("moved", section, new.list_path, new.item.id, label, (), old_path,
                              old.position, new.position))  # fmt: skip
    fields = compare_fields(old.item, new.item)
    if fields:
        changes.append(Change("changed", section, new.list_path, new.item.id, label, fields))
    return changes


def _removed(section: str, entry: _Entry) -> Change:
    return Change("removed", section, entry.list_path, entry.item.id, item_name(entry.item),
                  old_position=entry.position)  # fmt: skip


def _removed_after(olds: Sequence[_Entry], matched: dict[_Key, _Entry]) -> dict[_Key | None, list[_Entry]]:
    """Removed old entries, grouped under the new key they follow (None: at the start)."""
    old_to_new = {old.key: key for key, old in matched.items()}
    anchored: dict[_Key | None, list[_Entry]] = {}
    anchor: _Key | None = None
    for entry in olds:
        if entry.key in old_to_new:
            anchor = old_to_new[entry.key]
        else:
            anchored.setdefault(anchor, []).append(entry)
    return anchored


def diff_items(section: str, old: BaseModel | None, new: BaseModel | None) -> list[Change]:
    """Item changes of one section kind, in the newer edition's order."""
    olds = list(_entries(old)) if old is not None else []
    news = list(_entries(new)) if new is not None else []
    matched = _match(olds, news)
    reordered = _reordered(olds, news, matched)
    removed = _removed_after(olds, matched)
    changes = [_removed(section, e) for e in removed.get(None, [])]
    for entry in news:
        if entry.key in matched:
            changes += _pair_changes(section, matched[entry.key], entry, entry.key in reordered)
        else:
            changes.append(Change("added", section, entry.list_path, entry.item.id, item_name(entry.item),
                                  new_position=entry.position))  # fmt: skip
        changes += [_removed(section, e) for e in removed.get(entry.key, [])]
    return changes


# ---------------------------------------------------------------- sections


def _section_order(kinds: Sequence[str]) -> list[str]:
    """Distinct kinds in ``SECTION_KINDS`` order, generic chapters after, in the order given."""
    order = list(SECTION_KINDS)
    given = list(dict.fromkeys(kinds))
    return sorted(given, key=lambda k: (order.index(k) if k in order else len(order), given.index(k)))


def _section_change(kind: str, old: Section | None, new: Section | None) -> SectionChange | None:
    fields = compare_fields(old, new)
    if old is None:
        return SectionChange("added", kind, fields)
    if new is None:
        return SectionChange("removed", kind, fields)
    return SectionChange("changed", kind, fields) if fields else None


def diff_sections(
    old: dict[str, Section], new: dict[str, Section], old_label: str = "", new_label: str = ""
) -> EditionDiff:
    """Compare two editions' sections (section kind → model)."""
    sections: list[SectionChange] = []
    changes: list[Change] = []
    for kind in _section_order([*old, *new]):
        section = _section_change(kind, old.get(kind), new.get(kind))
        if section is not None:
            sections.append(section)
        changes += diff_items(kind, old.get(kind), new.get(kind))
    return EditionDiff(old_label, new_label, tuple(sections), tuple(changes))


def edition_label(edition: Edition) -> str:
    """«stage 1 edition 2», naming an edition in a diff."""
    return f"stage {edition.stage.number} edition {edition.entry.number}"


def diff_editions(old: Edition, new: Edition) -> EditionDiff:
    """Compare two validated editions of a stage report."""
    return diff_sections(old.sections, new.sections, edition_label(old), edition_label(new))
