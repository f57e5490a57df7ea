"""The gate in front of WeasyPrint's internals: pinned to one release, and a missing private name only slows builds."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from reportgen.typeset import _weasyprint

from conftest import DATA, REPO, BuiltPdf

# Installed by a ``sitecustomize`` in every interpreter of the build (the command and its workers): WeasyPrint's
# non-public modules cannot be imported by reportgen's gated subpackage, as if a new release had moved them.
# WeasyPrint itself still imports them; the public names stay reachable.
_BLOCK = '''
import builtins
_import = builtins.__import__
_PUBLIC = {"weasyprint", "weasyprint.text.fonts", "weasyprint.css.counters", "weasyprint.urls"}

def _blocking(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if (importer.startswith("reportgen.typeset._weasyprint") and name.startswith("weasyprint")
            and name not in _PUBLIC):
        raise ImportError(f"simulated: {name} moved in this WeasyPrint")
    return _import(name, globals, locals, fromlist, level)

builtins.__import__ = _blocking
'''


def test_the_pin_and_the_gate_name_one_release() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d.replace(" ", "") for d in project["dependencies"] if d.replace(" ", "").startswith("weasyprint")]
    release = _weasyprint.RELEASE
    assert pins == [f"weasyprint>={release},<{release + 1}"]


def test_the_gate_is_open_on_the_pinned_release() -> None:
    import weasyprint

    assert weasyprint.__version__.split(".")[0] == str(_weasyprint.RELEASE)
    assert _weasyprint.enabled()


def _build(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reportgen", "--project", str(root), "build", *args],
                          env=env, capture_output=True, text=True, timeout=300)  # fmt: skip


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout  # fmt: skip


def _comparable(text: str) -> list[str]:
    """pdftotext's lines, each as its characters sorted, without joiners, bidi marks or spaces.

    Without ``textlayer`` the text layer gives ligatures («لا» as «ال»), compound numbers and neutrals side by
    side («، ») in the order drawn, not written: the same characters on the same lines, in another order.
    """
    lines = re.sub("[\u200c\u200e\u200f\u202a-\u202e \t]", "", text).splitlines()
    return ["".join(sorted(line)) for line in lines if line.strip()]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_without_weasyprint_internals_builds_still_write_the_same_text(
    tmp_path: Path, mini_pdf: BuiltPdf, jobs: str
) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(_BLOCK, encoding="utf-8")
    root = tmp_path / "project"
    shutil.copytree(DATA / "mini" / "content", root / "content")
    (root / "styles").symlink_to(REPO / "styles")
    (root / "fonts").symlink_to(REPO / "fonts")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))}

    done = _build(root, env, "-j", jobs, "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    # The same text, except that without ``textlayer`` the text layer loses its zero-width non-joiners, and gives
    # ligatures, compound numbers and neutrals side by side in the order drawn (see ``_comparable``).
    assert _comparable(_text(tmp_path / "out" / mini_pdf.path.name)) == _comparable(mini_pdf.text())
    gate = "from reportgen.typeset import _weasyprint; print(_weasyprint.enabled())"
    probe = subprocess.run([sys.executable, "-c", gate], env=env, capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "False"  # the hook did close the gate
