"""Generic chapters: an ordered list of typed blocks (see ``BLOCKS-SPEC.md`` and the README).

A chapter file ``chapters/NN-<id>.yaml`` holds a ``Chapter``. Each block is an
``Item`` (its ``id`` unique in the edition) and so is each row, entry, node and
task inside it, so that diff, redline and the comments register work on them
one by one. Pydantic checks the shape; what needs the whole block or the whole
edition (cell values against column types, totals, chart columns, image paths,
cross-references) is checked in ``blockcheck.py`` with located messages.

Table cells and per-node fields are kept as the loader gives them (text):
``cell_value`` turns them into numbers or dates by their column's type.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Union

import jdatetime
from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag, WithJsonSchema

from reportgen.content.models import (
    Item,
    ItemId,
    JalaliYear,
    Model,
    NonEmpty,
    RichText,
    Section,
    Text,
    UniqueIds,
)
from reportgen.text.persian import parse_jalali_date, to_latin_digits


class ColumnType(StrEnum):
    text = "text"
    integer = "integer"
    decimal = "decimal"
    percent = "percent"
    money = "money"
    date = "date"


NUMERIC_TYPES = frozenset({ColumnType.integer, ColumnType.decimal, ColumnType.percent, ColumnType.money})
MONEY_UNITS = {"rial": "ریال", "toman": "تومان"}
"""Money units and the word printed for each in a column header."""

Decimals = Annotated[int, Field(ge=0, le=6)]


class Column(Item):
    """A table column: its cells are typed by ``type``."""

    title: Text
    type: ColumnType
    unit: Text | None = None
    """Printed in the header; for money ``rial`` or ``toman``."""
    decimals: Decimals | None = None
    """Digits after the decimal separator (decimal and percent: 1; integer and money: 0)."""
    compute: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    """An expression over other numeric columns (``weight * rating``); the column is then not written in rows."""

    @property
    def places(self) -> int:
        if self.decimals is not None:
            return self.decimals
        return 1 if self.type in (ColumnType.decimal, ColumnType.percent) else 0


class Row(Item):
    """A table row: ``id`` and one value per (non-computed) column id, as text."""

    model_config = ConfigDict(extra="allow", frozen=True)

    def cells(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    @property
    def label(self) -> str:
        """What names the row for a reader: its first text cell, else its id."""
        return next((v for v in self.cells().values() if isinstance(v, str) and v.strip()), self.id)


class Totals(Model):
    label: Text = "جمع"
    columns: dict[ItemId, str | float | None]
    """Column id → declared total (checked against the rows) or ``null`` (computed)."""


NULL_WORDS = frozenset({"null", "~", ""})


class Table(Item):
    kind: Literal["table"]
    caption: Text
    source: Text | None = None
    notes: tuple[Text, ...] = ()
    columns: Annotated[tuple[Column, ...], NonEmpty, UniqueIds]
    rows: Annotated[tuple[Row, ...], NonEmpty, UniqueIds]
    totals: Totals | None = None


class Prose(Item):
    kind: Literal["prose"]
    heading: Text | None = None
    level: Annotated[int, Field(ge=2, le=3)] = 2
    body: RichText | None = None


class ChartType(StrEnum):
    bar = "bar"
    stacked_bar = "stacked-bar"
    line = "line"
    pie = "pie"


class TableData(Model):
    table: ItemId
    category: ItemId
    series: Annotated[tuple[ItemId, ...], NonEmpty]


class Series(Model):
    name: Text
    values: Annotated[tuple[float, ...], NonEmpty]


class InlineData(Model):
    categories: Annotated[tuple[Text, ...], NonEmpty]
    series: Annotated[tuple[Series, ...], NonEmpty]


def _data_tag(value: object) -> str:
    return "from-table" if isinstance(value, Mapping) and "table" in value else "inline"


ChartData = Annotated[
    Union[Annotated[TableData, Tag("from-table")], Annotated[InlineData, Tag("inline")]],  # noqa: UP007
    Discriminator(_data_tag),
]


class Chart(Item):
    kind: Literal["chart"]
    caption: Text
    type: ChartType
    alt: Text
    """What the chart shows, for a reader who cannot see it."""
    data: ChartData
    unit: Text | None = None
    """The value axis label."""
    DIFF_EXPAND: ClassVar[frozenset[str]] = frozenset({"data"})

    def diff_data(self) -> Iterator[tuple[str, object]]:
        """Inline data compared point by point (``data[series name][category]``)."""
        if isinstance(self.data, TableData):
            yield "data", self.data
            return
        yield "data.categories", self.data.categories
        for series in self.data.series:
            for category, value in zip(self.data.categories, series.values, strict=False):
                yield f"data[{series.name}][{category}]", format(value, "g")


class Image(Item):
    kind: Literal["image"]
    caption: Text
    alt: Text
    src: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    """Path relative to the edition folder (SVG, PNG or JPEG)."""
    width: Annotated[str, StringConstraints(pattern=r"^[1-9][0-9]?%$|^100%$")] | None = None


class Entry(Item):
    text: Text


Entries = Annotated[tuple[Entry, ...], NonEmpty, UniqueIds]


class Swot(Item):
    kind: Literal["swot"]
    caption: Text
    strengths: Entries
    weaknesses: Entries
    opportunities: Entries
    threats: Entries


class Label(Item):
    label: Text


class MarkShape(StrEnum):
    """Legend marks, drawn by the stylesheet (the report's font has no geometric shapes)."""

    circle = "circle"
    half = "half"
    ring = "ring"
    square = "square"
    square_ring = "square-ring"
    triangle = "triangle"
    dot = "dot"


MARK_CHARACTERS = {"●": MarkShape.circle, "◐": MarkShape.half, "○": MarkShape.ring, "■": MarkShape.square,
                   "□": MarkShape.square_ring, "▲": MarkShape.triangle, "•": MarkShape.dot}  # fmt: skip
"""The characters a legend may name its mark by, for the shape that stands for them."""


def _mark_shape(value: object) -> object:
    return MARK_CHARACTERS.get(value, value) if isinstance(value, str) else value


class LegendKey(Model):
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=32)]
    label: Text
    symbol: Annotated[MarkShape, BeforeValidator(_mark_shape), WithJsonSchema(
        {"type": "string", "enum": [*(shape.value for shape in MarkShape), *MARK_CHARACTERS]})] | None = None
    """The cell's mark, by name or character (● ◐ ○ ■ □ ▲ •); default: one per legend position."""


