"""Rewrite an instance's projection rows from a fresh engine snapshot, in the caller's transaction.

The instance row keeps a small fingerprint (``projected``) of what these tables last received, so a
save diffs against it instead of reading the tables back, and writes only what changed. A human
task that is still ready keeps its row, and with it its assignee, version and creation time.
Statements go to the tables directly (SQLAlchemy Core): this is the hot path of every action, and
the ORM's bulk and session-synchronisation machinery cost more than the statements themselves. Each
statement is built once, with bound parameters (a changing number of rows goes in as executemany): building
and keying them anew cost more Python time per action than SQLite spends running them.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from runtime.engine import ReadyTask, Snapshot
from runtime.store.db import table
from runtime.store.models import ComplaintRecord, HumanTask, InstanceStatus, TaskHistory, Timer, WaitingEvent
from runtime.store import sla_clocks
from runtime.roles import role_for_lane

TASK, TIMER, EVENT = table(HumanTask), table(Timer), table(WaitingEvent)
TIMERS_WRITTEN = "timers_written"  # a session.info key: Database.transaction wakes the worker after the commit
HISTORY = table(TaskHistory)
RECORD = table(ComplaintRecord)
_ENDED = (TASK.c.task_name, TASK.c.created_at)
END_TASKS = delete(TASK).where(TASK.c.id.in_(bindparam("task_ids", expanding=True))).returning(*_ENDED)
END_ALL_TASKS = delete(TASK).where(TASK.c.instance_id == bindparam("of_instance")).returning(*_ENDED)
ADD_HISTORY = insert(HISTORY)
# the record's filter fields are copied as the rows are inserted (none while the record is unwritten)
ADD_TASKS = insert(TASK).values({name: select(RECORD.c[name]).where(RECORD.c.instance_id == bindparam("record_of"))
                                 .scalar_subquery() for name in ("category", "channel", "site")})
CHANGE_TASK = update(TASK).where(TASK.c.id == bindparam("of_task")).values(
    due_at=bindparam("new_due_at"), department=bindparam("new_department"), due_rule=bindparam("new_due_rule"),
    due_exact=bindparam("new_due_exact"))
MOVE_TASKS = update(TASK).where(TASK.c.instance_id == bindparam("of_instance")).values(
    definition_id=bindparam("new_definition"))
END_TIMERS = delete(TIMER).where(TIMER.c.instance_id == bindparam("of_instance"),
                                 TIMER.c.task_id.in_(bindparam("task_ids", expanding=True)))
END_ALL_TIMERS = delete(TIMER).where(TIMER.c.instance_id == bindparam("of_instance"))
ADD_TIMERS = insert(TIMER)
MOVE_TIMER = update(TIMER).where(TIMER.c.instance_id == bindparam("of_instance"),
                                 TIMER.c.task_id == bindparam("of_task")).values(due_at=bindparam("new_due_at"),
                                                                                 exact=bindparam("new_exact"))
END_EVENT = delete(EVENT).where(EVENT.c.instance_id == bindparam("of_instance"), EVENT.c.kind == bindparam("of_kind"),
                                EVENT.c.name == bindparam("of_name"))
END_ALL_EVENTS = delete(EVENT).where(EVENT.c.instance_id == bindparam("of_instance"))
ADD_EVENTS = insert(EVENT)


def status_of(snapshot: Snapshot) -> InstanceStatus:
    if snapshot.completed:
        return InstanceStatus.COMPLETED
    return InstanceStatus.RUNNING if snapshot.ready_tasks else InstanceStatus.WAITING


def fingerprint(snapshot: Snapshot) -> dict:
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "tasks": {t.id: [iso(t.due_at), t.department, t.due_rule, t.due_exact] for t in snapshot.ready_tasks},
        "timers": {t.task_id: [iso(t.due_at), t.exact] for t in snapshot.timers},
        "events": sorted([kind, name] for kind, name in snapshot.waiting_events),
        "clocks": {d.timer_id: [iso(d.due_at), d.fired, d.exact, d.element_id] for d in snapshot.deadlines},
    }


def write(session: Session, instance, snapshot: Snapshot, now: datetime, breaches=()) -> list[ReadyTask]:
    """Bring the projection rows up to date; returns the human tasks that are new.

    ``breaches`` are the deadline notices of the runs since the last save: a deadline that fired and
    left the tree in the same run is still recorded as breached.
    """
    before, after = instance.projected or {}, {**fingerprint(snapshot), "definition": instance.definition_id}
    conn = session.connection()
    new = _sync_tasks(conn, instance, before.get("tasks", {}), after["tasks"], snapshot, now)
    if before.get("tasks") and before.get("definition") != instance.definition_id:  # migrated (or saved before 0028)
        conn.execute(MOVE_TASKS, {"of_instance": instance.id, "new_definition": instance.definition_id})
    if _sync_timers(conn, instance.id, before.get("timers", {}), after["timers"], snapshot, now):
        session.info[TIMERS_WRITTEN] = True  # the process's sleeping worker is woken after the commit
    _sync_events(conn, instance.id, before.get("events", []), after["events"])
    finished = frozenset(before.get("tasks", {})) - frozenset(after["tasks"])
    if "clocks" in before or not before:
        sla_clocks.sync(conn, instance, before.get("clocks", {}), snapshot.deadlines, breaches, now, finished)
    else:  # saved before the clocks existed: its breaches were carried over by the migration
        sla_clocks.sync(conn, instance, {}, [d for d in snapshot.deadlines if not d.fired], [], now)
    instance.projected = after
    return new


def clear(session: Session, instance, now: datetime, breaches=()) -> None:
    """Remove every projection of an instance that has ended; its open deadline clocks stop as met."""
    conn = session.connection()
    sla_clocks.sync(conn, instance, instance.projected.get("clocks", {}), [], breaches, now)
    if instance.projected.get("tasks"):
        _end_tasks(conn, instance.id, END_ALL_TASKS, {"of_instance": instance.id}, now)
    for end_all in (END_ALL_TIMERS, END_ALL_EVENTS):
        conn.execute(end_all, {"of_instance": instance.id})
    instance.projected = {}


def _end_tasks(conn, instance_id: int, statement, which: dict, now: datetime) -> None:
    """Delete the open tasks ``statement`` with ``which`` selects and keep how long each was open in
    ``task_history``."""
    ended = conn.execute(statement, which).all()
    if ended:
        conn.execute(ADD_HISTORY, [{"instance_id": instance_id, "task_name": name, "created_at": created,
                                    "ended_at": now} for name, created in ended])


def _sync_tasks(conn, instance, before: dict, after: dict, snapshot: Snapshot, now) -> list[ReadyTask]:
    instance_id = instance.id
    gone = [tid for tid in before if tid not in after]
    if gone:
        _end_tasks(conn, instance_id, END_TASKS, {"task_ids": gone}, now)
    ready = {t.id: t for t in snapshot.ready_tasks}
    new = [ready[tid] for tid in after if tid not in before]
    if new:
        conn.execute(ADD_TASKS, [
            {"id": t.id, "instance_id": instance_id, "record_of": instance_id, "definition_id": instance.definition_id,
             "task_name": t.name, "title": t.title, "role": role_for_lane(t.lane), "department": t.department,
             "assignee": t.assignee, "form": t.properties.get("formJsonSchemaFilename"), "created_at": now,
             "due_at": t.due_at, "version": 1, "due_rule": t.due_rule, "due_exact": t.due_exact} for t in new])
    changed = [ready[tid] for tid in after if tid in before and after[tid] != before[tid]]
    if changed:
        conn.execute(CHANGE_TASK, [{"of_task": t.id, "new_due_at": t.due_at, "new_department": t.department,
                                    "new_due_rule": t.due_rule, "new_due_exact": t.due_exact} for t in changed])
    return new


def _sync_timers(conn, instance_id, before: dict, after: dict, snapshot: Snapshot, now: datetime) -> bool:
    """Returns whether a timer was added or moved (one the worker may have to wake up for)."""
    gone = [tid for tid in before if tid not in after]
    if gone:
        conn.execute(END_TIMERS, {"of_instance": instance_id, "task_ids": gone})
    waiting = {t.task_id: t for t in snapshot.timers}
    new = [waiting[tid] for tid in after if tid not in before]
    if new:
        conn.execute(ADD_TIMERS, [{"instance_id": instance_id, "task_id": t.task_id, "task_name": t.name,
                                   "kind": t.kind, "due_at": t.due_at, "started_at": now, "exact": t.exact}
                                  for t in new])
    moved = [waiting[tid] for tid in after if tid in before and after[tid] != before[tid]]
    if moved:
        conn.execute(MOVE_TIMER, [{"of_instance": instance_id, "of_task": t.task_id, "new_due_at": t.due_at,
                                   "new_exact": t.exact} for t in moved])
    return bool(new or moved)


def _sync_events(conn, instance_id, before: list, after: list) -> None:
    old, new = {tuple(e) for e in before}, {tuple(e) for e in after}
    if old - new:
        conn.execute(END_EVENT, [{"of_instance": instance_id, "of_kind": kind, "of_name": name}
                                 for kind, name in sorted(old - new)])
    if new - old:
        conn.execute(ADD_EVENTS, [{"instance_id": instance_id, "kind": kind, "name": name}
                                  for kind, name in sorted(new - old)])
