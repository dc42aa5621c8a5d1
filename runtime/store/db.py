"""Database engine and sessions for SQLite and PostgreSQL.

Write transactions take the instance row lock with ``SELECT ... FOR UPDATE`` on PostgreSQL. SQLite
has no row locks, so write sessions open with ``BEGIN IMMEDIATE``: the second writer waits for the
first to commit and then reads the fresh state, which gives the same serialisation per action. The
writers of one process queue for SQLite in arrival order; WAL with ``synchronous=NORMAL``: a commit
survives a crash of the process, and a power cut may lose the last commits but never corrupts the file.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime, UTC
from pathlib import Path
from collections.abc import Iterator
from typing import cast

from sqlalchemy import DateTime, Engine, Table, TypeDecorator, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from runtime.store.writer_queue import WriterQueue

SQLITE_BUSY_MS = 30_000
TIMERS_CHANNEL = "complaintflow_timers"  # PostgreSQL: NOTIFY when a commit wrote a timer (runtime/worker/wakeups.py)


class Base(DeclarativeBase):
    """Declarative base of every complaintflow table."""


def changed(session: Session, statement) -> int:
    """How many rows an UPDATE or DELETE changed (compare-and-set, leases, revocations)."""
    return cast(CursorResult, session.execute(statement)).rowcount


AFTER_COMMIT = "after_commit"


def after_commit(session: Session, call) -> None:
    """Run ``call`` once the write transaction of ``session`` has committed (never after a rollback):
    for what this process may only believe once the database does, such as a cached workflow."""
    session.info.setdefault(AFTER_COMMIT, []).append(call)


def count(session: Session, query) -> int:
    """The number a COUNT query answers (0 when it answers nothing)."""
    return session.scalar(query) or 0


def table(model: type[Base]) -> Table:
    """The Core table of a mapped class, typed as one: the hot paths write with Core statements."""
    return cast(Table, model.__table__)


def conflict_insert(dialect: str, target: Table):
    """``INSERT`` with ``ON CONFLICT`` clauses for the named database (``session.get_bind().dialect.name``):
    both have them, under their own constructs."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(target)


def _configure_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, emit BEGIN, so write sessions can ask for BEGIN IMMEDIATE."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for ``url``; SQLite files get their folder created and WAL mode."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000}, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """Owns the engine and hands out sessions, one transaction each."""

    def __init__(self, url: str, **engine_kwargs):
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        write_bind = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        # No autoflush: a write transaction flushes once, at commit (or where a service asks).
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, autoflush=False)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=False)
        self._writers = WriterQueue(SQLITE_BUSY_MS / 1000) if self.is_sqlite else None
        # set after a commit that wrote a timer: a worker of this process sleeping longer wakes up to look
        self.timers_written = threading.Event()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back if it raises. On SQLite
        the process's writers take turns in the order they came (runtime/store/writer_queue.py). On
        PostgreSQL a transaction that wrote a timer NOTIFYs the worker processes, which PostgreSQL delivers
        only if it commits."""
        with self._writers.turn() if self._writers else nullcontext(), self._write() as session:
            with session.begin():
                yield session
                if not self.is_sqlite and session.info.get("timers_written"):
                    session.execute(text(f"NOTIFY {TIMERS_CHANNEL}"))
            if session.info.pop("timers_written", False):
                self.timers_written.set()
            for call in session.info.pop(AFTER_COMMIT, ()):
                call()

    @contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session for lists and pages; never commits.

        Closing it ends the transaction; the objects read stay usable (closing does not expire them).
        """
        with self._read() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
