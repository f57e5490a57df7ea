"""reportgen's errors. Library code raises these; only the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    file: Path
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ReportgenError(Exception):
    """Base of every error reportgen raises on purpose."""


class ContentError(ReportgenError):
    """Content that cannot be loaded or validated; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (str(p.file), p.line or 0, p.column or 0, p.field)
        )
        super().__init__("\n".join(str(problem) for problem in self.problems))

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[Problem]]]:
        # Rebuilt from its problems when it crosses a process boundary (release workers).
        return (ContentError, (self.problems,))


class NotFoundError(ReportgenError):
    """A report, stage or edition that does not exist."""


class TemplateError(ReportgenError):
    """A template that cannot be rendered."""


class TypesetError(ReportgenError):
    """WeasyPrint failed, or tried to do something it must not."""


class FallbackFontError(TypesetError):
    """The PDF embeds a font the project does not configure: a system font drew what the project's fonts cannot.

    Validation refuses such characters in content; this catches the rest (a
    template's own text, a generated word). ``fonts`` maps each foreign font to
    the characters drawn with it.
    """

    def __init__(self, fonts: dict[str, str]) -> None:
        self.fonts = fonts
        drawn = "; ".join(f"{font} drew {character_names(text)}" for font, text in sorted(fonts.items()))
        super().__init__(f"the PDF would embed a font the project does not configure ({drawn}): none of the "
                         "project's fonts has these characters; remove them (content, labels.yaml, templates) "
                         "or add a font that has them to fonts/ with an @font-face")

    def __reduce__(self) -> tuple[type[FallbackFontError], tuple[dict[str, str]]]:
        return (FallbackFontError, (self.fonts,))


def character_names(text: str) -> str:
    """«'★' (U+2605), …»: each distinct character of ``text``, also when it is invisible or unfamiliar."""
    return ", ".join(f"'{c}' (U+{ord(c):04X})" for c in dict.fromkeys(text))


class OutputError(ReportgenError):
    """The output could not be written."""


class EditionError(ReportgenError):
    """An edition operation that would alter what was published, or is out of order."""
