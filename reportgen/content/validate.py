"""Loaded YAML → typed models, collecting every problem before raising.

Each pydantic error is placed at the line and column of the value (or key)
it concerns, through the marks the loader kept.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from reportgen.content.blockcheck import check_chapters
from reportgen.content.blocks import BLOCK_KINDS, UNION_TAGS, Chapter
from reportgen.content.loader import Data, LoadedFile, PathKey, iter_strings, load_yaml
from reportgen.content.models import (
    APPENDIX_KINDS,
    SECTION_KINDS,
    CaseStudies,
    Comments,
    EditionStatus,
    Environment,
    Roadmap,
    Section,
    Stage,
    Training,
)
from reportgen.content.references import known_references
from reportgen.errors import ContentError, Problem
from reportgen.text.markdown import anchor_links

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "required field is missing",
    "extra_forbidden": "unknown field",
    "tuple_type": "must be a list (lines starting with '- ', or [a, b])",
    "list_type": "must be a list (lines starting with '- ', or [a, b])",
    "dict_type": "must be a mapping of fields ('name: value' lines)",
    "model_type": "must be a mapping of fields ('name: value' lines)",
    "model_attributes_type": "must be a mapping of fields ('name: value' lines)",
    "int_parsing": "must be a whole number, e.g. 1402",
    "int_type": "must be a whole number, e.g. 1402",
    "string_type": "must be text",
}
_ID_PATTERN = "^[a-z0-9][a-z0-9-]*$"

REPORT_COPIES = ("report.yaml", "labels.yaml")
"""Report-level files that a published edition keeps a copy of in its own folder, so that later changes to
the report (a keyword, the consultant's name, a label) reach new editions without altering published ones."""


def _message(error: dict[str, object]) -> str:
    kind = str(error["type"])
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    context = error.get("ctx")
    if kind == "string_pattern_mismatch" and isinstance(context, dict) and context.get("pattern") == _ID_PATTERN:
        return "must be lower-case ASCII letters, digits and '-' (e.g. balanced-scorecard)"
    if kind == "enum" and isinstance(context, dict):
        return f"must be one of {context['expected']}"
    if kind in ("greater_than_equal", "less_than_equal") and isinstance(context, dict):
        bound = context.get("ge", context.get("le"))
        return f"must be {'at least' if kind == 'greater_than_equal' else 'at most'} {bound}"
    if kind == "value_error":
        if isinstance(context, dict) and "error" in context:
            return str(context["error"])
    return str(error["msg"])


def _without_tags(where: PathKey, data: Data) -> PathKey:
    """``where`` without the member names pydantic adds for a tagged union (they are not YAML keys)."""
    kept: list[str | int] = []
    for position, part in enumerate(where):
        if (isinstance(part, str) and part in UNION_TAGS and position < len(where) - 1
                and isinstance(data, dict) and part not in data):  # fmt: skip
            continue
        kept.append(part)
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part, "")
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
    return tuple(kept)


def problems_from_validation(error: ValidationError, loaded: LoadedFile,
                             model: type[BaseModel] | None = None) -> list[Problem]:  # fmt: skip
    """Turn pydantic's errors into located problems.

    An unknown key close to a field of its mapping is reported once, with the
    field it was probably meant to be («did you mean»), and the "missing" error
    for that field is dropped: it is the same mistake.
    """
    located: list[tuple[PathKey, str, str]] = []
    for detail in error.errors(include_url=False):
        where: PathKey = tuple(
            part for part in detail["loc"] if isinstance(part, (str, int))
        )
        # A dict key that fails validation is reported by pydantic as "key[key]".
        where = tuple(
            part.removesuffix("[key]") if isinstance(part, str) else part for part in where
        )
        where = _without_tags(where, loaded.data)
        message = _message(dict(detail))
        if detail["type"] == "unknown_block_kind":
            kind = detail["input"].get("kind") if isinstance(detail["input"], dict) else None
            where = (*where, "kind")
            message = ("missing block kind" if kind is None else f"unknown block kind '{kind}'") \
                + "; expected one of: " + ", ".join(BLOCK_KINDS)
        if message.startswith("duplicate id"):
            where = _repeated_item(loaded, where)
        located.append((where, str(detail["type"]), message))
    missing = {where for where, kind, _ in located if kind == "missing"}
    meant: set[PathKey] = set()
    problems: list[Problem] = []
    for where, kind, message in located:
        if kind == "extra_forbidden" and where and isinstance(where[-1], str):
            guess = _nearest_field(model, where, {w[-1] for w in missing if w[:-1] == where[:-1]})
            if guess:
                message = f"unknown field: did you mean '{guess}'?"
                meant.add((*where[:-1], guess))
        problems.append(loaded.problem(where, message))
    return [p for p, (where, kind, _) in zip(problems, located, strict=True)
            if not (kind == "missing" and where in meant)]  # fmt: skip


