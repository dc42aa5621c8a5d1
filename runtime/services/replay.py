"""Replaying the action an incident kept, in one transaction that also resolves the incident: the
administrator's retry and the worker's automatic retries with backoff.

A replay takes the same path as the original action (``complete_in`` for a completion: the form is
validated and its defaults filled in again), so the process goes on exactly as it would have.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from runtime.actors import REPAIR_ROLES, SYSTEM, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import IncidentRaised, InvalidState, NotFound
from runtime.store.instance_store import Loaded, audit
from runtime.store.db import changed
from runtime.store.models import Incident, InstanceStatus
from runtime.services import forms, prevention
from runtime.services.common import instance_action
from runtime.services.incidents import resolve
from runtime.field_names import INITIATOR, INITIATOR_ROLES
from runtime.services.instances import advance
from runtime.services.tasks import complete_in, open_task

def replay(rt: Runtime, actor: Actor, instance_id: int, incident_id: int, action: dict, reason: str = "") -> str:
    """Replay ``action`` on the failed instance and resolve the incident; if it fails again, the
    incident records one more attempt (IncidentRaised)."""
    kind = action["kind"]
    with instance_action(rt, action=action, instance_id=instance_id, allowed={InstanceStatus.FAILED},
                         start=_start_data(rt, action)) as act:
        automatic: list[str] = []
        if kind == "complete":
            complete_in(rt, act.session, act.loaded, actor, open_task(act.session, action["task_id"]),
                        action["data"], original_actor=action["actor"], replayed_by=actor.username)
        else:
            if kind in ("signal", "message"):
                rt.engine.send(act.workflow, kind, action["name"], action.get("payload"))
            automatic = advance(rt, act.session, act.loaded, actor).names
        act.instance.status = InstanceStatus.RUNNING  # save() recomputes it from the engine
        audit(act.session, act.instance, actor.username, "incident_retried", task_id=action.get("task_id"),
              replayed=kind, original_actor=action.get("actor"), automatic=automatic, reason=reason or None)
        resolve(act.session, act.instance, incident_id, actor)
    return act.instance.status


def _start_data(rt: Runtime, action: dict):
    """For a complaint kept without state (it failed while its first state was written): how to
    start it afresh, from the intake data the incident kept."""
    if action["kind"] != "start":
        return None

    def start(session, loaded: Loaded) -> dict:
        ref = loaded.definition
        data = forms.validate(session, ref.package_id, ref.content_hash, loaded.package.start_form(ref.process_id),
                              dict(action["data"]))
        found = prevention.repeat_of(rt, session, data)  # as at intake: the severity table reads it
        return {**data, INITIATOR: action["actor"], INITIATOR_ROLES: action.get("roles", []),
                **prevention.server_fields(data, found)}
    return start


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
    return replay(rt, actor, instance_id, incident_id, action, reason)


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
        leased = changed(session, update(Incident).where(Incident.id == row.id, Incident.retry_at == row.retry_at)
                                 .values(retry_at=now + LEASE))
    if not leased:
        return False
    try:
        replay(rt, SYSTEM, row.instance_id, row.id, dict(row.action))
    except (IncidentRaised, InvalidState):
        return False
    return True
