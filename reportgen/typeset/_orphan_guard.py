"""Imported only in the worker server (a ``forkserver`` preload): it dies with the process that started it.

The server's workers hold a pipe that keeps the server alive, so without
this a killed build would leave the server and its workers running, holding
the caller's output open. With it, the kernel kills the server when the build
dies, and each worker (see ``workers.die_with_parent``) when the server dies.
"""

from __future__ import annotations

from reportgen.typeset.workers import die_with_parent

die_with_parent()
