"""reportgen's performance against raw WeasyPrint (issue 7). Run with ``make bench``.

    .venv/bin/python benchmarks/bench.py [--quick] [--sizes sample,100,400] [--json PATH]

Builds each workload in a temporary project folder, measures every command in
its own child process (wall, CPU, peak memory), prints a table with each
measurement's ratio to the raw-WeasyPrint baseline of the same run and the
issue's targets (✓/✗, never asserted), and writes the same data as JSON.
See benchmarks/README.md for how to read it.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402
    CommandFailed,
    TreeSampler,
    Usage,
    Watcher,
    first_error_line,
    run_checked,
    run_measured,
    tree_cpu_seconds,
    wait_until,
)
from report import (  # noqa: E402
    BASELINE,
    PARALLEL,
    REBUILD,
    SINGLE,
    WATCH,
    Row,
    add_ratios,
    apply_targets,
    format_machine,
    format_table,
)
from workloads import (  # noqa: E402
    REPO,
    REPORT,
    SAMPLE,
    STAGE,
    Workload,
    edit_one_word,
    make_stage2_workload,
    make_workload,
    units_per_repetition,
)

SCHEMA = "reportgen-bench/1"
BIN = Path(sys.executable).parent
REPORTGEN = str(BIN / "reportgen") if (BIN / "reportgen").exists() else str(REPO / ".venv" / "bin" / "reportgen")
RAW_WEASYPRINT = Path(__file__).resolve().parent / "raw_weasyprint.py"
DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"
BUDGET_SECONDS = 560.0
"""Stop starting measurements after this long, so that everything ends within ten minutes."""
WATCH_SETTLE_SECONDS = 0.5
"""Pause between watch's first build and the edit, so a file watcher is surely armed."""


class OverBudget(Exception):
    pass


@dataclass
class Calibration:
    """Observed (units, pages) points of synthetic editions; new targets are interpolated between them.

    Starts from two typesettings (no copies, one copy of every case study);
    every synthetic workload measured adds its point, and the points are kept
    in the JSON, so later runs hit their page targets more closely.
    """

    key: str
    points: list[tuple[int, int]]

    def observe(self, units: int, pages: int) -> None:
        self.points = sorted({*self.points, (units, pages)})

    def units_for(self, pages: int) -> int:
        """Linear between the two observed points nearest ``pages`` (extrapolated beyond them)."""
        nearest = sorted(self.points, key=lambda point: abs(point[1] - pages))
        (u0, p0), (u1, p1) = nearest[0], next((q for q in nearest[1:] if q[1] != nearest[0][1]), nearest[0])
        if p1 == p0:
            return u0
        return max(0, round(u0 + (pages - p0) * (u1 - u0) / (p1 - p0)))


# ------------------------------------------------------------ the run


