"""A failing step is retried automatically with backoff, then waits as an incident for an
administrator, who is notified; a partner system that comes back in time heals the complaint."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, UTC

import pytest
from sqlalchemy import select

from runtime import clock, services, worker
from runtime.store.models import InstanceStatus, Notification
from runtime.services.replay import retry_next_due
from runtime.services.users import create_user
from tests.conftest import ADMIN, FRONT_DESK
from tests.helpers import audit, incidents, instance

T0 = datetime(2025, 3, 3, 1, 0, tzinfo=UTC)


def due_timer_that_fails(rt, partner, key="T-1"):
    clock.freeze(T0)
    services.start_instance(rt, FRONT_DESK, "timer_then_call", {"department": "broken"}, business_key=key)
    partner.broken_for = {"broken"}
    clock.advance(timedelta(minutes=10, seconds=1))
    worker.run_once(rt)


def test_failing_timer_step_is_retried_with_backoff_then_waits_for_an_admin(rt, basic, partner):
    create_user(rt, "root", "password-123", ["admin"], email="root@example.test")
    due_timer_that_fails(rt, partner)
    [incident] = incidents(rt, "T-1")
    assert instance(rt, "T-1").status == InstanceStatus.FAILED
    assert (incident.attempts, incident.retry_at) == (1, clock.now() + timedelta(seconds=30))
    assert len(partner.calls) == 1

    worker.run_once(rt)  # not due yet: no attempt
    assert len(partner.calls) == 1
    clock.advance(timedelta(seconds=31))
    worker.run_once(rt)
    [incident] = incidents(rt, "T-1")
    assert (len(partner.calls), incident.attempts) == (2, 2)
    assert incident.retry_at == clock.now() + timedelta(seconds=60)  # the wait doubles
    clock.advance(timedelta(seconds=61))
    worker.run_once(rt)
    [incident] = incidents(rt, "T-1")
    assert (len(partner.calls), incident.attempts, incident.retry_at) == (3, 3, None)  # default: 3 attempts

    with rt.db.reader() as s:
        [told] = s.scalars(select(Notification).where(Notification.kind == "incident")).all()
    assert (told.recipient, told.title) == ("root", "call") and "partner system unreachable" in told.details["message"]
    clock.advance(timedelta(hours=5))
    worker.run_once(rt)
    assert len(partner.calls) == 3  # no more automatic attempts

    partner.broken_for = set()
    assert services.retry_incident(rt, ADMIN, incident.id) == InstanceStatus.COMPLETED
    attempts = [e.details["attempts"] for e in audit(rt, "T-1") if e.action == "incident"]
    assert attempts == [1, 2, 3]


def test_a_partner_system_back_before_the_next_attempt_heals_the_complaint(rt, basic, partner):
    due_timer_that_fails(rt, partner)
    partner.broken_for = set()
    clock.advance(timedelta(seconds=31))
    worker.run_once(rt)
    assert instance(rt, "T-1").status == InstanceStatus.COMPLETED
    assert incidents(rt, "T-1") == []
    [resolved] = incidents(rt, "T-1", open_only=False)
    assert resolved.resolved_by == "system" and resolved.attempts == 1
    assert [e.action for e in audit(rt, "T-1")][-2:] == ["incident_retried", "incident_resolved"]


def test_a_failed_user_completion_is_replayed_as_the_user(rt, basic, partner):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", {"divisor": 2, "category": "noise",
                                                                "description": "噪音"}, business_key="C-1")
    from tests.helpers import task
    partner.down = True
    with pytest.raises(Exception, match="retrying automatically"):
        services.complete_task(rt, FRONT_DESK, task(rt, "C-1", "register").id, {"department": "engineering"})
    partner.down = False
    clock.freeze(clock.now() + timedelta(seconds=31))
    worker.run_once(rt)
    completed = [e for e in audit(rt, "C-1") if e.action == "task_completed"]
    assert completed[0].actor == "wang" and completed[0].details["replayed_by"] == "system"


@pytest.mark.postgres_only
def test_two_workers_never_replay_the_same_attempt(rt, basic, partner):
    due_timer_that_fails(rt, partner)
    clock.advance(timedelta(seconds=31))
    barrier, results = threading.Barrier(4), []

    def attempt():
        barrier.wait()
        results.append(retry_next_due(rt, clock.now()))

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(partner.calls) == 2  # the first failure plus exactly one retry
    assert incidents(rt, "T-1")[0].attempts == 2