def _nearest_field(model: type[BaseModel] | None, where: PathKey, missing: set[str | int]) -> str | None:
    """The known field that the unknown key at ``where`` most resembles, if any resembles it closely."""
    known = {name for name in missing if isinstance(name, str)} | _fields_at(model, where[:-1])
    close = difflib.get_close_matches(str(where[-1]), sorted(known), n=1, cutoff=0.75)
    return close[0] if close else None


def _fields_at(model: object, where: PathKey) -> set[str]:
    """Field names of the mapping at ``where`` inside ``model`` (every alternative of a union)."""
    if model is None:
        return set()
    if not where:
        if isinstance(model, type) and issubclass(model, BaseModel):
            return set(model.model_fields)
        return {name for arg in get_args(model) for name in _fields_at(arg, ())}
    part, rest = where[0], where[1:]
    if isinstance(model, type) and issubclass(model, BaseModel):
        field = model.model_fields.get(str(part))
        return _fields_at(field.annotation, rest) if field else set()
    args = [arg for arg in get_args(model) if arg is not type(None)]
    origin = get_origin(model)
    if origin in (tuple, list) and isinstance(part, int):
        return _fields_at(args[0], rest) if args else set()
    if origin is dict:
        return _fields_at(args[1], rest) if len(args) == 2 else set()
    return {name for arg in args for name in _fields_at(arg, where)}


def _repeated_item(loaded: LoadedFile, where: PathKey) -> PathKey:
    """The path of the first item whose id repeats an earlier one in the list at ``where``."""
    items: object = loaded.data
    for part in where:
        items = items[part] if isinstance(items, (dict, list)) else None  # type: ignore[index]
    seen: set[object] = set()
    for index, item in enumerate(items if isinstance(items, list) else []):
        identifier = item.get("id") if isinstance(item, dict) else None
        if identifier in seen:
            return (*where, index, "id")
        seen.add(identifier)
    return where


def validate_file(loaded: LoadedFile, model: type[M], problems: list[Problem]) -> M | None:
    """Validate one loaded file as ``model``; add problems instead of raising."""
    try:
        return model.model_validate(loaded.data)
    except ValidationError as error:
        problems.extend(problems_from_validation(error, loaded, model))
        return None


def load_model(path: Path, model: type[M], problems: list[Problem]) -> tuple[M | None, LoadedFile | None]:
    """Load and validate one file; add problems instead of raising."""
    try:
        loaded = load_yaml(path)
    except ContentError as error:
        problems.extend(error.problems)
        return None, None
    return validate_file(loaded, model, problems), loaded


