"""`run_alone`: a job that must not run twice at the same moment (the footage sweeper's
reminders, registry maintenance) takes a named lock first; a worker that does not get it skips
this round, because another worker is doing the same work right now.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) held by one connection for
the job's duration; it is released when the job ends, and by PostgreSQL itself if the worker
dies (its connection closes). SQLite: a lock inside this process only. A SQLite deployment is
one host, and it must run one worker (or the demo's in-process one): SQLite is for one laptop.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from dashboard.db import Database

log = logging.getLogger(__name__)
_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key per job name (PostgreSQL's advisory lock space is bigint)."""
    return int.from_bytes(hashlib.sha256(f"connect-dallas:{name}".encode()).digest()[:8], "big", signed=True)


@contextmanager
def run_alone(db: Database, name: str) -> Iterator[bool]:
    """`with run_alone(db, "name") as mine:` -> mine is True when this process holds the lock."""
    if db.dialect == "postgresql":
        with _advisory_lock(db, advisory_key(name)) as mine:
            yield mine
        return
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    if not lock.acquire(blocking=False):
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


@contextmanager
def _advisory_lock(db: Database, key: int) -> Iterator[bool]:
    conn = db.engine.connect()
    try:
        mine = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        conn.commit()  # a session-level lock outlives the transaction: no transaction left open
        if not mine:
            yield False
            return
        try:
            yield True
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                conn.commit()
            except Exception:  # noqa: BLE001 - a lost connection has dropped the lock with it
                log.warning("advisory lock %s: unlock failed; discarding the connection", key)
                conn.invalidate()  # never hand a connection that may still hold the lock back to the pool
    finally:
        conn.close()
