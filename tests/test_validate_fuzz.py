"""Fuzzing loading and validation: any input ends in a model or a clean, located ContentError.

Four sources of input, all deterministic (``derandomize``):
- raw YAML-ish text put together from fragments (brackets, anchors, tags, tabs, Persian text …);
- random structures (nested mappings, lists and strings with Persian text, ZWNJ, digits, odd keys);
- the fixture's section files as text, with a fragment typed in or a stretch cut out;
- the fixture report's real files as data, mutated (a key dropped or renamed, a value replaced,
  an item repeated), then loaded as a whole edition (manifest and cross references included).
A problem's line must exist in its file, counting lines the way YAML does.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from reportgen.content.loader import Data, load_yaml, parse_yaml
from reportgen.content.models import SECTION_KINDS, Edition, Report, Stage
from reportgen.content.validate import validate_file
from reportgen.editions.find import EditionRef, load_edition
from reportgen.errors import ContentError, Problem
from reportgen.paths import Project

from conftest import DATA, MINI_REF, make_project

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip

MINI_REPORT = DATA / "mini" / "content" / "mini-city"
FIXTURE_FILES = sorted(str(p.relative_to(MINI_REPORT)) for p in MINI_REPORT.rglob("*.yaml"))
MODELS: dict[str, type[BaseModel]] = {"report": Report, "stage": Stage, **SECTION_KINDS}
FIELD_NAMES = sorted({name for model in MODELS.values() for name in model.model_fields}
                     | {"id", "number", "date", "status", "roles", "sources", "stage"})  # fmt: skip

PERSIAN = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیءآأؤئۀة"
PLAIN = [*PERSIAN, *"۰۱۲۳۴۵۶۷۸۹", *"0123456789", *"abcxyzABC", *" -_:/.,،؛«»()[]{}#&*!|>%@`'\"\\?",
         "\u200c", "\u200d", "\u00a0"]  # fmt: skip
ODD = ["\n", "\t", "\u200f", "\u202e", "\x07", "\x85", "\ufeff", "\u2028"]

plain_text = st.text(alphabet=st.sampled_from(PLAIN), max_size=24)
text = st.one_of(plain_text, plain_text, plain_text, st.text(alphabet=st.sampled_from(PLAIN + ODD), max_size=24))
words = st.sampled_from(["چشم‌انداز", "برنامه‌ریزی", "۱۴۰۳/۰۲/۱۵", "1403/13/40", "s1", "s2", "tehran", "NO",
                         "yes", "0", "01234", "1.10", "12:30:00", "~", "null", "approved", "published",
                         "[لینک](javascript:x)", "[لینک](https://example.org)", "<b>متن</b>", "  ", ""])  # fmt: skip
scalars = st.one_of(text, words)
keys = st.one_of(st.sampled_from(FIELD_NAMES), st.text(alphabet=st.sampled_from(PLAIN), min_size=1, max_size=12))
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=24,
)

YAML_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
FRAGMENTS = [
    "title", "terms", "id", "stages", "editions", "number", "date", ":", ": ", "- ", "-", "  ", "    ", "\n",
    "\t", "[", "]", "{", "}", ",", "&a ", "*a", "!!python/object:os.system ", "!x ", "---\n", "...\n",
    "'", '"', "|\n", ">-\n", "# یادداشت\n", "? ", "%YAML 1.1\n", "چشم‌انداز", "متن\u200cفارسی", "۱۴۰۳",
    "1", "s1", "\u202e", "\u200f", "\x07", "\x00", "\ufeff", "\\u202E", "\\a", "[" * 40, "\r\n",
]  # fmt: skip


def dump(data: object, flow: bool | None) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=flow, sort_keys=False, width=60)


def count_lines(source: str) -> int:
    """Lines as YAML counts them: CR, LF, CRLF, NEL, LS and PS all end a line."""
    return len(YAML_LINE_BREAK.split(source))


def check_problems(error: ContentError, texts: dict[Path, str] | None = None) -> None:
    """Every problem is printable, and a line it names exists in its file (or in the given text)."""
    assert error.problems
    assert str(error)
    for problem in error.problems:
        assert isinstance(problem, Problem)
        assert problem.message
        if texts is not None and problem.file in texts:
            lines: int | None = count_lines(texts[problem.file])
        elif problem.file.is_file():
            lines = count_lines(problem.file.read_bytes().decode("utf-8", errors="replace"))
        else:
            lines = None
        if problem.line is not None and lines is not None:
            assert 1 <= problem.line <= lines, problem
        if problem.column is not None:
            assert problem.line is not None and problem.column >= 1, problem


def load_and_validate(source: str, model: type[BaseModel]) -> BaseModel | None:
    """parse_yaml + validate_file, the way validate.load_model chains them."""
    path = Path("fuzz.yaml")
    try:
        loaded = parse_yaml(source, path)
    except ContentError as error:
        check_problems(error, {path: source})
        return None
    problems: list[Problem] = []
    result = validate_file(loaded, model, problems)
    assert (result is None) == bool(problems)
    if problems:
        check_problems(ContentError(problems), {path: source})
    return result


@FUZZ
@given(fragments=st.lists(st.one_of(st.sampled_from(FRAGMENTS), text), max_size=40),
       model=st.sampled_from(sorted(MODELS)))  # fmt: skip
def test_yamlish_text_loads_or_fails_cleanly(fragments: list[str], model: str) -> None:
    load_and_validate("".join(fragments), MODELS[model])


@FUZZ
@given(data=values, flow=st.sampled_from([None, True, False]), model=st.sampled_from(sorted(MODELS)))
def test_random_structures_load_or_fail_cleanly(data: object, flow: bool | None, model: str) -> None:
    load_and_validate(dump(data, flow), MODELS[model])


@FUZZ
@given(name=st.sampled_from([n for n in FIXTURE_FILES if "/edition-" in n]), data=st.data())
def test_spliced_fixture_text_loads_or_fails_cleanly(name: str, data: st.DataObject) -> None:
    """A real section file with a fragment typed in, or a stretch cut out, somewhere."""
    source = (MINI_REPORT / name).read_text(encoding="utf-8")
    start = data.draw(st.integers(0, len(source)), label="start")
    end = data.draw(st.integers(start, min(len(source), start + 40)), label="end")
    inserted = data.draw(st.one_of(st.sampled_from(FRAGMENTS), text), label="inserted")
    load_and_validate(source[:start] + inserted + source[end:], SECTION_KINDS[Path(name).stem])


# ---------------------------------------------------------------- mutations of the real fixture


def paths_in(data: Data, where: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every path to a value inside ``data`` (the root excluded)."""
    children: list[tuple[str | int, Data]] = (
        list(data.items()) if isinstance(data, dict) else list(enumerate(data)) if isinstance(data, list) else []
    )
    for key, child in children:
        yield (*where, key)
        yield from paths_in(child, (*where, key))


