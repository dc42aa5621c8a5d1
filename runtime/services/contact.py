"""Revealing a complainant's contact data to a role that sees it masked: allowed, and audited."""
from __future__ import annotations

from runtime import masking
from runtime.read import queries
from runtime.actors import Actor, require_any
from runtime.bootstrap import Runtime
from runtime.errors import InstanceNotFound
from runtime.store.instance_store import audit, lock
from runtime.services.events import SENDER_ROLES


def reveal_contact(rt: Runtime, actor: Actor, number: str) -> dict:
    """The unmasked contact fields of complaint ``number``; the reveal is written to its audit log."""
    require_any(actor, SENDER_ROLES, "see complainants' contact data")
    view = queries.complaint(rt, number, actor)
    if view is None:
        raise InstanceNotFound(f"no complaint {number}", number=number)
    revealed = {name: view.record.get(name) for name in masking.CONTACT_FIELDS if view.record.get(name)}
    with rt.db.transaction() as session:
        audit(session, lock(session, business_key=number), actor.username, "contact_revealed",
              fields=sorted(revealed))
    return revealed
