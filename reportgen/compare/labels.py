"""The words the comparison shows a reader, read from the labels catalogue (``content/labels.yaml``).

Nothing Persian is written here: change kinds, field names, the comparison's
own words and the names of enumeration values all come from a catalogue, the
package's with a report's ``labels.yaml`` laid over it (``Edition.labels``).
Chapters are named by their own titles (``EditionDiff.title``), never from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from reportgen.compare.diff import CHANGE_KINDS
from reportgen.content.labels import Labels, default_labels

VALUE_GROUPS = ("lesson_category", "scope", "level", "document_type", "document_status", "training_format",
                "actor_kind", "role", "info_function", "comment_status")  # fmt: skip
"""The catalogue's groups that name the content's enumeration values (a matrix cell, a lesson's category)."""


def _field_key(part: str) -> str:
    """The catalogue key of a field: one named like a mapping's method takes a «_» (templates would read the method)."""
    return f"{part}_" if hasattr(dict, part) else part


@dataclass(frozen=True)
class Words:
    """The comparison's words from one catalogue."""

    labels: Labels = field(default_factory=default_labels)

    @property
    def ui(self) -> dict[str, str]:
        """The comparison's own words (page title, summary headers, trace)."""
        ui: dict[str, str] = self.labels["comparison"]
        return ui

    @property
    def kinds(self) -> dict[str, str]:
        """Change kind → its name, in the diff's order of kinds."""
        return {kind: self.labels["change"][kind] for kind in CHANGE_KINDS}

    @property
    def chapter_kinds(self) -> dict[str, str]:
        """A whole chapter added or removed, or its own text changed."""
        names: dict[str, str] = self.labels["chapter_change"]
        return names

    @property
    def normalisation(self) -> str:
        return str(self.labels["change"]["normalisation"])

    @property
    def chapter_text(self) -> str:
        return str(self.labels["change"]["chapter_text"])

    @property
    def open_status(self) -> str:
        """A comment without a status yet."""
        return str(self.labels["comments"]["pending"])

    @cached_property
    def values(self) -> dict[str, str]:
        """Enumeration value → its name, over every group that names values (the first group wins)."""
        names: dict[str, str] = {}
        for group in VALUE_GROUPS:
            for value, name in self.labels[group].items():
                names.setdefault(value, name)
        return names

    def field_name(self, path: str, names: dict[str, str] | None = None) -> str:
        """``roles.st-vision`` as the names of its parts joined by «›»: each a field's name or an item's name."""
        fields: dict[str, str] = self.labels["field"]
        known = names or {}
        return " › ".join(fields.get(_field_key(part), known.get(part, part)) for part in path.split("."))

    def value_name(self, value: str | None) -> str:
        """An enumeration value's name; other values as they are; «–» for none."""
        if value is None:
            return "–"
        return self.values.get(value, value)

    def status_name(self, status: str | None) -> str:
        """A comment's status by name, or the catalogue's word for one still pending."""
        return self.value_name(status) if status else self.open_status
