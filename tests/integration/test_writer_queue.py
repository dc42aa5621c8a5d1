"""SQLite writers of one process take turns in the order they came, not by SQLite's busy-sleep lottery:
while one complaint's action writes, five more queue and commit in arrival order; a writer that waits too
long is told the database is busy and the queue goes on without it."""
from __future__ import annotations

import threading
import time

from sqlalchemy import text

from runtime.errors import Unavailable
from runtime.store.db import Database
from runtime.store.writer_queue import WriterQueue


def _queued(queue: WriterQueue, n: int) -> None:
    deadline = time.monotonic() + 5
    while queue._next < n and time.monotonic() < deadline:  # noqa: SLF001 - waiting until the thread queued
        time.sleep(0.002)


def test_writers_commit_in_the_order_they_came(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'writers.db'}")  # SQLite only: PostgreSQL orders writers by row locks
    with db.transaction() as s:
        s.execute(text("CREATE TABLE arrival (n INTEGER)"))
    queue = db._writers  # noqa: SLF001 - the database's own queue, to see who is waiting
    release, order = threading.Event(), []

    def first():
        with db.transaction() as s:
            s.execute(text("INSERT INTO arrival VALUES (0)"))
            release.wait(5)

    def later(n: int):
        with db.transaction() as s:
            s.execute(text("INSERT INTO arrival VALUES (:n)"), {"n": n})
            order.append(n)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    _queued(queue, 1)
    for n in range(1, 6):
        threads.append(threading.Thread(target=later, args=(n,)))
        threads[-1].start()
        _queued(queue, n + 1)  # each has its ticket before the next arrives
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == [1, 2, 3, 4, 5]
    with db.reader() as s:
        assert list(s.scalars(text("SELECT n FROM arrival ORDER BY rowid"))) == [0, 1, 2, 3, 4, 5]
    db.dispose()


def test_a_writer_that_waits_too_long_is_refused_and_the_queue_goes_on():
    queue, release, results = WriterQueue(timeout_seconds=0.2), threading.Event(), []

    def hold():
        with queue.turn():
            release.wait(5)

    def wait_for_turn(name: str):
        try:
            with queue.turn():
                results.append(name)
        except Unavailable as e:
            results.append(f"{name}: {e}")

    holder = threading.Thread(target=hold)
    holder.start()
    _queued(queue, 1)
    wait_for_turn("impatient")  # times out behind the holder
    late = threading.Thread(target=wait_for_turn, args=("patient",))
    late.start()
    _queued(queue, 3)
    release.set()
    holder.join(5)
    late.join(5)
    assert results == ["impatient: the database is busy: no turn to write within 0.2 s", "patient"]
    with queue.turn(), queue.turn():  # the same thread again, nested: its turn already
        results.append("nested")
    assert results[-1] == "nested"
