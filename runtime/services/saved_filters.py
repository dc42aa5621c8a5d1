"""Saved inbox views: a name for a tab plus filters, kept per user and shown above the tabs."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import delete, select

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import Conflict, InvalidInput, NotFound
from runtime.read.inbox import FILTERS, TABS
from runtime.store.db import changed
from runtime.store.models import SavedFilter

KEYS = ("tab", *FILTERS)
MAX_PER_USER = 20


def clean_query(query: str) -> str:
    """Only the inbox's own keys, with values; anything else in the query string is dropped."""
    pairs = [(k, v) for k, v in parse_qsl(query or "") if k in KEYS and v and (k != "tab" or v in TABS)]
    return urlencode(pairs)[:500]


def save(rt: Runtime, actor: Actor, name: str, query: str) -> int:
    name = (name or "").strip()
    if not 1 <= len(name) <= 60:
        raise InvalidInput("give the view a name of 1 to 60 characters", field_errors={"name": "required"})
    with rt.db.transaction() as session:
        mine = session.scalars(select(SavedFilter.name).where(SavedFilter.username == actor.username)).all()
        if name in mine:
            raise Conflict(f"you already have a view called '{name}'", reason="view_exists", name=name)
        if len(mine) >= MAX_PER_USER:
            raise InvalidInput(f"at most {MAX_PER_USER} saved views; delete one first")
        row = SavedFilter(username=actor.username, name=name, query=clean_query(query), created_at=clock.now())
        session.add(row)
        session.flush()
        return row.id


def remove(rt: Runtime, actor: Actor, filter_id: int) -> None:
    """Delete one of the actor's own views (someone else's is 'not found', not 'forbidden')."""
    with rt.db.transaction() as session:
        gone = changed(session, delete(SavedFilter).where(SavedFilter.id == filter_id,
                                                         SavedFilter.username == actor.username))
    if not gone:
        raise NotFound(f"no saved view {filter_id}")
