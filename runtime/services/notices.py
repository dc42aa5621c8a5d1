"""Marking one's notices as read, and choosing the daily digest: the writes on the in-app bell, one transaction each."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import update

from runtime import clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.store.db import changed
from runtime.store.models import NoticePreference, Notification
from runtime.worker import digest


def mark_all_read(rt: Runtime, actor: Actor) -> int:
    """Mark every unread notice of the actor as read; returns how many."""
    with rt.db.transaction() as session:
        return changed(session, update(Notification).where(Notification.recipient == actor.username,
                                                          Notification.read_at.is_(None))
                               .values(read_at=clock.now()))


def set_daily_digest(rt: Runtime, actor: Actor, on: bool) -> None:
    """Choose one digest e-mail a day (``on``) or an e-mail per notice; urgent notices are mailed at once either way."""
    now = clock.now()
    with rt.db.transaction() as session:
        preference = session.get(NoticePreference, actor.username)
        if preference is None:
            preference = NoticePreference(username=actor.username, daily_digest=False, updated_at=now)
            session.add(preference)
        if on and not preference.daily_digest:  # the first digest is tomorrow's, covering from now on
            preference.last_digest_on = now.astimezone(ZoneInfo(rt.settings.timezone)).date()
            preference.last_digest_at = now
        if not on and preference.daily_digest:  # what waited for the next digest is mailed now, not lost
            digest.queue_final(rt, session, preference, now)
        preference.daily_digest, preference.updated_at = on, now
