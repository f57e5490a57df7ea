"""The one JSON Schema check of the suite: a real validator (``jsonschema``), every error at once."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator


def schema_errors(instance: Any, schema: dict[str, Any]) -> list[str]:
    """Every way ``instance`` breaks ``schema``, as ``$.path: message`` (empty when it follows it)."""
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return sorted(f"{error.json_path}: {error.message}" for error in validator.iter_errors(instance))


def assert_valid(instance: Any, schema: dict[str, Any]) -> None:
    """Fail with every schema violation when ``instance`` does not follow ``schema``."""
    errors = schema_errors(instance, schema)
    assert not errors, "\n".join(errors)
