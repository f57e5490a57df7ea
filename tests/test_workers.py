"""The worker processes: started in the background, with WeasyPrint loaded once and their objects frozen."""

from __future__ import annotations

import gc
import multiprocessing
import os

from reportgen.typeset.workers import Session


def test_workers_fork_from_a_server_with_weasyprint_loaded_and_frozen() -> None:
    session = Session(2)
    session.start()  # returns at once: the server imports WeasyPrint meanwhile
    try:
        pool = session._pool()
        parents = {pool.submit(os.getppid).result() for _ in range(4)}
        frozen = pool.submit(gc.get_freeze_count).result()
        loaded = pool.submit(eval, "'weasyprint' in __import__('sys').modules").result()  # before any part
    finally:
        session.close()
    if "forkserver" in multiprocessing.get_all_start_methods():
        assert os.getpid() not in parents  # forked from the server, never from the building process
    assert loaded
    assert frozen > 10_000  # WeasyPrint's objects, frozen once it was imported


def test_one_part_goes_to_a_started_worker_unless_this_process_is_warm() -> None:
    """Where it is laid out never changes what comes out; only who pays for loading WeasyPrint."""
    assert Session(1)._here(1) and Session(1)._here(5)
    idle, started, warm = Session(2), Session(2), Session(2)
    started._started = True
    warm._started = warm._warm = True
    assert idle._here(1) and not idle._here(2)
    assert not started._here(1) and not started._here(2)
    assert warm._here(1) and not warm._here(2)

