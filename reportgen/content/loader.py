"""YAML files → plain data (dicts, lists, strings) with the source mark of every value.

The loader is deliberately strict and dumb:
- safe: only the node graph is composed; no constructor runs, no tag is honoured;
- every scalar stays a string (``NO``, ``01234``, ``1.10`` and ``12:30:00`` are text;
  the typed models convert numbers where a field wants one);
- anchors, aliases, explicit tags, duplicate keys, several documents, empty files,
  invalid UTF-8, oversized files and runaway nesting are errors with file:line:column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, NodeEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from reportgen.errors import ContentError, Problem

Data = Union[str, list["Data"], dict[str, "Data"]]  # noqa: UP007 (recursive alias needs Union)
PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 5000
"""Longest list a content file may hold: a report table of more rows is a mistake."""

# Invisible characters that reorder or hide text. ZWNJ (U+200C) and ZWJ (U+200D)
# are part of Persian words and allowed; reportgen adds its own isolation.
INVISIBLE_CONTROLS = {
    **{chr(c): "bidi embedding/override" for c in range(0x202A, 0x202F)},
    **{chr(c): "bidi isolate" for c in range(0x2066, 0x206A)},
    "\u200e": "left-to-right mark", "\u200f": "right-to-left mark", "\u061c": "Arabic letter mark",
    "\u200b": "zero-width space", "\u2060": "word joiner", "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen", "\u2028": "line separator", "\u2029": "paragraph separator",
    **{chr(c): "control character" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))},
}
# Surrogates cannot be encoded at all (YAML escapes such as "\\ud800" produce them);
# private-use characters have no glyph, and reportgen uses some as internal marks.
_INVISIBLE = re.compile("[" + re.escape("".join(INVISIBLE_CONTROLS)) + "\ud800-\udfff\ue000-\uf8ff]")
_PLAIN_TAGS = {BaseResolver.DEFAULT_SCALAR_TAG, BaseResolver.DEFAULT_SEQUENCE_TAG,
               BaseResolver.DEFAULT_MAPPING_TAG}  # fmt: skip


@dataclass(frozen=True)
class LoadedFile:
    """One YAML file's data and where each value came from."""

    path: Path
    data: Data
    marks: dict[PathKey, tuple[int, int]] = field(repr=False)
    """Path of a value inside ``data`` → (line, column), both 1-based."""

    def locate(self, where: PathKey) -> tuple[int | None, int | None]:
        """The mark of ``where``, or of its nearest ancestor that has one."""
        for length in range(len(where), -1, -1):
            mark = self.marks.get(where[:length])
            if mark:
                return mark
        return None, None

    def problem(self, where: PathKey, message: str) -> Problem:
        line, column = self.locate(where)
        return Problem(self.path, line, column, format_path(where), message)


def format_path(where: PathKey) -> str:
    """('cases', 2, 'lessons') → 'cases[2].lessons'."""
    text = ""
    for part in where:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


class _NoAliasComposer(Composer):
    """PyYAML's composer, refusing anchors and aliases."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, AliasEvent) or (isinstance(event, NodeEvent) and event.anchor):
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (& and *) are not allowed; write the value out",
                problem_mark=event.start_mark,  # type: ignore[arg-type]
            )
        return super().compose_node(parent, index)


class _StrictLoader(Reader, Scanner, Parser, _NoAliasComposer, SafeConstructor, BaseResolver):
    """PyYAML's pure-Python pieces with no implicit resolvers and no aliases: exact error messages."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        BaseResolver.__init__(self)


_FastParser: type | None
try:  # libyaml's scanner and parser: the same events, some seven times faster
    from yaml._yaml import CParser as _FastParser
except ImportError:  # PyYAML built without libyaml
    _FastParser = None


