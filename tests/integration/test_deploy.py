"""Deploying process files: immutable hash-keyed versions, and every refusal with a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest

from runtime import services
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory
from runtime.errors import DeploymentRejected
from runtime.store.models import InstanceStatus, ProcessDefinition, ProcessFile, ProcessPackage
from tests import bpmn_builder as b
from tests.conftest import ADMIN, FIXTURES, FRONT_DESK
from tests.helpers import count, instance, task

START = {"divisor": 2, "category": "noise", "description": "噪音"}
FORM = b'{"type": "object", "properties": {"x": {"type": "string"}}}'


def refused(rt, files: dict[str, bytes]) -> str:
    """Deploy ``files``, expect a refusal, check nothing was stored, and return the message."""
    before = [count(rt, m) for m in (ProcessPackage, ProcessFile, ProcessDefinition)]
    with pytest.raises(DeploymentRejected) as err:
        deploy(rt, files, "tester", "upload")
    assert [count(rt, m) for m in (ProcessPackage, ProcessFile, ProcessDefinition)] == before
    assert "Traceback" not in str(err.value)
    return str(err.value)


def test_versions_are_immutable_and_keyed_by_content(rt, basic, partner):
    files = read_directory(FIXTURES / "basic")
    assert basic.created and basic.definitions == {"tiny_complaint": 1, "timer_then_call": 1, "await_reply": 1}
    again = deploy(rt, dict(files), "someone-else", "again")
    assert not again.created and again.package_id == basic.package_id and count(rt, ProcessPackage) == 1

    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="OLD")
    changed = dict(files)
    changed["tiny_complaint.bpmn"] = files["tiny_complaint.bpmn"].replace("登记投诉".encode(),
                                                                          "登记投诉（新）".encode())
    v2 = deploy(rt, changed, "owner", "edit")
    assert v2.created and v2.definitions == {"tiny_complaint": 2, "timer_then_call": 2, "await_reply": 2}
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="NEW")
    assert task(rt, "OLD", "register").title == "登记投诉"          # still on version 1
    assert task(rt, "NEW", "register").title == "登记投诉（新）"     # newest version
    services.complete_task(rt, FRONT_DESK, task(rt, "OLD", "register").id, {"department": "security"})
    assert instance(rt, "OLD").status == InstanceStatus.RUNNING


def test_the_bundled_processes_deploy(rt):
    result = deploy(rt, read_directory(Path(rt.settings.processes_dir)), "tester", "processes/")
    assert "complaint_normal" in result.definitions


@pytest.mark.parametrize("content, expected", [
    (b"<bpmn:definitions><oops></bpmn:definitions>", "x.bpmn, line 1: not well-formed XML"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<d>&xxe;</d>',
     "x.bpmn: a DOCTYPE declaration is not allowed"),
    (b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
     b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>',
     "x.bpmn: a DOCTYPE declaration is not allowed"),
    (b'<d xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/></d>',
     "x.bpmn, line 1: not a BPMN 2.0 file: the root element is <d>"),
])
def test_hostile_or_broken_xml_is_refused(rt, content, expected):
    message = refused(rt, {"x.bpmn": content})
    assert expected in message
    assert "root:" not in message  # no file content ever leaks into a message


@pytest.mark.parametrize("files, expected", [
    ({"p.bpmn": b.script("x = ().__class__.__base__.__subclasses__()")},
     "element 'sc': script uses something not allowed in diagrams: Line 1: \"__subclasses__\" is an invalid"),
    ({"p.bpmn": b.script("import os\nos.system('id')")}, "element 'sc': script uses something not allowed"),
    ({"p.bpmn": b.script("x = (")}, "element 'sc': script is not valid Python"),
    ({"p.bpmn": b.script("x = open('/etc/passwd').read()")}, "script calls 'open', which is not a whitelisted"),
    ({"p.bpmn": b.boundary_timer("PT1H")}, "element 'late': timer expression PT1H must be quoted, like \"PT1H\""),
    ({"p.bpmn": b.boundary_timer('"1 hour"')}, "'1 hour' is not an ISO 8601 duration"),
    ({"p.bpmn": b.boundary_timer('"2025-10-01T09:00:00"', "timeDate")}, "needs a UTC offset"),
    ({"p.bpmn": b.boundary_timer("weeks(2)")}, "calls 'weeks', which is not a whitelisted function"),
    ({"p.bpmn": b.process(process_id="")}, "every process needs an id"),
    ({"p.bpmn": b.process(lane="janitors")}, "lane 'janitors' names no known role"),
    ({"p.bpmn": b.process(body='<bpmn:subProcess id="esp" triggeredByEvent="true" />')},
     "element 'esp': event subprocesses are not supported"),
    ({"p.bpmn": b.process(after_task='''<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="svc" />
      <bpmn:serviceTask id="svc"><bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="mail.send_all" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:sequenceFlow id="f3" sourceRef="svc" targetRef="e" />''')},
     "element 'svc': no handler is registered for service 'mail.send_all'"),
    ({"p.bpmn": b.process(task_extra='''<bpmn:extensionElements><spiffworkflow:properties>
      <spiffworkflow:property name="formJsonSchemaFilename" value="missing.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>''')}, "form file 'missing.schema.json' is not part"),
    ({"p.bpmn": b.process(), "f.json": b'{"type": "objekt"}'}, "f.json: not a valid JSON Schema"),
    ({"p.bpmn": b.process(), "f.json": b'{"type": '}, "f.json, line 1: not valid JSON"),
    ({"p.bpmn": b.process(), "notes.txt": b"hello"}, "notes.txt: unsupported file type"),
    ({"p.bpmn": b.process(body='<bpmn:fooTask id="weird" />')},
     "p.bpmn, line 10: Element 'bpmn:fooTask': This element is not expected."),
    ({"p.bpmn": b.process(after_task='<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="nowhere" />')},
     "element 'f2': sequence flow points to 'nowhere' (targetRef), which is not an element"),
    ({}, "no files were given"),
    ({"f.json": FORM}, "no BPMN file was given"),
])
def test_bad_process_files_are_refused_with_file_element_and_line(rt, files, expected):
    assert expected in refused(rt, files)


def test_every_problem_is_listed_and_a_good_file_does_not_sneak_through(rt):
    message = refused(rt, {"good.bpmn": b.process(process_id="good"),
                           "bad.bpmn": b.script("x = ().__class__"), "worse.bpmn": b.boundary_timer("P1D")})
    assert "bad.bpmn" in message and "worse.bpmn" in message
    assert count(rt, ProcessDefinition) == 0


def test_user_task_outside_every_lane_is_refused(rt):
    doc = b.process().replace(b"<bpmn:flowNodeRef>t</bpmn:flowNodeRef>", b"")
    assert "element 't': user task is in no lane" in refused(rt, {"p.bpmn": doc})


def test_lane_names_may_be_role_codes_or_chinese_or_english_labels(rt):
    for i, lane in enumerate(("front_desk", "客服前台", "Front desk")):
        assert deploy(rt, {"p.bpmn": b.process(lane=lane, process_id=f"p{i}")}, "t", "u").created


def test_running_instances_still_load_after_a_handler_they_use_is_removed(rt, basic, partner):
    import handlers
    from runtime.bootstrap import bootstrap
    services.start_instance(rt, FRONT_DESK, "tiny_complaint", START, business_key="OLD")
    removed = handlers.registry.services.pop("test.partner_system")
    try:
        fresh = bootstrap(rt.settings)  # a restarted process: empty package cache
        services.suspend(fresh, ADMIN, "OLD", "loads the stored workflow")
        assert instance(fresh, "OLD").status == InstanceStatus.SUSPENDED
        fresh.close()
    finally:
        handlers.registry.services["test.partner_system"] = removed
