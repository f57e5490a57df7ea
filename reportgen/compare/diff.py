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

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from functools import cache
from typing import Literal

from diff_match_patch import diff_match_patch
from pydantic import BaseModel

from reportgen.content.labels import Labels, default_labels
from reportgen.content.models import SECTION_KINDS, Edition, Item, Section, item_name, iter_items
from reportgen.text.persian import ordinal_in_words, to_latin_digits

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


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str) -> list[str]:
    """A text's paragraphs (blank-line separated), each normalised: merging or splitting is a real change."""
    return [normalise(part) for part in _PARAGRAPH_BREAK.split(text.strip())]


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


_PLANE = 0xF0000
"""Tokens are diffed as one private-use character each (planes 15 and 16: never in content)."""
_OPS: dict[int, OpKind] = {0: "equal", 1: "insert", -1: "delete"}


def _encode(tokens: Sequence[str], codes: dict[str, str]) -> str:
    for token in tokens:
        if token not in codes:
            codes[token] = chr(_PLANE + len(codes))
    return "".join(codes[token] for token in tokens)


def word_diff(old: str, new: str) -> list[WordOp]:
    """Token-level diff of two texts, cleaned up to phrases; a replacement is a delete then an insert.

    diff-match-patch compares the token sequences (one character per token, as its
    line mode does) and its semantic cleanup folds short equalities (a lone space
    between two changed words) into the edits around them, so that a rewritten
    sentence reads as one deletion and one insertion rather than word pairs.
    """
    codes: dict[str, str] = {}
    a, b = _encode(tokenize(old), codes), _encode(tokenize(new), codes)
    tokens = {code: token for token, code in codes.items()}
    engine = diff_match_patch()
    engine.Diff_Timeout = 0  # deterministic: never cut the comparison short on a slow machine
    diffs = engine.diff_main(a, b, checklines=False)
    engine.diff_cleanupSemantic(diffs)
    ops = [WordOp(_OPS[op], "".join(tokens[c] for c in text)) for op, text in diffs]
    return _merge(_delete_first(ops))


def _delete_first(ops: Sequence[WordOp]) -> list[WordOp]:
    """Within each run of edits between equalities, deletions before insertions."""
    result: list[WordOp] = []
    run: list[WordOp] = []
    for op in [*ops, WordOp("equal", "")]:
        if op.op == "equal":
            result += [o for o in run if o.op == "delete"] + [o for o in run if o.op == "insert"]
            run = []
            result.append(op)
        else:
            run.append(op)
    return result


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
class MatrixRow:
    """One item of a list whose items hold a mapping (a row of a matrix), with its cells in both editions."""

    item_id: str
    label: str
    cells: dict[str, tuple[str | None, str | None]]
    """Column key → (old value, new value); ``None`` where the row or cell is absent."""

    def changed(self, key: str) -> bool:
        old, new = self.cells.get(key, (None, None))
        return old != new


@dataclass(frozen=True)
class Matrix:
    """A whole matrix (the mapping field ``field`` of the items of one list) in which some cell changed."""

    section: str
    list_path: str
    field: str
    columns: tuple[str, ...]
    """Column keys: the newer edition's first, then keys only the older has."""
    rows: tuple[MatrixRow, ...]


@dataclass(frozen=True)
class EditionDiff:
    """Everything that differs between two editions, in reading order."""

    old_label: str
    new_label: str
    sections: tuple[SectionChange, ...]
    changes: tuple[Change, ...]
    matrices: tuple[Matrix, ...] = field(default=(), compare=False)
    names: dict[str, str] = field(default_factory=dict, compare=False)
    """Item id → what a reader calls it, over both editions (the newer's name wins): matrix keys, references."""
    old_title: str = field(default="", compare=False)
    new_title: str = field(default="", compare=False)
    """The editions as a Persian reader names them («ویرایش اول»)."""
    titles: dict[str, str] = field(default_factory=dict, compare=False)
    """Section → its own title (the newer edition's, else the older's): how every output names a chapter."""
    labels: Labels = field(default_factory=default_labels, compare=False)
    """The catalogue the outputs take their words from (the newer edition's, with its report's changes)."""

    def title(self, section: str) -> str:
        """A chapter as the reader knows it: its title (its id only when no edition has it)."""
        return self.titles.get(section, section)

    @property
    def is_empty(self) -> bool:
        """True when the two editions have the same content."""
        return not self.sections and not self.changes

    def counts(self) -> dict[str, dict[str, int]]:
        """Section → change kind → count, for every section with any change.

        Item changes count one each; a section's own text (an introduction, a
        chapter's intro) counts one ``changed`` per changed field.
        """
        ordered = [s.section for s in self.sections] + [c.section for c in self.changes]
        result: dict[str, dict[str, int]] = {name: dict.fromkeys(CHANGE_KINDS, 0) for name in _section_order(ordered)}
        for section in self.sections:
            if section.kind == "changed":
                result[section.section]["changed"] += len(section.fields)
        for change in self.changes:
            result[change.section][change.kind] += 1
        return result

    def only(self, sections: Sequence[str]) -> EditionDiff:
        """The part of this diff about the given section kinds."""
        wanted = set(sections)
        return replace(self, sections=tuple(s for s in self.sections if s.section in wanted),
                       changes=tuple(c for c in self.changes if c.section in wanted),
                       matrices=tuple(m for m in self.matrices if m.section in wanted))  # fmt: skip


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
        and [paragraphs(line) for line in old_lines] == [paragraphs(line) for line in new_lines]
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


