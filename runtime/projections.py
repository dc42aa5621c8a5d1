"""Rewrite an instance's projection rows from a fresh engine snapshot, in the caller's transaction.

The instance row keeps a small fingerprint (``projected``) of what these tables last received, so a
save diffs against it instead of reading the tables back, and writes only what changed. A human
task that is still ready keeps its row, and with it its assignee, version and creation time.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, insert, or_, update
from sqlalchemy.orm import Session

from runtime.engine import Snapshot
from runtime.models import HumanTask, InstanceStatus, ProcessInstance, Timer, WaitingEvent
from runtime.roles import role_for_lane


def status_of(snapshot: Snapshot) -> InstanceStatus:
    if snapshot.completed:
        return InstanceStatus.COMPLETED
    return InstanceStatus.RUNNING if snapshot.ready_tasks else InstanceStatus.WAITING


def fingerprint(snapshot: Snapshot) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "tasks": {t.id: [iso(t.due_at), t.department] for t in snapshot.ready_tasks},
        "timers": {t.task_id: iso(t.due_at) for t in snapshot.timers},
        "events": sorted([kind, name] for kind, name in snapshot.waiting_events),
    }


def write(session: Session, instance: ProcessInstance, snapshot: Snapshot, now: datetime) -> None:
    before, after = instance.projected or {}, fingerprint(snapshot)
    _sync_tasks(session, instance.id, before.get("tasks", {}), after["tasks"], snapshot, now)
    _sync_timers(session, instance.id, before.get("timers", {}), after["timers"], snapshot)
    _sync_events(session, instance.id, before.get("events", []), after["events"])
    instance.projected = after


def clear(session: Session, instance: ProcessInstance) -> None:
    """Remove every projection of an instance that has ended."""
    for model in (HumanTask, Timer, WaitingEvent):
        session.execute(delete(model).where(model.instance_id == instance.id))
    instance.projected = {}


def _sync_tasks(session, instance_id, before: dict, after: dict, snapshot: Snapshot, now) -> None:
    gone = [tid for tid in before if tid not in after]
    if gone:
        session.execute(delete(HumanTask).where(HumanTask.id.in_(gone)))
    ready = {t.id: t for t in snapshot.ready_tasks}
    new = [ready[tid] for tid in after if tid not in before]
    if new:
        session.execute(insert(HumanTask), [
            {"id": t.id, "instance_id": instance_id, "task_name": t.name, "title": t.title,
             "role": role_for_lane(t.lane), "department": t.department, "assignee": None,
             "form": t.properties.get("formJsonSchemaFilename"), "created_at": now, "due_at": t.due_at, "version": 1}
            for t in new])
    for tid in (tid for tid in after if tid in before and after[tid] != before[tid]):
        session.execute(update(HumanTask).where(HumanTask.id == tid)
                        .values(due_at=ready[tid].due_at, department=ready[tid].department))


def _sync_timers(session, instance_id, before: dict, after: dict, snapshot: Snapshot) -> None:
    gone = [tid for tid in before if tid not in after]
    if gone:
        session.execute(delete(Timer).where(Timer.instance_id == instance_id, Timer.task_id.in_(gone)))
    waiting = {t.task_id: t for t in snapshot.timers}
    new = [waiting[tid] for tid in after if tid not in before]
    if new:
        session.execute(insert(Timer), [{"instance_id": instance_id, "task_id": t.task_id, "task_name": t.name,
                                         "kind": t.kind, "due_at": t.due_at} for t in new])
    for tid in (tid for tid in after if tid in before and after[tid] != before[tid]):
        session.execute(update(Timer).where(Timer.instance_id == instance_id, Timer.task_id == tid)
                        .values(due_at=waiting[tid].due_at))


def _sync_events(session, instance_id, before: list, after: list) -> None:
    old, new = {tuple(e) for e in before}, {tuple(e) for e in after}
    if old - new:
        session.execute(delete(WaitingEvent).where(WaitingEvent.instance_id == instance_id, or_(
            *(and_(WaitingEvent.kind == kind, WaitingEvent.name == name) for kind, name in old - new))))
    if new - old:
        session.execute(insert(WaitingEvent), [{"instance_id": instance_id, "kind": kind, "name": name}
                                               for kind, name in sorted(new - old)])
