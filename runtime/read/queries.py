"""Read models for lists and pages: projection tables only, never a deserialized workflow.

Named after viewflow's managers: ``queue`` (what my roles may claim), ``inbox`` (claimed by me).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from runtime import business_calendar
from runtime.store import records
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.read import prevention
from runtime.read.element_names import element_names
from runtime.read.visibility import require_read
from runtime.store.packages import form_schema, load_package
from runtime.store.instance_store import newest_definition
from runtime.store.models import (AuditEvent, HumanTask, ProcessDefinition, ProcessInstance, SlaClock, Timer,
                                   WaitingEvent)


@dataclass(frozen=True)
class TaskRow:
    id: str
    title: str
    task_name: str
    role: str | None
    department: str | None
    assignee: str | None
    business_key: str
    instance_id: int
    created_at: datetime
    due_at: datetime | None
    version: int
    form: str | None
    delegated_by: str | None = None
    due_rule: str | None = None
    due_exact: bool = True


@dataclass(frozen=True)
class ClockRow:
    """One deadline of a complaint (``sla_clock``), running, met or breached."""

    rule: str
    element_name: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    breached_at: datetime | None
    exact: bool

    @property
    def state(self) -> str:
        return "breached" if self.breached_at else "met" if self.met_at else "running"


def lateness(due: datetime | None, now: datetime) -> dict:
    """How late a deadline is, as the API reports it: hours on the clock and working days on the
    business calendar (both 0 when it is not overdue)."""
    if due is None or due >= now:
        return {"overdue": False, "overdue_hours": 0, "overdue_working_days": 0}
    calendar = business_calendar.current()
    return {"overdue": True, "overdue_hours": round((now - due).total_seconds() / 3600, 1),
            "overdue_working_days": round(calendar.working_days_between(due, now), 1)}


def _rows(rt: Runtime, query) -> list[TaskRow]:
    with rt.db.reader() as session:
        return rows_in(session, query)


def rows_in(session, query) -> list[TaskRow]:
    """Task rows (with their complaint number) for a query over ``human_task``, in the caller's session."""
    query = query.add_columns(ProcessInstance.business_key).join(ProcessInstance)
    return [TaskRow(t.id, t.title, t.task_name, t.role, t.department, t.assignee, key, t.instance_id,
                    t.created_at, t.due_at, t.version, t.form, t.delegated_by, t.due_rule, t.due_exact)
            for t, key in session.execute(query)]


def _ordered(query):
    # Earliest deadline first; tasks without a deadline after those with one.
    return query.order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)




@dataclass(frozen=True)
class ComplaintView:
    """One complaint as an API client or the complaint page sees it (contact data not yet masked)."""

    number: str
    process: str
    status: str
    severity: str | None
    owner: str | None
    started_at: datetime
    ended_at: datetime | None
    record: dict
    tasks: list[TaskRow]
    timers: list[tuple[str, str, datetime, bool]]  # (element, kind, due, exact)
    history: list[AuditEvent]
    clocks: list[ClockRow] = field(default_factory=list)
    instance_id: int | None = None
    facts: dict = field(default_factory=dict)  # runtime.engine.snapshot.CASE_FACTS
    waiting_signals: frozenset[str] = frozenset()  # what can be reported on it now (media exposure, ...)
    waiting_messages: frozenset[str] = frozenset()  # what it can be told now (a corrected urgency, ...)
    element_names: dict[str, str] = field(default_factory=dict)  # element id -> the diagram's name

    @property
    def reopened_as(self) -> list[str]:
        """The new complaints this one was reopened as (its audit log says so)."""
        return [e.details["reopened_as"] for e in self.history if e.action == "reopened_as"]

    @property
    def outcome(self) -> dict | None:
        """How the complaint ended, for its page and the API: closed on the customer's acceptance,
        closed with a reason (invalid, consultation), not accepted and reopened as a new complaint,
        ended by an administrator, or just ``ended`` when it ended before its outcome was kept (an
        instance of an earlier version); None while it is open."""
        if self.ended_at is None:
            return None
        if self.status == "terminated":
            return {"kind": "terminated"}
        reopened = self.reopened_as
        if self.facts.get("outcome") == "reopen" or reopened:
            return {"kind": "reopened", "reopened_as": reopened[-1] if reopened else None}
        if self.facts.get("validity") in ("invalid", "consultation"):
            return {"kind": "closed_with_reason", "validity": self.facts["validity"],
                    "reason": self.facts.get("explanation")}
        if self.facts.get("outcome") == "closed":
            return {"kind": "closed", "satisfaction": self.facts.get("satisfaction")}
        return {"kind": "ended"}


