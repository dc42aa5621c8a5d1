"""A person's notices (the in-app bell): the newest first, and how many are unread."""
from __future__ import annotations

from sqlalchemy import func, select

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.store.db import count
from runtime.store.models import Notification


def listing(rt: Runtime, actor: Actor, unread_only: bool = False, limit: int = 50) -> list[Notification]:
    """The actor's own notices, newest first: nobody reads another person's bell."""
    query = select(Notification).where(Notification.recipient == actor.username)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    with rt.db.reader() as session:
        return list(session.scalars(query.order_by(Notification.id.desc()).limit(limit)))


def unread(rt: Runtime, actor: Actor) -> int:
    """How many notices the actor has not seen (the number beside the bell); index (recipient, read_at)."""
    with rt.db.reader() as session:
        return count(session, select(func.count()).select_from(Notification)
                     .where(Notification.recipient == actor.username, Notification.read_at.is_(None)))
