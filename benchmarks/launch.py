"""Run one command and write what it cost as JSON: ``python launch.py RESULT_JSON COMMAND...``.

Why a launcher: on Linux a child's ``ru_maxrss`` starts from the resident size
of the process that forked it (the high-water mark of the pre-``exec`` copy).
Forked from the benchmark itself, which has WeasyPrint loaded, every command
would seem to need at least that much. Forked from this small interpreter
instead, the floor is a few MiB. Imports only what it must, for the same reason.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
ORPHAN_GRACE_SECONDS = 30.0


def _adopt_orphans() -> None:
    """Become the reaper of the command's orphaned descendants (Linux), so that their CPU time counts.

    A parallel build's workers are children of a fork server that the command
    does not wait for: it ends once the command has. Without this, it and the
    workers it reaped would be adopted by init and missing from the figures.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _reap_remaining() -> None:
    deadline = time.monotonic() + ORPHAN_GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def main(argv: list[str]) -> int:
    result, *command = argv
    _adopt_orphans()
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, _ = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    _reap_remaining()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command and every descendant reaped
    report = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
        "returncode": os.waitstatus_to_exitcode(status),
    }
    with open(result, "w", encoding="utf-8") as stream:
        json.dump(report, stream)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
