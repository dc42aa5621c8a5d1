"""Firing the due timers of one instance: the step the timer worker runs per claimed instance."""
from __future__ import annotations

from runtime.actors import SYSTEM
from runtime.bootstrap import Runtime
from runtime.errors import InvalidState
from runtime.instance_store import Loaded, audit
from runtime.services.progress import advance
from runtime.services.common import in_instance
from runtime.services.incidents import guarded


def fire_timers(rt: Runtime, instance_id: int) -> bool:
    """Run the instance's due timers and whatever follows them; False if it is not active any more.

    A failure becomes an incident on the instance (raised as IncidentRaised).
    """
    def body(session, loaded: Loaded):
        automatic = advance(rt, session, loaded, SYSTEM).names
        if automatic:
            audit(session, loaded.instance, SYSTEM.username, "timers_fired", automatic=automatic)
        return True

    try:
        return guarded(rt, {"kind": "run", "actor": SYSTEM.username},
                       lambda: in_instance(rt, body, instance_id=instance_id))
    except InvalidState:
        return False