def complaint(rt: Runtime, number: str, actor: Actor | None = None) -> ComplaintView | None:
    """The record (the data the complaint was accepted with), where it stands and what happened;
    with ``actor``, only if they may see it (PermissionDenied otherwise)."""
    with rt.db.reader() as session:
        view = complaint_in(session, number)
        if view is not None and actor is not None:
            require_read(session, actor, view.instance_id, view.owner, number)
        return view


def complaint_in(session, number: str) -> ComplaintView | None:
    row = session.execute(select(ProcessInstance, ProcessDefinition.process_id, ProcessDefinition.package_id)
                          .join(ProcessDefinition).where(ProcessInstance.business_key == number)).first()
    if row is None:
        return None
    instance, process_id, package_id = row
    names = element_names(session, package_id)
    history = list(session.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance.id)
                                   .order_by(AuditEvent.at, AuditEvent.id)))
    timers = [(t.task_name, t.kind, t.due_at, t.exact) for t in
              session.scalars(select(Timer).where(Timer.instance_id == instance.id).order_by(Timer.due_at))]
    clocks = [ClockRow(*row) for row in session.execute(
        select(SlaClock.rule, SlaClock.element_name, SlaClock.started_at, SlaClock.due_at, SlaClock.met_at,
               SlaClock.breached_at, SlaClock.exact).where(SlaClock.instance_id == instance.id)
        .order_by(SlaClock.due_at, SlaClock.id))]
    started = next((e for e in history if e.action == "started"), None)
    record = dict(started.details.get("data", {})) if started else {}
    tasks = rows_in(session, _ordered(select(HumanTask).where(HumanTask.instance_id == instance.id)))
    waiting = session.execute(select(WaitingEvent.kind, WaitingEvent.name)
                              .where(WaitingEvent.instance_id == instance.id)).all()
    return ComplaintView(number, process_id, instance.status, instance.severity, instance.owner, instance.started_at,
                         instance.ended_at, record, tasks, timers, history, clocks, instance.id, instance.facts or {},
                         frozenset(n for k, n in waiting if k == "signal"),
                         frozenset(n for k, n in waiting if k == "message"), names)


def duplicates(rt: Runtime, phone: str | None, category: str | None) -> list[str]:
    """Open complaints from the same phone in the same category: warned about at intake."""
    with rt.db.reader() as session:
        return records.open_duplicates(session, phone, category)


def start_form(rt: Runtime, process_id: str) -> dict | None:
    """The JSON Schema of the start form of the newest version of ``process_id`` (the intake form)."""
    with rt.db.reader() as session:
        return start_form_in(rt, session, process_id)


def start_form_in(rt: Runtime, session, process_id: str) -> dict | None:
    ref = newest_definition(rt, session, process_id)
    if ref is None:
        return None
    name = load_package(rt, session, ref.package_id, ref.content_hash).start_form(process_id)
    return form_schema(session, ref.package_id, ref.content_hash, name) if name else None


def linked(rt: Runtime, view: ComplaintView) -> dict[str, Any]:
    """``linked_in`` for a complaint already read (and role-checked) by ``complaint``: the API's view."""
    with rt.db.reader() as session:
        return linked_in(session, view)


def linked_in(session, view: ComplaintView) -> dict[str, Any]:
    """Complaints this one was reopened from or as (record and audit log), the repeat links found at
    intake (both ways, with why), and the collective case it belongs to."""
    reopened_as = view.reopened_as
    origin = view.record.get("reopened_from")
    known = view.instance_id
    return {"reopened_from": [origin] if origin else [], "reopened_as": reopened_as,
            "repeats": prevention.repeat_links(session, known) if known is not None else [],
            "collective": prevention.membership(session, known) if known is not None else None}


