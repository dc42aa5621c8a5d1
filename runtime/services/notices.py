"""Marking one's notices as read: the only write on the in-app bell, one transaction."""
from __future__ import annotations

from sqlalchemy import update

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.store.db import changed
from runtime.store.models import Notification


def mark_all_read(rt: Runtime, actor: Actor) -> int:
    """Mark every unread notice of the actor as read; returns how many."""
    with rt.db.transaction() as session:
        return changed(session, update(Notification).where(Notification.recipient == actor.username,
                                                          Notification.read_at.is_(None))
                               .values(read_at=clock.now()))