CellValue = Union[str, Annotated[tuple[Entry, ...], NonEmpty, UniqueIds]]  # noqa: UP007


class Matrix(Item):
    kind: Literal["matrix"]
    caption: Text
    rows: Annotated[tuple[Label, ...], NonEmpty, UniqueIds]
    columns: Annotated[tuple[Label, ...], NonEmpty, UniqueIds]
    legend: tuple[LegendKey, ...] = ()
    cells: dict[ItemId, dict[ItemId, CellValue]]
    DIFF_EXPAND: ClassVar[frozenset[str]] = frozenset({"cells"})
    """Compared cell by cell."""


class Node(Item):
    """A hierarchy node: ``title``, the declared extra fields (as text) and ``children``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    title: Text
    children: tuple[Node, ...] = ()

    def fields(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class FieldSpec(Model):
    id: ItemId
    title: Text


class Hierarchy(Item):
    kind: Literal["hierarchy"]
    caption: Text
    levels: Annotated[tuple[Text, ...], NonEmpty]
    fields: Annotated[tuple[FieldSpec, ...], UniqueIds] = ()
    display: Literal["tree", "table"] = "tree"
    nodes: Annotated[tuple[Node, ...], NonEmpty, UniqueIds]


class Baseline(Model):
    year: JalaliYear
    value: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class Indicator(Item):
    name: Text
    definition: Text
    unit: Text
    baseline: Baseline
    targets: dict[JalaliYear, Annotated[str, StringConstraints(min_length=1, max_length=40)]]
    source: Text
    frequency: Text
    responsible: Text


class Indicators(Item):
    kind: Literal["indicators"]
    caption: Text
    years: Annotated[tuple[JalaliYear, ...], NonEmpty]
    rows: Annotated[tuple[Indicator, ...], NonEmpty, UniqueIds]


class Task(Item):
    label: Text
    start: Annotated[int, Field(ge=1, le=240)]
    duration: Annotated[int, Field(ge=1, le=240)]


class Timeline(Item):
    kind: Literal["timeline"]
    caption: Text
    unit: Text = "ماه"
    tasks: Annotated[tuple[Task, ...], NonEmpty, UniqueIds]


class Statement(Item):
    kind: Literal["statement"]
    title: Text
    text: RichText


class Definition(Item):
    term: Text
    latin: Text | None = None
    definition: RichText


class Definitions(Item):
    kind: Literal["definitions"]
    heading: Text | None = None
    items: Annotated[tuple[Definition, ...], NonEmpty, UniqueIds]


BLOCK_KINDS: dict[str, type[Item]] = {
    "prose": Prose, "table": Table, "chart": Chart, "image": Image, "swot": Swot, "matrix": Matrix,
    "hierarchy": Hierarchy, "indicators": Indicators, "timeline": Timeline, "statement": Statement,
    "definitions": Definitions,
}  # fmt: skip


def _block_tag(value: object) -> str | None:
    kind = value.get("kind") if isinstance(value, Mapping) else getattr(value, "kind", None)
    return kind if isinstance(kind, str) and kind in BLOCK_KINDS else None


Block = Annotated[
    Union[  # noqa: UP007
        Annotated[Prose, Tag("prose")], Annotated[Table, Tag("table")], Annotated[Chart, Tag("chart")],
        Annotated[Image, Tag("image")], Annotated[Swot, Tag("swot")], Annotated[Matrix, Tag("matrix")],
        Annotated[Hierarchy, Tag("hierarchy")], Annotated[Indicators, Tag("indicators")],
        Annotated[Timeline, Tag("timeline")], Annotated[Statement, Tag("statement")],
        Annotated[Definitions, Tag("definitions")],
    ],
    Discriminator(_block_tag, custom_error_type="unknown_block_kind", custom_error_message="unknown block kind"),
]
"""One block of a chapter, chosen by its ``kind`` (the keys of ``BLOCK_KINDS``)."""

UNION_TAGS = frozenset({*BLOCK_KINDS, "from-table", "inline"})
"""Names pydantic puts in an error's location for a tagged union member (not YAML keys)."""


