"""Charts drawn with matplotlib as SVG whose text stays text.

matplotlib lays the chart out (ticks, legend, pie wedges) measuring labels with
the report's own font, and writes SVG with ``svg.fonttype = 'none'``: every
label is a ``<text>`` element in Vazirmatn, which WeasyPrint draws as vector
text. WeasyPrint draws SVG text without Arabic shaping, so Persian labels are
reshaped and put in visual order first (``text.persian.visual``, as the
timeline figure's). Right-to-left
reading: categories run from the right, the value axis stands on the right,
digits are Persian («٬» and «٫»).

matplotlib is imported on the first chart only (about half a second), so an
edition without charts does not pay for it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportgen.text.numbers import format_number
from reportgen.text.persian import visual

FONT_FAMILY = "Vazirmatn"
COLOURS = ("#1f5f8b", "#c8782a", "#2f7f6f", "#8b1f3f", "#6b3f8b", "#7f8f2f", "#3f6b8b", "#8b5a1f")
WIDTH_INCHES, HEIGHT_INCHES = 6.3, 3.0


@cache
def _matplotlib(fonts: Path | None) -> Any:
    import matplotlib

    matplotlib.use("svg")
    from matplotlib import font_manager

    if fonts is not None:
        for path in sorted(fonts.rglob("Vazirmatn-*.ttf")):
            font_manager.fontManager.addfont(str(path))
    matplotlib.rcParams.update({
        "svg.fonttype": "none", "svg.hashsalt": "reportgen", "font.family": FONT_FAMILY,
        "font.size": 9, "axes.edgecolor": "#888888", "axes.linewidth": 0.6,
        "xtick.color": "#444444", "ytick.color": "#444444", "axes.spines.top": False,
        "axes.spines.left": False, "axes.grid": True, "axes.grid.axis": "y", "grid.color": "#dddddd",
        "grid.linewidth": 0.5, "axes.axisbelow": True, "legend.frameon": False,
    })  # fmt: skip
    return matplotlib


def _number(value: float, _position: object = None) -> str:
    places = 0 if float(value).is_integer() else 1
    return format_number(value, places)


def chart_svg(
    kind: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]],
    *, unit: str | None = None, title: str = "", fonts: Path | None = None, prefix: str = "chart",
) -> str:  # fmt: skip
    """An SVG chart: ``kind`` is bar, stacked-bar, line or pie; ``series`` are (name, values).

    Every id inside starts with ``prefix``, so that several charts share one document. A chart
    already drawn with the same data in this process is not drawn again (``watch`` rebuilds).
    """
    frozen = tuple((name, tuple(values)) for name, values in series)
    return _drawn(kind, tuple(categories), frozen, unit, title, fonts, prefix)


@lru_cache(maxsize=256)
def _drawn(kind: str, categories: tuple[str, ...], series: tuple[tuple[str, tuple[float, ...]], ...],
           unit: str | None, title: str, fonts: Path | None, prefix: str) -> str:  # fmt: skip
    matplotlib = _matplotlib(fonts)
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES if kind != "pie" else HEIGHT_INCHES + 0.4))
    FigureCanvasSVG(figure)
    axes = figure.add_subplot()
    labels = [visual(c) for c in categories]
    if kind == "pie":
        name, values = series[0]
        axes.pie(values, labels=labels, colors=COLOURS[: len(values)], startangle=90, counterclock=False,
                 autopct=lambda share: format_number(share, 1) + "٪",
                 wedgeprops={"linewidth": 0.8, "edgecolor": "white"}, textprops={"fontsize": 8})  # fmt: skip
        axes.set_aspect("equal")
        axes.grid(False)
    else:
        # First category at the right: positions count from the right edge.
        count = len(categories)
        positions = [count - 1 - i for i in range(count)]
        width = 0.8 / (len(series) if kind == "bar" else 1)
        bottoms = [0.0] * count
        for index, (name, values) in enumerate(series):
            colour = COLOURS[index % len(COLOURS)]
            if kind == "line":
                axes.plot(positions, values, marker="o", markersize=3.5, linewidth=1.6, color=colour,
                          label=visual(name))
            elif kind == "stacked-bar":
                axes.bar(positions, values, 0.6, bottom=bottoms, color=colour, label=visual(name))
                bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
            else:
                offset = (len(series) - 1) / 2 - index  # first series rightmost within a group
                axes.bar([p + offset * width for p in positions], values, width, color=colour, label=visual(name))
        axes.set_xticks(positions, labels)
        axes.yaxis.tick_right()
        axes.yaxis.set_label_position("right")
        axes.spines["right"].set_visible(True)
        axes.yaxis.set_major_formatter(FuncFormatter(_number))
        if unit:
            axes.set_ylabel(visual(unit))
        if len(categories) > 5:
            for tick in axes.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("center")
        if len(series) > 1 or kind == "line" and series[0][0]:
            handles, names = axes.get_legend_handles_labels()
            below = -0.14 if len(categories) <= 5 else -0.3
            axes.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, below),
                        ncol=min(len(series), 4), fontsize=8)  # fmt: skip
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    del matplotlib
    return _inline(buffer.getvalue(), title, prefix)


_STYLE = re.compile(r'style="([^"]*)"')


def _attributes(match: re.Match[str]) -> str:
    declarations = (part.split(":", 1) for part in match.group(1).split(";") if ":" in part)
    return " ".join(f'{name.strip()}="{value.strip().strip(chr(39))}"' for name, value in declarations)


_FONT_SHORTHAND = re.compile(r"font: (\d+(?:\.\d+)?)px '([^']+)'")


def _inline(svg: str, title: str, prefix: str) -> str:
    """matplotlib's SVG as an element for the HTML: no XML prologue, explicit font properties, own ids."""
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r'\b(id="|url\(#|href="#)', rf"\g<1>{prefix}-", svg)
    # WeasyPrint reads font-size and font-family, not the 'font' shorthand matplotlib writes.
    svg = _FONT_SHORTHAND.sub(r"font-size: \1px; font-family: \2", svg)
    # Inside HTML, a style attribute is read as HTML CSS (and a <style> element would style the
    # whole document): SVG presentation attributes say the same and stay the figure's own.
    svg = re.sub(r"<defs>\s*<style[^<]*</style>\s*</defs>", "", svg)
    svg = _STYLE.sub(_attributes, svg)
    svg = re.sub(r'width="([\d.]+)pt" height="([\d.]+)pt"', r'class="chart" role="img" width="\1" height="\2"',
                 svg, count=1)
    if title:
        from html import escape

        svg = svg.replace(">", f"><title>{escape(title)}</title>", 1)
    return svg
