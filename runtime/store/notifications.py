"""The notification outbox: who hears about what, written in the transaction of the change.

Each row is one notice for one person: shown in the app, and queued for e-mail when SMTP is
configured and the person has an address. ``event_key`` (kind, occurrence, person) is unique and
rows are inserted with ON CONFLICT DO NOTHING, so a replayed or concurrent action can never say
the same thing twice. The worker sends the queued e-mails after commit (runtime/mailer.py).
Non-urgent e-mail waits for working hours; major and crisis complaints never wait. A person who chose
the daily digest gets no e-mail per non-urgent notice: the worker's digest (runtime/worker/digest.py)
sums them up once a day; urgent ones are still mailed at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from runtime import business_calendar, clock
from runtime.config import Settings
from runtime.engine import Notice, ReadyTask
from runtime.store.db import conflict_insert, table
from runtime.store.models import HumanTask, NoticePreference, Notification, User, UserRole
from runtime.roles import role_for_lane

URGENT_SEVERITIES = frozenset({"major", "crisis"})
TABLE = table(Notification)
# mailed on their own even to those who chose the digest: the report is the mail, a collective complaint is acted on now
NEVER_DIGESTED = frozenset({"monthly_report", "collective"})


@dataclass(frozen=True)
class Recipient:
    username: str
    email: str | None
    locale: str
    digest: bool | None = False  # wants one digest e-mail a day instead of one per non-urgent notice


def _people():
    """Who may be told, with the address, language and digest choice the outbox rows need."""
    return (select(User.username, User.email, User.locale, NoticePreference.daily_digest)
            .outerjoin(NoticePreference, NoticePreference.username == User.username))


# built once, with bound parameters: a group's members (of a department too), and people by name
_GROUP = _people().join(UserRole, UserRole.user_id == User.id).where(UserRole.role == bindparam("of_role"),
                                                                     User.active.is_(True))
_DEPARTMENT_GROUP = _GROUP.where(User.department == bindparam("of_department"))
_NAMED = _people().where(User.username.in_(bindparam("names", expanding=True)), User.active.is_(True))


def group(session: Session, role: str | None, department: str | None) -> list[Recipient]:
    """Active users who may take a task of ``role`` (and ``department`` for department tasks)."""
    if role is None:
        return []
    if department is not None and role == "department":
        found = session.execute(_DEPARTMENT_GROUP, {"of_role": role, "of_department": department})
    else:
        found = session.execute(_GROUP, {"of_role": role})
    return [Recipient(*row) for row in found]


def named(session: Session, usernames: Iterable[str | None]) -> list[Recipient]:
    names = sorted({n for n in usernames if n})
    if not names:
        return []
    return [Recipient(*row) for row in session.execute(_NAMED, {"names": names})]


def post(session: Session, settings: Settings, instance, kind: str, key: str, title: str,
         recipients: Iterable[Recipient], *, task_id: str | None = None, details: dict | None = None) -> None:
    """Queue one notice per recipient; an event already told to a person is skipped."""
    insert_new(session, rows(settings, instance, kind, key, title, recipients, task_id=task_id, details=details))


def rows(settings: Settings, instance, kind: str, key: str, title: str, recipients: Iterable[Recipient], *,
         task_id: str | None = None, details: dict | None = None) -> list[dict]:
    """The outbox rows of one notice, one per recipient (a person named twice is told once)."""
    now = clock.now()
    urgent = getattr(instance, "severity", None) in URGENT_SEVERITIES
    mail_at = now if urgent else business_calendar.current().next_working_time(now)
    at_once = urgent or kind in NEVER_DIGESTED
    return [{"event_key": f"{kind}:{key}:{r.username}"[:200], "recipient": r.username, "kind": kind,
             "instance_id": getattr(instance, "id", None), "business_key": getattr(instance, "business_key", None),
             "task_id": task_id, "title": title[:300], "details": dict(details or {}, locale=r.locale),
             "urgent": urgent, "created_at": now, "email_attempts": 0,
             **_mail_columns(settings, r, mail_at, at_once)} for r in {r.username: r for r in recipients}.values()]


# one statement per database, built once
_INSERT_NEW = {dialect: conflict_insert(dialect, TABLE).on_conflict_do_nothing(index_elements=["event_key"])
               for dialect in ("postgresql", "sqlite")}


def insert_new(session: Session, rows: list[dict]) -> None:
    """Insert outbox rows, skipping any whose event a person was already told of (``event_key``)."""
    if rows:
        session.connection().execute(_INSERT_NEW[session.get_bind().dialect.name], rows)


def _mail_columns(settings: Settings, recipient: Recipient, mail_at, at_once: bool) -> dict:
    if not (settings.smtp_host and recipient.email) or (recipient.digest and not at_once):
        return {"email_to": None, "email_status": None, "email_due_at": None}
    return {"email_to": recipient.email, "email_status": "pending", "email_due_at": mail_at}


def after_save(session: Session, settings: Settings, instance, new_tasks: list[ReadyTask],
               notices: list[Notice]) -> None:
    """Tell people about the tasks that appeared and the deadlines, reminders and escalations that fired.

    One action often opens several tasks and fires several deadlines: the people named are read in one
    query, each group once, and every notice goes in one insert."""
    holders = _holders(session, [n.attached_task_id for n in notices if n.attached_task_id])
    names = {t.assignee for t in new_tasks} | ({instance.owner, *holders.values()} if notices else set())
    people = {r.username: r for r in named(session, names)}
    groups: dict[tuple, list[Recipient]] = {}  # parallel branches often open several tasks for one group
    queued: list[dict] = []
    for task in new_tasks:
        if task.assignee:
            told = [people[task.assignee]] if task.assignee in people else []
        else:
            key = (role_for_lane(task.lane), task.department)
            told = groups[key] if key in groups else groups.setdefault(key, group(session, *key))
        queued += rows(settings, instance, "new_task", task.id, task.title, told, task_id=task.id)
    for notice in notices:
        told = [people[n] for n in (instance.owner, holders.get(notice.attached_task_id or "")) if n in people]
        queued += rows(settings, instance, notice.kind, notice.key, notice.name, told,
                       task_id=notice.attached_task_id,
                       details={"element": notice.element_id, "rule": notice.rule} if notice.rule else
                       {"element": notice.element_id})
    insert_new(session, queued)


def _holders(session: Session, task_ids: list[str]) -> dict[str, str]:
    """Task id -> who holds it, for the tasks the fired deadlines sit on (one query for all of them)."""
    if not task_ids:
        return {}
    found = session.execute(select(HumanTask.id, HumanTask.assignee).where(HumanTask.id.in_(set(task_ids))))
    return {task_id: assignee for task_id, assignee in found if assignee}
