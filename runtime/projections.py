"""Rewrite an instance's projection rows from a fresh engine snapshot, in the caller's transaction.

Rows are diffed, not replaced: a human task that is still ready keeps its assignee, version and
creation time, and unchanged rows cost no write.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from runtime.engine import Snapshot
from runtime.models import HumanTask, InstanceStatus, ProcessInstance, Timer, WaitingEvent
from runtime.roles import role_for_lane


def status_of(snapshot: Snapshot) -> InstanceStatus:
    if snapshot.completed:
        return InstanceStatus.COMPLETED
    return InstanceStatus.RUNNING if snapshot.ready_tasks else InstanceStatus.WAITING


def write(session: Session, instance: ProcessInstance, snapshot: Snapshot, now: datetime) -> None:
    _write_human_tasks(session, instance.id, snapshot, now)
    _write_timers(session, instance.id, snapshot)
    _write_waiting_events(session, instance.id, snapshot)


def clear(session: Session, instance_id: int) -> None:
    """Remove every projection of an instance that has ended."""
    for model in (HumanTask, Timer, WaitingEvent):
        session.execute(delete(model).where(model.instance_id == instance_id))


def _write_human_tasks(session: Session, instance_id: int, snapshot: Snapshot, now: datetime) -> None:
    existing = {t.id: t for t in session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))}
    ready = {t.id: t for t in snapshot.ready_tasks}
    gone = [tid for tid in existing if tid not in ready]
    if gone:
        session.execute(delete(HumanTask).where(HumanTask.id.in_(gone)))
    for tid, task in ready.items():
        row = existing.get(tid)
        if row is None:
            session.add(HumanTask(id=tid, instance_id=instance_id, task_name=task.name, title=task.title,
                                  role=role_for_lane(task.lane), department=task.department, assignee=None,
                                  form=task.properties.get("formJsonSchemaFilename"), created_at=now,
                                  due_at=task.due_at, version=1))
        elif (row.due_at, row.department) != (task.due_at, task.department):
            row.due_at, row.department = task.due_at, task.department


def _write_timers(session: Session, instance_id: int, snapshot: Snapshot) -> None:
    existing = {t.task_id: t for t in session.scalars(select(Timer).where(Timer.instance_id == instance_id))}
    waiting = {t.task_id: t for t in snapshot.timers}
    for task_id, row in existing.items():
        if task_id not in waiting:
            session.delete(row)
    for task_id, timer in waiting.items():
        row = existing.get(task_id)
        if row is None:
            session.add(Timer(instance_id=instance_id, task_id=task_id, task_name=timer.name, kind=timer.kind,
                              due_at=timer.due_at))
        elif row.due_at != timer.due_at:
            row.due_at = timer.due_at


def _write_waiting_events(session: Session, instance_id: int, snapshot: Snapshot) -> None:
    rows = session.scalars(select(WaitingEvent).where(WaitingEvent.instance_id == instance_id)).all()
    existing = {(r.kind, r.name): r for r in rows}
    for key, row in existing.items():
        if key not in snapshot.waiting_events:
            session.delete(row)
    for kind, name in snapshot.waiting_events - existing.keys():
        session.add(WaitingEvent(instance_id=instance_id, kind=kind, name=name))
