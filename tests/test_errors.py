"""Errors cross process boundaries intact (release workers raise them)."""

from __future__ import annotations

import pickle
from pathlib import Path

from reportgen.errors import ContentError, Problem, TypesetError


def test_errors_pickle_round_trip() -> None:
    error = ContentError([Problem(Path("a.yaml"), 3, 5, "terms[0].term", "required field is missing")])
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ContentError) and copy.problems == error.problems and str(copy) == str(error)
    assert str(pickle.loads(pickle.dumps(TypesetError("x")))) == "x"
