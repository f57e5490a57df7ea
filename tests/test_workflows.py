"""The GitHub workflows use only the README's commands, so CI can be repeated by hand.

actionlint's PyPI wrapper downloads its binary at install time, which our
registries do not allow, so the workflows are checked by parsing them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def run_steps(workflow: dict[Any, Any]) -> list[str]:
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_workflows_are_well_formed() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        workflow = load(path.name)
        assert workflow.get("name") and workflow.get("jobs"), path.name
        assert True in workflow or "on" in workflow, path.name  # PyYAML reads the key 'on' as True
        for job_name, job in workflow["jobs"].items():
            assert job.get("runs-on") and job.get("steps"), job_name
            assert isinstance(job.get("timeout-minutes"), int), job_name
            for step in job["steps"]:
                assert ("uses" in step) != ("run" in step), step
                if "uses" in step:
                    assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), step["uses"]


def test_ci_runs_the_readme_test_command() -> None:
    workflow = load("ci.yml")
    triggers = workflow.get(True, workflow.get("on"))
    assert set(triggers) == {"push", "pull_request"}
    assert run_steps(workflow) == ["make test"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme.split("\n## ", 2)[1]  # among the set-up commands
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_release_runs_on_tags_with_readme_commands() -> None:
    workflow = load("release.yml")
    triggers = workflow.get(True, workflow.get("on"))
    assert triggers == {"push": {"tags": ["v*"]}}
    steps = run_steps(workflow)
    assert steps[:3] == ["make test", "make release", "make verify"]
    assert steps[3].startswith("gh release create") and "dist/*" in steps[3]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("make release", "make verify"):
        assert command in readme
