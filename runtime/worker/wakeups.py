"""What wakes a sleeping worker before its poll interval ends: a timer written by another transaction.

In this process (the embedded worker beside the web app) ``Database.timers_written`` is set after such a
commit. Across processes on PostgreSQL the committing transaction sends ``NOTIFY`` (runtime/store/db.py)
and the worker LISTENs on a connection of its own: a timer written by a web process and due in a second
fires a second later, not when the poll interval ends. The LISTEN stays open between sleeps, so a
notification sent while the worker sweeps waits on the connection and wakes the next sleep at once.
SQLite has a single process and needs only the event.
"""
from __future__ import annotations

import contextlib
import logging
import time

from runtime.store.db import TIMERS_CHANNEL, Database

log = logging.getLogger(__name__)
RECONNECT_SECONDS = 5.0  # after a lost listening connection, the poll interval alone until then


class Wakeups:
    """Waits for a timer written elsewhere; ``wait`` says whether one was written (or may have been)."""

    def __init__(self, db: Database):
        self.db = db
        self._conn = None
        self._retry_at = 0.0

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True as soon as a timer was written by this process or another."""
        event = self.db.timers_written
        conn = self._listening()
        woken = event.wait(seconds) if conn is None else (self._notified(conn, seconds) or event.is_set())
        event.clear()
        return woken

    def _notified(self, conn, seconds: float) -> bool:
        try:
            woken = any(True for _ in conn.notifies(timeout=max(0.0, seconds), stop_after=1))
            if woken:  # the notifications that queued behind the first (a burst of writes) are one wake-up
                for _ in conn.notifies(timeout=0):
                    pass
            return woken
        except Exception as e:  # noqa: BLE001 - database restarted: poll until the connection is back
            log.warning("worker stopped listening for new timers (%s); polling until it reconnects", e)
            self.close()
            self._retry_at = time.monotonic() + RECONNECT_SECONDS
            time.sleep(min(seconds, 0.1))
            return True  # something may have been written meanwhile: look once

    def _listening(self):
        """The LISTENing connection on PostgreSQL (opened on first use), None on SQLite or while it is down."""
        if self.db.is_sqlite or self._conn is not None or time.monotonic() < self._retry_at:
            return self._conn
        try:
            dialect, url = self.db.engine.dialect, self.db.engine.url
            cargs, cparams = dialect.create_connect_args(url)
            conn = dialect.loaded_dbapi.connect(*cargs, **cparams, autocommit=True)
            conn.execute(f"LISTEN {TIMERS_CHANNEL}")
            self._conn = conn
        except Exception as e:  # noqa: BLE001 - the poll interval still bounds how late a timer is seen
            log.warning("worker cannot listen for new timers (%s); polling", e)
            self._retry_at = time.monotonic() + RECONNECT_SECONDS
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already gone
                conn.close()
