"""The worker's claim of the next instance with a due timer, as one indexed statement per try.

Kept apart from ``instance_store`` (rows, load and save): it is the sweep's own hot path, tuned per
database, and shares nothing with an action but the instance row it returns.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, true
from sqlalchemy.orm import Session

from runtime.store.instance_store import INSTANCE, TIMER, InstanceRow

CLAIM_WINDOW = 100


def claim_due(session: Session, now: datetime, statuses, skip=frozenset()) -> InstanceRow | None:
    """Lock the instance with the earliest timer due before ``now`` that no other transaction holds.

    The due timers are read in windows straight off the ``timer.due_at`` index (a LIMITed subquery
    the planner cannot turn around), so the cost does not grow with the number of instances
    waiting on later timers. Each window row's instance is looked up by primary key and locked
    with ``FOR NO KEY UPDATE SKIP LOCKED`` on PostgreSQL: workers never wait
    for each other or for a user action; an instance a user is changing is picked up once they
    commit, and then fires on the new state. SQLite's single writer needs no skipping. When a
    whole window is held or inactive (suspended, failed, or in ``skip``: failed in this sweep), the
    next window is read (keyset paging).
    """
    conn = session.connection()
    values: dict[str, Any] = {"now": now, "skip": list(skip)}
    while True:
        claim, seen_query = _claim_statements(conn.dialect.name, frozenset(statuses), bool(skip), "after_id" in values)
        row = conn.execute(claim, values).mappings().first()
        if row is not None:
            return InstanceRow(**row)
        seen = conn.execute(seen_query, values).all()
        if len(seen) < CLAIM_WINDOW:
            return None
        values["after_due"], values["after_id"] = seen[-1]


@lru_cache(maxsize=16)
def _claim_statements(dialect: str, statuses: frozenset, skipping: bool, paged: bool):
    """The claim and its window's keys, built once (bound parameters): building the statement anew
    cost more Python time per firing (1 ms) than PostgreSQL spends running it."""
    window = select(TIMER.c.id, TIMER.c.instance_id, TIMER.c.due_at).where(TIMER.c.due_at < bindparam("now"))
    if paged:
        after_due = bindparam("after_due", type_=TIMER.c.due_at.type)
        window = window.where(or_(TIMER.c.due_at > after_due,
                                  and_(TIMER.c.due_at == after_due, TIMER.c.id > bindparam("after_id"))))
    page = window.order_by(TIMER.c.due_at, TIMER.c.id).limit(CLAIM_WINDOW).subquery()
    active = and_(INSTANCE.c.status.in_(sorted(statuses)),
                  INSTANCE.c.id.not_in(bindparam("skip", expanding=True)) if skipping else true())
    seen = select(page.c.due_at, page.c.id).order_by(page.c.due_at, page.c.id)
    return _claim_in(dialect, page, active), seen


def _claim_in(dialect: str, page, active):
    """The first instance of the window (in due order) that is active and free, locked.

    On PostgreSQL each window row, in due order, looks its instance up by primary key and locks it, or
    skips it when another transaction holds it (a locking LATERAL subquery, which the planner can neither
    flatten nor reorder); the scan stops at the first instance it could lock: one index walk and a few key
    lookups, whatever the statistics say. A plain join let the planner, misled by statistics lagging
    behind a burst of new instances, hash every active instance for every claim (0.65 ms instead of
    0.15 ms with 1,300 active, and growing with them). SQLite has no LATERAL, and needs no locks.
    """
    if dialect != "postgresql":
        return (select(INSTANCE).join(page, page.c.instance_id == INSTANCE.c.id).where(active)
                .order_by(page.c.due_at, page.c.id).limit(1))
    one = (select(INSTANCE).where(INSTANCE.c.id == page.c.instance_id, active)
           .with_for_update(key_share=True, skip_locked=True).lateral("claimed"))
    return select(*one.c).select_from(page).join(one, true()).order_by(page.c.due_at, page.c.id).limit(1)
