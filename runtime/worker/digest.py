"""The daily digest: one e-mail a day to each person who chose it, summing up their notices since the last one.

From ``digest_hour`` (local time, the business time zone) the sweep queues, for everyone who chose the
digest and has an address, one outbox row of kind ``digest``, keyed by the day and the person, so two
workers or a replayed sweep can never queue a second one; the mailer then sends it like any notice.
The notices are grouped as the bell groups them (one line per complaint and kind, with a count).
A day with nothing to tell sends nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from runtime.bootstrap import Runtime
from runtime.read.notices import DIGEST, NoticeGroup, grouped
from runtime.store.models import NoticePreference, User
from runtime.store.notifications import insert_new
from runtime.worker.mail_texts import TEXTS, text

MOST_LINES = 100  # a longer day is cut here; the bell has the rest


def queue_due(rt: Runtime, now: datetime) -> int:
    """Queue today's digests that are due; returns how many were queued."""
    s = rt.settings
    local = now.astimezone(ZoneInfo(s.timezone))
    if not s.smtp_host or local.hour < s.digest_hour:
        return 0
    today, queued = local.date(), 0
    with rt.db.transaction() as session:
        due = session.execute(
            select(NoticePreference, User.email, User.locale).join(User, User.username == NoticePreference.username)
            .where(NoticePreference.daily_digest.is_(True), User.active.is_(True), User.email.is_not(None),
                   or_(NoticePreference.last_digest_on.is_(None), NoticePreference.last_digest_on < today))
            .with_for_update(skip_locked=True, of=NoticePreference)).all()
        for preference, email, locale in due:
            since = preference.last_digest_at or now - timedelta(days=1)
            groups = grouped(session, preference.username, since=since, limit=MOST_LINES)
            if groups:
                _queue(session, preference.username, email, locale, today.isoformat(), groups, now)
                queued += 1
            preference.last_digest_on, preference.last_digest_at = today, now
    return queued


def queue_final(rt: Runtime, session: Session, preference: NoticePreference, now: datetime) -> None:
    """The digest of what waited since the last one, queued at once: its reader turned the digest off."""
    user = session.execute(select(User.email, User.locale).where(User.username == preference.username)).first()
    if not rt.settings.smtp_host or user is None or not user.email:
        return
    since = preference.last_digest_at or now - timedelta(days=1)
    groups = grouped(session, preference.username, since=since, limit=MOST_LINES)
    if groups:
        day = now.astimezone(ZoneInfo(rt.settings.timezone)).date().isoformat()
        _queue(session, preference.username, user.email, user.locale, day, groups, now, key=f"{now:%H%M%S}")
    preference.last_digest_at = now


def _queue(session: Session, username: str, email: str | None, locale: str | None, day: str, groups: list[NoticeGroup],
           now: datetime, key: str = "") -> None:
    event = f"{DIGEST}:{day}:{username}" + (f":{key}" if key else "")
    row = {"event_key": event[:200], "recipient": username, "kind": DIGEST,
           "title": day, "details": {"locale": locale, "count": sum(g.total for g in groups),
                                     "lines": [line(locale, g) for g in groups]},
           "urgent": False, "created_at": now, "read_at": now, "email_attempts": 0,
           "email_to": email, "email_status": "pending", "email_due_at": now}
    insert_new(session, [row])


def line(locale: str | None, group: NoticeGroup) -> str:
    """One group as a line of the digest: what happened, on which complaint, how many times."""
    n = group.latest
    known = n.kind in TEXTS["en"]
    said = text(locale, n.kind, title=n.title, actor=n.details.get("actor", "")) if known else n.title
    where = f"[{n.business_key}] " if n.business_key else ""
    more = text(locale, "digest_times", count=group.total) if group.total > 1 else ""
    return f"- {where}{said}{more}"
