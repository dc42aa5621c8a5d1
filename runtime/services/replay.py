"""Replaying the action an incident kept, in one transaction that also resolves the incident.

A replay takes the same path as the original action (``complete_in`` for a completion: the form is
validated and its defaults filled in again), so the process goes on exactly as it would have.
"""
from __future__ import annotations

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.instance_store import Loaded, audit
from runtime.models import InstanceStatus
from runtime.services import forms
from runtime.services.common import in_instance
from runtime.services.incidents import resolve
from runtime.services.progress import advance
from runtime.services.tasks import complete_in, open_task

INITIATOR = "initiator"


def replay(rt: Runtime, actor: Actor, instance_id: int, incident_id: int, action: dict, reason: str = "") -> str:
    def body(session, loaded: Loaded):
        kind = action["kind"]
        automatic: list[str] = []
        if kind == "complete":
            complete_in(rt, session, loaded, actor, open_task(session, action["task_id"]), action["data"],
                        original_actor=action["actor"], replayed_by=actor.username)
        else:
            if kind in ("signal", "message"):
                rt.engine.send(loaded.workflow, kind, action["name"], action.get("payload"))
            automatic = advance(rt, session, loaded, actor).names
        loaded.instance.status = InstanceStatus.RUNNING  # save() recomputes it from the engine
        audit(session, loaded.instance, actor.username, "incident_retried", task_id=action.get("task_id"),
              replayed=kind, original_actor=action.get("actor"), automatic=automatic, reason=reason or None)
        resolve(session, loaded.instance, incident_id, actor)
        return loaded.instance

    instance = in_instance(rt, body, instance_id=instance_id, allowed={InstanceStatus.FAILED},
                           start=_start_data(action))
    return instance.status


def _start_data(action: dict):
    """For a complaint kept without state (it failed while its first state was written): how to
    start it afresh, from the intake data the incident kept."""
    if action["kind"] != "start":
        return None

    def start(session, loaded: Loaded) -> dict:
        ref = loaded.definition
        data = forms.validate(session, ref.package_id, ref.content_hash, loaded.package.start_form(ref.process_id),
                              dict(action["data"]))
        return {**data, INITIATOR: action["actor"]}
    return start
