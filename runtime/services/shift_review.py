"""Starting the review of each shift (001: 接班后的前30分钟梳理三天前仍未关闭的投诉): the worker asks
once per sweep; inside a shift's review window (its first ``review_minutes``, see
``processes/shifts.toml``) the duty managers get one ``shift_review`` instance, numbered after the
shift by its start (``SR-20261203-0800``). The number is unique in ``process_instance``, so several workers, or a
worker restarted within the window, start it once; when nothing is old enough to review, none is
started (and the next sweeps of the window look again).
"""
from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from runtime import shifts
from runtime.actors import SYSTEM
from runtime.bootstrap import Runtime
from runtime.errors import Conflict
from runtime.store.instance_store import newest_definition
from runtime.store.models import OPEN_STATUSES, ComplaintRecord, ProcessInstance
from runtime.read.shift_review import cutoff
from runtime.services.instances import start_in

PROCESS = "shift_review"
log = logging.getLogger(__name__)
_loaded: dict[Path, tuple[float, shifts.ShiftSettings | None]] = {}
# (database, review number) known to exist: the rest of its window costs no query. Holds one entry
# per shift the process ran through (two a day with the bundled settings).
_started: set[tuple[str, str]] = set()


def settings_of(rt: Runtime) -> shifts.ShiftSettings | None:
    """The shift settings, read again when the file changes. Raises ConfigurationError."""
    path = rt.settings.processes_dir / shifts.FILE_NAME
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    cached = _loaded.get(path)
    if cached is None or cached[0] != mtime:
        cached = _loaded[path] = (mtime, shifts.load(path))
    return cached[1]


def review_number(shift: shifts.Shift, start: datetime) -> str:
    return f"SR-{start:%Y%m%d-%H%M}"  # the shift by its start: a number, in no language


def start_due(rt: Runtime, now: datetime) -> str | None:
    """Start the review of the shift whose window holds ``now``, unless it exists, nothing is old
    enough or no review process is deployed; its number, or None. Raises ConfigurationError."""
    settings = settings_of(rt)
    found = settings.reviewing(now, ZoneInfo(rt.settings.timezone)) if settings else None
    if settings is None or found is None:
        return None
    shift, start = found
    key = review_number(shift, start)
    before = cutoff(now, settings.older_than_days)
    data = {"shift_name": shift.name, "shift_starts_at": start.isoformat(), "review_minutes": settings.review_minutes,
            "review_before": before.isoformat()}
    if (rt.settings.database_url, key) in _started:
        return None
    with rt.db.reader() as session:  # most sweeps of a window stop here, without a write transaction
        if not _worth_starting(rt, session, key, before):
            return None
    try:
        with rt.db.transaction() as session:
            start_in(rt, session, SYSTEM, PROCESS, key, data)
    except (Conflict, IntegrityError):  # another worker started it meanwhile
        _started.add((rt.settings.database_url, key))
        return None
    _started.add((rt.settings.database_url, key))
    log.info("shift review %s started", key)
    return key


def _worth_starting(rt: Runtime, session, key: str, before: datetime) -> bool:
    if session.scalar(select(ProcessInstance.id).where(ProcessInstance.business_key == key)) is not None:
        _started.add((rt.settings.database_url, key))
        return False
    if newest_definition(rt, session, PROCESS) is None:
        return False
    return session.scalar(select(ProcessInstance.id)
                          .join(ComplaintRecord, ComplaintRecord.instance_id == ProcessInstance.id)
                          .where(ProcessInstance.status.in_(OPEN_STATUSES), ProcessInstance.started_at < before)
                          .limit(1)) is not None
