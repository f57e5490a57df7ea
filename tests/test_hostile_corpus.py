"""The hostile corpus: every payload in every prose field of every section and block kind.

Each payload is written into every text field (``Text``, ``RichText`` and
lists of them, found from the models, so new section and block kinds are
covered as they land) of the small test editions at once. The outcome must be
either a refusal in which every problem is located (file:line:column), or an
HTML document that shows the payload literally, holds no invisible or
private-use character, and isolates each Latin run whole. Typesetting is
tested on a few payloads in test_hostile.py.
"""

from __future__ import annotations

import html
import re
import shutil
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from reportgen.build.pipeline import render_html
from reportgen.content.loader import PathKey, format_path, load_yaml
from reportgen.content.models import prose_fields
from reportgen.editions.find import EditionRef, load_edition
from reportgen.errors import ContentError
from reportgen.paths import Project
from reportgen.text.characters import FORBIDDEN

from conftest import DATA, make_project

EDITIONS = [("mini", EditionRef("mini-city", 1, 1)), ("blocks", EditionRef("blocks-town", 2, 1))]

PAYLOADS = {
    "charref-override": "مبلغ بودجه: &#x202E;1234567 ریال",
    "charref-private-use": "متن &#xE002;بی‌تغییر",
    "raw-override": "سلام \u202e دنیا",
    "raw-private-use": "نشان \ue001 داخلی",
    "escaped-isolate": "جمله \u2067 وارونه",
    "template": "{{ 7 * 7 }} و {% raw %}",
    "html": "<script>alert(1)</script> <img src=x onerror=alert(1)>",
    "heading": "# فصل ساختگی",
    "deep-emphasis": "*" * 300 + "متن" + "*" * 300,
    "deep-quote": "> " * 20 + "ژرف",
    "footnote-chain": "متن[^a]\n\n[^a]: نگاه کنید به[^b]\n\n[^b]: دوم",
    "javascript-link": "[پیوند](javascript:alert(1))",
    "file-link": "[پرونده](file:///etc/passwd)",
    "url": "نشانی https://example.org/path?x=1&y=2 است",
    "email": "رایانامه info@hamedan.ir است",
    "formula": "رابطهٔ x = y + 1 < z برقرار است",
    "decomposed": "واژهٔ cafe\u0301 فرانسوی است",
    "no-glyph": "نشان ★ و 😀 و 中文 و שלום",
    "path": "../../etc/passwd و C:\\Windows",
    "sql": "' OR 1=1 -- ;",
}


# Refused in every edition (each has rich-text fields); the others must render literally.
REFUSED = {"charref-override", "charref-private-use", "raw-override", "raw-private-use", "escaped-isolate",
           "heading", "deep-emphasis", "deep-quote", "footnote-chain", "javascript-link", "file-link", "no-glyph"}


def prose_paths(value: object, where: PathKey = ()) -> Iterator[PathKey]:
    """The YAML path of every prose value inside a validated model."""
    if isinstance(value, BaseModel):
        prose = prose_fields(type(value))
        for name, info in type(value).model_fields.items():
            child, key = getattr(value, name), info.alias or name
            if name in prose and isinstance(child, str):
                yield (*where, key)
            elif name in prose and isinstance(child, tuple):
                yield from ((*where, key, i) for i, item in enumerate(child) if isinstance(item, str))
            else:
                yield from prose_paths(child, (*where, key))
    elif isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from prose_paths(item, (*where, index))


