"""The background worker: fires due timers, retries failed steps, sends queued e-mail.

``complaintflow worker`` runs ``Worker.run_forever`` (several may run against one PostgreSQL
database); ``serve`` runs it in a thread on the embedded SQLite set-up, where it is the single
writer besides the web requests. ``--once`` (tests, cron) runs one sweep.

Each due instance is claimed and fired in its own transaction (``claim_due``: index walk, SKIP
LOCKED), so two workers never fire the same timer: the timer's effect and its removal from the
``timer`` table commit together, and a worker killed mid-transaction simply rolls back. Between
sweeps the worker sleeps until the earliest known due time, but never longer than the poll
interval; a timer written meanwhile wakes it at once (in this process through an event, from any
process on PostgreSQL through NOTIFY: runtime/worker/wakeups.py), so the poll interval only bounds
how late a timer is noticed when that wake-up is lost.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select

from runtime import clock
from runtime.worker import digest, mailer
from runtime.worker.wakeups import Wakeups
from runtime.bootstrap import Runtime
from runtime.errors import IncidentRaised
from runtime.store.models import CaseArchive, Incident, Notification, Timer, WorkerHeartbeat
from runtime.services import archive, reports, shift_review
from runtime.services.actions import notify_overdue
from runtime.services.calendar import tell_if_next_year_missing
from runtime.services.replay import retry_next_due
from runtime.services.timers import fire_next_due

log = logging.getLogger(__name__)
STOP_CHECK_SECONDS = 0.25  # how soon a sleeping worker notices stop
HEARTBEAT_SECONDS = 5.0
CHECK_SECONDS = 3600.0


class Worker:
    """One worker: its sweep, its loop, and the heartbeat the health endpoints read."""

    def __init__(self, rt: Runtime, name: str | None = None):
        self.rt = rt
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 10000}"
        self.started_at = clock.now()
        self.fired = self.retried = self.mailed = self.archived = self.reported = 0
        self.last_sweep_at: datetime | None = None
        self.sweep_started_at: datetime | None = None
        self._checked_at: float | None = None
        self._errors: dict[str, str] = {}

    def run_once(self, limit: int = 500) -> int:
        """One sweep: fire due timers (up to ``limit`` instances), replay due retries, send mail.

        Returns how many instances had timers fired.
        """
        now = self.sweep_started_at = clock.now()
        fired = self._fire_due(now, limit)
        while retry_next_due(self.rt, now) is not None:
            self.retried += 1
        # before the mail, so an owner's notice goes out in the same sweep
        self._quietly("overdue actions not told", lambda: notify_overdue(self.rt))
        self._quietly("daily digests not queued", lambda: digest.queue_due(self.rt, now))
        self.mailed += mailer.send_due(self.rt, now)
        self.archived += archive.make_due(self.rt)
        self.reported += self._quietly("monthly report not made", lambda: reports.make_due(self.rt, now))
        self._quietly("shift review not started", lambda: shift_review.start_due(self.rt, now))
        self._daily_checks()
        self.last_sweep_at = clock.now()
        return fired

    def _quietly(self, what: str, call) -> int:
        """The scheduled work of a sweep (the month's report, the shift's review): a fault, such as a broken
        policy file the process owner is editing, is logged once per message and never stops the timers."""
        try:
            return call() or 0
        except Exception as e:  # noqa: BLE001 - no reason to stop firing timers
            if self._errors.get(what) != str(e):
                self._errors[what] = str(e)
                log.error("%s: %s", what, e)
            return 0

    def _daily_checks(self) -> None:
        """Checks that need not run every sweep (at most hourly): the calendar's 60-day warning."""
        if self._checked_at is not None and time.monotonic() - self._checked_at < CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        try:
            tell_if_next_year_missing(self.rt)
        except Exception:  # a notice is not worth a failed sweep
            log.exception("calendar check failed")

    def _fire_due(self, now: datetime, limit: int) -> int:
        """Fire every due instance once. Whatever fails on one instance became its incident (it is
        skipped for the rest of the sweep, whatever its status says), and the sweep goes on."""
        seen: set[int] = set()
        failed: set[int] = set()
        while len(seen) + len(failed) < limit:
            try:
                instance_id = fire_next_due(self.rt, now, skip=failed)
            except IncidentRaised as e:  # recorded with its retry time; the sweep goes on
                log.warning("%s", e)
                if e.instance_id is not None:
                    failed.add(e.instance_id)
                continue
            if instance_id is None:
                break
            if instance_id in seen:  # its timer is still due after firing: never spin on it
                log.error("instance %s still has a due timer after firing; leaving it to the next sweep", instance_id)
                break
            seen.add(instance_id)
        self.fired += len(seen)
        return len(seen)

    def next_wake(self, now: datetime) -> datetime | None:
        """The earliest moment after ``now`` anything falls due (timer, retry, e-mail): index lookups only.

        ``now`` is when the last sweep read the clock: work due before it and not done is held by
        another transaction or belongs to a suspended or failed instance (the former is looked at
        again within the poll interval); work that fell due since is found and done at once.
        """
        with self.rt.db.reader() as session:
            candidates = [
                session.scalar(select(func.min(Timer.due_at)).where(Timer.due_at >= now)),
                session.scalar(select(func.min(Incident.retry_at)).where(Incident.retry_at >= now)),
                session.scalar(select(func.min(CaseArchive.requested_at)).where(CaseArchive.status == "pending",
                                                                                 CaseArchive.requested_at >= now)),
            ]
            if self.rt.settings.smtp_host:
                candidates.append(session.scalar(select(func.min(Notification.email_due_at)).where(
                    Notification.email_status.in_(mailer.QUEUED), Notification.email_due_at >= now)))
        return min((c for c in candidates if c is not None), default=None)

    def run_forever(self, stop: threading.Event, poll_seconds: float | None = None) -> None:
        """Sweep until ``stop`` is set (SIGTERM/SIGINT in the CLI); the sweep in progress finishes first."""
        poll = poll_seconds or self.rt.settings.worker_poll_seconds
        log.info("worker %s started (poll at most every %.2fs)", self.name, poll)
        beat_at, wakeups = 0.0, Wakeups(self.rt.db)
        while not stop.is_set():
            try:
                busy = self.run_once() > 0
                wait = self._sleep_seconds(poll, busy)
            except Exception:  # database gone for a moment, etc.: keep the process alive
                log.exception("worker sweep failed; retrying")
                wait = poll
            if time.monotonic() - beat_at >= HEARTBEAT_SECONDS:
                beat_at = time.monotonic()
                self.heartbeat("running")
            self._rest(stop, wait, wakeups)
        wakeups.close()
        self.heartbeat("stopped")
        log.info("worker %s stopped", self.name)

    def _rest(self, stop: threading.Event, seconds: float, wakeups: Wakeups) -> None:
        """Sleep until the next sweep, ``stop``, or a timer just written (by an action of the web app beside
        the embedded worker, or on PostgreSQL by any process: runtime/worker/wakeups.py): then the sleep is
        computed again from the new timer, instead of the timer waiting out the whole poll interval."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if wakeups.wait(min(left, STOP_CHECK_SECONDS)):
                wake = self.next_wake(clock.now())
                if wake is not None:
                    deadline = min(deadline, time.monotonic() + max(0.0, (wake - clock.now()).total_seconds()))

    def _sleep_seconds(self, poll: float, busy: bool) -> float:
        if busy:  # a full or productive sweep: more may be due right away
            return 0.0
        wake = self.next_wake(self.sweep_started_at or clock.now())
        if wake is None:
            return poll
        return min(poll, max(0.0, (wake - clock.now()).total_seconds()))

    def heartbeat(self, state: str) -> None:
        try:
            with self.rt.db.transaction() as session:
                session.merge(WorkerHeartbeat(name=self.name, started_at=self.started_at, seen_at=clock.now(),
                                              state=state, fired=self.fired, mailed=self.mailed))
        except Exception:
            log.exception("worker %s: heartbeat not written", self.name)

    def health(self, poll: float) -> dict:
        """What ``/healthz`` of the worker says: ok while sweeps keep happening."""
        fresh = self.last_sweep_at is not None and clock.now() - self.last_sweep_at < timedelta(seconds=poll * 3 + 30)
        return {"status": "ok" if fresh else "stale", "worker": self.name, "fired": self.fired,
                "retried": self.retried, "mailed": self.mailed,
                "last_sweep_at": self.last_sweep_at.isoformat() if self.last_sweep_at else None}


def run_once(rt: Runtime, limit: int = 500) -> int:
    """One sweep by a throwaway worker; returns how many instances had timers fired."""
    return Worker(rt).run_once(limit)


def run_forever(rt: Runtime, stop: threading.Event, poll_seconds: float | None = None) -> None:
    Worker(rt).run_forever(stop, poll_seconds)
