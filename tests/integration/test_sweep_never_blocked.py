"""A sweep nothing can block: one instance whose timer run fails in an unexpected way becomes that
instance's incident, and every other due timer still fires in the same sweep; the worker does not
oversleep a timer that fell due while it was sweeping."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC

from runtime import clock, services
from runtime.services.deployment import deploy
from runtime.worker import Worker
from tests.conftest import FIXTURES, FRONT_DESK
from tests.helpers import incidents, instance, tasks

T0 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
# Wait a minute, then a script that defines a class when ``poison`` is set (SpiffWorkflow then raises
# an error that cannot even print itself), then a user task.
SWEEP = {"sweep.bpmn": (FIXTURES / "sweep" / "sweep.bpmn").read_bytes()}


def test_one_poisoned_instance_among_a_thousand_leaves_one_incident_and_999_fired(rt):
    deploy(rt, SWEEP, "tester", "test")
    clock.freeze(T0)
    for n in range(1000):
        services.start_instance(rt, FRONT_DESK, "sweep", {"poison": n == 17}, business_key=f"S-{n:04d}")
    clock.freeze(T0 + timedelta(minutes=2))
    fired = Worker(rt).run_once(limit=1000)
    assert fired == 999
    [incident] = incidents(rt, "S-0017")
    assert incident.task_name == "sc" and "__build_class__" in incident.message and incident.retry_at is not None
    assert instance(rt, "S-0017").status == "failed"
    assert all(instance(rt, f"S-{n:04d}").status == "running" for n in (0, 16, 18, 999))
    assert [t.task_name for t in tasks(rt, "S-0999")] == ["t"]
    assert Worker(rt).run_once(limit=1000) == 0  # the next sweep does not pick the poisoned one again


def test_a_timer_that_falls_due_during_a_sweep_wakes_the_worker_at_once(rt):
    deploy(rt, SWEEP, "tester", "test")
    clock.freeze(T0)
    services.start_instance(rt, FRONT_DESK, "sweep", {"poison": False}, business_key="S-1")  # due T0 + 60 s
    worker = Worker(rt)
    clock.freeze(T0 + timedelta(seconds=59, microseconds=900_000))
    assert worker.run_once() == 0
    clock.freeze(T0 + timedelta(seconds=60, microseconds=100_000))  # fell due after the sweep read the clock
    assert worker._sleep_seconds(poll=0.5, busy=False) == 0.0
    assert worker.run_once() == 1
