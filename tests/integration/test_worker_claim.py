"""The sweep reaches a due timer behind more held-back ones than one claim window reads (suspended
instances, due earlier): it pages on through the due timers instead of stopping at the first window."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from runtime import clock, services
from runtime.services.deployment import deploy
from runtime.services.instances import suspend
from runtime.store.due_claims import CLAIM_WINDOW
from runtime.worker import Worker
from tests.conftest import ADMIN, FIXTURES, FRONT_DESK
from tests.helpers import instance, tasks, timers

T0 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
SWEEP = {"sweep.bpmn": (FIXTURES / "sweep" / "sweep.bpmn").read_bytes()}  # a minute's wait, a script, a task


def test_a_due_timer_behind_a_window_of_suspended_ones_fires(rt):
    deploy(rt, SWEEP, "tester", "test")
    held = [f"H-{n:03d}" for n in range(CLAIM_WINDOW + 20)]
    for n, key in enumerate(held):
        clock.freeze(T0 + timedelta(seconds=n))
        services.start_instance(rt, FRONT_DESK, "sweep", {"poison": False}, business_key=key)
        suspend(rt, ADMIN, key, "waiting for the customer's papers")
    clock.freeze(T0 + timedelta(minutes=5))  # due after every suspended one
    services.start_instance(rt, FRONT_DESK, "sweep", {"poison": False}, business_key="LAST")
    clock.freeze(T0 + timedelta(minutes=7))
    assert Worker(rt).run_once() == 1
    assert [t.task_name for t in tasks(rt, "LAST")] == ["t"] and timers(rt, "LAST") == []
    assert all(instance(rt, key).status == "suspended" and timers(rt, key) for key in (held[0], held[-1]))