def _label(item: Item, names: dict[str, str]) -> str:
    """An item's name; an item with none (a matrix row) is called after the item it refers to."""
    name = item_name(item)
    if name != item.id:
        return name
    for field_name in type(item).model_fields:
        value = getattr(item, field_name)
        if field_name != "id" and isinstance(value, str) and value in names and value != item.id:
            return names[value]
    return name


def _pair_changes(section: str, old: _Entry, new: _Entry, reordered: bool, names: dict[str, str]) -> list[Change]:
    label = _label(new.item, names)
    changes: list[Change] = []
    if old.list_path != new.list_path or reordered:
        old_path = old.list_path if old.list_path != new.list_path else None
        changes.append(Change("moved", section, new.list_path, new.item.id, label, (), old_path,
                              old.position, new.position))  # fmt: skip
    fields = compare_fields(old.item, new.item)
    if fields:
        changes.append(Change("changed", section, new.list_path, new.item.id, label, fields))
    return changes


def _removed(section: str, entry: _Entry, names: dict[str, str]) -> Change:
    return Change("removed", section, entry.list_path, entry.item.id, _label(entry.item, names),
                  compare_fields(entry.item, None), old_position=entry.position)  # fmt: skip


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
    names = _names([*olds, *news])
    changes = [_removed(section, e, names) for e in removed.get(None, [])]
    for entry in news:
        if entry.key in matched:
            changes += _pair_changes(section, matched[entry.key], entry, entry.key in reordered, names)
        else:
            changes.append(Change("added", section, entry.list_path, entry.item.id, _label(entry.item, names),
                                  compare_fields(None, entry.item), new_position=entry.position))  # fmt: skip
        changes += [_removed(section, e, names) for e in removed.get(entry.key, [])]
    return changes


def _names(entries: Sequence[_Entry]) -> dict[str, str]:
    return {e.item.id: item_name(e.item) for e in entries}


# ---------------------------------------------------------------- matrices


def _mapping_fields(item: Item) -> list[str]:
    """Mappings compared key by key (``DIFF_EXPAND``) whose values are cells, not rows: a matrix row's."""
    expand: frozenset[str] = getattr(type(item), "DIFF_EXPAND", frozenset())
    return [name for name in type(item).model_fields if name in expand and isinstance(getattr(item, name), dict)
            and not any(isinstance(v, dict) for v in getattr(item, name).values())]


def _cell(item: Item | None, name: str, key: str) -> str | None:
    mapping = getattr(item, name, None) if item is not None else None
    values = {str(_plain(k)): v for k, v in mapping.items()} if isinstance(mapping, dict) else {}
    return _as_string(values.get(key))


def _matrix(section: str, path: str, name: str, olds: Sequence[_Entry], news: Sequence[_Entry]) -> Matrix:
    names = _names([*olds, *news])
    new_rows = {e.item.id: e.item for e in news if e.list_path == path}
    old_rows = {e.item.id: e.item for e in olds if e.list_path == path}
    keys: dict[str, None] = {}
    for item in [*new_rows.values(), *old_rows.values()]:
        keys.update(dict.fromkeys(str(_plain(k)) for k in getattr(item, name, None) or {}))
    ids = list(new_rows) + [i for i in old_rows if i not in new_rows]
    rows = tuple(
        MatrixRow(i, _label(new_rows.get(i) or old_rows[i], names),
                  {k: (_cell(old_rows.get(i), name, k), _cell(new_rows.get(i), name, k)) for k in keys})
        for i in ids
    )  # fmt: skip
    return Matrix(section, path, name, tuple(keys), rows)


def diff_matrices(
    section: str, old: BaseModel | None, new: BaseModel | None, changes: Sequence[Change]
) -> list[Matrix]:
    """Every matrix of a section (the mapping field of one list's items) in which a cell or row changed."""
    olds = list(_entries(old)) if old is not None else []
    news = list(_entries(new)) if new is not None else []
    candidates = dict.fromkeys((e.list_path, name) for e in [*news, *olds] for name in _mapping_fields(e.item))
    touched = {(c.list_path, f.field.split(".")[0]) for c in changes for f in c.fields}
    return [_matrix(section, path, name, olds, news) for path, name in candidates if (path, name) in touched]


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
    matrices: list[Matrix] = []
    for kind in _section_order([*old, *new]):
        section = _section_change(kind, old.get(kind), new.get(kind))
        if section is not None:
            sections.append(section)
        items = diff_items(kind, old.get(kind), new.get(kind))
        changes += items
        matrices += diff_matrices(kind, old.get(kind), new.get(kind), items)
    names = {i.id: item_name(i) for part in (old, new) for s in part.values() for i in iter_items(s)}
    titles = {kind: section.title for part in (old, new) for kind, section in part.items()}
    return EditionDiff(old_label, new_label, tuple(sections), tuple(changes), tuple(matrices), names,
                       titles=titles)  # fmt: skip


def edition_label(edition: Edition) -> str:
    """«stage 1 edition 2», naming an edition in a diff."""
    return f"stage {edition.stage.number} edition {edition.entry.number}"


def edition_title(edition: Edition, labels: Labels | None = None) -> str:
    """«ویرایش دوم», naming an edition for a Persian reader (the word from ``labels``, default the edition's)."""
    return f"{(labels or edition.labels)['document']['edition']} {ordinal_in_words(edition.entry.number)}"


def diff_editions(old: Edition, new: Edition) -> EditionDiff:
    """Compare two validated editions of a stage report, in the newer edition's words."""
    diff = diff_sections(old.sections, new.sections, edition_label(old), edition_label(new))
    return replace(diff, old_title=edition_title(old, new.labels), new_title=edition_title(new), labels=new.labels)
