"""Firing due timers: the step the worker runs, one instance per transaction."""
from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from runtime.actors import SYSTEM
from runtime.bootstrap import Runtime
from runtime.store.instance_store import Loaded, audit, claim_due
from runtime.services.common import ACTIVE, in_instance
from runtime.services.incidents import guarded
from runtime.services.instances import advance

RUN = {"kind": "run", "actor": SYSTEM.username}


def _fire(rt: Runtime, session, loaded: Loaded) -> int:
    automatic = advance(rt, session, loaded, SYSTEM).names
    if automatic:
        audit(session, loaded.instance, SYSTEM.username, "timers_fired", automatic=automatic)
    return loaded.instance.saved_id


def fire_next_due(rt: Runtime, now: datetime, skip: Set[int] = frozenset()) -> int | None:
    """Claim the instance whose timer is due earliest (and free, and not in ``skip``), fire it,
    commit; its id, or None.

    Any failure becomes an incident (raised as IncidentRaised) that the worker retries with backoff.
    """
    return guarded(rt, RUN, lambda: in_instance(rt, lambda session, loaded: _fire(rt, session, loaded),
                                                find=lambda session: claim_due(session, now, ACTIVE, skip)))
