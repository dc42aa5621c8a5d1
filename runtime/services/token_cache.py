"""Verified API tokens, remembered for a few seconds per database, so an API request does not look its
token up (a join of api_tokens and users) every time.

Revoking a token, or changing or disabling its user, must stay effective:
  in this process at once: every commit of this database's write sessions that touches users, user_roles or
    api_tokens (ORM objects or UPDATE/DELETE statements) empties the cache, and a lookup that began before such
    a commit does not store what it read (a generation count);
  from another process (another gunicorn worker, the CLI) within ``TTL_SECONDS``: an entry is only trusted
    that long, then the token is looked up again.
Only tokens that verified are kept (at most ``MAX_ENTRIES``); an unknown or revoked one is looked up each time.
"""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.orm import Session

from runtime.actors import Actor
from runtime.store.db import Database
from runtime.store.models import ApiToken, User, UserRole

TTL_SECONDS = 5.0
MAX_ENTRIES = 1024
WATCHED = (User, UserRole, ApiToken)
WATCHED_TABLES = frozenset(model.__tablename__ for model in WATCHED)
QUIET = "token_use_only"  # session.info key: this transaction only records a token's last use


@dataclass
class Entry:
    actor: Actor
    token_id: int
    last_used_at: datetime | None
    read_at: float  # time.monotonic() of the lookup


class TokenCache:
    """digest -> Entry for one database; emptied by this process's commits that change who a token is."""

    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, digest: str) -> Entry | None:
        entry = self._entries.get(digest)
        if entry is None or time.monotonic() - entry.read_at > TTL_SECONDS:
            return None
        return entry

    def put(self, digest: str, entry: Entry, generation: int) -> None:
        """Keep ``entry`` unless something changed since the lookup that read it began."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[digest] = entry

    def invalidate(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()


_caches: weakref.WeakKeyDictionary[Database, TokenCache] = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_for(db: Database) -> TokenCache:
    """The cache of ``db``, created with its listeners on first use."""
    with _caches_lock:
        cache = _caches.get(db)
        if cache is None:
            cache = _caches[db] = TokenCache()
            _watch(db._write, cache)  # the sessions that commit; readers never do
    return cache


def _watch(sessions, cache: TokenCache) -> None:
    """Flag a write session that changes a watched row; empty the cache when it commits."""
    @event.listens_for(sessions, "after_flush")
    def flushed(session: Session, _context) -> None:
        if any(isinstance(obj, WATCHED) for obj in (*session.new, *session.dirty, *session.deleted)):
            _flag(session)

    @event.listens_for(sessions, "do_orm_execute")
    def executed(state) -> None:
        if (state.is_update or state.is_delete or state.is_insert) and _tables(state.statement) & WATCHED_TABLES:
            _flag(state.session)

    @event.listens_for(sessions, "after_commit")
    def committed(session: Session) -> None:
        if session.info.pop("actors_changed", False):
            cache.invalidate()

    @event.listens_for(sessions, "after_rollback")
    def rolled_back(session: Session) -> None:
        session.info.pop("actors_changed", None)


def _flag(session: Session) -> None:
    if not session.info.get(QUIET):
        session.info["actors_changed"] = True


def _tables(statement) -> set[str]:
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    return {name} if name else set()
