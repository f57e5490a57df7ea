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


def statements(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Every import in ``path``: (module, names imported from it); ``import a.b`` gives ("a.b", ())."""
    found: list[tuple[str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{path.name}: relative import"
            found.append((node.module, tuple(alias.name for alias in node.names)))
    return found


STATEMENTS = {module_name(path): statements(path) for path in PACKAGE.rglob("*.py")}

# WeasyPrint's documented API (its "API Reference" page; everything else may change in any release).
PUBLIC_WEASYPRINT = {
    "weasyprint": {"HTML", "CSS", "Document", "Page", "Attachment", "DEFAULT_OPTIONS", "VERSION", "__version__"},
    "weasyprint.text.fonts": {"FontConfiguration"},
    "weasyprint.css.counters": {"CounterStyle"},
    "weasyprint.urls": {"URLFetcher", "URLFetcherResponse", "URLFetchingError", "FatalURLFetchingError"},
}


def non_public_weasyprint(path: Path) -> set[str]:
    """The WeasyPrint names ``path`` imports or reads that are not public API."""
    private: set[str] = set()
    for module, names in statements(path):
        if module == "weasyprint" or module.startswith("weasyprint."):
            if not names and module != "weasyprint":
                private.add(module)
            private.update(f"{module}.{name}" for name in names if name not in PUBLIC_WEASYPRINT.get(module, ()))
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "weasyprint"
                and node.attr not in PUBLIC_WEASYPRINT["weasyprint"]):  # fmt: skip
            private.add(f"weasyprint.{node.attr}")
    return private


def test_only_the_typesetting_package_imports_weasyprint() -> None:
    users = {name for name, found in MODULES.items() if "weasyprint" in found}
    assert users and all(name.startswith("typeset.") for name in users), users
    assert "typeset" not in users and "typeset.workers" not in users  # light: see the loaded_by tests


def test_only_the_gated_subpackage_touches_weasyprint_internals() -> None:
    offenders = {module_name(path): found for path in PACKAGE.rglob("*.py")
                 if (found := non_public_weasyprint(path)) and not module_name(path).startswith("typeset._weasyprint")}
    assert not offenders
    # The rule can see what it forbids: the gated subpackage does use internals.
    assert non_public_weasyprint(PACKAGE / "typeset" / "_weasyprint" / "resync.py")


def test_the_gated_subpackage_is_reached_only_through_its_gate() -> None:
    """The engine imports the private modules inside functions, after ``_weasyprint.enabled()``."""
    users = {name for name, found in STATEMENTS.items() for module, names in found
             if module.startswith("reportgen.typeset._weasyprint.") or (module == "reportgen.typeset._weasyprint"
                                                                        and set(names) - {"enabled", "RELEASE"})}
    assert users == {"typeset.engine", "typeset._weasyprint"}, users  # the gate imports them to try them
    engine = ast.parse((PACKAGE / "typeset" / "engine.py").read_text(encoding="utf-8"))
    top_level = [(node.module or "", {alias.name for alias in node.names}) for node in engine.body
                 if isinstance(node, ast.ImportFrom)]  # fmt: skip
    assert not [m for m, names in top_level if m.startswith("reportgen.typeset._weasyprint")
                and names - {"enabled", "RELEASE"}], top_level  # fmt: skip
    gate = (PACKAGE / "typeset" / "_weasyprint" / "__init__.py").read_text(encoding="utf-8")
    assert "except ImportError" in gate and "__version__" in gate
    assert not [p for p in PACKAGE.rglob("*.py") if "__version__.split" in p.read_text(encoding="utf-8")
                and p.name != "__init__.py"], "one version check, in the gate"  # fmt: skip


def test_nothing_outside_typeset_imports_its_internals() -> None:
    import reportgen.typeset

    public = set(reportgen.typeset.__all__)
    for name, found in STATEMENTS.items():
        if name == "typeset" or name.startswith("typeset."):
            continue
        for module, names in found:
            if module.startswith("reportgen.typeset."):
                raise AssertionError(f"{name} imports {module}: use reportgen.typeset's public names")
            if module == "reportgen.typeset":
                assert set(names) <= public, f"{name} imports {set(names) - public} from reportgen.typeset"


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


def test_the_web_layer_sits_on_top_and_never_typesets() -> None:
    """``web`` (site, server, comments) is imported by the CLI only, and never loads WeasyPrint."""
    importers = {name for name, found in MODULES.items() if any(m.startswith("reportgen.web") for m in found)}
    assert {name for name in importers if not name.startswith("web.")} == {"cli"}
    for name, found in MODULES.items():
        if name.startswith("web."):
            assert "weasyprint" not in found and not any(m.startswith("reportgen.typeset") for m in found), name
    for module in ("reportgen.web.server", "reportgen.web.comments"):
        loaded = loaded_by(module)
        assert "'weasyprint'" not in loaded and "'reportgen.typeset.engine'" not in loaded, module
    loaded = loaded_by("reportgen.cli")
    for heavy in ("starlette", "sqlalchemy", "alembic", "uvicorn", "selenium"):
        assert f"'{heavy}'" not in loaded, heavy


def test_only_the_chart_module_imports_matplotlib() -> None:
    """matplotlib is heavy (half a second to import): one module draws charts, and only on the first chart."""
    users = {name for name, found in MODULES.items() if "matplotlib" in found}
    assert users == {"render.charts"}, users
    top_level = [node for node in ast.parse((PACKAGE / "render" / "charts.py").read_text(encoding="utf-8")).body
                 if isinstance(node, (ast.Import, ast.ImportFrom))]  # fmt: skip
    assert not any("matplotlib" in ast.dump(node) for node in top_level)


def test_generic_blocks_are_content_not_rendering() -> None:
    """The block models and their checks import nothing above ``content``."""
    for name in ("content.blocks", "content.blockcheck"):
        above = {m for m in MODULES[name] if m.startswith("reportgen.") and not m.startswith(
            ("reportgen.content", "reportgen.text", "reportgen.errors"))}  # fmt: skip
        assert not above, (name, above)
