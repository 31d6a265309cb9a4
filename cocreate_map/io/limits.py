"""How many heavy reads (geodata imports, photos) run at once in this process.

Every import and photo passes through :func:`heavy_job`: at most ``COCREATE_MAX_HEAVY_JOBS`` at a
time across all the sessions a Streamlit process serves; a job that cannot start within
:data:`WAIT_S` seconds is refused with a message saying to try again in a minute, instead of piling
up memory until the server swaps. The count is per process: a district running several replicas
behind nginx has that many slots per replica (the replicas' memory is separate too).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from cocreate_map import config
from cocreate_map.errors import TooLarge

WAIT_S = 5.0

_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None
_size = 0


def _semaphore() -> threading.BoundedSemaphore:
    global _slots, _size
    n = int(config.get("max_heavy_jobs"))
    with _lock:
        if _slots is None or _size != n:  # the setting changed (tests): a fresh set of slots
            _slots, _size = threading.BoundedSemaphore(n), n
        return _slots


@contextmanager
def heavy_job(what: str) -> Iterator[None]:
    """Run a heavy read in one of the process's slots, or refuse it (``TooLarge``, "busy")."""
    slots = _semaphore()
    if not slots.acquire(timeout=WAIT_S):
        raise TooLarge(key="limits.busy", what=what, n=_size)
    try:
        yield
    finally:
        slots.release()
