"""Firing due timers: the step the worker runs, one instance per transaction."""
from __future__ import annotations

from collections.abc import Set
from datetime import datetime

from runtime.actors import SYSTEM
from runtime.bootstrap import Runtime
from runtime.store.due_claims import claim_due
from runtime.store.instance_store import audit
from runtime.services.common import ACTIVE, claimed_action
from runtime.services.instances import advance

RUN = {"kind": "run", "actor": SYSTEM.username}


def fire_next_due(rt: Runtime, now: datetime, skip: Set[int] = frozenset()) -> int | None:
    """Claim the instance whose timer is due earliest (and free, and not in ``skip``), fire it,
    commit; its id, or None.

    Any failure becomes an incident (raised as IncidentRaised) that the worker retries with backoff.
    """
    with claimed_action(rt, RUN, lambda session: claim_due(session, now, ACTIVE, skip)) as act:
        if act is None:
            return None
        automatic = advance(rt, act.session, act.loaded, SYSTEM).names
        if automatic:
            audit(act.session, act.instance, SYSTEM.username, "timers_fired", automatic=automatic)
    return act.instance.saved_id
