"""`reportgen release`: a real release of the sample, verified, then tampered with."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import jdatetime
import pytest
from click.testing import CliRunner

from reportgen.build.release import CHECKSUMS, MANIFEST, MANIFEST_SCHEMA, Event, release, verify
from reportgen.cli import main
from reportgen.editions.find import EditionRef
from reportgen.editions.lifecycle import new_edition, publish_edition
from reportgen.paths import Project

from conftest import REPO

EXPECTED = {
    "hamedan-strategic-plan_stage-1_edition-1.pdf",
    "hamedan-strategic-plan_stage-1_edition-2.pdf",
    "hamedan-strategic-plan_stage-1_redline_edition-1-to-2.pdf",
}


def check_schema(value: Any, schema: dict[str, Any], where: str = "$") -> None:
    """A small JSON Schema checker for the keywords MANIFEST_SCHEMA uses."""
    import re

    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], where
    kinds = schema.get("type")
    if kinds:
        names = {"object": dict, "array": list, "string": str, "integer": int, "null": type(None)}
        allowed = tuple(names[k] for k in ([kinds] if isinstance(kinds, str) else kinds))
        assert isinstance(value, allowed) and not isinstance(value, bool), f"{where}: {value!r}"
    if "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{where}: {value!r}"
    for key in schema.get("required", []):
        assert key in value, f"{where}: missing {key}"
    for key, sub in schema.get("properties", {}).items():
        if isinstance(value, dict) and key in value:
            check_schema(value[key], sub, f"{where}.{key}")
    if "items" in schema:
        for index, element in enumerate(value):
            check_schema(element, schema["items"], f"{where}[{index}]")


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path, list[Event]]:
    output = tmp_path_factory.mktemp("release")
    project = Project.at(REPO, output)
    events: list[Event] = []
    result = release(project, output, jobs=2, on_event=events.append)
    assert result.ok, result.failed
    assert sorted(result.built) == sorted(EXPECTED)
    return project, output, events


def test_release_writes_every_artifact_with_checksums(released: tuple[Project, Path, list[Event]]) -> None:
    _, output, events = released
    assert {p.name for p in output.iterdir()} == EXPECTED | {MANIFEST, CHECKSUMS}
    check = subprocess.run(["sha256sum", "-c", CHECKSUMS], cwd=output, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3
    assert sorted(e.kind for e in events) == ["built"] * 3 + ["started"] * 3


def test_manifest_follows_its_schema(released: tuple[Project, Path, list[Event]]) -> None:
    _, output, _ = released
    manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    check_schema(manifest, MANIFEST_SCHEMA)
    entries = {e["file"]: e for e in manifest["artifacts"]}
    second = entries["hamedan-strategic-plan_stage-1_edition-2.pdf"]
    assert (second["date_jalali"], second["date_iso"]) == ("1403/09/20", "2024-12-10")
    redline = entries["hamedan-strategic-plan_stage-1_redline_edition-1-to-2.pdf"]
    assert (redline["kind"], redline["base_edition"], redline["edition"]) == ("redline", 1, 2)
    assert second["tools"]["fonts"].keys() >= {"fonts/vazirmatn/Vazirmatn-Regular.ttf"}


def test_second_release_rebuilds_nothing(released: tuple[Project, Path, list[Event]]) -> None:
    project, output, _ = released
    result = release(project, output, jobs=2)
    assert result.built == [] and sorted(result.skipped) == sorted(EXPECTED) and result.ok


def test_verify_passes_then_fails_when_bytes_change(released: tuple[Project, Path, list[Event]],
                                                    tmp_path: Path) -> None:  # fmt: skip
    project, output, _ = released
    assert verify(project, output, tmp_path / "a") == []
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in output.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    tampered = copy / "hamedan-strategic-plan_stage-1_edition-1.pdf"
    data = bytearray(tampered.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["--project", str(REPO), "release", "--verify", str(copy)])
    assert result.exit_code == 1
    assert "MISMATCH hamedan-strategic-plan_stage-1_edition-1.pdf: file differs from its manifest entry" \
        in result.output  # fmt: skip
    assert "edition-2.pdf" not in result.output.split("Error")[0]


def test_broken_edition_does_not_stop_the_others(mini_project: Project, tmp_path: Path) -> None:
    publish_edition(mini_project, EditionRef("mini-city", 1, 1))
    new_edition(mini_project, "mini-city", 1, jdatetime.date(1403, 4, 1))
    glossary = mini_project.edition_dir("mini-city", 1, 2) / "glossary.yaml"
    glossary.write_text(glossary.read_text(encoding="utf-8").replace("term: چشم‌انداز", "trem: چشم‌انداز"),
                        encoding="utf-8")  # fmt: skip
    output = tmp_path / "out"
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "release", "-o", str(output)],
                                env={"CI": "true"})  # fmt: skip
    assert result.exit_code == 1
    assert "built    mini-city_stage-1_edition-1.pdf (" in result.output
    assert "FAILED mini-city_stage-1_edition-2.pdf" in result.output
    assert "FAILED mini-city_stage-1_redline_edition-1-to-2.pdf" in result.output
    manifest = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    assert [e["file"] for e in manifest["artifacts"]] == ["mini-city_stage-1_edition-1.pdf"]
    assert sorted(p.name for p in output.iterdir()) == [CHECKSUMS, MANIFEST, "mini-city_stage-1_edition-1.pdf"]


def test_json_summary(mini_project: Project, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--project", str(mini_project.root), "release", "--json",
                                       "-o", str(tmp_path / "out")])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["built"] == ["mini-city_stage-1_edition-1.pdf"] and summary["failed"] == {}
