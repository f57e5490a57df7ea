"""Running one command as a child process and measuring it: wall, CPU, peak memory.

- Wall time: ``time.perf_counter`` around start and exit.
Every command runs under ``launch.py`` (see there why), which reports:

- wall time: ``time.perf_counter`` around the command;
- CPU time: user + system of the command and every descendant, including
  those the command did not wait for (a fork server and its workers: the
  launcher adopts orphans and reaps them before it reports);
- ``ru_maxrss``: the largest single process of the tree.

Peak memory is the larger of ``ru_maxrss`` and the largest *sum* of resident
memory over the command's process tree, sampled here from ``/proc`` every
50 ms (what a parallel build costs in all).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

MIB = 1024 * 1024
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.05
LAUNCHER = Path(__file__).resolve().parent / "launch.py"


@dataclass(frozen=True)
class Usage:
    """What one finished child process cost."""

    wall: float
    cpu: float
    peak_mib: float
    """max(largest process, largest sampled sum over the process tree)."""
    max_process_mib: float
    tree_peak_mib: float
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


class CommandFailed(Exception):
    """A measured command exited non-zero; the message is its most telling line."""


def first_error_line(stderr: str, stdout: str = "") -> str:
    """The line that says what went wrong: an ``Error:``/``Usage`` line, else the last line."""
    lines = [line.strip() for line in (stderr + "\n" + stdout).splitlines() if line.strip()]
    for line in lines:
        if line.startswith(("Error:", "error:")):
            return line
    return lines[-1] if lines else "no output"


# ------------------------------------------------------------ process tree


def _parent_map() -> dict[int, int]:
    """pid → parent pid for every process visible in /proc."""
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
    return parents


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, parent in _parent_map().items():
        children.setdefault(parent, []).append(pid)
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, ()))
    return found


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def tree_resident_bytes(root: int, include_root: bool = True) -> int:
    """Resident memory of ``root`` (unless not ``include_root``) and all its descendants, summed."""
    return sum(_resident_bytes(pid) for pid in _descendants(root) if include_root or pid != root)


class TreeSampler:
    """Samples a process tree's summed resident memory in a thread until stopped.

    With ``include_root`` False the root itself (the launcher) is not counted.
    """

    def __init__(self, root: int, include_root: bool = False) -> None:
        self.root = root
        self.include_root = include_root
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_resident_bytes(self.root, self.include_root))
            self._stop.wait(SAMPLE_SECONDS)


# ------------------------------------------------------------ running


def _kill_group(pid: int, sig: int) -> None:
    """Signal the process group of a child we started in its own session."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def run_measured(argv: Sequence[str], *, timeout: float, cwd: Path | None = None) -> Usage:
    """Run ``argv`` through ``launch.py`` to completion and measure it. Killed (exit -9) after ``timeout`` s."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        result = Path(scratch) / "usage.json"
        out, err = Path(scratch) / "stdout", Path(scratch) / "stderr"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen([sys.executable, str(LAUNCHER), str(result), *argv], stdout=stdout,
                                       stderr=stderr, stdin=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
            timer = threading.Timer(timeout, _kill_group, (process.pid, signal.SIGKILL))
            timer.start()
            try:
                with TreeSampler(process.pid) as sampler:
                    process.wait()
            finally:
                timer.cancel()
        try:
            report = json.loads(result.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # the launcher itself was killed
            report = {"wall": float(timeout), "cpu": 0.0, "maxrss_kib": 0, "returncode": process.returncode}
        max_process = report["maxrss_kib"] * 1024
        return Usage(
            wall=report["wall"],
            cpu=report["cpu"],
            peak_mib=max(max_process, sampler.peak) / MIB,
            max_process_mib=max_process / MIB,
            tree_peak_mib=sampler.peak / MIB,
            returncode=report["returncode"],
            stdout=out.read_text(encoding="utf-8", errors="replace"),
            stderr=err.read_text(encoding="utf-8", errors="replace"),
        )


def run_checked(argv: Sequence[str], *, timeout: float, cwd: Path | None = None) -> Usage:
    """``run_measured``, raising ``CommandFailed`` on a non-zero exit."""
    usage = run_measured(argv, timeout=timeout, cwd=cwd)
    if not usage.ok:
        raise CommandFailed(first_error_line(usage.stderr, usage.stdout))
    return usage


# ------------------------------------------------------------ long-lived processes

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    """utime + stime + cutime + cstime of one process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(value) for value in fields[11:15])


def tree_cpu_seconds(root: int) -> float:
    """CPU time used so far by ``root``'s living process tree and the children they reaped."""
    return sum(_cpu_ticks(pid) for pid in _descendants(root)) / CLOCK_TICKS


@dataclass
class Watcher:
    """A long-lived child whose stdout and stderr lines are collected by threads."""

    process: subprocess.Popen[bytes]
    lines: list[str]
    errors: list[str]
    new_line: threading.Event

    @classmethod
    def start(cls, argv: Sequence[str], cwd: Path | None = None) -> Watcher:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                   cwd=cwd, start_new_session=True)
        watcher = cls(process, [], [], threading.Event())
        assert process.stdout is not None and process.stderr is not None
        threading.Thread(target=watcher._read, args=(process.stdout, watcher.lines), daemon=True).start()
        threading.Thread(target=watcher._read, args=(process.stderr, watcher.errors), daemon=True).start()
        return watcher

    def _read(self, stream: IO[bytes], into: list[str]) -> None:
        for raw in stream:
            into.append(raw.decode(errors="replace").rstrip("\n"))
            self.new_line.set()

    def wait_for_line(self, timeout: float) -> str | None:
        """The first stdout line, once printed; None if the process ended or time ran out."""
        deadline = time.perf_counter() + timeout
        while not self.lines:
            if self.process.poll() is not None or time.perf_counter() > deadline:
                return None
            self.new_line.wait(0.05)
            self.new_line.clear()
        return self.lines[0]

    def problem(self) -> str:
        """Why the process is not doing its job, from what it printed."""
        return first_error_line("\n".join(self.errors), "\n".join(self.lines))

    def stop(self) -> None:
        """Interrupt, then terminate, then kill the process group we started."""
        for sig, grace in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
            if self.process.poll() is not None:
                return
            _kill_group(self.process.pid, sig)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                continue


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.005) -> bool:
    """Poll ``condition`` until true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
