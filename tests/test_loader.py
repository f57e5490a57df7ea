"""The strict YAML loader: every value keeps its mark; surprises are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.content.loader import load_yaml, parse_yaml
from reportgen.errors import ContentError

from conftest import REPO

F = Path("f.yaml")


def error_of(text: str) -> str:
    with pytest.raises(ContentError) as caught:
        parse_yaml(text, F)
    return str(caught.value)


def test_scalars_stay_text() -> None:
    data = parse_yaml("a: NO\nb: yes\nc: 01234\nd: 1.10\ne: 12:30:00\nf: ~\n", F).data
    assert data == {"a": "NO", "b": "yes", "c": "01234", "d": "1.10", "e": "12:30:00", "f": "~"}


def test_marks_point_at_keys_and_items() -> None:
    loaded = parse_yaml("title: x\nitems:\n  - id: a\n    text: |\n      سلام\n", F)
    assert loaded.marks[("title",)] == (1, 1)
    assert loaded.marks[("items", 0)] == (3, 5)
    assert loaded.marks[("items", 0, "text")] == (4, 5)
    # Unknown paths fall back to their nearest known ancestor.
    assert loaded.locate(("items", 0, "missing")) == (3, 5)


def test_zwnj_is_kept() -> None:
    assert parse_yaml("a: می\u200cشود\n", F).data == {"a": "می\u200cشود"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "f.yaml:2:1: a: duplicate key 'a' (first at line 1, column 1)"),
        ("a: &x 1\nb: *x\n", "f.yaml:1:4: anchors and aliases (& and *) are not allowed; write the value out"),
        ("a: !!python/object:os.system x\n",
         "f.yaml:1:4: a: YAML tag '!!python/object:os.system' is not allowed"),
        ("a: 1\n---\nb: 2\n", "f.yaml:2:1: only one YAML document per file (remove the '---' separator)"),
        ("", "f.yaml:1:1: file is empty"),
        ("a: \x07\n", "f.yaml:1:4: character U+0007 is not allowed (control character)"),
        ("a: [1, 2\n", "f.yaml:2:1: expected ',' or ']', but got '<stream end>'"
                        " (while parsing a flow sequence that starts at line 1, column 4)"),
    ],
)  # fmt: skip
def test_errors_are_located(text: str, message: str) -> None:
    assert error_of(text) == message


def test_tab_indentation_is_an_error() -> None:
    assert error_of("a:\n\t- b\n").startswith("f.yaml:2:1:")


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes("title: سلام\nbody: ".encode() + b"\xff\xfe\n")
    with pytest.raises(ContentError) as caught:
        load_yaml(path)
    assert str(caught.value) == f"{path}:2:7: file is not valid UTF-8 (was it saved as Windows-1256? save it as UTF-8)"


def test_deep_nesting_is_refused() -> None:
    assert "nesting deeper than" in error_of("a: " + "[" * 40 + "]" * 40 + "\n")


def test_libyaml_and_the_strict_loader_agree_on_every_bundled_file() -> None:
    """Valid files go through libyaml for speed; they must load exactly as the pure-Python loader loads them."""
    from reportgen.content.loader import _fast_node, _loaded, _StrictLoader

    # The lint corpus is not content: it holds characters the loader refuses on purpose.
    data = [p for p in sorted((REPO / "tests" / "data").rglob("*.yaml")) if p.name != "lint_corpus.yaml"]
    files = sorted((REPO / "content").rglob("*.yaml")) + data
    checked = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = _fast_node(text)
        if fast is None:
            continue  # left to the strict loader (the bad-input corpus lives here)
        strict = _StrictLoader(text).get_single_node()
        fast_file, strict_file = _loaded(fast, text, path), _loaded(strict, text, path)
        assert fast_file.data == strict_file.data, path
        assert fast_file.marks == strict_file.marks, path
        checked += 1
    assert checked >= 20
