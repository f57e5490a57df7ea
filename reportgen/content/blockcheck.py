"""Checks on generic chapters that need a whole block or the whole edition.

Pydantic has already checked each block's shape; here cell values are read by
their column's type, computed columns and declared totals are checked, charts
are matched to their table's columns, images to the edition folder, matrix
cells to their rows, columns and legend, and every cross-reference ``[@id]``
to a block or item of the edition. Each problem is located in its file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from reportgen.content.blocks import (
    MONEY_UNITS,
    NULL_WORDS,
    NUMERIC_TYPES,
    Chapter,
    Chart,
    ColumnType,
    Hierarchy,
    Image,
    Indicators,
    Matrix,
    Node,
    Table,
    TableData,
    cell_value,
    evaluate,
    expression_names,
    parse_expression,
    parse_number,
)
from reportgen.content.loader import LoadedFile, PathKey
from reportgen.content.models import Item
from reportgen.errors import Problem

REFERENCE = re.compile(r"\[@([a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)?)\]")
"""A cross-reference in rich text: ``[@block-id]``, ``[@item-id]`` or ``[@block-id/item-id]``."""

IMAGE_SUFFIXES = frozenset({".svg", ".png", ".jpg", ".jpeg"})


def _known(ids: object) -> str:
    names = sorted(str(i) for i in ids)  # type: ignore[attr-defined]
    return " (known: " + ", ".join(names) + ")" if names else ""


def _format(number: Decimal) -> str:
    return format(number.normalize(), "f") if number == number.to_integral_value() else format(number, "f")


# ---------------------------------------------------------------- tables


def _check_table(table: Table, where: PathKey, loaded: LoadedFile, problems: list[Problem]) -> None:
    columns = {c.id: c for c in table.columns}
    declared: set[str] = set()
    trees = {}
    for index, column in enumerate(table.columns):
        at = (*where, "columns", index)
        if column.id == "id":
            problems.append(loaded.problem((*at, "id"), "'id' cannot name a column (rows use it for their own id)"))
        if column.type is ColumnType.money and column.unit not in MONEY_UNITS:
            problems.append(loaded.problem((*at, "unit") if column.unit else at,
                                           "a money column needs unit: rial or toman"))  # fmt: skip
        if column.compute:
            if column.type not in NUMERIC_TYPES:
                problems.append(loaded.problem((*at, "type"), "a computed column must be numeric"))
            try:
                tree = parse_expression(column.compute)
            except ValueError as error:
                problems.append(loaded.problem((*at, "compute"), str(error)))
            else:
                for name in expression_names(tree):
                    if name not in declared or columns[name].type not in NUMERIC_TYPES:
                        problems.append(loaded.problem((*at, "compute"),
                                        f"'{name}' is not a numeric column declared before this one"))  # fmt: skip
                        break
                else:
                    trees[column.id] = tree
        declared.add(column.id)
    sums = {c.id: Decimal(0) for c in table.columns if c.type in NUMERIC_TYPES}
    for index, row in enumerate(table.rows):
        at = (*where, "rows", index)
        values: dict[str, Decimal] = {}
        cells = row.cells()
        for key in cells:
            if key not in columns:
                problems.append(loaded.problem((*at, key), f"unknown column '{key}'" + _known(columns)))
            elif columns[key].compute:
                problems.append(loaded.problem((*at, key), f"column '{key}' is computed; leave it out of the rows"))
        for column in table.columns:
            if column.compute:
                if column.id in trees and all(n in values for n in expression_names(trees[column.id])):
                    try:
                        values[column.id] = evaluate(trees[column.id], values)
                    except ValueError as error:
                        problems.append(loaded.problem(at, f"column '{column.id}': {error}"))
            elif column.id not in cells:
                if column.type in NUMERIC_TYPES:
                    problems.append(loaded.problem(at, f"missing value for column '{column.id}'"))
            else:
                try:
                    value = cell_value(column, cells[column.id])
                except ValueError as error:
                    problems.append(loaded.problem((*at, column.id), str(error)))
                    continue
                if isinstance(value, Decimal):
                    values[column.id] = value
            if column.id in values and column.id in sums:
                sums[column.id] += values[column.id]
    if table.totals is not None:
        for key, raw in table.totals.columns.items():
            at = (*where, "totals", "columns", key)
            if key not in columns or columns[key].type not in NUMERIC_TYPES:
                problems.append(loaded.problem(at, f"no numeric column '{key}' to total"
                                               + _known(sums)))  # fmt: skip
                continue
            raw = "" if raw is None else str(raw)
            if raw.strip() in NULL_WORDS:
                continue
            try:
                declared_total = parse_number(raw)
            except ValueError as error:
                problems.append(loaded.problem(at, str(error)))
                continue
            places = Decimal(1).scaleb(-columns[key].places)
            computed = sums[key].quantize(places)
            if declared_total.quantize(places) != computed:
                problems.append(loaded.problem(at, f"declared total {raw} does not match the sum of the rows, "
                                               f"{_format(computed)}"))  # fmt: skip


# ---------------------------------------------------------------- other blocks


def _check_chart(chart: Chart, where: PathKey, loaded: LoadedFile, tables: dict[str, Table],
                 problems: list[Problem]) -> None:  # fmt: skip
    data = chart.data
    at = (*where, "data")
    if isinstance(data, TableData):
        table = tables.get(data.table)
        if table is None:
            problems.append(loaded.problem((*at, "table"), f"no table block '{data.table}' in this edition"
                                           + _known(tables)))  # fmt: skip
            return
        columns = {c.id: c for c in table.columns}
        if data.category not in columns:
            problems.append(loaded.problem((*at, "category"),
                            f"no column '{data.category}' in table '{table.id}'" + _known(columns)))  # fmt: skip
        for position, series in enumerate(data.series):
            if series not in columns:
                problems.append(loaded.problem((*at, "series", position),
                                f"no column '{series}' in table '{table.id}'" + _known(columns)))  # fmt: skip
            elif columns[series].type not in NUMERIC_TYPES:
                problems.append(loaded.problem((*at, "series", position),
                                f"column '{series}' of table '{table.id}' is not numeric"))  # fmt: skip
        count = len(data.series)
    else:
        for index, inline in enumerate(data.series):
            if len(inline.values) != len(data.categories):
                problems.append(loaded.problem((*at, "series", index, "values"),
                                f"{len(inline.values)} values for {len(data.categories)} categories"))  # fmt: skip
        count = len(data.series)
    if chart.type.value == "pie" and count != 1:
        problems.append(loaded.problem((*at, "series"), "a pie chart shows exactly one series"))


def _check_image(image: Image, where: PathKey, loaded: LoadedFile, edition_dir: Path,
                 problems: list[Problem]) -> None:  # fmt: skip
    at = (*where, "src")
    target = (edition_dir / image.src).resolve()
    if Path(image.src).is_absolute() or not target.is_relative_to(edition_dir.resolve()):
        problems.append(loaded.problem(at, "the image must be a file inside the edition folder"))
    elif target.suffix.lower() not in IMAGE_SUFFIXES:
        problems.append(loaded.problem(at, "the image must be SVG, PNG or JPEG (.svg, .png, .jpg)"))
    elif not target.is_file():
        problems.append(loaded.problem(at, f"no file '{image.src}' in the edition folder"))


def _check_matrix(matrix: Matrix, where: PathKey, loaded: LoadedFile, problems: list[Problem]) -> None:
    rows = {r.id for r in matrix.rows}
    columns = {c.id for c in matrix.columns}
    keys = {k.key for k in matrix.legend}
    for row_id, cells in matrix.cells.items():
        if row_id not in rows:
            problems.append(loaded.problem((*where, "cells", row_id), f"unknown row '{row_id}'" + _known(rows)))
            continue
        for column_id, value in cells.items():
            at = (*where, "cells", row_id, column_id)
            if column_id not in columns:
                problems.append(loaded.problem(at, f"unknown column '{column_id}'" + _known(columns)))
            elif isinstance(value, str) and value not in keys:
                problems.append(loaded.problem(at, f"'{value}' is not a legend key" + _known(keys)))


def _check_nodes(nodes: tuple[Node, ...], where: PathKey, hierarchy: Hierarchy, depth: int,
                 loaded: LoadedFile, problems: list[Problem]) -> None:  # fmt: skip
    fields = {f.id for f in hierarchy.fields}
    for index, node in enumerate(nodes):
        at = (*where, index)
        if depth > len(hierarchy.levels):
            problems.append(loaded.problem(at, f"deeper than the {len(hierarchy.levels)} declared levels"))
            return
        for key, value in node.fields().items():
            if key not in fields:
                problems.append(loaded.problem((*at, key), f"unknown field '{key}'" + _known(fields)))
            elif not isinstance(value, str) or not value.strip():
                problems.append(loaded.problem((*at, key), "must be text"))
        _check_nodes(node.children, (*at, "children"), hierarchy, depth + 1, loaded, problems)


def _check_indicators(block: Indicators, where: PathKey, loaded: LoadedFile, problems: list[Problem]) -> None:
    years = set(block.years)
    for index, row in enumerate(block.rows):
        for year in row.targets:
            if year not in years:
                problems.append(loaded.problem((*where, "rows", index, "targets", str(year)),
                                f"year {year} is not one of the block's years" + _known(years)))  # fmt: skip


# ---------------------------------------------------------------- references


def nested_items(value: object) -> Iterator[Item]:
    """Items inside a block (not the block itself), dict values included."""
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _items_in(getattr(value, name))


def _items_in(value: object) -> Iterator[Item]:
    if isinstance(value, Item):
        yield value
        yield from nested_items(value)
    elif isinstance(value, (tuple, list)):
        for element in value:
            yield from _items_in(element)
    elif isinstance(value, dict):
        for element in value.values():
            yield from _items_in(element)


def reference_targets(chapters: list[Chapter]) -> dict[str, list[tuple[str, str]]]:
    """Every name a ``[@...]`` may use → (block id, item id or '') it may mean."""
    targets: dict[str, list[tuple[str, str]]] = {}
    for chapter in chapters:
        targets.setdefault(chapter.id, []).append((chapter.id, ""))
        for block in chapter.blocks:
            targets.setdefault(block.id, []).append((block.id, ""))
            for item in nested_items(block):
                targets.setdefault(item.id, []).append((block.id, item.id))
                targets.setdefault(f"{block.id}/{item.id}", []).append((block.id, item.id))
    return targets


def resolve(name: str, targets: dict[str, list[tuple[str, str]]]) -> tuple[str, str] | str:
    """(block id, item id) a reference means, or the reader's message why it means nothing."""
    found = list(dict.fromkeys(targets.get(name, [])))
    if not found:
        return f"reference to unknown id '{name}'"
    blocks = [f for f in found if not f[1]]
    if blocks:
        return blocks[0]
    if len(found) > 1:
        where = ", ".join(f"[@{b}/{i}]" for b, i in found)
        return f"reference '{name}' is ambiguous; write one of {where}"
    return found[0]


