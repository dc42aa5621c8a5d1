"""The administrators' repairs on running complaints that the staff services do not cover: move an
instance to another user task (go back or skip, Camunda's modification), send a signal with a
reason, and the batch versions of retry, suspend, resume and signal over a filtered list.

Every repair needs a reason, which goes into the audit event with who did it. A batch runs each
instance in its own transaction, so one instance that cannot be changed leaves the others done.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from runtime.read import monitoring
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import ComplaintflowError, ExecutionFailed, InstanceNotFound, InvalidInput, InvalidState
from runtime.store import sla_clocks
from runtime.store.instance_store import audit
from runtime.store.models import Incident, InstanceStatus, ProcessInstance
from runtime.services.common import ACTIVE, check_data, instance_action
from runtime.services.events import deliver_to
from runtime.services import forms
from runtime.services.replay import retry_incident
from runtime.services.instances import resume, suspend
from runtime.services.instances import act_on

BATCH_LIMIT = 1000
BATCH_ACTIONS = ("retry", "suspend", "resume", "signal")


def require_reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise InvalidInput("a reason is required", field_errors={"reason": "required"})
    return reason.strip()[:500]


def move_instance(rt: Runtime, actor: Actor, business_key: str, element_id: str, reason: str,
                  data: dict | None = None, expected_version: int | None = None) -> dict:
    """Move the instance to user task ``element_id``: back to it if it was done before (what came
    after is undone), else forward by skipping the user tasks in the way (``data`` is added to
    each, e.g. the field a gateway after them decides on). All or nothing.

    Returns {"how": "back" | "skip", "steps": [...]}.
    """
    require_any(actor, REPAIR_ROLES, "move instances to another task")
    reason = require_reason(reason)
    data = check_data(data or {}, rt.functions)

    with instance_action(rt, business_key=business_key, allowed=ACTIVE | {InstanceStatus.SUSPENDED},
                         expected_version=expected_version) as act:
        ref = act.loaded.definition
        form_defaults = lambda props: forms.defaults(act.session, ref.package_id, ref.content_hash,  # noqa: E731
                                                     props.get("formJsonSchemaFilename"))
        try:
            how, steps, report = rt.engine.move_to(act.workflow, element_id, data, form_defaults)
        except ExecutionFailed as e:
            raise InvalidInput(f"the move stops at '{e.task_name}': {e.message}; nothing was changed. "
                               "Give the fields it needs in the data.", field_errors={"data": e.message}) from None
        if how == "back":
            sla_clocks.archive_stopped(act.session.connection(), act.instance.saved_id)
        act_on(rt, act.session, act.loaded, actor, report)
        act.loaded.notices.extend(report.notices)
        audit(act.session, act.instance, actor.username, "moved", task_name=element_id, how=how, steps=steps,
              data=data, reason=reason, automatic=report.names)
    return {"how": how, "steps": steps}


def signal_instance(rt: Runtime, actor: Actor, business_key: str, name: str, reason: str) -> str:
    """An administrator sends signal ``name`` (e.g. media exposure) to one instance, with a reason."""
    require_any(actor, REPAIR_ROLES, "send signals from the console")
    reason = require_reason(reason)
    if not name or not name.strip():
        raise InvalidInput("the signal needs a name", field_errors={"signal": "required"})
    with rt.db.reader() as session:
        instance_id = session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == business_key))
    if instance_id is None:
        raise InstanceNotFound(f"no process instance {business_key}", number=business_key)
    return deliver_to(rt, actor, instance_id, "signal", name.strip(),
                      {"reason": reason, "sent_by": actor.username})


@dataclass
class BatchResult:
    action: str
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (number, why)
    skipped: int = 0  # past BATCH_LIMIT


def batch(rt: Runtime, actor: Actor, action: str, flt: monitoring.InstanceFilter, reason: str,
          signal: str | None = None) -> BatchResult:
    """Apply ``action`` (retry | suspend | resume | signal) to every instance the filter lists.

    Each instance is its own transaction; what fails is listed with its reason.
    """
    require_any(actor, REPAIR_ROLES, f"{action} instances in a batch")
    if action not in BATCH_ACTIONS:
        raise InvalidInput(f"unknown batch action '{action}'; one of: {', '.join(BATCH_ACTIONS)}",
                           field_errors={"action": action})
    reason = require_reason(reason)
    numbers, total = monitoring.numbers(rt, actor, flt, BATCH_LIMIT)
    done, failed = each(numbers, lambda number: _one(rt, actor, action, number, reason, signal))
    return BatchResult(action, done, failed, skipped=max(0, total - len(numbers)))


def each(numbers, act) -> tuple[list[str], list[tuple[str, str]]]:
    """Run ``act`` for every complaint number (each its own transaction); returns the numbers it
    worked for and, for the others, why not. One instance that cannot be changed stops no other."""
    done, failed = [], []
    for number in numbers:
        try:
            act(number)
            done.append(number)
        except ComplaintflowError as e:
            failed.append((number, e.message))
    return done, failed


def _one(rt, actor, action, number, reason, signal) -> None:
    if action == "suspend":
        suspend(rt, actor, number, reason)
    elif action == "resume":
        resume(rt, actor, number, reason)
    elif action == "signal":
        signal_instance(rt, actor, number, signal or "", reason)
    else:
        retry_incident(rt, actor, _open_incident(rt, number), reason)


def _open_incident(rt: Runtime, number: str) -> int:
    with rt.db.reader() as session:
        incident = session.scalar(select(Incident.id).join(ProcessInstance)
                                  .where(ProcessInstance.business_key == number, Incident.resolved_at.is_(None)))
    if incident is None:
        raise InvalidState(f"{number} has no open incident")
    return incident
