"""Writing outputs without ever leaving a partial file or losing a good one."""

from __future__ import annotations

import fcntl
import glob
import os
import tempfile
import time
from pathlib import Path

from reportgen.errors import OutputError

STALE_SECONDS = 2.0
"""A temporary file this old that no writer holds was left by a crash (a writer locks its file at once)."""


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove the temporary files earlier writes of ``path`` left behind when killed; return them.

    Each writer holds a lock on its temporary file until it is renamed; the
    lock goes with the process, so an unlocked one belongs to nobody. A
    concurrent build of the same target keeps its own.
    """
    removed: list[Path] = []
    for candidate in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            descriptor = os.open(candidate, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            if time.time() - os.fstat(descriptor).st_mtime < STALE_SECONDS:
                continue
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
        except OSError:  # locked: a live writer's
            continue
        finally:
            os.close(descriptor)
    return removed


def _current_umask() -> int:
    try:  # Linux reports it without changing it
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """A replaced file keeps its mode; a new one gets what ``open()`` would give it (0644 under umask 022)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        return 0o666 & ~_current_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder.

    The temporary file is locked, flushed to disk, then renamed over
    ``path``: readers see the old file or the new one, never a mix, and a
    failure at any point leaves the old file as it was and no temporary file
    behind. One left by a process killed outright (SIGKILL, power loss) is
    removed by the next write of the same file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(path)
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror}") from None
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fchmod(stream.fileno(), _mode_for(path))  # mkstemp makes 0600 files
            os.fsync(stream.fileno())
            os.replace(temporary, path)  # while still locked: nobody takes it for a leftover
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(f"cannot write {path}: {error.strerror}") from None
        raise
