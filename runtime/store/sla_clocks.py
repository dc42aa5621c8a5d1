"""The ``sla_clock`` projection: one row per deadline, its clock started, met or breached.

Written at every save from the engine's deadlines, diffed against the fingerprint the instance row
keeps (``projected["clocks"]``: timer id -> [due, fired, exact, element]), in the transaction of the action:
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

A breached clock is *settled* when its lateness ends: when its step is done (its timer leaves the tree,
or, once fired, stays while its step leaves the open tasks) or the complaint ends, or, for a deadline
on no step, when it is breached. Then
``late_until`` and the lateness in working days and hours are written once, so the monthly report reads
a month's thousands of breaches without looking up each step's completion or walking the calendar.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, bindparam, cast, func, insert, or_, select, update

from runtime import business_calendar
from runtime.engine import Deadline, Notice
from runtime.errors import ConfigurationError
from runtime.store.db import table
from runtime.store.models import SlaClock

CLOCK = table(SlaClock)
UNSETTLED = {"late_until": None, "late_days": None, "late_hours": None}
# built once, with bound parameters (runtime/store/projections.py says why)
START = insert(CLOCK)
_RUNNING = (CLOCK.c.instance_id == bindparam("of_instance"),
            CLOCK.c.timer_id.in_(bindparam("timer_ids", expanding=True)), CLOCK.c.met_at.is_(None),
            CLOCK.c.breached_at.is_(None))
STOP = {breached: update(CLOCK).where(*_RUNNING).values({"breached_at" if breached else "met_at": bindparam("at")})
        for breached in (True, False)}
MOVE = update(CLOCK).where(CLOCK.c.instance_id == bindparam("of_instance"), CLOCK.c.timer_id == bindparam("timer")
                           ).values(due_at=bindparam("new_due_at"), exact=bindparam("new_exact"))


def sync(conn, instance, before: dict, deadlines: list[Deadline], breaches: list[Notice], now: datetime,
         finished: frozenset[str] = frozenset()) -> None:
    """Bring the instance's clocks up to date; ``finished`` are the human tasks that were open before
    this action and are not now (done, or ended with their phase)."""
    after = {d.timer_id: d for d in deadlines}
    fired_now = {n.key: n for n in breaches if n.kind == "breach"}
    new = [d for tid, d in after.items() if tid not in before]
    if new:
        before, new = _continue_redone(conn, instance, before, after, fired_now, new)
    if new:
        conn.execute(START, [_row(instance, d, now, breached=d.fired or d.timer_id in fired_now) for d in new])
    vanished = [n for key, n in fired_now.items() if key not in before and key not in after and n.due_at]
    if vanished:  # fired and gone within one run: a breach all the same
        conn.execute(START, [_breach_row(instance, n, now) for n in vanished])
    stopped: dict[bool, list[str]] = {True: [], False: []}  # breached or met: one statement each
    moved = []
    for tid, (due, fired, *rest) in before.items():
        deadline = after.get(tid)
        if deadline is None:  # left unfired: met, unless its time had passed already (done late)
            stopped[tid in fired_now or datetime.fromisoformat(due) <= now].append(tid)
        elif deadline.fired and not fired:
            stopped[True].append(tid)
        elif deadline.due_at.isoformat() != due or [deadline.exact] != rest[:1]:
            moved.append({"of_instance": instance.id, "timer": tid, "new_due_at": deadline.due_at,
                          "new_exact": deadline.exact})
    if moved:
        conn.execute(MOVE, moved)
    for breached, timer_ids in stopped.items():
        if timer_ids:
            _stop(conn, instance.id, timer_ids, breached=breached, now=now)
    on_no_step = [tid for tid in stopped[True] if tid in after and after[tid].task_id is None]
    if on_no_step:  # late on no step: its lateness ends as it is breached
        _settle(conn, instance.id, on_no_step, now)
    ended = [tid for tid, (due, fired, *_) in before.items() if _lateness_ends(
        after.get(tid), fired or tid in fired_now or datetime.fromisoformat(due) <= now, finished)]
    if ended:  # a fired timer stays in the tree after its step is done: its lateness ends with the step
        _settle(conn, instance.id, ended, now)


def _lateness_ends(deadline: Deadline | None, late: bool, finished: frozenset[str]) -> bool:
    """Whether a late clock's lateness ends in this action: its timer left the tree, or it fired and its
    step is no longer open (a fired timer stays in the tree). A clock on time has none to end."""
    if not late:
        return False
    return deadline is None or (deadline.fired and deadline.task_id in finished)


def _continue_redone(conn, instance, before: dict, after: dict, fired_now: dict, new: list[Deadline]):
    """A step interrupted and entered again in one action (the front desk corrected a complaint's
    urgency while it waited for dispatch) gets a new timer for the same deadline: its clock goes on
    under the new timer, neither met by the interruption nor started again."""
    gone = [tid for tid in before if tid not in after and tid not in fired_now]
    if not gone:
        return before, new
    running = _running_by_element(conn, instance.id, before, gone)
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


def _running_by_element(conn, instance_id: int, before: dict, gone: list[str]) -> dict[str, str]:
    """Element id -> timer id of the clocks of ``gone`` still running. The fingerprint names each clock's
    element, and a timer not fired yet has a running clock (it stops when the timer fires or leaves the
    tree), so no row is read; a fingerprint saved before it named them is answered by the table."""
    if all(len(before[tid]) >= 4 for tid in gone):
        return {before[tid][3]: tid for tid in gone if not before[tid][1]}
    return dict(conn.execute(select(CLOCK.c.element_id, CLOCK.c.timer_id).where(
        CLOCK.c.instance_id == instance_id, CLOCK.c.timer_id.in_(gone), CLOCK.c.met_at.is_(None),
        CLOCK.c.breached_at.is_(None))).all())


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
            "met_at": None, "breached_at": now if breached else None, "exact": d.exact,
            **(lateness(d.due_at, now) if breached and d.task_id is None else UNSETTLED)}


def _breach_row(instance, n: Notice, now: datetime) -> dict:
    due = n.due_at or now
    return {"instance_id": instance.id, "business_key": instance.business_key, "timer_id": n.key, "rule": n.rule,
            "element_id": n.element_id, "element_name": n.name, "task_id": n.attached_task_id,
            "started_at": min(now, due), "due_at": due, "met_at": None, "breached_at": now, "exact": True,
            **lateness(due, now)}


def _stop(conn, instance_id: int, timer_ids: list[str], breached: bool, now: datetime) -> None:
    """End running clocks: breached or met, whichever happened first (a stopped clock stays stopped)."""
    conn.execute(STOP[breached], {"of_instance": instance_id, "timer_ids": timer_ids, "at": now})


def _settle(conn, instance_id: int, timer_ids: list[str], now: datetime) -> None:
    """Write the lateness of the breached clocks among ``timer_ids`` not settled yet: it ends now."""
    rows = conn.execute(select(CLOCK.c.id, CLOCK.c.due_at).where(
        CLOCK.c.instance_id == instance_id, CLOCK.c.timer_id.in_(timer_ids), CLOCK.c.breached_at.is_not(None),
        CLOCK.c.late_until.is_(None))).all()
    for clock_id, due in rows:
        conn.execute(update(CLOCK).where(CLOCK.c.id == clock_id).values(lateness(due, now)))


def lateness(due: datetime, until: datetime) -> dict:
    """The settled lateness columns of a clock due at ``due`` and late until ``until`` (never before its
    due time). Working days are measured on the calendar of the moment; when that cannot tell (a year
    cannot be read), they stay empty and the report measures them when it reads the clock."""
    until = max(until, due)
    try:
        days: float | None = round(business_calendar.current().working_days_between(due, until), 2)
    except ConfigurationError:  # the calendar file went bad: the report measures it with the mended one
        days = None
    return {"late_until": until, "late_days": days, "late_hours": (until - due).total_seconds() / 3600}
