"""YAML files → plain data (dicts, lists, strings) with the source mark of every value.

The loader is deliberately strict and dumb:
- safe: only the node graph is composed; no constructor runs, no tag is honoured;
- every scalar stays a string (``NO``, ``01234``, ``1.10`` and ``12:30:00`` are text;
  the typed models convert numbers where a field wants one);
- anchors, aliases, explicit tags, duplicate keys, several documents, empty files,
  invalid UTF-8, oversized files and runaway nesting are errors with file:line:column.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Iterator
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
from reportgen.text.characters import INVISIBLE_CONTROLS, describe, forbidden_characters

__all__ = ["INVISIBLE_CONTROLS", "LoadedFile", "load_yaml", "parse_yaml"]

Data = Union[str, list["Data"], dict[str, "Data"]]  # noqa: UP007 (recursive alias needs Union)
PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_ITEMS = 5000
"""Longest list a content file may hold: a report table of more rows is a mistake."""

_PLAIN_TAGS = {BaseResolver.DEFAULT_SCALAR_TAG, BaseResolver.DEFAULT_SEQUENCE_TAG,
               BaseResolver.DEFAULT_MAPPING_TAG}  # fmt: skip


@dataclass(frozen=True)
class LoadedFile:
    """One YAML file's data and where each value came from."""

    path: Path
    data: Data
    marks: dict[PathKey, tuple[int, int]] = field(repr=False)
    """Path of a value inside ``data`` → (line, column), both 1-based."""
    source: str = field(default="", repr=False)
    """The file's text, to locate something inside a value."""

    def locate(self, where: PathKey) -> tuple[int | None, int | None]:
        """The mark of ``where``, or of its nearest ancestor that has one."""
        for length in range(len(where), -1, -1):
            mark = self.marks.get(where[:length])
            if mark:
                return mark
        return None, None

    def problem(self, where: PathKey, message: str, written: str = "") -> Problem:
        """A problem with ``where``; at the first ``written`` text inside its value when given and found."""
        line, column = self.locate(where)
        if written and line is not None and column is not None:
            starts = [0, *(m.end() for m in re.finditer("\n", self.source))]
            offset = self.source.find(written, starts[line - 1] + column - 1) if line <= len(starts) else -1
            if offset >= 0:
                line, column = _line_column(self.source, offset)
        return Problem(self.path, line, column, format_path(where), message)


def iter_strings(data: Data, where: PathKey = ()) -> Iterator[tuple[PathKey, str]]:
    """Every string value in ``data`` with where it is."""
    if isinstance(data, str):
        yield where, data
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from iter_strings(item, (*where, index))
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from iter_strings(value, (*where, key))


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