def _fast_node(text: str) -> Node | None:
    """The document's node tree through libyaml, or None if only the pure-Python loader may judge it.

    Anything unusual (characters YAML forbids, any error at all) is left to
    ``_StrictLoader``, whose messages the error corpus pins down; for valid
    files both give the same nodes and marks (tested on every bundled file).
    """
    if _FastParser is None or Reader.NON_PRINTABLE.search(text):
        return None

    class Loader(_NoAliasComposer, _FastParser, SafeConstructor, BaseResolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            _FastParser.__init__(self, stream)  # type: ignore[misc]
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            BaseResolver.__init__(self)

    try:
        return Loader(text).get_single_node()
    except Exception:  # noqa: BLE001 - the strict loader reports it, with a located message
        return None


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _checked_text(node: ScalarNode, where: PathKey, path: Path) -> str:
    """The scalar's text, refusing invisible controls that would reorder or hide it."""
    text = str(node.value)
    match = _INVISIBLE.search(text)
    if match:
        character = match.group()
        line, column_or_none = _mark(node)
        column: int | None = column_or_none
        before = text[: match.start()]
        if not node.style and "\n" not in before:  # plain: None from PyYAML, "" from libyaml
            column = column_or_none + match.start()  # a plain one-line scalar: the character itself
        elif node.style == "|":
            line, column = line + 1 + before.count("\n"), None  # a literal block: its line
        fallback = "private-use character" if character >= "\ue000" else "lone surrogate"
        name = INVISIBLE_CONTROLS.get(character) or fallback
        raise ContentError([Problem(path, line, column, format_path(where),
                                    f"invisible control character U+{ord(character):04X} ({name}); remove it")])
    return text


def _to_data(node: Node, where: PathKey, marks: dict[PathKey, tuple[int, int]], path: Path) -> Data:
    if len(where) > MAX_DEPTH:
        raise ContentError([Problem(path, *_mark(node), format_path(where),
                                    f"nesting deeper than {MAX_DEPTH} levels")])
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise ContentError([Problem(path, *_mark(node), format_path(where), f"YAML tag '{tag}' is not allowed")])
    marks.setdefault(where, _mark(node))
    if isinstance(node, ScalarNode):
        return _checked_text(node, where, path)
    if isinstance(node, SequenceNode):
        if len(node.value) > MAX_ITEMS:
            raise ContentError([Problem(path, *_mark(node), format_path(where),
                                        f"list has {len(node.value)} items; at most {MAX_ITEMS} are allowed")])
        return [_to_data(item, (*where, i), marks, path) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    result: dict[str, Data] = {}
    key_marks: dict[str, tuple[int, int]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode) or key_node.tag not in _PLAIN_TAGS:
            raise ContentError([Problem(path, *_mark(key_node), format_path(where),
                                        "mapping keys must be plain text")])
        key = str(key_node.value)
        line, column = _mark(key_node)
        if key in result:
            first_line, first_column = key_marks[key]
            raise ContentError([Problem(path, line, column, format_path((*where, key)),
                                        f"duplicate key '{key}' (first at line {first_line}, column {first_column})")])
        key_marks[key] = (line, column)
        # A key's own position is where a reader looks for "unknown field" and the like.
        marks[(*where, key)] = (line, column)
        result[key] = _to_data(value_node, (*where, key), marks, path)
        marks[(*where, key)] = (line, column)
    return result


def parse_yaml(text: str, path: Path) -> LoadedFile:
    """Parse one YAML document held in ``text`` (read from ``path``)."""
    node = _fast_node(text)
    if node is not None:
        marks: dict[PathKey, tuple[int, int]] = {}
        return LoadedFile(path, _to_data(node, (), marks, path), marks)
    try:
        loader = _StrictLoader(text)
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        message = (error.problem or "invalid YAML").strip()
        if "'\\t'" in message:
            message = "tab character: indent with spaces"
        if "expected a single document" in (error.context or ""):
            message = "only one YAML document per file (remove the '---' separator)"
        elif message == "mapping values are not allowed here":
            message = "unexpected ': ' (quote a value that contains ': ', or check this line's indentation)"
        elif error.context and error.context_mark and error.context_mark is not mark:
            start = error.context_mark
            message += f" ({error.context} that starts at line {start.line + 1}, column {start.column + 1})"
        raise ContentError([Problem(path, line, column, "", message)]) from None
    except RecursionError:
        raise ContentError([Problem(path, None, None, "", f"nesting deeper than {MAX_DEPTH} levels")]) from None
    except yaml.reader.ReaderError as error:  # characters YAML does not allow
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        message = f"character U+{error.character:04X} is not allowed (control character)" \
            if isinstance(error.character, int) else "character not allowed"
        raise ContentError([Problem(path, line, column, "", message)]) from None
    if node is None:
        raise ContentError([Problem(path, 1, 1, "", "file is empty")])
    marks = {}
    data = _to_data(node, (), marks, path)
    return LoadedFile(path, data, marks)


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        line_start = before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")
        message = "file is not valid UTF-8 (was it saved as Windows-1256? save it as UTF-8)"
        raise ContentError([Problem(path, line, len(line_start) + 1, "", message)]) from None


def load_yaml(path: Path) -> LoadedFile:
    """Read and parse one YAML file."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError([Problem(path, None, None, "",
                                        f"file is larger than {MAX_FILE_BYTES // 1024} KiB")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ContentError([Problem(path, None, None, "", "file not found")]) from None
    except OSError as error:
        raise ContentError([Problem(path, None, None, "", f"cannot read: {error.strerror}")]) from None
    text = _decode(raw, path)
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, path)
