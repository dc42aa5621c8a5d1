"""Failed steps become incidents: the action is rolled back, the instance stops at the failing task,
and the action itself is kept so it can be replayed once the cause is fixed.

The worker replays it automatically with exponential backoff (``retry_attempts`` attempts in all,
default 3: a partner system that is down for a minute heals itself); after the last attempt the
incident waits for an administrator, who is notified, and whose retry replays the same action
(``runtime.services.replay``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from runtime import clock
from runtime.store import notifications
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.errors import ExecutionFailed, IncidentRaised
from runtime.store.instance_store import InstanceRow, audit, lock, write_row
from runtime.store.models import Incident, InstanceStatus


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


def resolve(session, instance: InstanceRow, incident_id: int, actor: Actor) -> None:
    incident = session.get(Incident, incident_id)
    incident.resolved_at, incident.resolved_by, incident.retry_at = clock.now(), actor.username, None
    audit(session, instance, actor.username, "incident_resolved", task_id=incident.task_id,
          task_name=incident.task_name, incident=incident_id)
