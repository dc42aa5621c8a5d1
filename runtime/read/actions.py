"""Corrective and preventive actions as the 整改措施 page, the API and a complaint's case file read
them: open ones by scope (mine, all, overdue), each with its complaint, owner and due date, and a
complaint's own actions with their state. An action is overdue from the day after its due date, in
the business calendar's zone. Only complaints the reader may see are listed (runtime.read.visibility)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from runtime import business_calendar, clock
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import InvalidInput
from runtime.read.visibility import readable_instances
from runtime.store.actions import CorrectiveAction
from runtime.store.models import ProcessInstance
from runtime.store.people import User

SCOPES = ("mine", "all", "overdue")
LIMIT = 500


@dataclass(frozen=True)
class ActionRow:
    id: int
    business_key: str
    kind: str  # corrective | preventive
    root_cause: str | None  # internal | external
    description: str
    owner: str
    owner_name: str
    due_on: date
    status: str  # open | done
    overdue: bool
    done_at: datetime | None
    done_by: str | None
    done_note: str | None

    def as_json(self) -> dict:
        return {"id": self.id, "complaint": self.business_key, "kind": self.kind, "root_cause": self.root_cause,
                "description": self.description, "owner": self.owner, "owner_name": self.owner_name,
                "due_on": self.due_on.isoformat(), "status": self.status, "overdue": self.overdue,
                "done_at": self.done_at.isoformat() if self.done_at else None, "done_by": self.done_by,
                "done_note": self.done_note}


def today() -> date:
    return clock.now().astimezone(business_calendar.current().zone).date()


def open_actions(rt: Runtime, actor: Actor, scope: str) -> list[ActionRow]:
    """Open actions, soonest due first: the actor's own (mine), all they may see (all), or those of
    them past their due date (overdue). Raises InvalidInput for another scope."""
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}, not {scope[:40]!r}",
                           field_errors={"scope": f"one of {', '.join(SCOPES)}"})
    query = _query().where(CorrectiveAction.status == "open")
    if scope == "mine":
        query = query.where(CorrectiveAction.owner == actor.username)
    else:
        readable = readable_instances(actor)
        if readable is not None:
            query = query.where(readable)
    if scope == "overdue":
        query = query.where(CorrectiveAction.due_on < today())
    with rt.db.reader() as session:
        return _rows(session, query.order_by(CorrectiveAction.due_on, CorrectiveAction.id).limit(LIMIT))


def actions_of(session, instance_id: int | None) -> list[ActionRow]:
    """A complaint's actions, in the order they were recorded (its case file shows them)."""
    return _rows(session, _query().where(CorrectiveAction.instance_id == instance_id).order_by(CorrectiveAction.id))


def _query():
    return (select(CorrectiveAction, User.display_name)
            .join(ProcessInstance, ProcessInstance.id == CorrectiveAction.instance_id)
            .outerjoin(User, User.username == CorrectiveAction.owner))


def _rows(session, query) -> list[ActionRow]:
    day = today()
    return [ActionRow(a.id, a.business_key, a.kind, a.root_cause, a.description, a.owner, name or a.owner, a.due_on,
                      a.status, a.status == "open" and a.due_on < day, a.done_at, a.done_by, a.done_note)
            for a, name in session.execute(query)]
