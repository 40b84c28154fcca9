"""Waiting for a PostgreSQL lock instead of sleeping: proof that a racer reached the lock."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from models import db

_WAITERS = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")


def lock_waiters() -> int:
    """How many other sessions of this database wait for a lock right now."""
    with db.engine.connect() as conn:
        return conn.scalar(_WAITERS)


def wait_for_lock_waiters(count: int = 1, timeout: float = 30) -> None:
    """Return once ``count`` other sessions wait for a lock; fail if none does within ``timeout``.

    A test that holds a lock calls this before it commits: the other racer is then known to be
    blocked on that lock, not merely slow to start.
    """
    deadline = time.monotonic() + timeout
    while lock_waiters() < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"no other session waited for a lock within {timeout} s")
        time.sleep(0.01)


class HoldFirst:
    """Called by every racer after its work: the first to get there keeps its transaction (and
    its locks) open until another racer waits for a lock; the others go straight on."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._taken = False

    def __call__(self) -> None:
        with self._mutex:
            first, self._taken = not self._taken, True
        if first:
            wait_for_lock_waiters(1)
