"""Nothing is lost because of a bug inside save: whatever raises while an action's state,
projections, deadline clocks, notifications or instance row are written, the complaint and the
user's input are kept and the instance gets an incident (or the action is refused whole), and a
retry replays it through the same path as the original, form defaults included. Interrupts are
never incidents."""
from __future__ import annotations

import pytest

from runtime import services
from runtime.store import instance_store, notifications, projections, sla_clocks
from runtime.services.deployment import deploy
from runtime.errors import IncidentRaised
from runtime.store.models import InstanceStatus
from tests import bpmn_builder
from tests.conftest import ADMIN, FRONT_DESK
from tests.helpers import audit, incidents, instance, task, tasks

START = {"divisor": 2, "category": "noise", "description": "噪音"}


class Injected(Exception):
    """A bug we plant in one part of save."""


def fail_in(monkeypatch, module, name, error=Injected, times=None):
    """Make ``module.name`` raise ``error`` (every time, or the first ``times`` calls); returns the calls."""
    real, calls = getattr(module, name), []

    def broken(*args, **kwargs):
        calls.append(name)
        if times is None or len(calls) <= times:
            raise error(f"planted failure in {name}")
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, broken)
    return calls


# (where the failure is planted, how often): every part of save an action goes through.
SAVE_PARTS = [
    pytest.param(lambda rt: (rt.engine, "dump"), None, id="state-dump"),
    pytest.param(lambda rt: (projections, "write"), None, id="projections"),
    pytest.param(lambda rt: (sla_clocks, "sync"), None, id="deadline-clocks"),
    pytest.param(lambda rt: (notifications, "after_save"), None, id="notifications"),
    pytest.param(lambda rt: (instance_store, "write_row"), 1, id="instance-row"),
]


@pytest.mark.parametrize("where, times", SAVE_PARTS)
def test_a_failure_in_any_part_of_save_keeps_the_users_input_as_an_incident(rt, basic, monkeypatch, where, times):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-1")
    register = task(rt, "C-1", "register")
    target = where(rt)
    with monkeypatch.context() as m:
        fail_in(m, *target, times=times)
        with pytest.raises(IncidentRaised) as err:
            services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering", "note": "急"})
    assert f"planted failure in {target[1]}" in str(err.value) and err.value.business_key == "C-1"
    assert instance(rt, "C-1").status == InstanceStatus.FAILED
    assert [t.task_name for t in tasks(rt, "C-1")] == ["register"]  # nothing half done
    [incident] = incidents(rt, "C-1")
    assert incident.action["data"] == {"department": "engineering", "note": "急"}
    assert services.retry_incident(rt, ADMIN, incident.id, "bug fixed") == InstanceStatus.RUNNING
    assert [t.task_name for t in tasks(rt, "C-1")] == ["handle"]


@pytest.mark.parametrize("where, times", SAVE_PARTS)
def test_a_failure_while_a_new_complaint_is_saved_keeps_the_complaint(rt, basic, monkeypatch, where, times):
    target = where(rt)
    with monkeypatch.context() as m:
        fail_in(m, *target, error=MemoryError if target[1] == "dump" else Injected, times=times)
        with pytest.raises(IncidentRaised) as err:
            services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-2")
    assert err.value.business_key == "C-2"
    row = instance(rt, "C-2")
    assert row is not None and row.status == InstanceStatus.FAILED
    started = [e for e in audit(rt, "C-2") if e.action == "started"]
    assert started and started[0].details["data"]["description"] == "噪音"
    [incident] = incidents(rt, "C-2")
    services.retry_incident(rt, ADMIN, incident.id, "memory back")
    assert [t.task_name for t in tasks(rt, "C-2")] == ["register"] and incidents(rt, "C-2") == []


def test_a_script_whose_error_cannot_print_itself_still_becomes_an_incident(rt):
    """``class A: pass`` fails with NameError __build_class__ inside SpiffWorkflow, whose exception
    then cannot be turned into text (a None note): the complaint is kept all the same."""
    deploy(rt, {"classy.bpmn": bpmn_builder.script("class A:\n    pass")}, "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {}, business_key="C-3")
    with pytest.raises(IncidentRaised) as err:
        services.complete_task(rt, FRONT_DESK, task(rt, "C-3", "t").id, {})
    assert err.value.task_name == "sc" and "__build_class__" in str(err.value)
    [incident] = incidents(rt, "C-3")
    assert incident.task_name == "sc" and "__build_class__" in incident.message


def test_an_interrupt_during_a_step_is_not_an_incident(rt, basic, partner, monkeypatch):
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="C-4")
    register = task(rt, "C-4", "register")
    fail_in(monkeypatch, rt.engine, "complete_task", error=KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        services.complete_task(rt, FRONT_DESK, register.id, {"department": "engineering"})
    assert incidents(rt, "C-4") == [] and instance(rt, "C-4").status == InstanceStatus.RUNNING
    assert [t.task_name for t in tasks(rt, "C-4")] == ["register"]


CHECKBOX_FORM = b'''{"type": "object", "properties": {
  "urgent": {"type": "boolean", "default": false, "title": "urgent"}}}'''


def checkbox_process() -> bytes:
    """A form with an unticked-by-default box, a partner call that may fail, then a gateway on the box."""
    return bpmn_builder.process(lane_refs=("fast", "slow"),
        task_extra='<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
                   'name="formJsonSchemaFilename" value="flag.schema.json" /></spiffworkflow:properties>'
                   '</bpmn:extensionElements>',
        after_task='''<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="call" />
    <bpmn:serviceTask id="call"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="test.partner_system" resultVariable="called">
        <spiffworkflow:parameters /></spiffworkflow:serviceTaskOperator>
    </bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="f_slow" />
    <bpmn:sequenceFlow id="f_fast" sourceRef="gw" targetRef="fast">
      <bpmn:conditionExpression>urgent is True</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_slow" sourceRef="gw" targetRef="slow">
      <bpmn:conditionExpression>urgent is False</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:userTask id="fast" name="Fast" /><bpmn:userTask id="slow" name="Slow" />
    <bpmn:sequenceFlow id="f4" sourceRef="fast" targetRef="e" />
    <bpmn:sequenceFlow id="f5" sourceRef="slow" targetRef="e2" /><bpmn:endEvent id="e2" />''')


def test_a_replayed_form_reaches_the_gateway_with_its_defaults(rt, partner):
    deploy(rt, {"flag.bpmn": checkbox_process(), "flag.schema.json": CHECKBOX_FORM}, "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {}, business_key="C-5")
    partner.down = True
    with pytest.raises(IncidentRaised):
        services.complete_task(rt, FRONT_DESK, task(rt, "C-5", "t").id, {})  # the box left unticked
    [incident] = incidents(rt, "C-5")
    assert incident.action["data"] == {}  # what the user sent, as sent
    partner.down = False
    services.retry_incident(rt, ADMIN, incident.id, "partner back")
    assert [t.task_name for t in tasks(rt, "C-5")] == ["slow"]
    [done] = [e for e in audit(rt, "C-5") if e.action == "task_completed"]
    assert done.details["data"] == {"urgent": False} and done.actor == "wang"
