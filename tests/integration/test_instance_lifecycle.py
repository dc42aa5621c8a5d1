"""A whole run of the small process through the runtime, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, UTC

import pytest

from runtime import clock, services, worker
from runtime.engine import LIBRARY_VERSION
from runtime.store.instance_store import unpack_state
from runtime.errors import (AlreadyClaimed, DefinitionNotFound, InvalidInput, InvalidState, PermissionDenied,
                            StaleVersion)
from runtime.store.models import InstanceStatus
from tests.conftest import ADMIN, ENGINEER, FRONT_DESK, SECURITY
from tests.helpers import audit, instance, task, tasks, timers, waiting

T0 = datetime(2025, 9, 30, 1, 0, tzinfo=UTC)
START = {"divisor": 2, "category": "noise", "description": "楼上噪音"}


def start(rt, key="C-1", **data):
    return services.start_instance(rt, FRONT_DESK, "tiny_complaint", {**START, **data}, business_key=key)


def test_full_run_with_form_timer_and_worker(rt, basic, partner):
    clock.freeze(T0)
    started = start(rt)
    assert started.status == InstanceStatus.RUNNING
    register = task(rt, "C-1", "register")
    assert (register.role, register.title, register.form) == ("front_desk", "登记投诉", "register.schema.json")
    assert register.due_at == T0 + timedelta(hours=1)  # from the boundary timer hours(1)
    assert [(t.task_name, t.due_at) for t in timers(rt, "C-1")] == [("register_late", T0 + timedelta(hours=1))]

    services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering"})
    handle = task(rt, "C-1", "handle")
    assert (handle.role, handle.department) == ("department", "engineering")
    assert partner.calls == ["engineering"]
    assert waiting(rt, "C-1") == {("signal", "media_exposure")}
    assert timers(rt, "C-1") == []  # the boundary timer of register went away with it

    services.claim_task(rt, ENGINEER, handle.id)
    services.complete_task(rt, ENGINEER, handle.id, {})
    assert instance(rt, "C-1").status == InstanceStatus.WAITING
    assert [t.due_at for t in timers(rt, "C-1")] == [T0 + timedelta(minutes=30)]

    clock.advance(timedelta(minutes=29))
    assert worker.run_once(rt) == 0
    clock.advance(timedelta(minutes=2))
    assert worker.run_once(rt) == 1
    done = instance(rt, "C-1")
    assert done.status == InstanceStatus.COMPLETED and done.ended_at == T0 + timedelta(minutes=31)
    assert tasks(rt, "C-1") == [] and timers(rt, "C-1") == [] and waiting(rt, "C-1") == set()
    actions = [(e.actor, e.action, e.task_name) for e in audit(rt, "C-1")]
    assert actions == [("wang", "started", None), ("wang", "task_completed", "register"),
                       ("li", "claimed", "handle"), ("li", "task_completed", "handle"),
                       ("system", "timers_fired", None)]
    assert audit(rt, "C-1")[1].details["data"] == {"department": "engineering"}


def test_instance_row_records_versions_and_stores_the_spec_by_reference(rt, basic):
    start(rt)
    row = instance(rt, "C-1")
    assert row.library_version == LIBRARY_VERSION == "SpiffWorkflow 3.2.0"
    assert row.serializer_version == "1.5"
    assert len(row.state) < 3000  # stored compressed
    state = json.loads(unpack_state(row.state))
    assert "spec" not in state and "subprocess_specs" not in state
    assert state["spec_ref"] == f"{basic.content_hash}:tiny_complaint"


def test_boundary_timer_escalates_an_unregistered_complaint(rt, basic):
    clock.freeze(T0)
    start(rt)
    clock.advance(timedelta(hours=1, seconds=1))
    assert worker.run_once(rt) == 1
    assert [t.task_name for t in tasks(rt, "C-1")] == ["escalate"]
    assert task(rt, "C-1", "escalate").role == "duty_manager"


def test_signal_moves_the_complaint_to_crisis_handling(rt, basic):
    start(rt)
    services.complete_task(rt, FRONT_DESK, task(rt, "C-1", "register").id, {"department": "security"})
    start(rt, "C-2")
    caught = services.send_signal(rt, FRONT_DESK, "media_exposure", {"outlet": "晚报"}, business_key="C-1")
    assert caught == ["C-1"]
    assert [t.task_name for t in tasks(rt, "C-1")] == ["crisis"]
    assert task(rt, "C-1", "crisis").role == "crisis_team"
    assert [t.task_name for t in tasks(rt, "C-2")] == ["register"]  # not addressed, and not waiting anyway
    with pytest.raises(InvalidState, match="C-2 is not waiting for the signal 'media_exposure'"):
        services.send_signal(rt, FRONT_DESK, "media_exposure", business_key="C-2")


def test_broadcast_signal_reaches_every_waiting_instance(rt, basic):
    for key in ("C-1", "C-2"):
        start(rt, key)
        services.complete_task(rt, FRONT_DESK, task(rt, key, "register").id, {"department": "security"})
    start(rt, "C-3")
    assert sorted(services.send_signal(rt, FRONT_DESK, "media_exposure")) == ["C-1", "C-2"]
    assert task(rt, "C-3", "register")


def test_form_data_is_validated_on_the_server_and_nothing_changes(rt, basic):
    start(rt)
    register = task(rt, "C-1", "register")
    with pytest.raises(InvalidInput) as err:
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "mars", "note": "x" * 600})
    assert set(err.value.field_errors) == {"department", "note"}
    with pytest.raises(InvalidInput) as err:
        services.complete_task(rt, FRONT_DESK, register.id, {})
    assert "department" in err.value.field_errors
    with pytest.raises(InvalidInput, match="reserved"):
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "security", "typename": "x"})
    with pytest.raises(InvalidInput, match="hours"):
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "security", "hours": 1})
    assert task(rt, "C-1", "register").id == register.id
    assert [e.action for e in audit(rt, "C-1")] == ["started"]


def test_role_checks_on_every_task_action(rt, basic):
    start(rt)
    register = task(rt, "C-1", "register")
    with pytest.raises(PermissionDenied, match="front_desk"):
        services.claim_task(rt, ENGINEER, register.id)
    with pytest.raises(PermissionDenied):
        services.complete_task(rt, ENGINEER, register.id, {"department": "security"})
    services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering"})
    handle = task(rt, "C-1", "handle")
    with pytest.raises(PermissionDenied, match="department/engineering"):
        services.claim_task(rt, SECURITY, handle.id)  # another department's task
    services.claim_task(rt, ENGINEER, handle.id)
    with pytest.raises(PermissionDenied, match="claimed by li"):
        services.release_task(rt, FRONT_DESK, handle.id)
    with pytest.raises(PermissionDenied):
        services.start_instance(rt, ENGINEER, "tiny_complaint", START)
    with pytest.raises(PermissionDenied):
        services.suspend(rt, FRONT_DESK, "C-1", "testing")


def test_claim_release_and_stale_versions(rt, basic):
    start(rt)
    register = task(rt, "C-1", "register")
    other = FRONT_DESK.__class__("zhou", FRONT_DESK.roles)
    version = services.claim_task(rt, FRONT_DESK, register.id, expected_version=1)
    assert version == 2 and task(rt, "C-1", "register").assignee == "wang"
    with pytest.raises(AlreadyClaimed, match="claimed by wang"):
        services.claim_task(rt, other, register.id)
    with pytest.raises(StaleVersion):
        services.release_task(rt, FRONT_DESK, register.id, expected_version=1)
    services.release_task(rt, FRONT_DESK, register.id, expected_version=2)
    assert task(rt, "C-1", "register").assignee is None
    with pytest.raises(StaleVersion, match="reload"):
        services.complete_task(rt, other, register.id, {"department": "security"}, expected_version=2)
    services.complete_task(rt, other, register.id, {"department": "security"}, expected_version=3)
    assert [e.action for e in audit(rt, "C-1")] == ["started", "claimed", "released", "task_completed"]


def test_suspend_holds_timers_and_tasks_until_resumed(rt, basic):
    clock.freeze(T0)
    start(rt)
    register = task(rt, "C-1", "register")
    services.suspend(rt, ADMIN, "C-1", "customer asked to pause")
    clock.advance(timedelta(hours=2))
    assert worker.run_once(rt) == 0
    with pytest.raises(InvalidState, match="suspended"):
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "security"})
    with pytest.raises(InvalidInput, match="reason"):
        services.resume(rt, ADMIN, "C-1", " ")
    services.resume(rt, ADMIN, "C-1", "customer is back")
    assert worker.run_once(rt) == 1  # the overdue boundary timer fires on resume
    assert [t.task_name for t in tasks(rt, "C-1")] == ["escalate"]
    assert [e.action for e in audit(rt, "C-1")][1:3] == ["suspended", "resumed"]


def test_terminate_ends_the_instance_and_its_projections(rt, basic):
    start(rt)
    services.terminate(rt, ADMIN, "C-1", "duplicate complaint")
    row = instance(rt, "C-1")
    assert row.status == InstanceStatus.TERMINATED and row.ended_at is not None
    assert tasks(rt, "C-1") == [] and timers(rt, "C-1") == []
    with pytest.raises(InvalidState, match="terminated"):
        services.terminate(rt, ADMIN, "C-1", "again")


def test_unknown_ids_get_clear_errors(rt, basic):
    with pytest.raises(DefinitionNotFound, match="no_such_process"):
        services.start_instance(rt, FRONT_DESK, "no_such_process", {})
    from runtime.errors import InstanceNotFound, TaskNotFound
    with pytest.raises(TaskNotFound):
        services.claim_task(rt, FRONT_DESK, "00000000-0000-0000-0000-000000000000")
    with pytest.raises(TaskNotFound):
        services.complete_task(rt, FRONT_DESK, "not-a-uuid", {})
    with pytest.raises(InstanceNotFound):
        services.suspend(rt, ADMIN, "C-404", "why")
    start(rt)
    from runtime.errors import Conflict
    with pytest.raises(Conflict, match="C-1 already exists"):
        start(rt)


def test_a_message_reaches_the_one_instance_it_is_addressed_to(rt, basic):
    for key in ("R-1", "R-2"):
        services.start_instance(rt, FRONT_DESK, "await_reply", {}, business_key=key)
    assert waiting(rt, "R-1") == {("message", "customer_reply")}
    assert services.send_message(rt, FRONT_DESK, "customer_reply", "R-1", {"text": "可以接受"}) == ["R-1"]
    assert [t.task_name for t in tasks(rt, "R-1")] == ["review"] and waiting(rt, "R-1") == set()
    assert tasks(rt, "R-2") == [] and waiting(rt, "R-2") == {("message", "customer_reply")}
    received = [e for e in audit(rt, "R-1") if e.action == "message_received"]
    assert received[0].details["payload"] == {"text": "可以接受"}
    assert '"reply": {"text": "\\u53ef\\u4ee5\\u63a5\\u53d7"}' in unpack_state(instance(rt, "R-1").state)  # task data
    with pytest.raises(InvalidState, match="R-1 is not waiting for the message 'customer_reply'"):
        services.send_message(rt, FRONT_DESK, "customer_reply", "R-1", {})
    with pytest.raises(InvalidInput, match="business key"):
        services.send_message(rt, FRONT_DESK, "customer_reply", "", {})


def test_instance_actions_check_the_version_the_caller_saw(rt, basic):
    start(rt)
    seen = instance(rt, "C-1").version
    services.complete_task(rt, FRONT_DESK, task(rt, "C-1", "register").id, {"department": "security"})
    with pytest.raises(StaleVersion, match=f"version {seen}, now {seen + 1}"):
        services.suspend(rt, ADMIN, "C-1", "checking", expected_version=seen)
    assert instance(rt, "C-1").status == InstanceStatus.RUNNING
    services.suspend(rt, ADMIN, "C-1", "checking", expected_version=seen + 1)
    assert instance(rt, "C-1").status == InstanceStatus.SUSPENDED