class Chapter(Section):
    """``chapters/NN-<id>.yaml``: a generic chapter."""

    id: ItemId
    front_matter: bool = False
    blocks: Annotated[tuple[Block, ...], NonEmpty, UniqueIds]


# ---------------------------------------------------------------- values


def parse_number(raw: object) -> Decimal:
    """A YAML number (Latin or Persian digits) as a Decimal; ValueError otherwise."""
    text = to_latin_digits(str(raw).strip()).replace("٫", ".").replace("٬", "").replace(",", "")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        raise ValueError(f"'{raw}' is not a number")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(f"'{raw}' is not a number") from None


def cell_value(column: Column, raw: object) -> Decimal | jdatetime.date | str:
    """A cell's typed value; ValueError with a reader's message when it does not fit the column."""
    if isinstance(raw, (list, dict)):
        raise ValueError("must be a single value")
    if column.type is ColumnType.text:
        if not str(raw).strip():
            raise ValueError("must not be empty")
        return str(raw)
    if column.type is ColumnType.date:
        return parse_jalali_date(raw)
    try:
        number = parse_number(raw)
    except ValueError:
        raise ValueError(f"'{raw}' is not a number ({column.type.value} column '{column.id}')") from None
    if column.type is ColumnType.integer and number != number.to_integral_value():
        raise ValueError(f"'{raw}' is not a whole number (integer column '{column.id}')")
    return number


# ---------------------------------------------------------------- expressions

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<name>[a-z][a-z0-9]*(?:-[a-z0-9]+)*)|(?P<op>[-+*/()]))")
Expression = Union[Decimal, str, tuple[str, "Expression", "Expression"]]  # noqa: UP007


def parse_expression(text: str) -> Expression:
    """``weight * rating`` → a tree of (op, left, right), names and numbers; ValueError if malformed.

    Grammar: sum := product (('+'|'-') product)*; product := atom (('*'|'/') atom)*;
    atom := number | column-id | '(' sum ')' | '-' atom. Write a minus between
    spaces: ``a-b`` is one column id.
    """
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"cannot read the expression at '{text[position:].strip()}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    index = 0

    def peek() -> str:
        return tokens[index][1] if index < len(tokens) and tokens[index][0] == "op" else ""

    def atom() -> Expression:
        nonlocal index
        if index >= len(tokens):
            raise ValueError("the expression ends too soon")
        kind, value = tokens[index]
        index += 1
        if kind == "number":
            return Decimal(value)
        if kind == "name":
            return value
        if value == "(":
            inner = total()
            if peek() != ")":
                raise ValueError("a '(' is not closed")
            index += 1
            return inner
        if value == "-":
            return ("-", Decimal(0), atom())
        raise ValueError(f"unexpected '{value}' in the expression")

    def product() -> Expression:
        nonlocal index
        left = atom()
        while peek() in ("*", "/") and peek():
            op = tokens[index][1]
            index += 1
            left = (op, left, atom())
        return left

    def total() -> Expression:
        nonlocal index
        left = product()
        while peek() in ("+", "-") and peek():
            op = tokens[index][1]
            index += 1
            left = (op, left, product())
        return left

    tree = total()
    if index != len(tokens):
        raise ValueError(f"unexpected '{tokens[index][1]}' in the expression")
    return tree


def expression_names(tree: Expression) -> Iterator[str]:
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, tuple):
        yield from expression_names(tree[1])
        yield from expression_names(tree[2])


def evaluate(tree: Expression, values: Mapping[str, Decimal]) -> Decimal:
    """The expression's value; ValueError on division by zero."""
    if isinstance(tree, Decimal):
        return tree
    if isinstance(tree, str):
        return values[tree]
    op, left, right = tree
    a, b = evaluate(left, values), evaluate(right, values)
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        raise ValueError("division by zero")
    return a / b


def table_values(table: Table) -> list[dict[str, Decimal | jdatetime.date | str | None]]:
    """Every row's typed values, computed columns included (content already checked)."""
    result: list[dict[str, Decimal | jdatetime.date | str | None]] = []
    trees = {c.id: parse_expression(c.compute) for c in table.columns if c.compute}
    for row in table.rows:
        cells = row.cells()
        values: dict[str, Decimal | jdatetime.date | str | None] = {}
        for column in table.columns:
            if column.compute:
                numbers = {k: v for k, v in values.items() if isinstance(v, Decimal)}
                values[column.id] = evaluate(trees[column.id], numbers)
            elif column.id in cells:
                values[column.id] = cell_value(column, cells[column.id])
            else:
                values[column.id] = None
        result.append(values)
    return result


Node.model_rebuild()
Chapter.model_rebuild()
