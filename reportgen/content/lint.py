"""The Persian lint over content files: every prose scalar of a YAML file, located, and fixable in place.

Rules run on the scalar's own characters in the file (between its quotes, or the
lines of a block scalar), so a finding has an exact line and column and a fix
replaces only those characters: comments, quoting, key order and layout stay
byte-for-byte as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reportgen.content.loader import PathKey, format_path
from reportgen.errors import ContentError, Problem
from reportgen.text.lint import RULES, Finding, apply, lint_text

NOT_PROSE_KEYS = frozenset({"id", "concerns", "src", "kind", "type", "compute", "latin", "english", "url",
                            "status", "date", "content_hash", "files"})  # fmt: skip
"""Keys whose values are identifiers, paths, expressions or English: never linted."""


@dataclass(frozen=True)
class LintFinding:
    """A finding located in a file: ``text[start:end]`` of the file should read ``finding.replacement``."""

    path: Path
    line: int
    column: int
    field: str
    start: int
    end: int
    finding: Finding

    def __str__(self) -> str:
        rule = self.finding.rule
        shown = self.finding.replacement.replace("\u200c", "[ZWNJ]") or "(nothing)"
        original = self.finding.original.replace("\u200c", "[ZWNJ]")
        where = f"{self.path}:{self.line}:{self.column}: {self.field}"
        return f"{where}: {rule.name}: {rule.message} («{original}» → «{shown}»)"


def _scalars(node: Node, where: PathKey) -> Iterator[tuple[PathKey, ScalarNode]]:
    if isinstance(node, ScalarNode):
        yield where, node
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _scalars(item, (*where, index))
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            name = str(key.value)
            if name not in NOT_PROSE_KEYS:
                yield from _scalars(value, (*where, name))


def _body_span(node: ScalarNode) -> tuple[int, int]:
    """Where the scalar's characters are in the file: inside its quotes, or its block's lines."""
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        return start + 1, end - 1
    return start, end


def lint_yaml(text: str, path: Path) -> list[LintFinding]:
    """Every finding in the prose scalars of one YAML document held in ``text``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ContentError([Problem(path, line, column, "", "invalid YAML: run 'reportgen validate'")]) from None
    if root is None:
        return []
    line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    located: list[LintFinding] = []
    for where, node in _scalars(root, ()):
        start, end = _body_span(node)
        for finding in lint_text(text[start:end]):
            if node.style == '"' and finding.rule is RULES["straight-quotes"]:
                continue  # inside a double-quoted scalar a straight quote is an escape
            offset = start + finding.start
            line = _line_of(line_starts, offset)
            located.append(LintFinding(path, line + 1, offset - line_starts[line] + 1, format_path(where),
                                       offset, start + finding.end, finding))  # fmt: skip
    return located


def _line_of(line_starts: list[int], offset: int) -> int:
    low, high = 0, len(line_starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if line_starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def fixed_yaml(text: str, path: Path) -> tuple[str, list[LintFinding]]:
    """``text`` with every safe finding fixed (repeated until stable), and the findings fixed."""
    fixed: list[LintFinding] = []
    for _ in range(4):
        safe = [f for f in lint_yaml(text, path) if f.finding.rule.safe]
        if not safe:
            break
        fixed.extend(safe)
        text = apply(text, [_at_file_offsets(f) for f in safe])
    yaml.compose(text, Loader=yaml.SafeLoader)  # a fix never breaks the file; raises if it did
    return text, fixed


def _at_file_offsets(located: LintFinding) -> Finding:
    f = located.finding
    return Finding(f.rule, located.start, located.end, f.original, f.replacement)
