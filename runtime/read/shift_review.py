"""What a shift review lists (001: 接班后的前30分钟, 三天前的仍未关闭的投诉): every open complaint
accepted before the cutoff, with where it stands (the steps waiting and who holds them) and its
next deadline, read from the projection tables alone (``process_instance``, ``complaint_record``,
``human_task``, ``sla_clock``), never from a workflow, so a review over thousands of open
complaints stays a handful of index reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select

from runtime.actors import Actor
from runtime.read.visibility import readable_instances
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, HumanTask, ProcessInstance, SlaClock

LIMIT = 500  # the longest list one review page shows (the oldest first); the form takes as many notes


@dataclass(frozen=True)
class Step:
    title: str
    assignee: str | None
    role: str | None  # a role code: the page names it in the reader's language
    department: str | None


@dataclass(frozen=True)
class Reviewed:
    business_key: str
    subject: str | None
    site: str | None
    started_at: datetime
    status: str
    steps: list[Step] = field(default_factory=list)
    next_due: datetime | None = None
    missed: bool = False  # the next deadline has passed


def cutoff(review_started_at: datetime, older_than_days: int) -> datetime:
    """Complaints accepted before this moment are old enough to be reviewed."""
    return review_started_at - timedelta(days=older_than_days)


def open_before(session, actor: Actor, before: datetime, now: datetime) -> list[Reviewed]:
    """The open complaints ``actor`` may see that were accepted before ``before``, oldest first."""
    query = (select(ProcessInstance.id, ProcessInstance.business_key, ProcessInstance.started_at,
                    ProcessInstance.status, ComplaintRecord.subject, ComplaintRecord.site)
             .join(ComplaintRecord, ComplaintRecord.instance_id == ProcessInstance.id)
             .where(ProcessInstance.status.in_(OPEN_STATUSES), ProcessInstance.started_at < before)
             .order_by(ProcessInstance.started_at, ProcessInstance.id).limit(LIMIT))
    readable = readable_instances(actor)
    if readable is not None:
        query = query.where(readable)
    rows = session.execute(query).all()
    ids = [r.id for r in rows]
    steps, task_due = _steps(session, ids)
    clock_due = _running_deadlines(session, ids)
    out = []
    for r in rows:
        due = min((d for d in (task_due.get(r.id), clock_due.get(r.id)) if d is not None), default=None)
        out.append(Reviewed(r.business_key, r.subject, r.site, r.started_at, r.status, steps.get(r.id, []), due,
                            due is not None and due <= now))
    return out


def _steps(session, ids: list[int]) -> tuple[dict[int, list[Step]], dict[int, datetime]]:
    """The waiting steps of each complaint, and the earliest due time among them (a passed one stays:
    a task keeps its due time after it was missed)."""
    steps: dict[int, list[Step]] = {}
    due: dict[int, datetime] = {}
    if not ids:
        return steps, due
    for t in session.execute(select(HumanTask.instance_id, HumanTask.title, HumanTask.assignee, HumanTask.role,
                                    HumanTask.department, HumanTask.due_at)
                             .where(HumanTask.instance_id.in_(ids)).order_by(HumanTask.created_at, HumanTask.id)):
        steps.setdefault(t.instance_id, []).append(Step(t.title, t.assignee, t.role, t.department))
        if t.due_at is not None and (t.instance_id not in due or t.due_at < due[t.instance_id]):
            due[t.instance_id] = t.due_at
    return steps, due


def _running_deadlines(session, ids: list[int]) -> dict[int, datetime]:
    """The earliest deadline still running per complaint (the 10- and 15-day limits sit on no step)."""
    if not ids:
        return {}
    return dict(session.execute(select(SlaClock.instance_id, func.min(SlaClock.due_at))
                                .where(SlaClock.instance_id.in_(ids), SlaClock.met_at.is_(None),
                                       SlaClock.breached_at.is_(None))
                                .group_by(SlaClock.instance_id)).all())
