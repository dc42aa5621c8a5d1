"""The administrators' repairs on both databases: move (back and skip), signal, batch actions and
retries, each role-checked, reasoned, audited, and all-or-nothing when it cannot be done."""
from __future__ import annotations

import pytest

from runtime import services
from runtime.read import monitoring
from runtime.actors import Actor
from runtime.errors import InvalidInput, InvalidState, PermissionDenied, TaskNotFound, IncidentRaised
from runtime.store.models import InstanceStatus
from runtime.services import repair
from tests.conftest import ADMIN, FRONT_DESK
from tests.helpers import INTAKE, audit, deploy_processes, incidents, instance, task, tasks

OWNER = Actor("po", frozenset({"process_owner"}))


@pytest.fixture
def dispatched(rt):
    """A noise complaint the front desk dispatched to engineering."""
    deploy_processes(rt)
    key = services.start_instance(rt, FRONT_DESK, "complaint", INTAKE).business_key
    services.complete_task(rt, FRONT_DESK, task(rt, key, "triage").id, {"validity": "valid",
                                                                        "department": "engineering"})
    return key


def names(rt, key):
    return sorted(t.task_name for t in tasks(rt, key))


def test_an_admin_moves_a_complaint_back_to_triage_and_skips_it_to_another_department(rt, dispatched):
    assert names(rt, dispatched) == ["first_reply", "handle"]
    moved = repair.move_instance(rt, ADMIN, dispatched, "triage", "dispatched to the wrong department")
    assert moved["how"] == "back" and names(rt, dispatched) == ["triage"]
    assert task(rt, dispatched, "triage").assignee == "wang"  # the receiver still owns it
    moved = repair.move_instance(rt, ADMIN, dispatched, "handle", "security handles it",
                                 {"validity": "valid", "department": "security"})
    assert moved == {"how": "skip", "steps": ["确认有效性并派单"]}
    assert task(rt, dispatched, "handle").department == "security"
    events = [e for e in audit(rt, dispatched) if e.action == "moved"]
    assert [(e.actor, e.details["how"], e.details["reason"]) for e in events] == [
        ("root", "back", "dispatched to the wrong department"), ("root", "skip", "security handles it")]


def test_a_move_that_cannot_be_done_changes_nothing_and_says_why(rt, dispatched):
    before = instance(rt, dispatched).version
    repair.move_instance(rt, ADMIN, dispatched, "triage", "redo")
    version = instance(rt, dispatched).version
    with pytest.raises(InvalidInput, match="answer_gw.*nothing was changed"):  # the gateway needs the answer
        repair.move_instance(rt, ADMIN, dispatched, "await_reply", "skip without the customer's answer")
    with pytest.raises(TaskNotFound, match="no_such_task"):
        repair.move_instance(rt, ADMIN, dispatched, "no_such_task", "typo")
    with pytest.raises(InvalidState, match="already waits"):
        repair.move_instance(rt, ADMIN, dispatched, "triage", "again")
    with pytest.raises(InvalidInput, match="reason"):
        repair.move_instance(rt, ADMIN, dispatched, "handle", "  ")
    with pytest.raises(PermissionDenied):
        repair.move_instance(rt, FRONT_DESK, dispatched, "handle", "I want to")
    with pytest.raises(InvalidInput, match="reserved"):
        repair.move_instance(rt, ADMIN, dispatched, "handle", "bad data", {"__class__": 1})
    assert instance(rt, dispatched).version == version > before
    assert names(rt, dispatched) == ["triage"] and not incidents(rt, dispatched)
    assert [e.action for e in audit(rt, dispatched)].count("moved") == 1


def test_an_admin_reports_media_exposure_from_the_console_with_a_reason(rt, dispatched):
    repair.signal_instance(rt, ADMIN, dispatched, "media_exposure", "reported by a journalist's call")
    assert instance(rt, dispatched).severity == "crisis"
    [event] = [e for e in audit(rt, dispatched) if e.action == "signal_received"]
    assert event.details["payload"] == {"reason": "reported by a journalist's call", "sent_by": "root"}
    with pytest.raises(InvalidState, match="not waiting"):
        repair.signal_instance(rt, ADMIN, dispatched, "no_such_signal", "test")
    with pytest.raises(PermissionDenied):
        repair.signal_instance(rt, FRONT_DESK, dispatched, "casualties", "test")


def test_batch_suspend_and_resume_over_a_filtered_list(rt, dispatched):
    other = services.start_instance(rt, FRONT_DESK, "complaint", {**INTAKE, "category": "parking"}).business_key
    noise = monitoring.InstanceFilter(text="noise")
    result = repair.batch(rt, ADMIN, "suspend", noise, "maintenance window")
    assert result.done == [dispatched] and not result.failed
    assert instance(rt, dispatched).status == InstanceStatus.SUSPENDED
    assert instance(rt, other).status != InstanceStatus.SUSPENDED
    everything = monitoring.InstanceFilter()
    result = repair.batch(rt, ADMIN, "resume", everything, "window over")
    assert result.done == [dispatched] and [n for n, _ in result.failed] == [other]
    assert result.failed[0][1].endswith("is running")  # only a suspended instance can be resumed
    assert instance(rt, dispatched).status == InstanceStatus.RUNNING
    assert [e.details["reason"] for e in audit(rt, dispatched) if e.action in ("suspended", "resumed")] == [
        "maintenance window", "window over"]
    with pytest.raises(InvalidInput, match="unknown batch action"):
        repair.batch(rt, ADMIN, "delete", everything, "x")
    with pytest.raises(PermissionDenied):
        repair.batch(rt, OWNER, "suspend", everything, "x")


def test_batch_retry_replays_every_failed_instance_once_the_cause_is_fixed(rt, basic, partner):
    start = {"divisor": 2, "category": "noise", "description": "噪音"}
    keys = []
    for n in range(2):
        services.start_instance(rt, FRONT_DESK, "tiny_complaint", start, business_key=f"B-{n}")
        keys.append(f"B-{n}")
    partner.down = True
    for key in keys:
        with pytest.raises(IncidentRaised):
            services.complete_task(rt, FRONT_DESK, task(rt, key, "register").id, {"department": "engineering"})
    failed = monitoring.InstanceFilter(status="failed")
    still_down = repair.batch(rt, ADMIN, "retry", failed, "partner restarted")
    assert still_down.done == [] and sorted(n for n, _ in still_down.failed) == keys
    partner.down = False
    result = repair.batch(rt, ADMIN, "retry", failed, "partner really restarted")
    assert keys and sorted(result.done) == keys and not result.failed
    for key in keys:
        assert instance(rt, key).status != InstanceStatus.FAILED and not incidents(rt, key)
        [retried] = [e for e in audit(rt, key) if e.action == "incident_retried"]
        assert retried.details["reason"] == "partner really restarted"
