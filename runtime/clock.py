"""The one clock every part of complaintflow reads.

SpiffWorkflow reads the wall clock directly when it evaluates timers; ``runtime.engine`` points it
at ``now()`` here, so tests and the process scenarios can move time forward without sleeping.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

_lock = threading.Lock()
_frozen: datetime | None = None


def now() -> datetime:
    """Current time as an aware UTC datetime (the frozen time when a test has set one)."""
    frozen = _frozen
    return frozen if frozen is not None else datetime.now(timezone.utc)


def freeze(at: datetime) -> None:
    """Stop the clock at ``at`` (aware); used by tests and the process scenarios."""
    if at.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    global _frozen
    with _lock:
        _frozen = at.astimezone(timezone.utc)


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
