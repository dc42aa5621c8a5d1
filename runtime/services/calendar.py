"""The business calendar as people see and maintain it: which years are exact, the warning that the
next year's official schedule must be entered, and recomputing the deadlines that were computed on
a provisional year once it has been entered.

Recomputing reuses the migration's rule: each provisional waiting timer is evaluated afresh as of
the moment it started, so the new schedule moves the deadline, not the start of the clock. Each
instance changes in its own transaction, audited with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from runtime import business_calendar, clock
from runtime.store import notifications
from runtime.actors import OWNER_ROLES, Actor, require_any
from runtime.errors import InvalidState
from runtime.bootstrap import Runtime
from runtime.store.instance_store import audit
from runtime.store.models import InstanceStatus, ProcessInstance, Timer
from runtime.services.common import instance_action
from runtime.services.instances import advance
from runtime.services.repair import each, require_reason

RECOMPUTABLE = frozenset({InstanceStatus.RUNNING, InstanceStatus.WAITING, InstanceStatus.SUSPENDED})
NOTICE_ROLES = ("admin", "process_owner")


@dataclass
class RecomputeResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def tell_if_next_year_missing(rt: Runtime) -> bool:
    """From ``WARN_DAYS`` before the last exactly known day, tell administrators and process owners
    (once per year and person) that the next year's schedule must be entered, and how."""
    calendar = business_calendar.current()
    today = clock.now().astimezone(calendar.zone).date()
    if calendar.needs_next_year(today) is None:
        return False
    year = calendar.exact_until.year + 1
    with rt.db.transaction() as session:
        people = [r for role in NOTICE_ROLES for r in notifications.group(session, role, None)]
        notifications.post(session, rt.settings, None, "calendar", str(year), str(year), people,
                           details={"year": year, "exact_until": calendar.exact_until.isoformat()})
    return True


def recompute_provisional(rt: Runtime, actor: Actor, reason: str) -> RecomputeResult:
    """Compute every waiting timer that was due on a provisional calendar year anew, on the calendar
    as it is now (after the official schedule was entered)."""
    require_any(actor, OWNER_ROLES, "recompute deadlines")
    reason = require_reason(reason)
    refused = business_calendar.refresh()
    if refused:
        raise InvalidState(f"the calendar file was refused, so deadlines would be computed on the old one: {refused}")
    with rt.db.reader() as session:
        rows = session.execute(select(Timer.instance_id, Timer.task_id).where(Timer.exact.is_(False))
                               .order_by(Timer.instance_id)).all()
    which: dict[int, set[str]] = {}
    for instance_id, task_id in rows:
        which.setdefault(instance_id, set()).add(task_id)
    done, failed = each(which, lambda instance_id: _recompute(rt, actor, instance_id, which[instance_id], reason))
    return RecomputeResult([_number(rt, i) for i in done], [(_number(rt, i), why) for i, why in failed])


def _recompute(rt: Runtime, actor: Actor, instance_id: int, timers: set[str], reason: str) -> None:
    with instance_action(rt, instance_id=instance_id, allowed=RECOMPUTABLE) as act:
        started = dict(act.session.execute(select(Timer.task_id, Timer.started_at).where(
            Timer.instance_id == instance_id, Timer.task_id.in_(timers))).all())
        recomputed = rt.engine.recompute_timers(act.workflow, {k: v for k, v in started.items() if v}, timers)
        running = act.instance.status != InstanceStatus.SUSPENDED
        automatic = advance(rt, act.session, act.loaded, actor).names if running else []
        audit(act.session, act.instance, actor.username, "timers_recomputed", timers=recomputed, reason=reason,
              automatic=automatic)


def _number(rt: Runtime, instance_id) -> str:
    with rt.db.reader() as session:
        return session.scalar(select(ProcessInstance.business_key).where(ProcessInstance.id == instance_id)) or str(
            instance_id)
