"""The timer worker: finds instances with due timers through the ``timer`` index and fires them.

``run_once`` is what tests and cron use; ``run_forever`` is the loop of ``complaintflow worker``
and of the thread ``serve`` starts on the embedded SQLite set-up. Each instance is handled in its
own transaction under its row lock, so a user action and the worker never interleave, and one
failing instance (recorded as an incident) never stops the sweep.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import func, select

from runtime import clock
from runtime.bootstrap import Runtime
from runtime.errors import IncidentRaised
from runtime.models import InstanceStatus, ProcessInstance, Timer
from runtime.services import fire_timers

log = logging.getLogger(__name__)


def due_instance_ids(rt: Runtime, now: datetime, limit: int) -> list[int]:
    """Active instances with a timer due by ``now``, earliest due first (an index walk on due_at)."""
    query = (select(Timer.instance_id).join(ProcessInstance, ProcessInstance.id == Timer.instance_id)
             .where(Timer.due_at <= now,
                    ProcessInstance.status.in_([InstanceStatus.RUNNING, InstanceStatus.WAITING]))
             .group_by(Timer.instance_id).order_by(func.min(Timer.due_at)).limit(limit))
    with rt.db.reader() as session:
        return list(session.scalars(query))


def run_once(rt: Runtime, limit: int = 500) -> int:
    """Fire every due timer once; returns how many instances were advanced."""
    fired = 0
    for instance_id in due_instance_ids(rt, clock.now(), limit):
        try:
            fired += fire_timers(rt, instance_id)
        except IncidentRaised as e:
            log.warning("instance %s: %s", instance_id, e)
        except Exception:  # one broken instance must not stop the sweep
            log.exception("instance %s: timer sweep failed", instance_id)
    return fired


def run_forever(rt: Runtime, stop: threading.Event, poll_seconds: float | None = None) -> None:
    """Sweep until ``stop`` is set; a full batch is followed at once by the next one."""
    poll = poll_seconds or rt.settings.worker_poll_seconds
    log.info("timer worker started (poll every %.2fs)", poll)
    while not stop.is_set():
        try:
            busy = run_once(rt) > 0
        except Exception:
            log.exception("timer sweep failed; retrying")
            busy = False
        if not busy:
            stop.wait(poll)
    log.info("timer worker stopped")
