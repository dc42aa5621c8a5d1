"""Letting an instance run on after an action, and acting on what the engine reported.

Every service runs the engine through ``advance``: automatic steps run, missed deadlines (timers
marked ``slaRule``) are kept as notices (told to people, and stopping their ``sla_clock`` row, at
save), and messages the instance throws to the outside are acted on in the same transaction, e.g.
``reopen_complaint`` starts a new, linked complaint.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.engine import RunReport
from runtime.instance_store import Loaded, audit

REOPEN = "reopen_complaint"


def advance(rt: Runtime, session: Session, loaded: Loaded, actor: Actor) -> RunReport:
    """Run the engine on a stored instance and act on its report."""
    report = rt.engine.run(loaded.workflow)
    act_on(rt, session, loaded, actor, report)
    loaded.notices.extend(report.notices)
    if report.folded:
        audit(session, loaded.instance, actor.username, "reminders_folded",
              timers={element: missed for element, missed in report.folded})
    return report


def act_on(rt: Runtime, session: Session, loaded: Loaded, actor: Actor, report: RunReport) -> None:
    """Handle thrown messages (the instance row must exist); missed deadlines are recorded by the
    ``sla_clock`` projection at save."""
    for name, payload in report.messages:
        if name == REOPEN:
            _reopen(rt, session, loaded, actor, payload)
        else:
            audit(session, loaded.instance, actor.username, "message_unhandled", name=name)


def _reopen(rt: Runtime, session: Session, loaded: Loaded, actor: Actor, payload: Any) -> None:
    """An unsatisfied customer: a new complaint with the same record, linked both ways in the audit."""
    from runtime.services.instances import new_business_key, start_in  # instances call advance too

    data = dict(payload or {})
    owner = Actor(str(data.pop("owner", None) or actor.username))
    data.update(reopened_from=loaded.instance.business_key)
    key = new_business_key()
    started = start_in(rt, session, owner, loaded.definition.process_id, key, data)
    audit(session, loaded.instance, actor.username, "reopened_as", reopened_as=key)
    audit(session, started.instance, owner.username, "reopened_from", reopened_from=loaded.instance.business_key)
