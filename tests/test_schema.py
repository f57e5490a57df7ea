"""JSON Schema export: every content file of the sample and the fixture validates against it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.content.schema import content_models, schema_filename

from conftest import REPO

CONTENT_FILES = sorted((REPO / "content").rglob("*.yaml")) + sorted((REPO / "tests" / "data" / "mini").rglob("*.yaml"))


def _exported(tmp_path: Path) -> dict[str, dict[str, object]]:
    result = CliRunner().invoke(main, ["--project", str(REPO), "schema", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in tmp_path.glob("*.json")}


def _stem(path: Path) -> str:
    if path.parent.name == "chapters":
        return "chapter"
    return "stage" if path.name == "stage.yaml" else path.stem


def test_every_content_file_validates_against_its_exported_schema(tmp_path: Path) -> None:
    schemas = _exported(tmp_path)
    assert set(schemas) == {schema_filename(stem) for stem in content_models()}
    checked = 0
    for path in CONTENT_FILES:
        schema = schemas[schema_filename(_stem(path))]
        jsonschema.Draft202012Validator.check_schema(schema)
        errors = list(jsonschema.Draft202012Validator(schema).iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path}: {[e.message for e in errors]}"
        checked += 1
    assert checked >= 30


def test_the_schema_rejects_what_validation_rejects_and_describes_fields(tmp_path: Path) -> None:
    schema = _exported(tmp_path)["upstream.schema.json"]
    validator = jsonschema.Draft202012Validator(schema)
    good = yaml.safe_load((REPO / "tests/data/mini/content/mini-city/stage-1/edition-1/upstream.yaml").read_text())
    misspelt = {**good, "documents": [{**good["documents"][0], "yaer": 1334}]}
    assert any("yaer" in e.message for e in validator.iter_errors(misspelt))
    persian_year = {**good, "documents": [{**good["documents"][0], "year": "۱۳۳۴"}]}
    assert not list(validator.iter_errors(persian_year))
    document = schema["$defs"]["UpstreamDocument"]["properties"]["year"]
    assert "Jalali year" in document["description"]
