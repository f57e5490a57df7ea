"""A project's simple theme values (``theme.yaml``): colours, paper, base font, cover logo, number order.

They reach the document as CSS custom properties on its root element, which
the default stylesheets read (``var(--accent)``, ``var(--paper, A4)`` …), so
no style is restated here; the logo is an image of the project's ``assets/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from reportgen.content.models import Model
from reportgen.content.validate import load_model
from reportgen.errors import ContentError, Problem
from reportgen.paths import Project
from reportgen.render.numbering import DEFAULT_ORDER, NumberOrder


def _colour(value: str) -> str:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
        raise ValueError("must be a colour written #rrggbb, e.g. #1f5f8b")
    return value


Colour = Annotated[str, AfterValidator(_colour)]
FontName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9 \-]{1,64}$")]


class Theme(Model):
    """``theme.yaml`` beside ``content/``: every value optional; the default theme fills the rest."""

    accent: Colour | None = None
    """Colour of titles, headings and rules, e.g. '#7a1f1f'."""
    accent_light: Colour | None = None
    """Background of table headers and boxes, e.g. '#f6eded'."""
    ink: Colour | None = None
    """Colour of body text."""
    paper: Annotated[str, Field(pattern=r"^(A3|A4|A5|B4|B5|letter|legal)$")] | None = None
    """Paper size: A4 (default), A5, B5, letter …"""
    font: FontName | None = None
    """Base font family; declare it with @font-face in a stylesheet of the project's styles/ folder."""
    logo: str | None = None
    """Cover logo: a PNG, JPEG or SVG file inside the project's assets/ folder, e.g. assets/logo.png."""
    compound_numbers: NumberOrder | None = None
    """Order of compound numbers («۳-۵») in headings, captions, references and contents: chapter-right
    (default, the chapter number on the right, as Persian books set it) or chapter-left."""


def load_theme(project: Project) -> Theme:
    """The project's theme values (none when it has no ``theme.yaml``); located errors otherwise."""
    if not project.theme_file.exists():
        return Theme()
    problems: list[Problem] = []
    theme, loaded = load_model(project.theme_file, Theme, problems)
    if theme is not None and loaded is not None and theme.logo is not None:
        logo = (project.root / theme.logo).resolve()
        if not logo.is_relative_to(project.assets.resolve()) or logo.suffix.lower() not in (
                ".png", ".jpg", ".jpeg", ".svg"):  # fmt: skip
            problems.append(loaded.problem(("logo",), "must be a PNG, JPEG or SVG file inside assets/"))
        elif not logo.is_file():
            problems.append(loaded.problem(("logo",), f"no such file: {theme.logo}"))
    if problems or theme is None:
        raise ContentError(problems)
    return theme


@dataclass(frozen=True)
class ThemeView:
    """What the templates need of a theme."""

    root_style: str = ""
    """Custom properties for the root element's ``style`` attribute ('' for none)."""
    logo_url: str | None = None
    compound_numbers: NumberOrder = DEFAULT_ORDER


def theme_view(project: Project) -> ThemeView:
    theme = load_theme(project)
    return ThemeView(root_style(theme), logo_url(project, theme), theme.compound_numbers or DEFAULT_ORDER)


def root_style(theme: Theme) -> str:
    """The custom properties the stylesheets read, for the document's root ``style`` attribute."""
    values = {"--accent": theme.accent, "--accent-light": theme.accent_light, "--ink": theme.ink,
              "--paper": theme.paper, "--font": f'"{theme.font}"' if theme.font else None}  # fmt: skip
    return "; ".join(f"{name}: {value}" for name, value in values.items() if value)


def logo_url(project: Project, theme: Theme) -> str | None:
    return (project.root / theme.logo).resolve().as_uri() if theme.logo else None