def text_fields(value: object, where: PathKey) -> Iterator[tuple[PathKey, str]]:
    """(path, text) of every string field inside a model, at its YAML path."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from text_fields(getattr(value, name), (*where, name))
    elif isinstance(value, (tuple, list)):
        for index, element in enumerate(value):
            yield from text_fields(element, (*where, index))


# ---------------------------------------------------------------- the edition


def check_chapters(
    chapters: list[tuple[Chapter, LoadedFile]], edition_dir: Path, problems: list[Problem],
    reserved: frozenset[str] = frozenset(),
) -> None:  # fmt: skip
    """Everything about generic chapters pydantic cannot see alone."""
    seen_blocks: dict[str, Path] = {}
    seen_chapters: dict[str, Path] = {}
    tables = {b.id: b for chapter, _ in chapters for b in chapter.blocks if isinstance(b, Table)}
    for chapter, loaded in chapters:
        match = re.fullmatch(r"\d\d-(.+)\.yaml", loaded.path.name)
        if match and match.group(1) != chapter.id:
            problems.append(loaded.problem(("id",), f"the file name says '{match.group(1)}' but the id is "
                                           f"'{chapter.id}': name the file NN-{chapter.id}.yaml"))  # fmt: skip
        if chapter.id in reserved:
            problems.append(loaded.problem(("id",), f"'{chapter.id}' names a stage-1 section kind; choose another id"))
        if chapter.id in seen_chapters:
            problems.append(loaded.problem(("id",), f"duplicate chapter id '{chapter.id}' "
                                           f"(also {seen_chapters[chapter.id].name})"))  # fmt: skip
        seen_chapters.setdefault(chapter.id, loaded.path)
        for index, block in enumerate(chapter.blocks):
            where: PathKey = ("blocks", index)
            if block.id in seen_blocks and seen_blocks[block.id] != loaded.path:
                problems.append(loaded.problem((*where, "id"), f"duplicate block id '{block.id}' "
                                               f"(also in {seen_blocks[block.id].name})"))  # fmt: skip
            seen_blocks.setdefault(block.id, loaded.path)
            if isinstance(block, Table):
                _check_table(block, where, loaded, problems)
            elif isinstance(block, Chart):
                _check_chart(block, where, loaded, tables, problems)
            elif isinstance(block, Image):
                _check_image(block, where, loaded, edition_dir, problems)
            elif isinstance(block, Matrix):
                _check_matrix(block, where, loaded, problems)
            elif isinstance(block, Hierarchy):
                _check_nodes(block.nodes, (*where, "nodes"), block, 1, loaded, problems)
            elif isinstance(block, Indicators):
                _check_indicators(block, where, loaded, problems)
    targets = reference_targets([chapter for chapter, _ in chapters])
    for chapter, loaded in chapters:
        for where, text in text_fields(chapter, ()):
            for name in REFERENCE.findall(text):
                meaning = resolve(name, targets)
                if isinstance(meaning, str):
                    problems.append(loaded.problem(where, meaning))
