"""Where things live. Every path reportgen uses is resolved here, once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_THEME = PACKAGE_DIR / "theme"
"""The default theme's ``styles/`` and ``fonts/``: in a checkout, links to the repository's top-level
folders; in an installed wheel, copies of them. A project without a theme of its own uses these."""


@dataclass(frozen=True)
class Project:
    """A project folder: content, styles and fonts, and where output goes."""

    root: Path
    content: Path
    styles: Path
    fonts: Path
    templates: Path
    output: Path

    @classmethod
    def at(cls, root: Path, output: Path | None = None) -> Project:
        """The standard layout under ``root``; output defaults to ``root/dist``."""
        root = root.resolve()
        return cls(
            root=root,
            content=root / "content",
            styles=root / "styles",
            fonts=root / "fonts",
            templates=PACKAGE_DIR / "render" / "templates",
            output=(output or root / "dist").resolve(),
        )

    @property
    def cache(self) -> Path:
        """Where laid-out chapters are kept between builds (safe to delete)."""
        return self.root / ".reportgen-cache"

    @property
    def theme_file(self) -> Path:
        """Simple theme values (colours, paper, font, logo): ``theme.yaml`` beside ``content/``."""
        return self.root / "theme.yaml"

    @property
    def assets(self) -> Path:
        """Images the theme uses (the cover logo)."""
        return self.root / "assets"

    @property
    def template_dirs(self) -> tuple[Path, ...]:
        """Where templates are looked up, in order: the project's ``templates/`` first, then the package's."""
        own = self.root / "templates"
        return (own, self.templates) if own.is_dir() else (self.templates,)

    @property
    def readable_roots(self) -> tuple[Path, ...]:
        """The only folders a build may read from."""
        return (self.content, self.styles, self.fonts, *self.template_dirs, self.assets,
                DEFAULT_THEME / "styles", DEFAULT_THEME / "fonts")  # fmt: skip

    @property
    def stylesheets(self) -> tuple[Path, ...]:
        """The default theme's stylesheets, then the project's own (each in file-name order).

        A project's sheet comes after every sheet of the theme, so it overrides
        them whatever its name; a project folder that *is* the default theme
        (this repository) adds nothing twice.
        """
        default = sorted(path.resolve() for path in (DEFAULT_THEME / "styles").glob("*.css"))
        own = [path for path in sorted(self.styles.glob("*.css")) if not _is_default_theme_file(path, self.styles)]
        return (*default, *own)

    def own_theme_files(self) -> list[Path]:
        """The project's own files that decide how its editions look (none of the default theme's), sorted.

        A file of ``styles/`` or ``fonts/`` with the same name and bytes as the default theme's is the
        default theme's (this repository's own folders, whether reportgen runs from the checkout or from
        an installed copy of them).
        """
        found = [self.theme_file] if self.theme_file.is_file() else []
        for folder in (self.root / "templates", self.styles, self.fonts, self.assets):
            found += [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                      and not _is_default_theme_file(p, folder)]  # fmt: skip
        return sorted(set(found))

    @property
    def font_dirs(self) -> tuple[Path, ...]:
        """Where the fonts a build may embed live: the project's own, then the default theme's."""
        return (self.fonts, DEFAULT_THEME / "fonts")

    @property
    def chart_fonts(self) -> Path:
        """Where charts find the report's font (Vazirmatn) to draw and measure their labels."""
        own = self.fonts
        return own if any(own.rglob("Vazirmatn-*.ttf")) else DEFAULT_THEME / "fonts"

    @property
    def theme_roots(self) -> tuple[Path, ...]:
        """Every folder or file that decides how an edition looks, besides its content."""
        return (*self.template_dirs, DEFAULT_THEME / "styles", DEFAULT_THEME / "fonts",
                self.styles, self.fonts, self.assets, self.theme_file)  # fmt: skip

    def report_dir(self, report: str) -> Path:
        return self.content / report

    def stage_dir(self, report: str, stage: int) -> Path:
        return self.content / report / f"stage-{stage}"

    def edition_dir(self, report: str, stage: int, edition: int) -> Path:
        return self.stage_dir(report, stage) / f"edition-{edition}"


def find_project_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that has a ``content`` folder."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "content").is_dir():
            return folder
    return start


@cache
def package_digest() -> str:
    """A digest of reportgen's own code and templates (every file of the package).

    Cache keys use it rather than ``__version__``, which a commit that changes
    the output does not necessarily bump.
    """
    digest = hashlib.sha256()
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _is_default_theme_file(path: Path, folder: Path) -> bool:
    """Whether ``path`` (under a project's ``styles/`` or ``fonts/`` ``folder``) is a default theme file."""
    if folder.name not in ("styles", "fonts"):
        return False
    twin = DEFAULT_THEME / folder.name / path.relative_to(folder)
    return twin.is_file() and (twin.resolve() == path.resolve() or _digest(twin) == _digest(path))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
