"""Corrective and preventive actions (000, 003, 004: 分析原因、制订纠正和预防措施): recorded by a
closing review, tracked to done, and their owners told once when one is overdue.

A form says which of its fields hold the actions and the root cause (``correctiveActions``,
``rootCause``: see runtime/form_rules.py), so any step whose form carries them records them, in the
transaction that completes the step; no task is special-cased by name.
"""
from __future__ import annotations

from sqlalchemy import select

from runtime import business_calendar, clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from runtime.moments import parse_day
from runtime.store import notifications
from runtime.store.actions import CorrectiveAction
from runtime.store.instance_store import InstanceRow, audit, lock
from runtime.store.people import User

# Besides an action's owner, who may mark it done: the site manager answers for the closure (001),
# the quality department for the standards (001).
CLOSERS = frozenset({"site_manager", "quality", "admin"})
MAX_NOTE = 2000


def record_review(session, instance: InstanceRow, actor: str, fields: tuple[str | None, str | None],
                  data: dict) -> list[int]:
    """The rows of the actions in a completed step's ``data`` (fields: the form's action list and
    root cause). Every owner must be an active user, or nothing is kept (InvalidInput naming the row)."""
    list_field, cause_field = fields
    rows = (data.get(list_field) or []) if list_field else []
    if not rows:
        return []
    _check_owners(session, list_field or "", rows)
    cause = data.get(cause_field) if cause_field else None
    made = [CorrectiveAction(instance_id=instance.saved_id, business_key=instance.business_key, kind=row["kind"],
                             root_cause=cause, description=row["description"].strip(), owner=row["owner"].strip(),
                             due_on=parse_day(row["due_on"]), status="open", created_at=clock.now(), created_by=actor)
            for row in rows]
    session.add_all(made)
    session.flush()
    return [a.id for a in made]


def _check_owners(session, list_field: str, rows: list[dict]) -> None:
    wanted = {row["owner"].strip() for row in rows}
    active = set(session.scalars(select(User.username).where(User.username.in_(wanted), User.active.is_(True))))
    errors = {f"{list_field}.{i}.owner": f"no active user '{row['owner'].strip()}'"
              for i, row in enumerate(rows) if row["owner"].strip() not in active}
    if errors:
        raise InvalidInput("some fields are not valid: " + "; ".join(f"{k}: {v}" for k, v in errors.items()),
                           field_errors=errors)


def mark_done(rt: Runtime, actor: Actor, action_id: int, note: object) -> None:
    """Mark an open action done with a note saying what was done, audited on its complaint.

    Raises NotFound, PermissionDenied (not its owner, a site manager or the quality department),
    InvalidInput (no note), Conflict (already done: by whom and when).
    """
    text = note.strip() if isinstance(note, str) else ""
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"note: say what was done (1 to {MAX_NOTE} characters)",
                           field_errors={"note": "this field is required"})
    with rt.db.transaction() as session:
        instance, action = _locked(session, action_id)
        if action.owner != actor.username and not actor.roles & CLOSERS:
            raise PermissionDenied(f"action {action_id} is {action.owner}'s; only they, a site manager or the "
                                   "quality department may mark it done", reason="action_owner", owner=action.owner)
        if action.status == "done":
            raise Conflict(f"action {action_id} was already marked done by {action.done_by} at "
                           f"{action.done_at:%Y-%m-%d %H:%M} UTC", reason="action_done", actor=action.done_by,
                           at=action.done_at)
        action.status, action.done_at, action.done_by, action.done_note = "done", clock.now(), actor.username, text
        audit(session, instance, actor.username, "action_done", action_id=action_id,
              description=action.description, owner=action.owner, note=text)


def _locked(session, action_id: int) -> tuple[InstanceRow, CorrectiveAction]:
    """The action read fresh after its complaint's row was locked (one lock order with every
    instance action, so two people marking it done at once are served one after the other)."""
    instance_id = session.scalar(select(CorrectiveAction.instance_id).where(CorrectiveAction.id == action_id))
    if instance_id is None:
        raise NotFound(f"no corrective action {action_id}")
    instance = lock(session, instance_id=instance_id)
    return instance, session.scalars(select(CorrectiveAction).where(CorrectiveAction.id == action_id)
                                     .execution_options(populate_existing=True)).one()


def notify_overdue(rt: Runtime) -> int:
    """Tell each owner of an open action whose due date has passed (in the business calendar's zone),
    once: the row remembers it was told, and the notice's key makes a repeat a no-op."""
    today = clock.now().astimezone(business_calendar.current().zone).date()
    untold = select(CorrectiveAction.id).where(CorrectiveAction.status == "open", CorrectiveAction.due_on < today,
                                               CorrectiveAction.overdue_notified_at.is_(None)).limit(1)
    with rt.db.reader() as session:  # the sweep asks every half second: a write only when someone is to be told
        if session.scalar(untold) is None:
            return 0
    with rt.db.transaction() as session:
        due = list(session.scalars(select(CorrectiveAction).where(
            CorrectiveAction.status == "open", CorrectiveAction.due_on < today,
            CorrectiveAction.overdue_notified_at.is_(None)).order_by(CorrectiveAction.id).limit(500)))
        for action in due:
            instance = lock(session, instance_id=action.instance_id, for_update=False)  # read: no step changes
            notifications.post(session, rt.settings, instance, "action_overdue", str(action.id),
                               action.description, notifications.named(session, [action.owner]),
                               details={"due_on": action.due_on.isoformat()})
            action.overdue_notified_at = clock.now()
        return len(due)