def _check_references(
    sections: dict[str, Section],
    files: dict[str, LoadedFile],
    present: Callable[[str], bool],
    problems: list[Problem],
) -> None:
    """Items that name other items by id: check each name exists.

    References into a section that is itself invalid are not checked: its own
    problems are already reported, and guessing its ids would only add noise.
    """
    roadmap = sections.get("roadmap")
    stage_ids = {stage.id for stage in roadmap.stages} if isinstance(roadmap, Roadmap) else set()
    check_stages = not (present("roadmap") and roadmap is None)
    training = sections.get("training")
    if isinstance(training, Training) and check_stages:
        for index, workshop in enumerate(training.workshops):
            if workshop.stage not in stage_ids:
                problems.append(files["training"].problem(
                    ("workshops", index, "stage"),
                    f"unknown roadmap stage '{workshop.stage}'" + _known(stage_ids, "roadmap.yaml")))  # fmt: skip
    environment = sections.get("environment")
    if isinstance(environment, Environment):
        actor_ids = {actor.id for actor in environment.actors}
        if check_stages and not stage_ids and any(row.roles for row in environment.roles):
            problems.append(files["environment"].problem(("roles",), (
                "the role matrix's columns are the roadmap's stages, and this edition has no roadmap.yaml: "
                "add it, or leave every row's roles empty")))  # fmt: skip
            check_stages = False  # one problem, not one per cell
        for index, row in enumerate(environment.roles):
            if row.actor not in actor_ids:
                problems.append(files["environment"].problem(
                    ("roles", index, "actor"), f"unknown actor '{row.actor}'" + _known(actor_ids)))  # fmt: skip
            for stage_id in row.roles:
                if check_stages and stage_id not in stage_ids:
                    problems.append(files["environment"].problem(
                        ("roles", index, "roles", stage_id),
                        f"unknown roadmap stage '{stage_id}'" + _known(stage_ids, "roadmap.yaml")))  # fmt: skip
    cases = sections.get("case-studies")
    if isinstance(cases, CaseStudies):
        case_ids = {case.id for case in cases.cases}
        for index, point in enumerate(cases.synthesis):
            for position, source in enumerate(point.sources):
                if source not in case_ids:
                    problems.append(files["case-studies"].problem(
                        ("synthesis", index, "sources", position),
                        f"unknown case study '{source}'" + _known(case_ids)))  # fmt: skip


def _known(ids: set[str], file: str = "") -> str:
    if not ids:
        return f" (this edition has no {file})" if file else ""
    return " (known: " + ", ".join(sorted(ids)) + ")"


def load_sections(
    edition_dir: Path, problems: list[Problem]
) -> tuple[dict[str, Section], dict[str, LoadedFile]]:
    """Every section file of an edition folder, validated, in chapter order, with its loaded file."""
    files: dict[str, LoadedFile] = {}
    found: dict[str, Section] = {}
    for path in sorted(edition_dir.glob("*.yaml")):
        if path.name in REPORT_COPIES:
            continue  # what a published edition printed of the report (see editions/lifecycle.py)
        if path.stem not in SECTION_KINDS:
            problems.append(Problem(path, None, None, "",
                                    "unknown section file; expected one of: "
                                    + ", ".join(f"{kind}.yaml" for kind in SECTION_KINDS)))  # fmt: skip
            continue
        section, loaded = load_model(path, SECTION_KINDS[path.stem], problems)
        if loaded is not None:
            files[path.stem] = loaded
        if section is not None:
            found[path.stem] = section
    for path in sorted(edition_dir.glob("*.yml")):
        problems.append(Problem(path, None, None, "", "use the .yaml extension"))
    chapters = _load_chapters(edition_dir, problems)
    if not files and not chapters and not problems:
        problems.append(Problem(edition_dir, None, None, "", "edition folder has no section files"))
    _check_references(found, files, lambda kind: (edition_dir / f"{kind}.yaml").is_file(), problems)
    check_chapters(chapters, edition_dir, problems, reserved=frozenset(SECTION_KINDS))
    body = [kind for kind in SECTION_KINDS if kind in found and kind not in APPENDIX_KINDS]
    ordered: dict[str, Section] = {kind: found[kind] for kind in body}
    for chapter, loaded in chapters:
        if chapter.id not in ordered and chapter.id not in SECTION_KINDS:
            ordered[chapter.id] = chapter
            files[chapter.id] = loaded
    ordered.update({kind: found[kind] for kind in SECTION_KINDS if kind in found and kind in APPENDIX_KINDS})
    return ordered, files


_CHAPTER_FILE = re.compile(r"^\d\d-[a-z0-9][a-z0-9-]*\.yaml$")