class Bench:
    """One benchmark run: its scratch folder, its time budget and the rows measured so far."""

    def __init__(self, scratch: Path, budget: float, repeat: int) -> None:
        self.scratch = scratch
        self.deadline = time.perf_counter() + budget
        self.repeat = repeat
        self.rows: list[Row] = []
        self.workloads: dict[str, dict[str, Any]] = {}
        self.edits = 0
        self.has_watch = "watch" in _commands()

    # -- helpers

    def remaining(self) -> float:
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise OverBudget("skipped: the run's time budget was used up")
        return max(left, 30.0)

    def run(self, argv: Sequence[str], ok_codes: tuple[int, ...] = (0,)) -> Usage:
        usage = run_measured(argv, timeout=self.remaining())
        if usage.returncode == -9:
            raise CommandFailed("timed out (the run's time budget was used up)")
        if usage.returncode not in ok_codes:
            raise CommandFailed(first_error_line(usage.stderr, usage.stdout))
        return usage

    def best(self, measure: Callable[[], Usage]) -> Usage:
        """The fastest of ``repeat`` runs (the machine is noisy; the minimum is the least disturbed)."""
        return min((measure() for _ in range(self.repeat)), key=lambda usage: usage.wall)

    def record(self, workload: str, pages: int | None, measurement: str,
               measure: Callable[[], tuple[Usage, dict[str, object]]]) -> Row:  # fmt: skip
        """Run ``measure``; add its row, or an n/a row with the reason it failed."""
        row = Row(workload, pages, measurement)
        try:
            usage, details = measure()
        except Exception as error:  # noqa: BLE001 (a failed measurement is a row, not the end of the run)
            row.note = first_error_line(str(error)) if str(error) else type(error).__name__
        else:
            row.wall, row.cpu, row.peak_mib = usage.wall, usage.cpu, usage.peak_mib
            counted = details.get("pages")
            if row.pages is None and isinstance(counted, int):
                row.pages = counted
            row.details = {"max_process_mib": round(usage.max_process_mib, 1),
                           "tree_peak_mib": round(usage.tree_peak_mib, 1), **details}  # fmt: skip
        self.rows.append(row)
        _progress(row)
        return row

    def unavailable(self, workload: str, pages: int | None, measurement: str, note: str) -> None:
        self.rows.append(row := Row(workload, pages, measurement, note=note))
        _progress(row)

    def reportgen(self, workload: Workload, *args: str) -> list[str]:
        return [REPORTGEN, "--project", str(workload.root), *args]

    def build_argv(self, workload: Workload, *extra: str) -> list[str]:
        return self.reportgen(workload, "build", REPORT, "--stage", str(workload.stage),
                              "--edition", str(workload.edition),
                              "-o", str(workload.output), *extra)  # fmt: skip

    # -- one workload

    def workload(self, name: str, units: int | None, workload: Workload | None = None) -> None:
        workload = workload or make_workload(name, self.scratch / name.replace(" ", "-"), units)
        info: dict[str, Any] = {"units": units, "draft": workload.draft}
        self.workloads[name] = info
        try:
            run_checked(self.reportgen(workload, "validate"), timeout=self.remaining())
            html = save_html(workload)
            if workload.stage != STAGE:
                info["charts"] = chart_cost(workload)
        except Exception as error:  # noqa: BLE001 (reportgen may be mid-change: report, don't crash)
            for measurement in (BASELINE, SINGLE, PARALLEL, REBUILD, WATCH):
                self.unavailable(name, None, measurement, f"workload not ready: {error}")
            return
        info["pages"] = self.record(name, None, BASELINE, lambda: self.baseline(workload, html)).pages
        self.record(name, info["pages"], SINGLE, lambda: self.build(workload))
        parallel = self.record(name, info["pages"], PARALLEL, lambda: self.build(workload, "--jobs", "2"))
        if not workload.draft:
            frozen = "n/a for a published edition: it is frozen, an edit fails the build by design"
            self.unavailable(name, info["pages"], REBUILD, frozen)
            self.unavailable(name, info["pages"], WATCH, frozen)
            return
        if parallel.available:
            self.record(name, info["pages"], REBUILD, lambda: self.rebuild(workload))
        else:
            self.unavailable(name, info["pages"], REBUILD, f"needs the parallel build: {parallel.note}")
        if self.has_watch:
            self.record(name, info["pages"], WATCH, lambda: self.watch(workload))
        else:
            self.unavailable(name, info["pages"], WATCH, "no 'reportgen watch' command yet")

    def baseline(self, workload: Workload, html: Path) -> tuple[Usage, dict[str, object]]:
        output = workload.root / "baseline.pdf"
        stylesheets = [str(path) for path in sorted((workload.root / "styles").glob("*.css"))]
        base_url = (REPO / "reportgen" / "render" / "templates").as_uri() + "/"
        argv = [sys.executable, str(RAW_WEASYPRINT), str(html), base_url, str(output), *stylesheets]
        usage = self.best(lambda: self.run(argv))
        return usage, {"pages": count_pages(output)}

    def build(self, workload: Workload, *extra: str) -> tuple[Usage, dict[str, object]]:
        def cold() -> Usage:
            clean(workload)
            return self.run(self.build_argv(workload, *extra))

        usage = self.best(cold)
        return usage, {"pages": count_pages(workload.pdf), "size": workload.pdf.stat().st_size}

    def rebuild(self, workload: Workload) -> tuple[Usage, dict[str, object]]:
        """After the cold parallel build (cache warm): change one word, build again."""
        self.edits += 1
        edited = edit_one_word(workload.edition_dir, self.edits)
        usage = self.run(self.build_argv(workload, "--jobs", "2"))
        return usage, {"edited": str(edited.relative_to(workload.root)), "pages": count_pages(workload.pdf)}

    def watch(self, workload: Workload) -> tuple[Usage, dict[str, object]]:
        """Start ``reportgen watch``, wait for its first build, edit one word, time until the new PDF is whole."""
        workload.output.mkdir(exist_ok=True)
        workload.pdf.unlink(missing_ok=True)
        argv = self.reportgen(workload, "watch", REPORT, "--stage", str(workload.stage),
                              "--edition", str(workload.edition),
                              "-o", str(workload.output))  # fmt: skip
        watcher = Watcher.start(argv)
        try:
            return self._edit_under_watch(workload, watcher)
        finally:
            watcher.stop()

    def _edit_under_watch(self, workload: Workload, watcher: Watcher) -> tuple[Usage, dict[str, object]]:
        timeout = self.remaining()
        first = watcher.wait_for_line(timeout)
        if first is None or not wait_until(lambda: pdf_complete(workload.pdf), timeout):
            raise CommandFailed(f"no first build from watch: {watcher.problem()}")
        time.sleep(WATCH_SETTLE_SECONDS)
        before = file_signature(workload.pdf)
        cpu_before = tree_cpu_seconds(watcher.process.pid)
        self.edits += 1
        with TreeSampler(watcher.process.pid, include_root=True) as sampler:
            edit_one_word(workload.edition_dir, self.edits)
            edited = time.perf_counter()
            done = wait_until(lambda: file_signature(workload.pdf) != before and pdf_complete(workload.pdf),
                              self.remaining())  # fmt: skip
            wall = time.perf_counter() - edited
        if not done:
            raise CommandFailed(f"watch wrote no new PDF after the edit: {watcher.problem()}")
        cpu = tree_cpu_seconds(watcher.process.pid) - cpu_before
        peak = sampler.peak / 2**20
        usage = Usage(wall, cpu, peak, peak, peak, 0, "", "")
        return usage, {"first_line": first, "pages": count_pages(workload.pdf)}

    # -- release and diff

    def release(self, name: str) -> None:
        """``reportgen release`` of the sample project twice: the second run has nothing to do."""
        workload = make_workload(name, self.scratch / "release", None)
        argv = self.reportgen(workload, "release", "-o", str(workload.root / "rel"), "--quiet")
        first = self.record(name, None, "release, first run (every artifact)", lambda: (self.run(argv), {}))
        if first.available:
            self.record(name, None, "release, no-op (2nd run)", lambda: (self.run(argv), {}))
        else:
            self.unavailable(name, None, "release, no-op (2nd run)", f"first run failed: {first.note}")

    def diffs(self, name: str) -> None:
        for output_format in ("text", "json", "html", "pdf"):
            output = self.scratch / f"diff.{output_format}"
            argv = [REPORTGEN, "--project", str(REPO), "diff", SAMPLE, "--stage", str(STAGE), "--from", "1",
                    "--to", "2", "--format", output_format, "-o", str(output)]  # fmt: skip

            def measure(argv: list[str] = argv, output: Path = output) -> tuple[Usage, dict[str, object]]:
                usage = self.run(argv, ok_codes=(0, 1))  # diff(1): 1 means the editions differ
                pages = count_pages(output) if output.suffix == ".pdf" else None
                return usage, {"pages": pages, "size": output.stat().st_size}

            self.record(name, None, f"diff 1→2 --format {output_format} (real repo)", measure)


