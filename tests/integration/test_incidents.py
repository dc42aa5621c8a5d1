"""A failing script or handler rolls the action back and stops the instance at that task as an
incident; nothing saved before is lost, and an admin retry replays the action once fixed."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC

import pytest

from runtime import clock, services, worker
from runtime.errors import IncidentRaised, InvalidState, PermissionDenied
from runtime.store.models import InstanceStatus
from tests.conftest import ADMIN, FRONT_DESK
from tests.helpers import audit, incidents, instance, task, tasks

START = {"divisor": 2, "category": "noise", "description": "噪音"}


def test_handler_failure_after_a_user_task_keeps_the_users_input_and_retries(rt, basic, partner):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    partner.down = True
    with pytest.raises(IncidentRaised) as err:
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering", "note": "急"})
    assert "notify" in str(err.value) and "ConnectionError: partner system unreachable" in str(err.value)
    assert "NameError" not in str(err.value)  # SpiffWorkflow 3.2.0 would mask it as NameError 'script'
    row = instance(rt, "C-1")
    assert row.status == InstanceStatus.FAILED
    [incident] = incidents(rt, "C-1")
    assert (incident.task_name, incident.action["data"]) == ("notify", {"department": "engineering", "note": "急"})
    # the action was rolled back: the user task is still there, no completion was recorded
    assert [t.task_name for t in tasks(rt, "C-1")] == ["register"]
    assert [e.action for e in audit(rt, "C-1")] == ["started", "incident"]
    with pytest.raises(InvalidState, match="incident"):
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering"})

    with pytest.raises(IncidentRaised):  # still broken: the incident stays open, no second one
        services.retry_incident(rt, ADMIN, incident.id)
    assert len(incidents(rt, "C-1")) == 1
    with pytest.raises(PermissionDenied):
        services.retry_incident(rt, FRONT_DESK, incident.id)

    partner.down = False
    assert services.retry_incident(rt, ADMIN, incident.id) == InstanceStatus.RUNNING
    assert incidents(rt, "C-1") == []
    assert [t.task_name for t in tasks(rt, "C-1")] == ["handle"]
    completed = [e for e in audit(rt, "C-1") if e.action == "task_completed"]
    assert completed[0].actor == "wang" and completed[0].details["replayed_by"] == "root"
    with pytest.raises(InvalidState, match="already resolved"):
        services.retry_incident(rt, ADMIN, incident.id)


def test_script_failure_at_start_keeps_the_complaint(rt, basic):
    with pytest.raises(IncidentRaised) as err:
        services.start_instance(rt, FRONT_DESK, "tiny_complaint", {**START, "divisor": 0}, business_key="C-0")
    assert err.value.task_name == "prepare" and "division by zero" in str(err.value)
    row = instance(rt, "C-0")
    assert row.status == InstanceStatus.FAILED and row.state
    [incident] = incidents(rt, "C-0")
    assert incident.action["kind"] == "run" and incident.task_name == "prepare"
    assert [e.action for e in audit(rt, "C-0")] == ["started", "incident"]
    assert audit(rt, "C-0")[0].details["data"]["divisor"] == 0  # the complaint's data is kept


def test_one_failing_instance_does_not_stop_the_timer_sweep(rt, basic, partner):
    clock.freeze(datetime(2025, 3, 3, 1, 0, tzinfo=UTC))
    for key, department in (("T-1", "broken"), ("T-2", "security")):
        services.start_instance(rt, FRONT_DESK, "timer_then_call", {"department": department}, business_key=key)
    partner.broken_for = {"broken"}
    clock.advance(timedelta(minutes=10, seconds=1))
    assert worker.run_once(rt) == 1
    assert instance(rt, "T-1").status == InstanceStatus.FAILED
    assert instance(rt, "T-2").status == InstanceStatus.COMPLETED
    [incident] = incidents(rt, "T-1")
    assert incident.task_name == "call" and incident.action["kind"] == "run"
    assert worker.run_once(rt) == 0  # a failed instance is not swept again and again
    partner.broken_for = set()
    assert services.retry_incident(rt, ADMIN, incident.id) == InstanceStatus.COMPLETED