def mutate(data: Data, where: tuple[str | int, ...], operation: str, new: object) -> object:
    """A copy of ``data`` with one change at ``where``."""
    result = copy.deepcopy(data)
    parent: object = result
    for part in where[:-1]:
        parent = parent[part]  # type: ignore[index]
    last = where[-1]
    assert isinstance(parent, (dict, list))
    if operation == "drop":
        del parent[last]  # type: ignore[arg-type]
    elif operation == "repeat" and isinstance(parent, list):
        parent.insert(int(last), copy.deepcopy(parent[int(last)]))
    elif operation == "rename" and isinstance(parent, dict) and isinstance(new, str) and new not in parent:
        parent[new] = parent.pop(str(last))
    else:
        parent[last] = new  # type: ignore[index]
    return result


@pytest.fixture(scope="module")
def fuzz_project() -> Iterator[Project]:
    """One writable copy of the mini project for all examples (each restores what it changed)."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        shutil.copytree(DATA / "mini" / "content", root / "content")
        yield make_project(root, root / "content")


def load_mini(project: Project, ref: EditionRef) -> Edition | None:
    try:
        return load_edition(project, ref)
    except ContentError as error:
        check_problems(error)
        return None


def test_fixture_copy_is_valid(fuzz_project: Project) -> None:
    assert load_mini(fuzz_project, MINI_REF) is not None


@FUZZ
@given(name=st.sampled_from(FIXTURE_FILES), data=st.data())
def test_mutated_fixture_loads_or_fails_cleanly(fuzz_project: Project, name: str, data: st.DataObject) -> None:
    target = fuzz_project.report_dir("mini-city") / name
    original = target.read_bytes()
    loaded = load_yaml(MINI_REPORT / name).data
    where = data.draw(st.sampled_from(list(paths_in(loaded))), label="where")
    operation = data.draw(st.sampled_from(["drop", "replace", "repeat", "rename"]), label="operation")
    new = data.draw(keys if operation == "rename" else values, label="new")
    changed = mutate(loaded, where, operation, new)
    try:
        target.write_text(dump(changed, data.draw(st.sampled_from([None, False]), label="flow")), encoding="utf-8")
        load_mini(fuzz_project, MINI_REF)
    finally:
        target.write_bytes(original)
