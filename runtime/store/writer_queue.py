"""SQLite writers of one process take turns in the order they came.

SQLite lets one writer in at a time; the others retry on ``busy_timeout``, sleeping ever longer between
tries, so under load a writer that came first may wait behind several that came later: a lottery with
one-second tails (issue 19). Here the threads of the process queue for their turn (a ticket each, served
in order) and only then ask SQLite, which then has at most one writer of this process waiting. Writers of
other processes (a separate worker) still meet SQLite's own lock and its busy timeout.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from runtime.errors import Unavailable


class WriterQueue:
    def __init__(self, timeout_seconds: float) -> None:
        self._timeout = timeout_seconds
        self._cond = threading.Condition()
        self._next = 0  # the next ticket handed out
        self._serving = 0  # the ticket whose turn it is
        self._gone: set[int] = set()  # tickets whose holders stopped waiting
        self._owner: int | None = None
        self._depth = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this thread's turn (at once when it already has it: a nested write); raises
        Unavailable after the timeout, as SQLite's own busy timeout would."""
        me = threading.get_ident()
        with self._cond:
            if self._owner != me:
                self._wait(me)
            self._depth += 1
        try:
            yield
        finally:
            with self._cond:
                self._depth -= 1
                if self._depth == 0:
                    self._owner = None
                    self._advance()

    def _wait(self, me: int) -> None:
        ticket, self._next = self._next, self._next + 1
        try:
            served = self._cond.wait_for(lambda: self._serving == ticket, timeout=self._timeout)
        except BaseException:  # interrupted while waiting: give the turn up, never leave the queue stuck
            self._leave(ticket)
            raise
        if not served:
            self._leave(ticket)
            raise Unavailable(f"the database is busy: no turn to write within {self._timeout:g} s")
        self._owner = me

    def _leave(self, ticket: int) -> None:
        if self._serving == ticket:  # its turn came just as it left
            self._advance()
        else:
            self._gone.add(ticket)

    def _advance(self) -> None:
        self._serving += 1
        while self._serving in self._gone:
            self._gone.discard(self._serving)
            self._serving += 1
        self._cond.notify_all()
