"""The part of a BPMN file the layout needs: flow nodes, their lanes and sizes, flows, boundary hosts."""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
EVENT_SIZE, GATEWAY_SIZE, TASK_W, TASK_H = 36, 50, 110, 80
FLOW_NODES = frozenset({"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
                        "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
                        "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
                        "inclusiveGateway", "eventBasedGateway", "complexGateway"})


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str
    host: str | None = None
    boundaries: list[str] = field(default_factory=list)

    @property
    def is_event(self) -> bool:
        return self.kind.endswith("Event")

    @property
    def is_gateway(self) -> bool:
        return self.kind.endswith("Gateway")


@dataclass
class Flow:
    id: str
    name: str
    source: str
    target: str


@dataclass
class Model:
    """One process in its pool: lanes in document order, nodes and flows in document order."""
    collaboration: str
    participant: str
    diagram_id: str
    plane_id: str
    lanes: list[tuple[str, str]]
    nodes: dict[str, Node]
    flows: list[Flow]


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def read_model(root: etree._Element) -> Model:
    """Read the single pool, its lanes, flow nodes and sequence flows from a parsed definitions element."""
    process = root.find(f"{BPMN}process")
    participant = root.find(f"{BPMN}collaboration/{BPMN}participant")
    diagram = root.find(f"{BPMNDI}BPMNDiagram")
    if process is None or participant is None or diagram is None:
        raise ValueError("expected one process in a pool, with a BPMNDiagram")
    lanes = [(lane.get("id"), lane.get("name") or "") for lane in process.iter(f"{BPMN}lane")]
    lane_of = {ref.text.strip(): lane.get("id") for lane in process.iter(f"{BPMN}lane")
               for ref in lane.iter(f"{BPMN}flowNodeRef") if ref.text}
    nodes: dict[str, Node] = {}
    for el in process:
        if not isinstance(el.tag, str) or _local(el) not in FLOW_NODES:
            continue
        nodes[el.get("id")] = Node(el.get("id"), _local(el), el.get("name") or "", lane_of.get(el.get("id"), ""),
                                   el.get("attachedToRef"))
    for node in nodes.values():
        if node.host:
            nodes[node.host].boundaries.append(node.id)
            node.lane = nodes[node.host].lane  # drawn on its host, whatever lane lists it
    unlaned = sorted(n.id for n in nodes.values() if n.lane not in {lane for lane, _ in lanes})
    if unlaned:
        raise ValueError(f"flow nodes in no lane (a lane names the role that acts): {', '.join(unlaned)}")
    flows = [Flow(f.get("id"), f.get("name") or "", f.get("sourceRef"), f.get("targetRef"))
             for f in process.findall(f"{BPMN}sequenceFlow")]
    plane = diagram.find(f"{BPMNDI}BPMNPlane")
    return Model(collaboration=participant.getparent().get("id"), participant=participant.get("id"),
                 diagram_id=diagram.get("id"), plane_id=plane.get("id") if plane is not None else "plane",
                 lanes=lanes, nodes=nodes, flows=flows)