class _Walk:
    """What turning one file's nodes into data needs: its source, its marks, its problems so far."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.marks: dict[PathKey, tuple[int, int]] = {}
        self.problems: list[Problem] = []
        self._line_starts: list[int] | None = None

    def offset(self, line: int, column: int) -> int:
        """Character offset of a 0-based line and column."""
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return self._line_starts[min(line, len(self._line_starts) - 1)] + column

    def position(self, offset: int) -> tuple[int, int]:
        return _line_column(self.text, offset)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _checked_text(node: ScalarNode, where: PathKey, walk: _Walk) -> str:
    """The scalar's text; every invisible or private-use character in it is a problem, located where it stands.

    A character written literally is located exactly, whatever the scalar's
    style (plain, quoted or block); one written as an escape (``"\\u202e"``)
    at the start of its scalar.
    """
    text = str(node.value)
    found = [match.group() for match in forbidden_characters(text)]
    if not found:
        return text
    start = walk.offset(node.start_mark.line, node.start_mark.column)
    end = walk.offset(node.end_mark.line, node.end_mark.column)
    literal = [(start + m.start(), m.group()) for m in forbidden_characters(walk.text[start:end])]
    located = [(*walk.position(offset), char) for offset, char in literal if char in found]
    if not located:
        located = [(*_mark(node), char) for char in dict.fromkeys(found)]
    for line, column, character in located:
        walk.problems.append(Problem(walk.path, line, column, format_path(where),
                                     f"invisible control character {describe(character)}; remove it"))
    return text


def _to_data(node: Node, where: PathKey, walk: _Walk) -> Data:
    path = walk.path
    if len(where) > MAX_DEPTH:
        raise ContentError([Problem(path, *_mark(node), format_path(where),
                                    f"nesting deeper than {MAX_DEPTH} levels")])
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise ContentError([Problem(path, *_mark(node), format_path(where), f"YAML tag '{tag}' is not allowed")])
    marks = walk.marks
    marks.setdefault(where, _mark(node))
    if isinstance(node, ScalarNode):
        return _checked_text(node, where, walk)
    if isinstance(node, SequenceNode):
        if len(node.value) > MAX_ITEMS:
            raise ContentError([Problem(path, *_mark(node), format_path(where),
                                        f"list has {len(node.value)} items; at most {MAX_ITEMS} are allowed")])
        return [_to_data(item, (*where, i), walk) for i, item in enumerate(node.value)]
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
        result[key] = _to_data(value_node, (*where, key), walk)
        marks[(*where, key)] = (line, column)
    return result


def _loaded(node: Node, text: str, path: Path) -> LoadedFile:
    walk = _Walk(path, text)
    data = _to_data(node, (), walk)
    if walk.problems:
        raise ContentError(walk.problems)
    return LoadedFile(path, data, walk.marks, text)


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where the nesting first goes deeper than allowed, read event by event (no recursion)."""
    loader = _StrictLoader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH and event.start_mark is not None:
                    return event.start_mark.line + 1, event.start_mark.column + 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def parse_yaml(text: str, path: Path) -> LoadedFile:
    """Parse one YAML document held in ``text`` (read from ``path``)."""
    node = _fast_node(text)
    if node is not None:
        return _loaded(node, text, path)
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
    except RecursionError:  # composing is recursive; reading events is not, so they locate it
        line, column = _too_deep(text) or (None, None)
        raise ContentError([Problem(path, line, column, "", f"nesting deeper than {MAX_DEPTH} levels")]) from None
    except yaml.reader.ReaderError as error:  # characters YAML does not allow
        before = text[: error.position]
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        message = f"character U+{error.character:04X} is not allowed (control character)" \
            if isinstance(error.character, int) else "character not allowed"
        raise ContentError([Problem(path, line, column, "", message)]) from None
    if node is None:
        raise ContentError([Problem(path, 1, 1, "", "file is empty")])
    return _loaded(node, text, path)


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        line_start = before[before.rfind(b"\n") + 1 :].decode("utf-8", errors="replace")
        message = "file is not valid UTF-8 (was it saved as Windows-1256? save it as UTF-8)"
        raise ContentError([Problem(path, line, len(line_start) + 1, "", message)]) from None


NOT_REGULAR = ("is not a regular file (a symbolic link, folder, pipe or device); "
               "content must be regular files inside the project")


def read_content_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of one content file, which must be a regular file, not a symbolic link, of at most ``limit`` bytes.

    Opened without following a symbolic link and without blocking, then
    checked on the open file, so that neither a link to something outside the
    project nor a pipe or device (``/dev/zero``, ``/dev/stdin``) is ever read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise ContentError([Problem(path, None, None, "", "file not found")]) from None
    except OSError as error:
        if error.errno == errno.ELOOP or path.is_symlink():
            raise ContentError([Problem(path, None, None, "", NOT_REGULAR)]) from None
        raise ContentError([Problem(path, None, None, "", f"cannot read: {error.strerror}")]) from None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise ContentError([Problem(path, None, None, "", NOT_REGULAR)])
        if status.st_size > limit:
            raise ContentError([Problem(path, None, None, "", f"file is larger than {limit // 1024} KiB")])
        try:
            raw = stream.read(limit + 1)
        except OSError as error:
            raise ContentError([Problem(path, None, None, "", f"cannot read: {error.strerror}")]) from None
    if len(raw) > limit:  # grew while being read
        raise ContentError([Problem(path, None, None, "", f"file is larger than {limit // 1024} KiB")])
    return raw


def load_yaml(path: Path) -> LoadedFile:
    """Read and parse one YAML file."""
    text = _decode(read_content_file(path), path)
    if text.startswith("\ufeff"):
        text = text[1:]
    return parse_yaml(text, path)
