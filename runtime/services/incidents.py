"""Failed steps become incidents: the action is rolled back, the instance stops at the failing task,
and the action itself is kept so an administrator can replay it once the cause is fixed."""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import select

from runtime import clock
from runtime.actors import REPAIR_ROLES, Actor, require_any
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
            incident = Incident(instance_id=instance_id, created_at=clock.now(), action=action, message="")
            session.add(incident)
        incident.task_id, incident.task_name, incident.message = err.task_id, err.task_name, err.message
        if instance.status != InstanceStatus.FAILED:
            instance.status = InstanceStatus.FAILED
            instance.updated_at = clock.now()
            write_row(session, instance)
        session.flush()
        audit(session, instance, action.get("actor", "system"), "incident", task_id=err.task_id,
              task_name=err.task_name, message=err.message, incident=incident.id)
        return IncidentRaised(f"step '{err.task_name or '?'}' failed: {err.message}", incident.id, err.task_name)


def retry_incident(rt: Runtime, actor: Actor, incident_id: int) -> str:
    """Replay the failed action; on success the incident closes and the instance runs on.

    Returns the instance's new status. Raises IncidentRaised again if the cause is not fixed.
    """
    from runtime.services.replay import replay  # the replays call the other services

    require_any(actor, REPAIR_ROLES, "retry incidents")
    with rt.db.reader() as session:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise NotFound(f"no incident {incident_id}")
        if incident.resolved_at is not None:
            raise InvalidState(f"incident {incident_id} was already resolved by {incident.resolved_by}")
        instance_id, action = incident.instance_id, dict(incident.action)
    return guarded(rt, action, lambda: replay(rt, actor, instance_id, incident_id, action))


def resolve(session, instance: InstanceRow, incident_id: int, actor: Actor) -> None:
    incident = session.get(Incident, incident_id)
    incident.resolved_at, incident.resolved_by = clock.now(), actor.username
    audit(session, instance, actor.username, "incident_resolved", task_id=incident.task_id,
          task_name=incident.task_name, incident=incident_id)
