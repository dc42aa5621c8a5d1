"""Signals and messages from outside (the inbox, the API, partner systems) to waiting instances.

Receivers are found through the ``waiting_event`` projection, never by loading instances; each
receiving instance is changed in its own transaction, so one failing instance cannot block others.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from runtime import clock
from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import PermissionDenied, IncidentRaised, InvalidInput, InvalidState, NotFound
from runtime.read.visibility import require_read
from runtime.store.instance_store import audit, definition, lock
from runtime.store.packages import load_package
from runtime.store.models import HumanTask, ProcessInstance, WaitingEvent
from runtime.services.instances import advance
from runtime.services.common import instance_action
from runtime.roles import ROLE_CODES

# Everyone who works on complaints may report what happened to one (media exposure, casualties,
# a customer's reply); process owners edit diagrams and do not act on running complaints.
SENDER_ROLES = frozenset(ROLE_CODES) - {"process_owner"}
# What the people working on complaints may report, on the pages and through the API alike; any other
# signal is an administrator's repair (the console, with a reason).
REPORTABLE_SIGNALS = ("media_exposure", "casualties")


def send_signal(rt: Runtime, actor: Actor, name: str, payload: Any = None,
                business_key: str | None = None) -> list[str]:
    """Deliver signal ``name`` to one instance (``business_key``) or to every instance waiting for it.

    Returns the business keys that caught it. With a business key, an instance that does not wait
    for the signal raises InvalidState.
    """
    return _deliver(rt, actor, "signal", name, payload, business_key)


def send_message(rt: Runtime, actor: Actor, name: str, business_key: str, payload: Any = None) -> list[str]:
    """Deliver message ``name`` to the one instance ``business_key`` (messages are always addressed)."""
    if not business_key:
        raise InvalidInput("a message needs the business key of the instance it is for")
    return _deliver(rt, actor, "message", name, payload, business_key)


# The front desk corrects a complaint's urgency (dispatch in 5 or 20 minutes) while it waits for
# dispatch: a message the diagram catches on that step (complaint.bpmn, ``urgency_corrected``).
URGENCY_MESSAGE = "urgency_corrected"
URGENCY_DEADLINE = "dispatch_20_minutes"  # the rule of the deadline a correction recomputes
URGENCY_ROLES = frozenset({"front_desk", "cs_manager", "duty_manager", "site_manager", "admin"})


def may_correct_urgency(actor: Actor, owner: str | None) -> bool:
    return actor.username == owner or bool(actor.roles & URGENCY_ROLES)


def dispatch_missed(tasks, now) -> bool:
    """Whether the dispatch deadline of these open tasks has passed: a correction would then come
    too late (the reminder has gone out), so it is neither offered nor taken."""
    return any(t.due_rule == URGENCY_DEADLINE and t.due_at is not None and t.due_at <= now for t in tasks)


def correct_urgency(rt: Runtime, actor: Actor, business_key: str, urgent: object) -> None:
    """Record the front desk's judgement that the complaint must (or need not) be dispatched at once;
    the dispatch deadline is counted again from the reception time. Only its owner or the roles
    that dispatch may; refused once it has been dispatched."""
    if not isinstance(urgent, bool):
        raise InvalidInput("say whether it must be dispatched at once: urgent is true or false",
                           field_errors={"urgent": "must be true or false"})
    with rt.db.reader() as session:
        instance = lock(session, business_key=business_key, for_update=False)
        require_read(session, actor, instance.id, instance.owner, business_key)
        missed = dispatch_missed(session.execute(select(HumanTask.due_rule, HumanTask.due_at)
                                                 .where(HumanTask.instance_id == instance.id)).all(), clock.now())
    if not may_correct_urgency(actor, instance.owner):
        raise PermissionDenied(f"{actor.username} may not correct the urgency of {business_key} "
                               "(its owner, the front desk and the managers may)")
    if missed:
        raise InvalidState(f"the dispatch deadline of {business_key} has passed already: dispatch it now")
    try:
        _deliver(rt, actor, "message", URGENCY_MESSAGE, {"urgent": urgent, "by": actor.username}, business_key)
    except NotFound:
        raise InvalidState(f"{business_key} follows an earlier version of the procedure, which has no urgency "
                           "correction") from None
    except InvalidState:
        raise InvalidState(f"{business_key} has been dispatched already; its urgency can be corrected only "
                           "while it waits for dispatch") from None


def deliver_to(rt: Runtime, actor: Actor, instance_id: int, kind: str, name: str, payload: Any) -> str:
    action = {"kind": kind, "name": name, "payload": payload, "actor": actor.username}
    with instance_action(rt, action=action, instance_id=instance_id) as act:
        rt.engine.send(act.workflow, kind, name, payload)
        automatic = advance(rt, act.session, act.loaded, actor).names
        audit(act.session, act.instance, actor.username, f"{kind}_received", name=name, payload=payload,
              automatic=automatic)
    return act.instance.business_key


def _deliver(rt, actor, kind, name, payload, business_key) -> list[str]:
    require_any(actor, SENDER_ROLES, f"send a {kind} to complaints")
    if not name or not isinstance(name, str):
        raise InvalidInput(f"the {kind} needs a name")
    if business_key:  # a person reporting on one complaint must be one who may see it
        with rt.db.reader() as session:
            instance = lock(session, business_key=business_key, for_update=False)
            require_read(session, actor, instance.id, instance.owner, business_key)
            ref = definition(rt, session, instance.definition_id)
            declared = load_package(rt, session, ref.package_id, ref.content_hash).declared_events(ref.process_id)
    if kind == "signal" and name not in REPORTABLE_SIGNALS and not actor.is_admin:
        raise PermissionDenied(f"{actor.username} may report only {', '.join(REPORTABLE_SIGNALS)}; "
                               f"'{name[:60]}' is for an administrator")
    if business_key and (kind, name) not in declared:
        raise NotFound(f"the procedure of {business_key} has no {kind} named '{name[:60]}'")
    receivers = _receivers(rt, kind, name, business_key)
    if business_key and not receivers:
        raise InvalidState(f"{business_key} is not waiting for the {kind} '{name}' at the step it is at now "
                           "(it has ended, or already follows the procedure that leads to)")
    caught = []
    for instance_id in receivers:
        try:
            caught.append(deliver_to(rt, actor, instance_id, kind, name, payload))
        except (InvalidState, IncidentRaised):
            if business_key:
                raise
    return caught


def _receivers(rt: Runtime, kind: str, name: str, business_key: str | None) -> list[int]:
    query = (select(WaitingEvent.instance_id).join(ProcessInstance, ProcessInstance.id == WaitingEvent.instance_id)
             .where(WaitingEvent.kind == kind, WaitingEvent.name == name).order_by(WaitingEvent.instance_id))
    if business_key:
        query = query.where(ProcessInstance.business_key == business_key)
    with rt.db.reader() as session:
        return list(session.scalars(query))
