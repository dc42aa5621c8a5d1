"""A person's notices (the in-app bell), grouped: one line per complaint and kind of notice, with how
many there were, so thirty "new task" notices of one busy complaint are one line, not thirty.

The bell's number counts the groups with something unread. Digest rows (the daily summary e-mail's
own outbox row) are no notice and never shown.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.store.db import count
from runtime.store.models import NoticePreference, Notification, User

DIGEST = "digest"


@dataclass(frozen=True)
class NoticeGroup:
    """The newest notice of one complaint and kind, and how many (and how many unread) there are."""

    latest: Notification
    total: int
    unread: int

    def __getattr__(self, name: str):  # the template reads the newest notice's fields (kind, title, ...)
        if name.startswith("__") or name == "latest":  # copy and pickle look for these before ``latest`` is set
            raise AttributeError(name)
        return getattr(self.latest, name)


def listing(rt: Runtime, actor: Actor, unread_only: bool = False, limit: int = 50) -> list[NoticeGroup]:
    """The actor's own notices, grouped, newest first: nobody reads another person's bell."""
    with rt.db.reader() as session:
        return grouped(session, actor.username, unread_only=unread_only, limit=limit)


def grouped(session: Session, username: str, *, since=None, unread_only: bool = False,
            limit: int = 50) -> list[NoticeGroup]:
    """The groups of ``username``'s notices (since ``since``, if given), newest first."""
    n = Notification
    query = (select(func.max(n.id), func.count(), func.count(n.id) - func.count(n.read_at))
             .where(n.recipient == username, n.kind != DIGEST).group_by(n.instance_id, n.kind))
    if since is not None:
        query = query.where(n.created_at > since)
    if unread_only:
        query = query.where(n.read_at.is_(None))
    found = session.execute(query.order_by(func.max(n.id).desc()).limit(limit)).all()
    latest = {row.id: row for row in session.scalars(select(n).where(n.id.in_([f[0] for f in found])))}
    return [NoticeGroup(latest[last], total, unread) for last, total, unread in found]


def unread(rt: Runtime, actor: Actor) -> int:
    """How many groups have a notice the actor has not seen (the number beside the bell); index (recipient, read_at)."""
    n = Notification
    with rt.db.reader() as session:
        return count(session, select(func.count()).select_from(
            select(n.instance_id, n.kind).where(n.recipient == actor.username, n.read_at.is_(None), n.kind != DIGEST)
            .group_by(n.instance_id, n.kind).subquery()))


@dataclass(frozen=True)
class Delivery:
    """How the actor's notices reach them by e-mail: their address (None: in the app only) and the digest choice."""

    email: str | None
    daily_digest: bool


def delivery(rt: Runtime, actor: Actor) -> Delivery:
    with rt.db.reader() as session:
        found = session.execute(select(User.email, NoticePreference.daily_digest)
                                .outerjoin(NoticePreference, NoticePreference.username == User.username)
                                .where(User.username == actor.username)).first()
    return Delivery(found[0], bool(found[1])) if found else Delivery(None, False)
