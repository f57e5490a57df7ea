"""Where things live. Every path reportgen uses is resolved here, once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


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
    def readable_roots(self) -> tuple[Path, ...]:
        """The only folders a build may read from."""
        return (self.content, self.styles, self.fonts, self.templates)

    @property
    def stylesheets(self) -> tuple[Path, ...]:
        """The project's stylesheets, applied in file-name order."""
        return tuple(sorted(self.styles.glob("*.css")))

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