def _load_chapters(edition_dir: Path, problems: list[Problem]) -> list[tuple[Chapter, LoadedFile]]:
    """The generic chapters of ``chapters/``, in file-name order (NN-<id>.yaml)."""
    chapters: list[tuple[Chapter, LoadedFile]] = []
    folder = edition_dir / "chapters"
    if not folder.is_dir():
        return chapters
    for path in sorted(folder.iterdir()):
        if not _CHAPTER_FILE.match(path.name):
            problems.append(Problem(path, None, None, "", "a chapter file is named NN-<chapter-id>.yaml "
                                    "(two digits, then the chapter's id), e.g. 01-city-profile.yaml"))  # fmt: skip
            continue
        chapter, loaded = load_model(path, Chapter, problems)
        if chapter is not None and loaded is not None:
            chapters.append((chapter, loaded))
    return chapters


def manifest_order_problems(stage: Stage, loaded: LoadedFile) -> list[Problem]:
    """Edition numbers unique and ascending; dates never going back."""
    problems: list[Problem] = []
    seen: dict[int, int] = {}
    for index, entry in enumerate(stage.editions):
        where = ("editions", index)
        if entry.number in seen:
            message = f"duplicate edition number {entry.number} (also entry {seen[entry.number] + 1})"
            problems.append(loaded.problem((*where, "number"), message))
            continue
        seen[entry.number] = index
        if index and entry.number < stage.editions[index - 1].number:
            problems.append(loaded.problem((*where, "number"), "editions must be listed oldest first"))
        if index and entry.date < stage.editions[index - 1].date:
            previous = stage.editions[index - 1]
            problems.append(loaded.problem(
                (*where, "date"),
                f"date goes backwards: edition {entry.number} is dated before edition {previous.number}"))  # fmt: skip
    # 'edition new' starts an edition only after the one before is published, so
    # a draft with editions after it had its publication record removed by hand.
    for index, entry in enumerate(stage.editions[:-1]):
        later = stage.editions[index + 1].number
        if entry.status is EditionStatus.draft and later > entry.number:
            problems.append(loaded.problem(
                ("editions", index, "status"),
                f"edition {entry.number} is a draft but edition {later} follows it: an edition is published "
                "before the next one starts, and its publication record is never removed"))  # fmt: skip
    return problems


def anchor_problems(files: Iterable[LoadedFile], sections: dict[str, Section]) -> list[Problem]:
    """A problem for each ``[…](#target)`` link whose target is no chapter or item of this edition.

    A link names them as a comment does (``#glossary``, ``#glossary/t1``, ``#chapter/block/item``); the
    PDF and the web edition each turn that name into their own anchor.
    """
    targets = known_references(sections)
    problems: list[Problem] = []
    for loaded in files:
        for where, text in iter_strings(loaded.data):
            if "#" not in text:
                continue
            for target in anchor_links(text):
                if target not in targets:
                    close = difflib.get_close_matches(target, sorted(targets), n=1, cutoff=0.6)
                    hint = f"; did you mean '#{close[0]}'?" if close else ""
                    message = (f"link '#{target}' names no chapter or item of this edition: link to a chapter "
                               f"as '#<chapter>' or to an item as '#<chapter>/<item id>'{hint}")
                    problems.append(loaded.problem(where, message, written=f"#{target}"))
    return problems


def comment_problems(
    comments: Comments, loaded: LoadedFile, editions: list[dict[str, Section]]
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a comments register.

    A reference must name a section kind, or an item, present in the commented
    edition or in this one (a comment may ask for an item that the new edition
    added); a generic chapter's items are named ``chapter/block/item`` (see
    ``content/references.py``). A comment without a response is only a warning.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    known: set[str] = set()
    for sections in editions:
        known |= known_references(sections)
    for index, comment in enumerate(comments.comments):
        for position, reference in enumerate(comment.concerns):
            kind, _, item = reference.partition("/")
            if kind not in known:
                errors.append(loaded.problem(("comments", index, "concerns", position),
                                             f"'{reference}': no section '{kind}' in either edition"))
            elif item and reference not in known:
                errors.append(loaded.problem(("comments", index, "concerns", position),
                                             f"'{reference}': no item '{item}' in {kind} of either edition"))
        if comment.response is None:
            warnings.append(loaded.problem(("comments", index), f"comment '{comment.id}' has no response yet"))
    return errors, warnings


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise ContentError(problems)
