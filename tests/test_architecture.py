"""Layering rules the code must keep (see ARCHITECTURE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "reportgen"


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module if node.module.startswith("reportgen") else node.module.split(".")[0])
    return names


def module_name(path: Path) -> str:
    """``typeset/engine.py`` → ``typeset.engine``; a package's ``__init__`` is the package."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


MODULES = {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def test_only_the_typesetting_layer_imports_weasyprint() -> None:
    # typeset drives WeasyPrint's public API; resync its paginator, for incremental layout; leaders
    # retouches laid-out pages; textlayer draws the font's joiner glyphs.
    assert {name for name, found in MODULES.items() if "weasyprint" in found} == {
        "typeset.engine", "typeset._weasyprint.resync", "typeset._weasyprint.leaders",
        "typeset._weasyprint.textlayer"}
    for internal in ("reportgen.typeset._weasyprint.resync", "reportgen.typeset._weasyprint.leaders",
                     "reportgen.typeset._weasyprint.textlayer"):
        assert {name for name, found in MODULES.items() if internal in found} == {"typeset.engine"}


def test_only_cli_imports_click_and_prints() -> None:
    assert {name for name, found in MODULES.items() if "click" in found} == {"cli"}
    for path in PACKAGE.rglob("*.py"):
        if path.stem not in ("cli",):
            calls = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"]  # fmt: skip
            assert not calls, f"{path.name} prints"


def test_nothing_imports_the_cli() -> None:
    assert not [name for name, found in MODULES.items() if "reportgen.cli" in found and name != "__main__"]


def loaded_by(module: str) -> str:
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-c", f"import sys, {module}; print(sorted(sys.modules))"],
                          capture_output=True, text=True, check=True).stdout  # fmt: skip


def test_the_command_script_imports_nothing_heavy() -> None:
    """Workers re-import the ``reportgen`` script: it must not pull in the CLI and its dependencies."""
    loaded = loaded_by("reportgen.__main__")
    for heavy in ("reportgen.cli", "click", "pydantic", "weasyprint"):
        assert f"'{heavy}'" not in loaded, heavy


def test_the_cli_imports_what_a_command_needs_only_when_it_runs() -> None:
    """``build -j`` starts its workers first: the CLI module itself loads no models, templates or engine."""
    loaded = loaded_by("reportgen.cli")
    assert "'click'" in loaded
    for heavy in ("pydantic", "jinja2", "weasyprint", "pikepdf", "fontTools", "rich", "reportgen.content.models"):
        assert f"'{heavy}'" not in loaded, heavy
    workers = loaded_by("reportgen.typeset.workers")
    for heavy in ("pydantic", "jinja2", "weasyprint", "pikepdf", "fontTools"):
        assert f"'{heavy}'" not in workers, heavy


def test_bottom_layers_import_no_stage() -> None:
    for bottom in ("errors", "paths", "text.persian"):
        assert not {m for m in MODULES[bottom] if m.startswith("reportgen.")}, bottom


def test_no_unsafe_yaml_loading() -> None:
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for unsafe in ("yaml.load(", "yaml.unsafe_load", "FullLoader", "UnsafeLoader", "yaml.Loader"):
            assert unsafe not in text, f"{path.name}: {unsafe}"


def test_templates_never_mark_content_safe() -> None:
    for path in (PACKAGE / "render" / "templates").rglob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name
