"""Generic chapters → what their templates print: numbers, cells, chart data, cross-references.

Cross-references may point forward, so every generic block's number («جدول ۳-۲»,
«شکل ۲-۱», «۲-۱» for a sub-heading) is worked out before any chapter is
rendered, the way ``Outline`` will number it; the templates check that the two
agree (``TemplateError`` otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jdatetime
import jinja2
from markupsafe import Markup, escape

from reportgen.content.blockcheck import REFERENCE, nested_items, reference_targets, resolve
from reportgen.content.blocks import (
    Chapter,
    Chart,
    Column,
    ColumnType,
    Definitions,
    Hierarchy,
    Indicators,
    MarkShape,
    Matrix,
    Node,
    Prose,
    Row,
    Swot,
    Table,
    TableData,
    Timeline,
    parse_number,
    table_values,
)
from reportgen.content.labels import Labels
from reportgen.content.models import APPENDIX_KINDS, FRONT_MATTER_KINDS, Edition, Item, Section, item_name
from reportgen.errors import TemplateError
from reportgen.render.charts import chart_svg
from reportgen.render.figures import gantt_svg
from reportgen.render.numbering import number_html
from reportgen.text.markdown import render_markdown
from reportgen.text.numbers import format_number, format_percent
from reportgen.text.persian import format_jalali_date, to_persian_digits

SWOT_CODES = {"strengths": "S", "weaknesses": "W", "opportunities": "O", "threats": "T"}


def section_part(kind: str, section: Section) -> str:
    """'front', 'body' or 'appendix': where a section is typeset."""
    if kind in FRONT_MATTER_KINDS or (isinstance(section, Chapter) and section.front_matter):
        return "front"
    return "appendix" if kind in APPENDIX_KINDS else "body"


def caption_kind(block: Item) -> str | None:
    """'table' or 'figure' for a captioned block, None for prose, statements and definitions."""
    kind = getattr(block, "kind", "")
    if kind in ("table", "indicators") or (isinstance(block, Hierarchy) and block.display == "table"):
        return "table"
    if kind in ("chart", "image", "swot", "matrix", "hierarchy", "timeline"):
        return "figure"
    return None


def block_anchor(block_id: str) -> str:
    return f"blk-{block_id}"


def item_anchor(chapter: str, block_id: str, item_id: str) -> str:
    return f"item-{chapter}-{block_id}-{item_id}"


class Anchors:
    """How a render names the anchors of generic chapters' blocks and items (cross-references link to them).

    The PDF's: ``blk-<block>`` on a block's caption or heading (on its element only when it has neither),
    ``item-<chapter>-<block>-<item>`` on an item. The web edition names them as comments do (see
    ``web/site.py``), on every block's own element.
    """

    on_element = False
    """Whether every block's own element carries the block's anchor."""

    def block(self, chapter: str, block_id: str) -> str:
        return block_anchor(block_id)

    def item(self, chapter: str, block_id: str, item_id: str) -> str:
        return item_anchor(chapter, block_id, item_id)


PRINT_ANCHORS = Anchors()


@dataclass(frozen=True)
class Target:
    """What a cross-reference prints and where its link goes."""

    text: str
    anchor: str


def node_numbers(nodes: tuple[Node, ...], prefix: str = "") -> Iterator[tuple[Node, str, int]]:
    """(node, «۱-۲», depth) for every node of a hierarchy, depth first."""
    for index, node in enumerate(nodes, start=1):
        number = f"{prefix}-{index}" if prefix else str(index)
        yield node, to_persian_digits(number), number.count("-") + 1
        yield from node_numbers(node.children, number)


def swot_codes(swot: Swot) -> dict[str, str]:
    """Entry id → «S۱», «W۲» …"""
    return {entry.id: f"{SWOT_CODES[name]}{to_persian_digits(position)}"
            for name in SWOT_CODES for position, entry in enumerate(getattr(swot, name), start=1)}  # fmt: skip


def _item_text(block: Item, item: Item, label: str) -> str:
    if isinstance(block, (Table, Indicators)) and item in block.rows:
        return f"ردیف {to_persian_digits(block.rows.index(item) + 1)} {label}".strip()
    if isinstance(block, Swot):
        return swot_codes(block)[item.id]
    if isinstance(block, Hierarchy):
        for node, number, depth in node_numbers(block.nodes):
            if node.id == item.id:
                return f"{block.levels[depth - 1]} {number}"
    return item_name(item)


def cross_references(edition: Edition, anchors: Anchors = PRINT_ANCHORS) -> dict[str, Target]:
    """Every name ``[@...]`` may use in this edition → what it prints and its anchor (named by ``anchors``)."""
    body = 0
    words = edition.labels
    labels: dict[str, Target] = {}
    chapters: list[Chapter] = []
    for kind, section in edition.sections.items():
        part = section_part(kind, section)
        if part == "body":
            body += 1
        if not isinstance(section, Chapter):
            continue
        chapters.append(section)
        chapter = str(body) if part == "body" else ""
        labels[section.id] = Target(f"{words['block']['chapter']} {to_persian_digits(chapter)}" if chapter
                                    else section.title,
                                    f"ch-{section.id}")  # fmt: skip
        counts = {"table": 0, "figure": 0}
        headings = [0, 0]
        for block in section.blocks:
            text = ""
            kind_of_caption = caption_kind(block)
            if kind_of_caption:
                counts[kind_of_caption] += 1
                number = f"{chapter}-{counts[kind_of_caption]}" if chapter else str(counts[kind_of_caption])
                text = f"{words['caption'][kind_of_caption]} {to_persian_digits(number)}"
            elif isinstance(block, (Prose, Definitions)) and block.heading:
                level = block.level if isinstance(block, Prose) else 2
                headings[level - 2] += 1
                if level == 2:
                    headings[1] = 0
                numbers = [chapter, *(str(n) for n in headings[: level - 1])]
                text = to_persian_digits("-".join(numbers)) if chapter else block.heading
            else:
                text = item_name(block)
            labels[block.id] = Target(text, anchors.block(section.id, block.id))
            for item in nested_items(block):
                labels[f"{block.id}/{item.id}"] = Target(_item_text(block, item, text),
                                                         anchors.item(section.id, block.id, item.id))  # fmt: skip
    targets = reference_targets(chapters)
    for name in targets:
        meaning = resolve(name, targets)
        if isinstance(meaning, tuple) and name not in labels:
            block_id, item_id = meaning
            labels[name] = labels[f"{block_id}/{item_id}"] if item_id else labels[block_id]
    return labels


_HOLD_OPEN, _HOLD_CLOSE = "\ue010", "\ue011"
_HELD = re.compile("\ue010(\\d+)\ue011")
_SEPARATE = re.compile(r"[\u0600-\u06ef\u06fa-\u06ff\s]")  # letters or spaces: not a number (Persian digits are)


def link_references(html: str, targets: dict[str, Target],
                    number: Callable[[str], Markup] = number_html) -> str:  # fmt: skip
    """Rendered rich text with each ``[@name]`` as a link printing its target's number (``number`` prints it)."""

    def link(match: re.Match[str]) -> str:
        target = targets.get(match.group(1))
        if target is None:  # validation refuses these; a redline's struck text may still hold one
            return match.group(0)
        words, _, digits = target.text.rpartition(" ")
        if digits and not _SEPARATE.search(digits):  # «جدول ۳-۲», or a bare number «۳-۲» / code «T۱»
            printed = f"{escape(words)} {number(digits)}" if words else str(number(digits))
        else:
            printed = str(escape(target.text))
        return f'<a class="xref" href="#{target.anchor}">{printed}</a>'

    return REFERENCE.sub(link, html)


