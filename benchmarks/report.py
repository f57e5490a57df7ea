"""Benchmark rows, the issue's targets, and the plain-text table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

BASELINE = "baseline: raw WeasyPrint"
SINGLE = "reportgen build"
PARALLEL = "reportgen build --jobs 2 (cold)"
REBUILD = "rebuild after 1-word edit (--jobs 2)"
WATCH = "watch: edit-to-PDF"


@dataclass
class Row:
    """One measurement. ``wall`` None means not available; ``note`` says why."""

    workload: str
    pages: int | None
    measurement: str
    wall: float | None = None
    cpu: float | None = None
    peak_mib: float | None = None
    time_ratio: float | None = None
    """wall / the same workload's baseline wall."""
    memory_ratio: float | None = None
    """peak / the same workload's baseline peak."""
    targets: list[dict[str, object]] = field(default_factory=list)
    note: str = ""
    details: dict[str, object] = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.wall is not None


@dataclass(frozen=True)
class Target:
    """A goal from issue 7: ``metric`` (time_ratio or memory_ratio) at most ``limit``."""

    label: str
    measurement: str
    metric: str
    limit: float
    workloads: tuple[str, ...] = ()
    """Workloads it applies to; empty: all."""

    def applies(self, row: Row) -> bool:
        return row.measurement == self.measurement and (not self.workloads or row.workload in self.workloads)

    def check(self, row: Row) -> dict[str, object]:
        value = getattr(row, self.metric)
        met = None if value is None else bool(value <= self.limit)
        return {"label": self.label, "metric": self.metric, "limit": self.limit, "value": value, "met": met}


TARGETS = (
    Target("single-process overhead ≤ 5 %", SINGLE, "time_ratio", 1.05),
    Target("cold parallel 100 pages ≤ 0.55×", PARALLEL, "time_ratio", 0.55, ("100 pages",)),
    Target("CLI rebuild after edit ≤ 0.15×", REBUILD, "time_ratio", 0.15),
    Target("watch edit-to-PDF ≤ 0.10×", WATCH, "time_ratio", 0.10),
    Target("400-page peak memory ≤ baseline", SINGLE, "memory_ratio", 1.0, ("400 pages",)),
    Target("400-page peak memory ≤ baseline", PARALLEL, "memory_ratio", 1.0, ("400 pages",)),
)


def apply_targets(rows: Sequence[Row]) -> None:
    for row in rows:
        row.targets = [target.check(row) for target in TARGETS if target.applies(row)]


def add_ratios(rows: Sequence[Row]) -> None:
    """Fill in each row's ratios to the baseline of the same workload (if it was measured)."""
    baselines = {row.workload: row for row in rows if row.measurement == BASELINE and row.available}
    for row in rows:
        base = baselines.get(row.workload)
        if base is None or not row.available:
            continue
        assert base.wall is not None
        row.time_ratio = _ratio(row.wall, base.wall)
        row.memory_ratio = _ratio(row.peak_mib, base.peak_mib)


def _ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or not base else value / base


# ------------------------------------------------------------ formatting

COLUMNS = ("workload", "pages", "measurement", "wall s", "cpu s", "peak MiB", "× baseline", "target")


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _ratios(row: Row) -> str:
    if row.time_ratio is None:
        return "—"
    memory = "—" if row.memory_ratio is None else f"{row.memory_ratio:.2f}"
    return f"{row.time_ratio:.2f} / {memory}"


def _target_text(row: Row) -> str:
    marks = {True: "✓", False: "✗", None: "n/a"}
    parts = []
    for target in row.targets:
        what = "mem" if target["metric"] == "memory_ratio" else "time"
        parts.append(f"{what} ≤ {target['limit']:g}× {marks[target['met']]}")  # type: ignore[index]
    return "; ".join(parts)


def _cells(row: Row, footnote: Callable[[str], str]) -> tuple[str, ...]:
    wall = _number(row.wall, 2) if row.available else "n/a" + footnote(row.note)
    return (row.workload, "" if row.pages is None else str(row.pages), row.measurement, wall,
            _number(row.cpu, 2), _number(row.peak_mib, 0), _ratios(row), _target_text(row))  # fmt: skip


def format_table(rows: Sequence[Row]) -> str:
    """The rows as an aligned plain-text table, with footnotes for what was not available."""
    notes: list[str] = []

    def footnote(note: str) -> str:
        notes.append(note or "not measured")
        return f" [{len(notes)}]"

    body = [_cells(row, footnote) for row in rows]
    widths = [max(len(line[i]) for line in [COLUMNS, *body]) for i in range(len(COLUMNS))]
    numeric = {1, 3, 4, 5}

    def line(cells: Sequence[str]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in pairs)

    out = [line(COLUMNS).rstrip(), "  ".join("-" * w for w in widths)]
    previous = None
    for cells in body:
        if previous is not None and cells[0] != previous:
            out.append("")
        out.append(line(cells).rstrip())
        previous = cells[0]
    out += [""] + [f"[{i}] {note}" for i, note in enumerate(notes, 1)]
    return "\n".join(out).rstrip() + "\n"


def format_machine(machine: dict[str, object]) -> str:
    return "\n".join(f"{key}: {value}" for key, value in machine.items())
