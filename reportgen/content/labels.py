"""The labels catalogue: every word reportgen prints that is not content, with a report's own changes.

The package's catalogue (``labels.yaml`` beside this module) holds the Persian
defaults, in groups. A report may change any of them in
``content/<report>/labels.yaml``, giving only the keys it changes; a key the
catalogue does not have is a located error (with the nearest known key).
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from pathlib import Path
from typing import Any

from reportgen.content.loader import Data, LoadedFile, PathKey, load_yaml
from reportgen.errors import ContentError, Problem

CATALOGUE = Path(__file__).resolve().with_name("labels.yaml")
REPORT_LABELS = "labels.yaml"
"""The file name of a report's own labels, beside its report.yaml."""

_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
"""Where a template puts another label into this one, e.g. «{kind} برنامه»."""

Labels = dict[str, Any]
"""Group → key → text (a group may nest further): what templates read as ``catalogue.group.key``."""


@cache
def _default() -> Data:
    return load_yaml(CATALOGUE).data


def default_labels() -> Labels:
    """A fresh copy of the package's catalogue."""
    labels: Labels = _copy(_default())
    return labels


def _copy(data: Data) -> Any:
    if isinstance(data, dict):
        return {key: _copy(value) for key, value in data.items()}
    return data


def load_labels(path: Path, problems: list[Problem]) -> tuple[Labels, LoadedFile | None]:
    """The catalogue with a report's ``labels.yaml`` at ``path`` laid over it (problems are added, not raised).

    The loaded file comes back too (None: there is none), for checks of its text that need locations.
    """
    labels = default_labels()
    if not path.is_file():
        return labels, None
    try:
        loaded = load_yaml(path)
    except ContentError as error:
        problems.extend(error.problems)
        return labels, None
    _overlay(labels, loaded.data, (), loaded, problems)
    return labels, loaded


def _overlay(into: Labels, given: Data, where: PathKey, loaded: LoadedFile, problems: list[Problem]) -> None:
    if not isinstance(given, dict):
        problems.append(loaded.problem(where, "must be a mapping of label names to text"))
        return
    for key, value in given.items():
        here = (*where, key)
        if key not in into:
            close = difflib.get_close_matches(key, sorted(into), n=1, cutoff=0.75)
            hint = f": did you mean '{close[0]}'?" if close else f" (known: {', '.join(sorted(into))})"
            problems.append(loaded.problem(here, "unknown label" + hint))
        elif isinstance(into[key], dict):
            _overlay(into[key], value, here, loaded, problems)
        elif not isinstance(value, str) or not value.strip():
            problems.append(loaded.problem(here, "must be text"))
        elif problem := _placeholder_problem(into[key], value):
            problems.append(loaded.problem(here, problem))
        else:
            into[key] = value


def _placeholder_problem(default: str, given: str) -> str | None:
    """A report's text must keep the default's placeholders, and add none: the template fills exactly those."""
    wanted, found = set(_PLACEHOLDER.findall(default)), set(_PLACEHOLDER.findall(given))
    if missing := sorted(wanted - found):
        return f"must contain {' and '.join(missing)}, where the template puts a word (default: {default})"
    if extra := sorted(found - wanted):
        return f"{' and '.join(extra)} is not filled in here; write the word itself"
    return None
