"""Loaded YAML → typed models, collecting every problem before raising.

Each pydantic error is placed at the line and column of the value (or key)
it concerns, through the marks the loader kept.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from reportgen.content.loader import LoadedFile, PathKey, load_yaml
from reportgen.content.models import (
    SECTION_KINDS,
    CaseStudies,
    Comments,
    Environment,
    Roadmap,
    Section,
    Stage,
    Training,
    iter_items,
)
from reportgen.errors import ContentError, Problem

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


def problems_from_validation(error: ValidationError, loaded: LoadedFile) -> list[Problem]:
    """Turn pydantic's errors into located problems."""
    problems: list[Problem] = []
    for detail in error.errors(include_url=False):
        where: PathKey = tuple(
            part for part in detail["loc"] if isinstance(part, (str, int))
        )
        # A dict key that fails validation is reported by pydantic as "key[key]".
        where = tuple(
            part.removesuffix("[key]") if isinstance(part, str) else part for part in where
        )
        message = _message(dict(detail))
        if message.startswith("duplicate id"):
            where = _repeated_item(loaded, where)
        problems.append(loaded.problem(where, message))
    return problems


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
        problems.extend(problems_from_validation(error, loaded))
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
    if not files and not problems:
        problems.append(Problem(edition_dir, None, None, "", "edition folder has no section files"))
    _check_references(found, files, lambda kind: (edition_dir / f"{kind}.yaml").is_file(), problems)
    return {kind: found[kind] for kind in SECTION_KINDS if kind in found}, files


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
    return problems


def item_ids(section: Section) -> set[str]:
    """The id of every item anywhere inside a section."""
    return {item.id for item in iter_items(section)}


def comment_problems(
    comments: Comments, loaded: LoadedFile, editions: list[dict[str, Section]]
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) for a comments register.

    A reference must name a section kind, or an item id, present in the
    commented edition or in this one (a comment may ask for an item that the
    new edition added). A comment without a response is only a warning.
    """
    errors: list[Problem] = []
    warnings: list[Problem] = []
    known: dict[str, set[str]] = {}
    for sections in editions:
        for kind, section in sections.items():
            known.setdefault(kind, set()).update(item_ids(section))
    for index, comment in enumerate(comments.comments):
        for position, reference in enumerate(comment.concerns):
            kind, _, item = reference.partition("/")
            if kind not in known:
                errors.append(loaded.problem(("comments", index, "concerns", position),
                                             f"'{reference}': no section '{kind}' in either edition"))
            elif item and item not in known[kind]:
                errors.append(loaded.problem(("comments", index, "concerns", position),
                                             f"'{reference}': no item '{item}' in {kind} of either edition"))
        if comment.response is None:
            warnings.append(loaded.problem(("comments", index), f"comment '{comment.id}' has no response yet"))
    return errors, warnings


def raise_if_any(problems: list[Problem]) -> None:
    if problems:
        raise ContentError(problems)
