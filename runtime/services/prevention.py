"""What intake does about repeat and collective complaints, in the intake's transaction: before the
process runs, whether the complaint repeats an earlier one (the severity table reads it); once it is
stored, the link to that one and the collective case it opens or joins.

Only complaints take part (their data has a category): the collective case's own process does not.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from runtime import prevention_policy
from runtime.actors import Actor
from runtime.bootstrap import Runtime
from runtime.services import collective, repeats
from runtime.store.instance_store import InstanceRow, audit


def policy(rt: Runtime) -> prevention_policy.Policy:
    return prevention_policy.load(rt.settings.processes_dir)


def _is_complaint(data: dict) -> bool:
    return bool(data.get("category"))


def repeat_of(rt: Runtime, session: Session, data: dict) -> repeats.Repeat | None:
    """The earlier complaint this one repeats, if it is a complaint. Raises ConfigurationError."""
    return repeats.find(session, policy(rt), data) if _is_complaint(data) else None


def server_fields(data: dict, found: repeats.Repeat | None) -> dict:
    """``repeat_complaint`` and ``repeat_of`` for a complaint's process (nothing for other processes)."""
    return repeats.fields(found) if _is_complaint(data) else {}


def after_intake(rt: Runtime, session: Session, actor: Actor, instance: InstanceRow, data: dict,
                 found: repeats.Repeat | None, start: Callable) -> None:
    """Link the stored complaint to the one it repeats, then open or join a collective case."""
    if not _is_complaint(data):
        return
    if found is not None:
        repeats.link(session, instance.saved_id, found)
        audit(session, instance, actor.username, "repeat_linked", repeat_of=found.number, by=list(found.by))
    site = str(data.get("location") or "").strip()
    if site:
        intake = collective.Intake(instance.saved_id, instance.business_key, site, data.get("category"),
                                   str(data.get("description") or ""), collective.customer_key(data))
        collective.consider(rt, session, actor, policy(rt), intake, start)
