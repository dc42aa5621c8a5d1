"""The ``sla_clock`` projection: one row per deadline, its clock started, met or breached.

Written at every save from the engine's deadlines, diffed against the fingerprint the instance row
keeps (``projected["clocks"]``: timer id -> [due, fired, exact]), in the transaction of the action:
- a deadline that appears starts its clock (``started_at`` = now, or its due time when that has passed
  already, as for a complaint entered after its limits; already fired: breached now);
- one that fires is breached now; one whose due time changes (a migration, a recomputation after
  the official calendar was entered) keeps its start and takes the new due time and exactness;
- one that leaves the tree unfired was met now (its task was done, or its phase ended), unless its
  due time had already passed (done late, before the sweep fired it): then it was breached;
- one that leaves the tree while a new timer of the same element appears (its step was interrupted
  and entered again in one action) goes on under the new timer.
The fingerprint holds exactness too, so a provisional due time that a recomputation confirms
becomes exact even when the time itself does not move.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, func, insert, or_, select, update

from runtime.engine import Deadline, Notice
from runtime.store.db import table
from runtime.store.models import SlaClock

CLOCK = table(SlaClock)


def sync(conn, instance, before: dict, deadlines: list[Deadline], breaches: list[Notice], now: datetime) -> None:
    after = {d.timer_id: d for d in deadlines}
    fired_now = {n.key: n for n in breaches if n.kind == "breach"}
    new = [d for tid, d in after.items() if tid not in before]
    if new:
        before, new = _continue_redone(conn, instance, before, after, fired_now, new)
    if new:
        conn.execute(insert(CLOCK), [_row(instance, d, now, breached=d.fired or d.timer_id in fired_now) for d in new])
    vanished = [n for key, n in fired_now.items() if key not in before and key not in after and n.due_at]
    if vanished:  # fired and gone within one run: a breach all the same
        conn.execute(insert(CLOCK), [_breach_row(instance, n, now) for n in vanished])
    for tid, (due, fired, *exact) in before.items():
        deadline = after.get(tid)
        if deadline is None:  # left unfired: met, unless its time had passed already (done late)
            late = tid in fired_now or datetime.fromisoformat(due) <= now
            _stop(conn, instance.id, tid, breached=late, now=now)
        elif deadline.fired and not fired:
            _stop(conn, instance.id, tid, breached=True, now=now)
        elif deadline.due_at.isoformat() != due or [deadline.exact] != exact:
            conn.execute(update(CLOCK).where(CLOCK.c.instance_id == instance.id, CLOCK.c.timer_id == tid)
                         .values(due_at=deadline.due_at, exact=deadline.exact))


def _continue_redone(conn, instance, before: dict, after: dict, fired_now: dict, new: list[Deadline]):
    """A step interrupted and entered again in one action (the front desk corrected a complaint's
    urgency while it waited for dispatch) gets a new timer for the same deadline: its clock goes on
    under the new timer, neither met by the interruption nor started again."""
    gone = [tid for tid in before if tid not in after and tid not in fired_now]
    if not gone:
        return before, new
    running = dict(conn.execute(select(CLOCK.c.element_id, CLOCK.c.timer_id).where(
        CLOCK.c.instance_id == instance.id, CLOCK.c.timer_id.in_(gone), CLOCK.c.met_at.is_(None),
        CLOCK.c.breached_at.is_(None))).all())
    kept = []
    for d in new:
        old = running.pop(d.element_id, None)
        if old is None or d.fired:
            kept.append(d)
            continue
        conn.execute(update(CLOCK).where(CLOCK.c.instance_id == instance.id, CLOCK.c.timer_id == old)
                     .values(timer_id=d.timer_id, task_id=d.task_id, due_at=d.due_at, exact=d.exact))
        before = {k: v for k, v in before.items() if k != old}
    return before, kept


def archive_stopped(conn, instance_id: int) -> None:
    """Before an administrator moves an instance back (its timers come back with the same ids), the
    stopped clocks are renamed after their rows, so the timers start new clocks and both count."""
    conn.execute(update(CLOCK).where(CLOCK.c.instance_id == instance_id, ~CLOCK.c.timer_id.contains("#"),
                                     or_(CLOCK.c.met_at.is_not(None), CLOCK.c.breached_at.is_not(None)))
                 .values(timer_id=func.substr(CLOCK.c.timer_id, 1, 36) + "#" + cast(CLOCK.c.id, String)))


def _row(instance, d: Deadline, now: datetime, breached: bool) -> dict:
    return {"instance_id": instance.id, "business_key": instance.business_key, "timer_id": d.timer_id,
            "rule": d.rule, "element_id": d.element_id, "element_name": d.name, "task_id": d.task_id,
            "started_at": min(now, d.due_at), "due_at": d.due_at,
            "met_at": None, "breached_at": now if breached else None, "exact": d.exact}


def _breach_row(instance, n: Notice, now: datetime) -> dict:
    due = n.due_at or now
    return {"instance_id": instance.id, "business_key": instance.business_key, "timer_id": n.key, "rule": n.rule,
            "element_id": n.element_id, "element_name": n.name, "task_id": n.attached_task_id,
            "started_at": min(now, due), "due_at": due, "met_at": None, "breached_at": now, "exact": True}


def _stop(conn, instance_id: int, timer_id: str, breached: bool, now: datetime) -> None:
    """End a running clock: breached or met, whichever happened first (a stopped clock stays stopped)."""
    column = "breached_at" if breached else "met_at"
    conn.execute(update(CLOCK).where(CLOCK.c.instance_id == instance_id, CLOCK.c.timer_id == timer_id,
                                     CLOCK.c.met_at.is_(None), CLOCK.c.breached_at.is_(None))
                 .values({column: now}))