# ---------------------------------------------------------------- tables


def column_header(column: Column, words: Labels) -> str:
    """A column's title with its unit: money in the catalogue's words («ریال»), percent as «درصد»."""
    money = words["money_unit"]
    unit = money.get(column.unit or "", column.unit) if column.type is ColumnType.money else column.unit
    if column.type is ColumnType.percent and not unit:
        unit = words["block"]["percent"]
    return f"{column.title} ({unit})" if unit else column.title


def format_cell(column: Column, value: object) -> str:
    """A typed value as printed: Persian digits, «٬» and «٫», «٪», Jalali dates; «–» when empty."""
    if value is None or value == "":
        return "–"
    if isinstance(value, jdatetime.date):
        return format_jalali_date(value, long=False)
    if isinstance(value, Decimal):
        if column.type is ColumnType.percent:
            return format_percent(value, column.places)
        return format_number(value, column.places)
    return str(value)


def is_numeric(column: Column) -> bool:
    return column.type not in (ColumnType.text,)


@dataclass(frozen=True)
class TableView:
    rows: list[tuple[Row, list[str]]]
    totals: list[str] | None


def table_view(table: Table) -> TableView:
    """Every cell of a table as printed, and its total row."""
    values = table_values(table)
    rows = [(row, [format_cell(c, v[c.id]) for c in table.columns]) for row, v in zip(table.rows, values, strict=True)]
    totals = None
    if table.totals is not None:
        totals = []
        for column in table.columns:
            if column.id in table.totals.columns:
                numbers = [v[column.id] for v in values]
                total = sum((n for n in numbers if isinstance(n, Decimal)), Decimal(0))
                totals.append(format_cell(column, total))
            else:
                totals.append("")
    return TableView(rows, totals)


