"""The ``<bpmndi:BPMNDiagram>`` section written as text and spliced into the file, so every byte outside it
(the process owners' semantics, their formatting included) stays exactly as it was."""
from __future__ import annotations

import re
from xml.sax.saxutils import quoteattr

from tools.bpmn_layout.model import Model
from tools.bpmn_layout.place import Box

Point = tuple[int, int]
DIAGRAM = re.compile(r"<bpmndi:BPMNDiagram\b.*?</bpmndi:BPMNDiagram>", re.S)


def _bounds(box: Box, indent: str) -> str:
    x, y, w, h = box
    return f'{indent}<dc:Bounds x="{x}" y="{y}" width="{w}" height="{h}"/>'


def _label(box: Box | None, indent: str) -> list[str]:
    if box is None:
        return []
    return [f"{indent}<bpmndi:BPMNLabel>", _bounds(box, indent + "  "), f"{indent}</bpmndi:BPMNLabel>"]


def _shape(element: str, box: Box, label: Box | None, extra: str = "") -> list[str]:
    head = f"      <bpmndi:BPMNShape id={quoteattr(element + '_di')} bpmnElement={quoteattr(element)}{extra}>"
    return [head, _bounds(box, "        "), *_label(label, "        "), "      </bpmndi:BPMNShape>"]


def _edge(flow: str, route: list[Point], label: Box | None) -> list[str]:
    lines = [f"      <bpmndi:BPMNEdge id={quoteattr(flow + '_di')} bpmnElement={quoteattr(flow)}>"]
    lines += [f'        <di:waypoint x="{x}" y="{y}"/>' for x, y in route]
    return [*lines, *_label(label, "        "), "      </bpmndi:BPMNEdge>"]


def diagram(model: Model, pool: Box, lanes: dict[str, Box], boxes: dict[str, Box], labels: dict[str, Box],
            routes: dict[str, list[Point]]) -> str:
    """The DI text: pool, lanes (top to bottom), flow nodes and flows in document order."""
    lines = [f"<bpmndi:BPMNDiagram id={quoteattr(model.diagram_id)}>",
             f"    <bpmndi:BPMNPlane id={quoteattr(model.plane_id)} bpmnElement={quoteattr(model.collaboration)}>",
             *_shape(model.participant, pool, None, ' isHorizontal="true"')]
    for lane, box in lanes.items():
        lines += _shape(lane, box, None, ' isHorizontal="true"')
    for node in model.nodes.values():
        marker = ' isMarkerVisible="true"' if node.kind == "exclusiveGateway" else ""
        lines += _shape(node.id, boxes[node.id], labels.get(node.id), marker)
    for flow in model.flows:
        lines += _edge(flow.id, routes[flow.id], labels.get(flow.id))
    return "\n".join([*lines, "    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"])


def splice(text: str, section: str) -> str:
    """Replace the file's one BPMNDiagram section with ``section``."""
    if len(DIAGRAM.findall(text)) != 1:
        raise ValueError("expected exactly one <bpmndi:BPMNDiagram> section")
    return DIAGRAM.sub(lambda _: section, text)
