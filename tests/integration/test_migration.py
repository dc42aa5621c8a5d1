"""Moving running complaints to a newer version of the diagrams, on both databases: the dry run,
waiting timers on boundary events recomputed from their start, holders kept, and the refusals."""
from __future__ import annotations

from datetime import datetime, timedelta, UTC

import pytest

from runtime import clock, services, worker
from runtime.actors import Actor
from runtime.config import PROJECT_ROOT
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.errors import DefinitionNotFound, InvalidInput, PermissionDenied
from runtime.store.models import InstanceStatus
from runtime.services import migration
from tests.bpmn_builder import process
from tests.conftest import ENGINEER, FRONT_DESK
from tests.helpers import INTAKE, audit, deploy_processes, instance, task, timers

OWNER = Actor("po", frozenset({"process_owner"}))
TUESDAY = datetime(2025, 9, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def edited(replace: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    """The bundled process files with text replaced in some of them."""
    files = read_directory(PROJECT_ROOT / "processes")
    for name, (old, new) in replace.items():
        text = files[name].decode()
        assert old in text, f"{old!r} not in {name}"
        files[name] = text.replace(old, new, 1).encode()
    return files


@pytest.fixture
def two_complaints(rt):
    """One complaint at triage, one being handled by engineering (claimed), on version 1."""
    clock.freeze(TUESDAY)
    deploy_processes(rt)
    at_triage = services.start_instance(rt, FRONT_DESK, "complaint", INTAKE).business_key
    handled = services.start_instance(rt, FRONT_DESK, "complaint", {**INTAKE, "category": "parking"}).business_key
    services.complete_task(rt, FRONT_DESK, task(rt, handled, "triage").id, {"validity": "valid",
                                                                            "department": "engineering"})
    services.claim_task(rt, ENGINEER, task(rt, handled, "handle").id)
    return at_triage, handled


def due(rt, key, element):
    return next(t.due_at for t in timers(rt, key) if t.task_name == element)


def test_a_longer_handling_limit_moves_the_deadline_from_when_handling_started(rt, two_complaints):
    at_triage, handled = two_complaints
    old_due, reply_due = due(rt, handled, "handle_late"), due(rt, handled, "reply_late")
    assert old_due == datetime(2025, 9, 19, 2, 0, tzinfo=UTC)  # 3 working days
    clock.advance(timedelta(hours=5))  # the owner changes the limit later that day
    deploy(rt, edited({"complaint_normal.bpmn": ("working_days(3)", "working_days(5)")}), "po", "edit")
    plan = migration.dry_run(rt, OWNER, "complaint", 1, 2)
    assert sorted((c.number, c.can_move) for c in plan) == sorted([(at_triage, True), (handled, True)])
    result = migration.migrate(rt, OWNER, "complaint", 1, 2, "handling limit is 5 working days now")
    assert sorted(result.moved) == sorted([at_triage, handled]) and not result.failed
    # 5 working days from Tuesday 10:00 (not from the migration, 5 hours later): next Tuesday 10:00
    assert due(rt, handled, "handle_late") == datetime(2025, 9, 23, 2, 0, tzinfo=UTC)
    assert due(rt, handled, "reply_late") == reply_due  # unchanged expression, unchanged due time
    handle = task(rt, handled, "handle")
    assert handle.assignee == "li" and handle.due_at == datetime(2025, 9, 23, 2, 0, tzinfo=UTC)
    [event] = [e for e in audit(rt, handled) if e.action == "migrated"]
    assert (event.actor, event.details["from_version"], event.details["to_version"]) == ("po", 1, 2)
    assert event.details["timers_recomputed"] == ["handle_late"]
    assert event.details["reason"] == "handling limit is 5 working days now"
    assert version_of(rt, handled) == 2
    # the boundary timer now fires on the new due time, not the old one
    clock.freeze(old_due + timedelta(minutes=1))
    worker.run_once(rt)
    assert "supervise" not in [t.task_name for t in _tasks(rt, handled)]
    clock.freeze(datetime(2025, 9, 23, 2, 1, tzinfo=UTC))
    worker.run_once(rt)
    assert "supervise" in [t.task_name for t in _tasks(rt, handled)]
    # the migrated instance goes on to the end on the new version
    services.complete_task(rt, ENGINEER, task(rt, handled, "handle").id, {"handling_result": "已处理"})
    assert instance(rt, handled).status in (InstanceStatus.RUNNING, InstanceStatus.WAITING)


def version_of(rt, key) -> int:
    from sqlalchemy import select
    from runtime.store.models import ProcessDefinition, ProcessInstance
    with rt.db.reader() as s:
        return s.scalar(select(ProcessDefinition.version).join(ProcessInstance)
                        .where(ProcessInstance.business_key == key))


def _tasks(rt, key):
    from tests.helpers import tasks
    return tasks(rt, key)


def test_the_dry_run_names_the_steps_a_version_lost_and_such_instances_stay(rt, two_complaints):
    at_triage, handled = two_complaints
    # version 2 replaces the normal procedure by one single step: the complaint being handled has nowhere to go
    files = {**read_directory(PROJECT_ROOT / "processes"),
             "complaint_normal.bpmn": process(process_id="complaint_normal")}
    deploy(rt, files, "po", "simplified")
    plan = {c.number: c for c in migration.dry_run(rt, OWNER, "complaint", 1, 2)}
    assert plan[at_triage].can_move
    assert not plan[handled].can_move
    assert any("'部门调查处理' (handle), which the instance is at, does not exist in version 2" in p
               for p in plan[handled].problems), plan[handled].problems
    result = migration.migrate(rt, OWNER, "complaint", 1, 2, "rename")
    assert result.moved == [at_triage] and [n for n, _ in result.failed] == [handled]
    assert version_of(rt, handled) == 1
    assert not [e for e in audit(rt, handled) if e.action == "migrated"]
    # the instance left behind still works on its version
    services.complete_task(rt, ENGINEER, task(rt, handled, "handle").id, {"handling_result": "已处理"})


def test_migration_is_for_process_owners_and_needs_versions_that_exist(rt, two_complaints):
    deploy(rt, edited({"complaint_normal.bpmn": ("working_days(3)", "working_days(4)")}), "po", "edit")
    with pytest.raises(PermissionDenied):
        migration.dry_run(rt, FRONT_DESK, "complaint", 1, 2)
    with pytest.raises(PermissionDenied):
        migration.migrate(rt, FRONT_DESK, "complaint", 1, 2, "x")
    with pytest.raises(InvalidInput, match="newer"):
        migration.dry_run(rt, OWNER, "complaint", 2, 1)
    with pytest.raises(DefinitionNotFound, match="no version 7"):
        migration.dry_run(rt, OWNER, "complaint", 1, 7)
    with pytest.raises(InvalidInput, match="reason"):
        migration.migrate(rt, OWNER, "complaint", 1, 2, "")