def _set(data: object, where: PathKey, text: str) -> None:
    for part in where[:-1]:
        data = data[part]  # type: ignore[index]
    data[where[-1]] = text  # type: ignore[index]


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Project, EditionRef, dict[Path, list[PathKey]]]]:
    """Each test edition, and for each of its files the paths of its prose values."""
    found = []
    for name, ref in EDITIONS:
        root = tmp_path_factory.mktemp(name)
        shutil.copytree(DATA / name / "content", root / "content")
        project = make_project(root, root / "content")
        edition = load_edition(project, ref)
        folder = project.edition_dir(ref.report, ref.stage, ref.edition)
        files: dict[Path, list[PathKey]] = {}
        for kind, section in edition.sections.items():
            path = folder / f"{kind}.yaml"
            if not path.exists():
                path = next(folder.glob(f"chapters/*-{kind}.yaml"))
            files[path] = list(prose_paths(section))
        # Text with a meaning (a column's unit, a chart's series name) cannot hold just anything:
        # leave out the fields that refuse a harmless sentence.
        for _ in range(3):
            try:
                _fill(project, ref, files, "متن آزمون")
                break
            except ContentError as error:
                refused = {(p.file, p.field) for p in error.problems}
                files = {path: [w for w in paths if (path, format_path(w)) not in refused]
                         for path, paths in files.items()}  # fmt: skip
            finally:
                shutil.rmtree(root / "content")
                shutil.copytree(DATA / name / "content", root / "content")
        found.append((project, ref, files))
    return found


def _fill(project: Project, ref: EditionRef, files: dict[Path, list[PathKey]], text: str) -> str:
    """Write ``text`` into every listed field, then validate and render the edition."""
    for path, paths in files.items():
        data = load_yaml(path).data
        for where in paths:
            _set(data, where, text)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000), encoding="utf-8")
    return render_html(project, load_edition(project, ref), ref)


def test_the_corpus_reaches_every_kind(targets: list[tuple[Project, EditionRef, dict[Path, list[PathKey]]]]) -> None:
    fields = sum(len(paths) for _, _, files in targets for paths in files.values())
    files = sum(len(files) for _, _, files in targets)
    assert files >= 12 and fields >= 60, (files, fields)


_TAG = re.compile(r"<[^>]+>")


# The right-to-left marks reportgen itself writes around the hyphens of compound numbers and the
# dashes of ranges («۱‏-‏۲‏», render/numbering.py); content's own marks are refused before rendering.
_NUMBER_MARKS = re.compile("(?<=[0-9۰-۹])\u200f(?=[-–])|(?<=[-–])\u200f(?=[0-9۰-۹پ])|(?<=[0-9۰-۹])\u200f(?=</bdi>)")


def _without_number_marks(document: str) -> str:
    return _NUMBER_MARKS.sub("", document)


def _visible(document: str) -> str:
    body = document[document.index("<body"):]
    return " ".join(html.unescape(_TAG.sub("", body)).split())


@pytest.mark.parametrize("payload", PAYLOADS, ids=list(PAYLOADS))
def test_payload_is_refused_where_it_stands_or_shown_literally(
    payload: str, targets: list[tuple[Project, EditionRef, dict[Path, list[PathKey]]]], tmp_path: Path,
) -> None:
    text = PAYLOADS[payload]
    for project, ref, files in targets:
        originals = {path: path.read_bytes() for path in files}
        try:
            try:
                document = _fill(project, ref, files, text)
            except ContentError as error:
                assert payload in REFUSED, f"{payload} refused: {error}"
                for problem in error.problems:
                    assert problem.line is not None and problem.column is not None, str(problem)
                continue
            assert payload not in REFUSED, f"{payload} was accepted"
            assert not FORBIDDEN.search(_without_number_marks(document)), payload
            shown = unicodedata.normalize("NFC", " ".join(text.split()))
            assert shown in _visible(document), payload
            for run in re.findall(r"[A-Za-z][\w.:/?&=@<>+-]*[?&=@<][\w.:/?&=@<>+-]*[A-Za-z0-9]", shown):
                assert f'<bdi dir="ltr">{html.escape(run, quote=False)}' in document or \
                    re.search(rf'<bdi dir="ltr">[^<]*{re.escape(html.escape(run, quote=False))}[^<]*</bdi>',
                              document), (payload, run)  # fmt: skip
        finally:
            for path, data in originals.items():
                path.write_bytes(data)

