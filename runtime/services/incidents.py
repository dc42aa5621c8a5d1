"""Failed steps become incidents: the action is rolled back, the instance stops at the failing task,
and the action itself is kept so it can be replayed once the cause is fixed.

The worker replays it automatically with exponential backoff (``retry_attempts`` attempts in all,
default 3: a partner system that is down for a minute heals itself); after the last attempt the
incident waits for an administrator, who is notified, and whose retry replays the same action.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select, update

from runtime import clock, notifications
from runtime.actors import REPAIR_ROLES, SYSTEM, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import ExecutionFailed, IncidentRaised, InvalidState, NotFound
from runtime.instance_store import InstanceRow, audit, lock, write_row
from runtime.models import Incident, InstanceStatus


def guarded(rt: Runtime, action: dict[str, Any], act: Callable[[], Any]) -> Any:
    """Run ``act`` (one transaction); if the process fails, record an incident and raise IncidentRaised."""
    try:
        return act()
    except ExecutionFailed as err:
        raise record(rt, err.instance_id, err, action) from err


def record(rt: Runtime, instance_id: int, err: ExecutionFailed, action: dict[str, Any]) -> IncidentRaised:
    """In a fresh transaction, mark the instance failed at the task and keep the action to replay."""
    with rt.db.transaction() as session:
        instance = lock(session, instance_id=instance_id)
        incident = session.scalar(select(Incident).where(Incident.instance_id == instance_id,
                                                         Incident.resolved_at.is_(None)))
        if incident is None:
            incident = Incident(instance_id=instance_id, created_at=clock.now(), action=action, message="", attempts=0)
            session.add(incident)
        incident.task_id, incident.task_name, incident.message = err.task_id, err.task_name, err.message
        incident.attempts += 1
        incident.retry_at = _next_attempt(rt, incident.attempts)
        if instance.status != InstanceStatus.FAILED:
            instance.status = InstanceStatus.FAILED
            instance.updated_at = clock.now()
            write_row(session, instance)
        session.flush()
        audit(session, instance, action.get("actor", "system"), "incident", task_id=err.task_id,
              task_name=err.task_name, message=err.message, incident=incident.id, attempts=incident.attempts,
              retry_at=incident.retry_at.isoformat() if incident.retry_at else None)
        if incident.retry_at is None:
            notifications.post(session, rt.settings, instance, "incident", f"{incident.id}:{incident.attempts}",
                               err.task_name or instance.business_key, notifications.group(session, "admin", None),
                               details={"message": err.message[:500], "incident": incident.id})
        return IncidentRaised(f"step '{err.task_name or '?'}' failed: {err.message}; {_outlook(incident)}",
                              incident.id, err.task_name, instance.business_key, instance.id)


def _next_attempt(rt: Runtime, attempts: int) -> datetime | None:
    if attempts >= rt.settings.retry_attempts:
        return None
    return clock.now() + timedelta(seconds=rt.settings.retry_delay(attempts))


def _outlook(incident: Incident) -> str:
    if incident.retry_at is None:
        return f"stopped after {incident.attempts} attempt(s); an administrator must retry it"
    return f"retrying automatically at {incident.retry_at:%Y-%m-%d %H:%M:%S} UTC (attempt {incident.attempts + 1})"


def retry_incident(rt: Runtime, actor: Actor, incident_id: int, reason: str = "") -> str:
    """Replay the failed action; on success the incident closes and the instance runs on.

    ``reason`` (the administrator's note on what was fixed) goes into the audit log. Returns the
    instance's new status. Raises IncidentRaised again if the cause is not fixed.
    """
    require_any(actor, REPAIR_ROLES, "retry incidents")
    with rt.db.reader() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        if incident.resolved_at is not None:
            raise InvalidState(f"incident {incident_id} was already resolved by {incident.resolved_by}")
        instance_id, action = incident.instance_id, dict(incident.action)
    return guarded(rt, action, lambda: replay_incident(rt, actor, instance_id, incident_id, action, reason))


LEASE = timedelta(minutes=5)


def retry_next_due(rt: Runtime, now: datetime) -> bool | None:
    """Replay the earliest incident whose automatic retry is due; None when there is none.

    The incident is leased first (its retry time pushed out, compare-and-set), so of several
    workers exactly one replays it; a worker killed mid-replay leaves the lease to run out.
    """
    with rt.db.transaction() as session:
        row = session.execute(select(Incident.id, Incident.instance_id, Incident.action, Incident.retry_at)
                              .where(Incident.resolved_at.is_(None), Incident.retry_at <= now)
                              .order_by(Incident.retry_at).limit(1)).first()
        if row is None:
            return None
        leased = session.execute(update(Incident).where(Incident.id == row.id, Incident.retry_at == row.retry_at)
                                 .values(retry_at=now + LEASE)).rowcount
    if not leased:
        return False
    try:
        guarded(rt, dict(row.action), lambda: replay_incident(rt, SYSTEM, row.instance_id, row.id, dict(row.action)))
    except (IncidentRaised, InvalidState):
        return False
    return True


def replay_incident(rt: Runtime, actor: Actor, instance_id: int, incident_id: int, action: dict,
                    reason: str = "") -> str:
    from runtime.services.replay import replay  # the replays call the other services

    return replay(rt, actor, instance_id, incident_id, action, reason)


def resolve(session, instance: InstanceRow, incident_id: int, actor: Actor) -> None:
    incident = session.get(Incident, incident_id)
    incident.resolved_at, incident.resolved_by, incident.retry_at = clock.now(), actor.username, None
    audit(session, instance, actor.username, "incident_resolved", task_id=incident.task_id,
          task_name=incident.task_name, incident=incident_id)
