"""The one clock every part of complaintflow reads.

SpiffWorkflow reads the wall clock directly when it evaluates timers; ``runtime.engine`` points it
at ``now()`` here, so tests and the process scenarios can move time forward without sleeping.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, UTC

_lock = threading.Lock()
_frozen: datetime | None = None
_local = threading.local()


def now() -> datetime:
    """Current time as an aware UTC datetime (the frozen time when a test has set one)."""
    moment = getattr(_local, "as_of", None) or _frozen
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def as_of(moment: datetime):
    """Read ``moment`` as now in this thread only, e.g. to compute a timer as of the time it started
    when a migration gives it a new expression."""
    before = getattr(_local, "as_of", None)
    _local.as_of = moment.astimezone(UTC)
    try:
        yield
    finally:
        _local.as_of = before


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (aware); used by tests and the process scenarios."""
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    global _frozen
    with _lock:
        _frozen = at.astimezone(UTC)


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward and return the new time."""
    global _frozen
    with _lock:
        if _frozen is None:
            raise RuntimeError("advance() needs a frozen clock; call freeze() first")
        _frozen = _frozen + delta
        return _frozen


def unfreeze() -> None:
    """Go back to the real wall clock."""
    global _frozen
    with _lock:
        _frozen = None