# ------------------------------------------------------------ small helpers


def _commands() -> str:
    usage = run_measured([REPORTGEN, "--help"], timeout=60)
    return usage.stdout.split("Commands:", 1)[-1] if usage.ok else ""


def _progress(row: Row) -> None:
    result = f"{row.wall:.2f} s" if row.wall is not None else f"n/a ({row.note})"
    print(f"  {row.workload:10} {row.measurement:40} {result}", file=sys.stderr, flush=True)


def clean(workload: Workload) -> None:
    """Cold start: no output and no cache."""
    for folder in (workload.output, workload.cache):
        shutil.rmtree(folder, ignore_errors=True)


def save_html(workload: Workload) -> Path:
    """The edition's HTML exactly as reportgen renders it, saved for the baseline."""
    from reportgen.build.pipeline import render_html
    from reportgen.editions.find import EditionRef, load_edition
    from reportgen.paths import Project

    project = Project.at(workload.root)
    ref = EditionRef(REPORT, workload.stage, workload.edition)
    html = render_html(project, load_edition(project, ref), ref)
    path = workload.root / "edition.html"
    path.write_text(html, encoding="utf-8")
    return path


_CHART_COST = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from reportgen.build.pipeline import render_html
from reportgen.editions.find import EditionRef, load_edition
from reportgen.paths import Project
import reportgen.render.blocks as blocks
project = Project.at(Path(sys.argv[1]))
ref = EditionRef(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
edition = load_edition(project, ref)
calls = []
real = blocks.chart_svg
def timed(*args, **kwargs):
    start = time.perf_counter()
    svg = real(*args, **kwargs)
    calls.append(time.perf_counter() - start)
    return svg
blocks.chart_svg = timed
start = time.perf_counter()
render_html(project, edition, ref)
with_charts = time.perf_counter() - start
print(json.dumps({"charts": len(calls), "first_chart_s": round(calls[0], 3) if calls else None,
                  "later_charts_mean_s": round(sum(calls[1:]) / max(1, len(calls) - 1), 4),
                  "all_charts_s": round(sum(calls), 3), "render_html_s": round(with_charts, 3)}))
"""


def chart_cost(workload: Workload) -> dict[str, object]:
    """What the charts cost in a fresh process: the first (matplotlib's import and font set-up), the rest."""
    usage = run_measured([sys.executable, "-c", _CHART_COST, str(workload.root), REPORT, str(workload.stage),
                          str(workload.edition)], timeout=300)  # fmt: skip
    if not usage.ok:
        return {"error": first_error_line(usage.stderr)}
    result: dict[str, object] = json.loads(usage.stdout.strip().splitlines()[-1])
    print(f"  charts: {result}", file=sys.stderr, flush=True)
    return result


def count_pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def pdf_complete(pdf: Path) -> bool:
    try:
        with pdf.open("rb") as stream:
            stream.seek(max(0, pdf.stat().st_size - 1024))
            return stream.read().rstrip().endswith(b"%%EOF")
    except OSError:
        return False


def file_signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_mtime_ns


# ------------------------------------------------------------ calibration


def calibration_key() -> str:
    """A hash of everything that decides how many pages a synthetic edition has."""
    digest = hashlib.sha256()
    folders = (REPO / "content" / SAMPLE, REPO / "reportgen" / "render" / "templates", REPO / "styles")
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def cached_calibration(json_path: Path, key: str) -> Calibration | None:
    try:
        cached = json.loads(json_path.read_text(encoding="utf-8"))["calibration"]
        if cached["key"] != key:
            return None
        return Calibration(key, [(int(units), int(pages)) for units, pages in cached["points"]])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def calibrate(scratch: Path, key: str) -> Calibration:
    """Typeset the draft with no additions and with one copy of every case study; fit a line."""
    counts = {}
    probe = make_workload("calibrate", scratch / "calibrate-0", 0)
    units = units_per_repetition(probe.edition_dir)
    for workload in (probe, make_workload("calibrate", scratch / "calibrate-1", units)):
        html, output = save_html(workload), workload.root / "calibrate.pdf"
        stylesheets = [str(path) for path in sorted((workload.root / "styles").glob("*.css"))]
        base_url = (REPO / "reportgen" / "render" / "templates").as_uri() + "/"
        run_checked([sys.executable, str(RAW_WEASYPRINT), str(html), base_url, str(output), *stylesheets],
                    timeout=300)  # fmt: skip
        counts[workload.units] = count_pages(output)
    return Calibration(key, sorted(counts.items()))


# ------------------------------------------------------------ machine and output


def machine_info() -> dict[str, object]:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor() or "unknown")  # fmt: skip
    info: dict[str, object] = {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "memory_mib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    info.update(engine_versions())
    return info


def engine_versions() -> dict[str, str]:
    """WeasyPrint and Pango versions from reportgen's ``engine_versions()``, wherever it lives now."""
    for module in ("reportgen.typeset.engine", "reportgen.typeset.results"):
        try:
            versions = getattr(importlib.import_module(module), "engine_versions", None)
            if versions is not None:
                return dict(versions())
        except Exception:  # noqa: BLE001, S112 (reportgen may be mid-change; the table still matters)
            continue
    return {"engine_versions": "unavailable: no reportgen engine_versions()"}


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# ------------------------------------------------------------ command line


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: only the sample and the 100-page edition")
    parser.add_argument("--sizes", default="sample,stage-2,100,400",
                        help="comma-separated workloads: 'sample', 'stage-2' and/or page counts "
                             "(default: %(default)s)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results (default: "
                        "benchmarks/results.json)")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of baseline and cold builds; the fastest counts (default: %(default)s)")
    parser.add_argument("--budget", type=float, default=BUDGET_SECONDS,
                        help="seconds after which no new measurement starts (default: %(default)s)")
    args = parser.parse_args(argv)
    args.sizes = ["sample", "stage-2", "100"] if args.quick else [s.strip() for s in args.sizes.split(",") if s.strip()]
    for size in args.sizes:
        if size not in ("sample", "stage-2") and not size.isdigit():
            parser.error(f"--sizes: '{size}' is neither 'sample', 'stage-2' nor a page count")
    return args


def run(args: argparse.Namespace, scratch: Path) -> dict[str, Any]:
    bench = Bench(scratch, args.budget, max(1, args.repeat))
    calibration: Calibration | None = None
    for size in args.sizes:
        if size == "sample":
            print("sample edition …", file=sys.stderr, flush=True)
            bench.workload("sample", None)
            bench.release("sample")
            bench.diffs("sample")
            continue
        if size == "stage-2":
            print("stage-2 sample edition (generic chapters, charts) …", file=sys.stderr, flush=True)
            bench.workload("stage 2", None, make_stage2_workload("stage 2", scratch / "stage-2"))
            continue
        if calibration is None:
            key = calibration_key()
            calibration = cached_calibration(args.json, key)
            if calibration is None:
                print("calibrating page counts …", file=sys.stderr, flush=True)
                calibration = calibrate(scratch, key)
        print(f"~{size}-page edition …", file=sys.stderr, flush=True)
        name, units = f"{size} pages", calibration.units_for(int(size))
        bench.workload(name, units)
        if isinstance(pages := bench.workloads[name].get("pages"), int):
            calibration.observe(units, pages)
    return {"rows": bench.rows, "workloads": bench.workloads, "calibration": calibration}


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    machine = machine_info()
    with tempfile.TemporaryDirectory(prefix="reportgen-bench-") as scratch:
        results = run(args, Path(scratch))
    rows: list[Row] = results["rows"]
    add_ratios(rows)
    apply_targets(rows)
    print(format_table(rows))
    print(format_machine(machine))
    calibration = results["calibration"]
    write_json(args.json, {
        "schema": SCHEMA,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 1),
        "arguments": {"sizes": args.sizes, "repeat": args.repeat, "budget": args.budget},
        "machine": machine,
        "workloads": results["workloads"],
        "calibration": asdict(calibration) if calibration else None,
        "rows": [asdict(row) for row in rows],
    })
    print(f"\nwritten {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
