"""Replaying the action an incident kept, in one transaction that also resolves the incident."""
from __future__ import annotations

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.instance_store import Loaded, audit
from runtime.models import InstanceStatus
from runtime.services.progress import advance
from runtime.services.common import in_instance
from runtime.services.incidents import resolve


def replay(rt: Runtime, actor: Actor, instance_id: int, incident_id: int, action: dict, reason: str = "") -> str:
    def body(session, loaded: Loaded):
        kind = action["kind"]
        if kind == "complete":
            name = rt.engine.complete_task(loaded.workflow, action["task_id"], action["data"])
            audit(session, loaded.instance, action["actor"], "task_completed", task_id=action["task_id"],
                  task_name=name, data=action["data"], replayed_by=actor.username)
        elif kind in ("signal", "message"):
            rt.engine.send(loaded.workflow, kind, action["name"], action.get("payload"))
        automatic = advance(rt, session, loaded, actor).names
        loaded.instance.status = InstanceStatus.RUNNING  # save() recomputes it from the engine
        audit(session, loaded.instance, actor.username, "incident_retried", task_id=action.get("task_id"),
              replayed=kind, original_actor=action.get("actor"), automatic=automatic, reason=reason or None)
        resolve(session, loaded.instance, incident_id, actor)
        return loaded.instance

    instance = in_instance(rt, body, instance_id=instance_id, allowed={InstanceStatus.FAILED})
    return instance.status
