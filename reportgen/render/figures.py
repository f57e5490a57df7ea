"""Figures drawn by reportgen as SVG.

WeasyPrint draws SVG ``<text>`` glyph by glyph, left to right, without Arabic
shaping: Persian labels are therefore reshaped (presentation forms) and put in
visual order here, and the logical text is kept in a ``<title>`` so the figure
still says what it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from reportgen.content.models import RoadmapStage
from reportgen.text.persian import to_persian_digits, visual

# Geometry in SVG user units (the figure is scaled to the text width).
WIDTH = 640
LABEL_WIDTH = 215
ROW_HEIGHT = 34
AXIS_HEIGHT = 30
MARGIN = 8
LABEL_CHARS_PER_LINE = 34
FONT = "Vazirmatn"
BAR_COLOURS = ("#1f5f8b", "#2f7f6f", "#8b5a1f", "#6b3f8b", "#8b1f3f", "#3f6b8b", "#5f7f2f")


def wrap_words(text: str, width: int) -> list[str]:
    """Greedy word wrap into lines of at most ``width`` characters (two at most)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) > width and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
        if len(lines[1]) > width:
            lines[1] = lines[1][: width - 1].rstrip() + "…"
    return lines


def _text(x: float, y: float, logical: str, *, size: float, anchor: str,
          weight: str = "400", fill: str = "#222") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'font-weight="{weight}" text-anchor="{anchor}" fill="{fill}">'
        f"<title>{escape(logical)}</title>{escape(visual(logical))}</text>"
    )


def _alt_text(stages: Sequence[tuple[str, int, int]], month_label: str) -> str:
    """What the chart shows, in words: each row's label and its span (words from the content and catalogue only)."""
    return ". ".join(f"{title}: {month_label} {to_persian_digits(start)}–{to_persian_digits(start + duration - 1)}"
                     for title, start, duration in stages)  # fmt: skip


def timeline_svg(stages: Sequence[RoadmapStage], *, month_label: str) -> str:
    """A right-to-left Gantt chart of the roadmap's stages."""
    return gantt_svg([(s.title, s.start_month, s.duration_months) for s in stages], month_label=month_label)


def gantt_svg(stages: Sequence[tuple[str, int, int]], *, month_label: str) -> str:
    """A right-to-left Gantt chart of (label, start, duration) rows, in units of ``month_label``."""
    months = max(start + duration - 1 for _, start, duration in stages)
    bars_right = WIDTH - LABEL_WIDTH - MARGIN
    bars_left = MARGIN
    unit = (bars_right - bars_left) / months
    height = AXIS_HEIGHT + ROW_HEIGHT * len(stages) + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}">',
        # The figure's alt text: WeasyPrint tags an SVG with the <title> that is its direct child.
        f"<title>{escape(_alt_text(stages, month_label))}</title>",
    ]
    # Month grid: month 1 at the right, as Persian reads.
    step = 1 if months <= 24 else 3
    for month in range(1, months + 1):
        x_right = bars_right - (month - 1) * unit
        shade = "#f3f5f8" if month % 2 else "#ffffff"
        parts.append(
            f'<rect x="{x_right - unit:.1f}" y="{AXIS_HEIGHT - 4}" width="{unit:.1f}" '
            f'height="{height - AXIS_HEIGHT - MARGIN + 4}" fill="{shade}"/>'
        )
        if (month - 1) % step == 0:
            parts.append(_text(x_right - unit / 2, AXIS_HEIGHT - 10, to_persian_digits(month),
                                size=9, anchor="middle", fill="#555"))  # fmt: skip
    parts.append(_text(WIDTH - MARGIN, AXIS_HEIGHT - 10, month_label, size=9, anchor="end",
                        weight="700", fill="#555"))  # fmt: skip
    for row, (title, start, duration) in enumerate(stages):
        top = AXIS_HEIGHT + row * ROW_HEIGHT
        colour = BAR_COLOURS[row % len(BAR_COLOURS)]
        x_right = bars_right - (start - 1) * unit
        bar_width = duration * unit
        parts.append(
            f'<rect x="{x_right - bar_width:.1f}" y="{top + 8}" width="{bar_width:.1f}" '
            f'height="{ROW_HEIGHT - 16}" rx="3" fill="{colour}"><title>{escape(title)}</title></rect>'
        )
        lines = wrap_words(title, LABEL_CHARS_PER_LINE)
        first_y = top + ROW_HEIGHT / 2 + 4 - (len(lines) - 1) * 6
        for index, line in enumerate(lines):
            parts.append(_text(WIDTH - MARGIN, first_y + index * 12, line, size=10, anchor="end"))
    parts.append("</svg>")
    return "".join(parts)
