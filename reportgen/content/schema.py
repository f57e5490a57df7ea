"""JSON Schema for every content file, generated from the models, for editors' YAML language servers.

Descriptions are the models' field docstrings. The schemas describe what a
file may hold; reportgen's own validation stays the judge (it also checks
references between files and reads every scalar as text first).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from reportgen.content.blocks import Chapter
from reportgen.content.models import SECTION_KINDS, Report, Stage

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def content_models() -> dict[str, type[BaseModel]]:
    """File stem → the model of that file (``report``, ``stage``, each section kind, ``chapter`` for
    ``chapters/NN-<id>.yaml``)."""
    return {"report": Report, "stage": Stage, **SECTION_KINDS, "chapter": Chapter}


def schema_filename(stem: str) -> str:
    return f"{stem}.schema.json"


_DIGITS = {"type": "string", "pattern": "^[0-9۰-۹٠-٩]+([.٫][0-9۰-۹٠-٩]+)?$"}


def _numbers_in_any_digits(node: Any) -> Any:
    """Numeric fields also take Persian digits (as validation does): integer or number → that, or digits."""
    if isinstance(node, dict):
        node = {key: _numbers_in_any_digits(value) for key, value in node.items()}
        if node.get("type") in ("integer", "number"):
            return {"anyOf": [node, _DIGITS]}
        return node
    if isinstance(node, list):
        return [_numbers_in_any_digits(value) for value in node]
    return node


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name of each schema → the schema."""
    schemas: dict[str, dict[str, Any]] = {}
    for stem, model in content_models().items():
        schema = _numbers_in_any_digits(model.model_json_schema())
        schemas[schema_filename(stem)] = {
            "$schema": SCHEMA_DIALECT,
            "$id": f"https://reportgen.invalid/schemas/{schema_filename(stem)}",
            **schema,
            "title": f"{stem}.yaml",
        }
    return schemas


def schema_comment(stem: str, relative_to_schemas: str) -> str:
    """The first line a YAML file carries so that editors find its schema."""
    return f"# yaml-language-server: $schema={relative_to_schemas}/{schema_filename(stem)}\n"
