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
import sys
import time


def main(argv: list[str]) -> int:
    result, *command = argv
    started = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)  # includes the descendants the command waited for
    report = {
        "wall": time.perf_counter() - started,
        "cpu": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": usage.ru_maxrss,
        "returncode": os.waitstatus_to_exitcode(status),
    }
    with open(result, "w", encoding="utf-8") as stream:
        json.dump(report, stream)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