def chart_series(chart: Chart, tables: dict[str, Table]) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """(categories, [(series name, values)]) of a chart, from its table or inline data."""
    data = chart.data
    if isinstance(data, TableData):
        table = tables[data.table]
        columns = {c.id: c for c in table.columns}
        values = table_values(table)
        categories = [format_cell(columns[data.category], v[data.category]) for v in values]
        series = [(columns[s].title, [_float(v[s]) for v in values]) for s in data.series]
        return categories, series
    return list(data.categories), [(s.name, list(s.values)) for s in data.series]


def _float(value: object) -> float:
    return float(value) if isinstance(value, Decimal) else 0.0


def value_text(raw: str) -> str:
    """An indicator value: a number in Persian print (as many decimals as written), else the text."""
    try:
        number = parse_number(raw)
    except ValueError:
        return to_persian_digits(raw)
    exponent = number.as_tuple().exponent
    return format_number(number, max(0, -exponent) if isinstance(exponent, int) else 0)


def chart_table_rows(categories: list[str], series: list[tuple[str, list[float]]]) -> list[list[str]]:
    return [[category, *(value_text(repr(values[i]) if not float(values[i]).is_integer() else str(int(values[i])))
                         for _, values in series)] for i, category in enumerate(categories)]  # fmt: skip


def install_block_helpers(environment: jinja2.Environment, edition: Edition, edition_dir: Path | None,
                          fonts: Path | None, anchors: Anchors = PRINT_ANCHORS,
                          image_url: Callable[[str], str] | None = None) -> None:  # fmt: skip
    """The filters and functions generic chapter templates use, bound to this edition's render.

    ``image_url`` says where a page finds an image block's file (default: its ``file://`` URI, for the PDF).
    """
    targets = cross_references(edition, anchors)
    tables = {b.id: b for s in edition.sections.values() if isinstance(s, Chapter)
              for b in s.blocks if isinstance(b, Table)}  # fmt: skip

    def rich(text: str | None, inline: bool = False) -> Markup:
        if not text:
            return Markup("")
        names: list[str] = []

        def hold(match: re.Match[str]) -> str:
            names.append(match.group(0))
            return f"{_HOLD_OPEN}{len(names) - 1}{_HOLD_CLOSE}"

        # Markdown and Latin isolation must not touch the reference: it waits behind a placeholder.
        html = render_markdown(REFERENCE.sub(hold, text), inline=inline)
        html = _HELD.sub(lambda match: names[int(match.group(1))], html)
        return Markup(link_references(html, targets, environment.filters["num"]))

    def expected(block_id: str, kind: str, label: str) -> str:
        printed = f"{edition.labels['caption'][kind]} {label}"
        if targets[block_id].text != printed:
            said = targets[block_id].text
            raise TemplateError(f"block '{block_id}' is numbered {printed}, cross-references say {said}")
        return ""

    def chart(block: Chart) -> Markup:
        categories, series = chart_series(block, tables)
        svg = chart_svg(block.type.value, categories, series, unit=block.unit, title=block.alt, fonts=fonts,
                        prefix=f"chart-{block.id}")
        return Markup(svg)

    def file_url(src: str) -> str:
        if edition_dir is None:
            raise TemplateError("an image block needs the edition folder to render")
        return (edition_dir / src).resolve().as_uri()

    def gantt(block: Timeline) -> Markup:
        rows = [(t.label, t.start, t.duration) for t in block.tasks]
        return Markup(gantt_svg(rows, month_label=block.unit))

    environment.filters.update(xmd=rich, xmd_inline=lambda text: rich(text, inline=True))
    environment.globals.update(
        caption_kind=caption_kind,
        column_header=lambda column: column_header(column, edition.labels), table_view=table_view, chart=chart,
        chart_data=lambda block: chart_series(block, tables), chart_rows=chart_table_rows,
        image_url=image_url or file_url, gantt=gantt, swot_codes=swot_codes, node_numbers=node_numbers,
        value_text=value_text, is_numeric=is_numeric, expected_label=expected, block_anchor=block_anchor,
        target=targets.get, swot_quadrants=SWOT_QUADRANTS, legend_symbol=legend_symbol,
    )  # fmt: skip


SWOT_QUADRANTS = (("strengths", "نقاط قوت"), ("weaknesses", "نقاط ضعف"),
                  ("opportunities", "فرصت‌ها"), ("threats", "تهدیدها"))  # fmt: skip
def legend_symbol(matrix: Matrix, key: str) -> Markup:
    """What a matrix cell holding legend ``key`` prints: its mark, drawn by the stylesheet."""
    shapes = list(MarkShape)
    for position, entry in enumerate(matrix.legend):
        if entry.key == key:
            shape = entry.symbol or shapes[position % len(shapes)]
            return Markup(f'<span class="mark mark-{shape.value}" title="{escape(entry.label)}"></span>')
    return escape(key)
