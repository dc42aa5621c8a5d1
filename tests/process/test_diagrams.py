"""The process owners' files: they deploy cleanly and open in a standard BPMN modeler."""
from __future__ import annotations

import re

import pytest
from lxml import etree

from runtime import xmlsafe
from runtime.bpmn_ns import NS
from runtime.config import PROJECT_ROOT
from runtime.services.deployment import deploy
from runtime.store.packages import read_directory

PROCESSES = PROJECT_ROOT / "processes"
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
              "exclusiveGateway", "parallelGateway", "intermediateCatchEvent", "intermediateThrowEvent",
              "boundaryEvent")
DIAGRAMS = sorted(PROCESSES.glob("*.bpmn"))


def test_every_file_deploys_cleanly(sc):
    result = deploy(sc.rt, read_directory(PROCESSES), "tester", "processes/")
    assert set(result.definitions) == {"complaint", "complaint_normal", "complaint_major", "complaint_crisis",
                                       "complaint_closing", "complaint_collective",
                                        "shift_review"}


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_flow_node_and_edge_has_diagram_layout(path):
    tree = xmlsafe.parse(path.name, path.read_bytes())
    nodes = {el.get("id") for tag in FLOW_NODES for el in tree.iterfind(f".//bpmn:process//bpmn:{tag}", NS)}
    flows = {el.get("id") for el in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    shapes = {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {el.get("bpmnElement") for el in tree.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert nodes and nodes <= shapes, f"no shape for {sorted(nodes - shapes)}"
    assert flows and flows <= edges, f"no edge for {sorted(flows - edges)}"
    for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_elements_have_chinese_names_and_english_ids(path):
    tree = xmlsafe.parse(path.name, path.read_bytes())
    named = [el for tag in ("userTask", "callActivity", "serviceTask", "businessRuleTask", "lane", "process")
             for el in tree.iterfind(f".//bpmn:{tag}", NS)]
    assert len(named) > 3, f"{path.name}: no named elements found"
    for el in named:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", el.get("id")), el.get("id")
        assert re.search(r"[\u4e00-\u9fff]", el.get("name", "")), f"{path.name}: {el.get('id')} has no Chinese name"


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_time_limits_are_written_with_the_calendar_functions(path):
    """Every limit is an expression a process owner can edit, never a hidden constant."""
    tree = xmlsafe.parse(path.name, path.read_bytes())
    timers = list(tree.iterfind(".//bpmn:timerEventDefinition/*", NS))
    assert timers, f"{path.name} has no time limit"
    # a limit set once in a script (``entry_due = hours_after(accepted_at, 2)``) and named by a timer
    scripts = "\n".join(el.text or "" for el in tree.iterfind(".//bpmn:script", NS))
    limits = set(re.findall(r"^(\w+) = (?:minutes|hours|days|working_days)(?:_after)?\(", scripts, re.M))
    for el in (t for t in timers if t.text not in limits):
        assert re.search(r"(minutes|hours|days|working_days)(_after)?\(|end_of_day\(agreed_|\"R/P\d+D\"", el.text), \
            f"{path.name}: timer {etree.QName(el).localname} {el.text}"
