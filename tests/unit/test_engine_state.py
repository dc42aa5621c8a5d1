"""Instance state: spec by reference, identical after reload, and old formats still load."""
from __future__ import annotations

import copy
import json

import pytest
import SpiffWorkflow.bpmn.serializer.migration.version_1_5 as shipped_1_5

import handlers
from runtime import xmlsafe
from runtime.engine import Engine
from tests.conftest import FIXTURES


@pytest.fixture
def engine():
    return Engine(handlers.registry.functions, handlers.registry.services)


def parsed(engine, folder):
    trees = {p.name: xmlsafe.parse(p.name, p.read_bytes()) for p in (FIXTURES / folder).glob("*.bpmn")}
    return engine.parse_package(trees, {})


def test_reload_gives_the_same_ready_tasks_and_data(engine):
    package = parsed(engine, "subprocess")
    wf = engine.start(package, "with_subprocess", {"case": "A"})
    engine.run(wf)
    before = engine.snapshot(wf)
    state = engine.dump(wf, "hash:with_subprocess")
    again = engine.load(state, package, "with_subprocess")
    after = engine.snapshot(again)
    assert [(t.id, t.name, t.lane) for t in after.ready_tasks] == [(t.id, t.name, t.lane) for t in before.ready_tasks]
    assert after.ready_tasks[0].lane == "department"  # inherited from the subprocess's lane
    assert engine.dump(again, "hash:with_subprocess") == state


def test_a_stored_1_4_instance_with_a_subprocess_loads_despite_the_3_2_0_migration_bug(engine):
    package = parsed(engine, "subprocess")
    wf = engine.start(package, "with_subprocess", {})
    engine.run(wf)
    ready = [t.id for t in engine.snapshot(wf).ready_tasks]
    old = json.loads(engine.dump(wf, "hash:with_subprocess"))
    old["serializer_version"] = "1.4"  # the 1.4 -> 1.5 step only rewrites event-gateway children

    full = copy.deepcopy(old)  # the shipped step, given the full spec as it expects, still fails
    registry = engine.serializer._serializer.registry
    spec, subs = package.specs("with_subprocess")
    full["spec"], full["subprocess_specs"] = registry.convert(spec), {k: registry.convert(v) for k, v in subs.items()}
    with pytest.raises(NameError, match="'sp' is not defined"):
        shipped_1_5.update_event_gateway_children(full)

    loaded = engine.load(json.dumps(old), package, "with_subprocess")
    assert [t.id for t in engine.snapshot(loaded).ready_tasks] == ready


def test_state_of_a_small_instance_is_compact(engine):
    package = parsed(engine, "subprocess")
    wf = engine.start(package, "with_subprocess", {})
    engine.run(wf)
    state = engine.dump(wf, "hash:with_subprocess")
    assert "task_specs" not in state  # no spec embedded
    assert len(state) < 6000
