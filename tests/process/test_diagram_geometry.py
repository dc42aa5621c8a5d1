"""The diagrams as a reader sees them: no overlap, no edge through a shape, no hidden label, in every file.

Kept apart from the layout tool on purpose: the test measures the drawings with its own rules, so a bug in
the tool cannot hide itself. Label sizes are estimated like bpmn-js draws them (11 px text, CJK glyphs
about one em wide), so a label box too small for its text counts as a problem too."""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from runtime import xmlsafe
from runtime.bpmn_ns import NS
from runtime.config import PROJECT_ROOT

DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
FLOW_NODES = ("startEvent", "endEvent", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent", "manualTask", "task")
LABELLED = ("Event", "Gateway")  # elements whose name bpmn-js draws outside the shape
END_TOLERANCE = 3  # an edge may touch its own ends; a shape is entered only this much
LINE_HEIGHT = 14


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    def overlaps(self, other: Box, margin: float = 0) -> bool:
        """True when the interiors meet (touching edges do not count)."""
        return (self.x + margin < other.x + other.w and other.x + margin < self.x + self.w
                and self.y + margin < other.y + other.h and other.y + margin < self.y + self.h)

    def contains(self, other: Box, slack: float = 0.5) -> bool:
        return (self.x - slack <= other.x and other.x + other.w <= self.x + self.w + slack
                and self.y - slack <= other.y and other.y + other.h <= self.y + self.h + slack)

    def shrunk(self, by: float) -> Box:
        return Box(self.x + by, self.y + by, self.w - 2 * by, self.h - 2 * by)


def text_width(text: str) -> float:
    """bpmn-js's 11 px Arial: a CJK glyph is about 11 px, a Latin one about 6."""
    return sum(11.5 if ord(ch) > 0x2E80 else 6.5 for ch in text)


def text_fits(text: str, box: Box) -> bool:
    """Whether ``text`` wrapped at the box's width fits its height (one line of slack)."""
    lines = max(1, math.ceil(text_width(text) / max(box.w, 1)))
    return lines * LINE_HEIGHT <= box.h + LINE_HEIGHT


def segment_cuts(p: tuple[float, float], q: tuple[float, float], box: Box) -> bool:
    """Whether an axis-parallel segment runs through the box's interior."""
    inner = box.shrunk(END_TOLERANCE)
    if inner.w <= 0 or inner.h <= 0:
        return False
    lo_x, hi_x, lo_y, hi_y = min(p[0], q[0]), max(p[0], q[0]), min(p[1], q[1]), max(p[1], q[1])
    return lo_x < inner.x + inner.w and inner.x < hi_x and lo_y < inner.y + inner.h and inner.y < hi_y or (
        lo_x == hi_x and inner.x < lo_x < inner.x + inner.w and lo_y < inner.y + inner.h and inner.y < hi_y) or (
        lo_y == hi_y and inner.y < lo_y < inner.y + inner.h and lo_x < inner.x + inner.w and inner.x < hi_x)


@dataclass
class Diagram:
    """A file's flow nodes, flows, lanes and their DI."""
    kinds: dict[str, str]
    names: dict[str, str]
    hosts: dict[str, str]
    lanes: dict[str, str]  # flow node -> lane id
    flows: dict[str, tuple[str, str]]
    shapes: dict[str, Box]
    edges: dict[str, list[tuple[float, float]]]
    labels: dict[str, Box]


def _bounds(el: etree._Element | None) -> Box | None:
    if el is None:
        return None
    return Box(*(float(el.get(k, "0")) for k in ("x", "y", "width", "height")))


def read(path: Path) -> Diagram:
    """Parse a BPMN file's semantics and DI."""
    tree = xmlsafe.parse(path.name, path.read_bytes())
    nodes = [el for tag in FLOW_NODES for el in tree.iterfind(f".//bpmn:process//bpmn:{tag}", NS)]
    lanes = {ref.text.strip(): lane.get("id") for lane in tree.iterfind(".//bpmn:lane", NS)
             for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}
    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in tree.iterfind(".//bpmn:sequenceFlow", NS)}
    names = {el.get("id"): el.get("name") or "" for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
    shapes, labels, edges = {}, {}, {}
    for shape in tree.iterfind(".//bpmndi:BPMNShape", NS):
        shapes[shape.get("bpmnElement")] = _bounds(shape.find(f"{DC}Bounds"))
        label = _bounds(shape.find(f"bpmndi:BPMNLabel/{DC}Bounds", NS))
        if label:
            labels[shape.get("bpmnElement")] = label
    for edge in tree.iterfind(".//bpmndi:BPMNEdge", NS):
        edges[edge.get("bpmnElement")] = [(float(w.get("x")), float(w.get("y"))) for w in edge.iter(f"{DI}waypoint")]
        label = _bounds(edge.find(f"bpmndi:BPMNLabel/{DC}Bounds", NS))
        if label:
            labels[edge.get("bpmnElement")] = label
    return Diagram(kinds={el.get("id"): etree.QName(el).localname for el in nodes}, names=names,
                   hosts={el.get("id"): el.get("attachedToRef") for el in nodes if el.get("attachedToRef")},
                   lanes=lanes, flows=flows, shapes=shapes, edges=edges, labels=labels)


def missing_di(d: Diagram) -> list[str]:
    """Every flow node needs a shape and every flow an edge, or a modeler draws nothing for it."""
    return ([f"{n}: no shape" for n in d.kinds if n not in d.shapes]
            + [f"{f}: no edge" for f in d.flows if len(d.edges.get(f, [])) < 2])


def overlapping_shapes(d: Diagram) -> list[str]:
    """Two flow nodes drawn on each other; a boundary event may sit only on its own host's border."""
    ids = sorted(n for n in d.kinds if n in d.shapes)
    found = []
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            if d.hosts.get(a) == b or d.hosts.get(b) == a:
                continue
            if d.shapes[a].overlaps(d.shapes[b]):
                found.append(f"shapes {a} and {b} overlap")
    return found


def shapes_outside_lanes(d: Diagram) -> list[str]:
    """A node is drawn inside the band of the lane it belongs to; a boundary event centred on its host's border."""
    found = []
    for node, kind in d.kinds.items():
        box = d.shapes.get(node)
        if box is None:
            continue
        if kind == "boundaryEvent":
            host = d.shapes.get(d.hosts[node])
            cx, cy = box.x + box.w / 2, box.y + box.h / 2
            on_border = host is not None and host.x <= cx <= host.x + host.w and host.y <= cy <= host.y + host.h and (
                min(abs(cx - host.x), abs(cx - host.x - host.w), abs(cy - host.y), abs(cy - host.y - host.h)) <= 1)
            if not on_border:
                found.append(f"boundary event {node} is not on the border of {d.hosts[node]}")
            continue
        lane = d.lanes.get(node)
        if lane is None:
            found.append(f"{node} is in no lane")
        elif lane in d.shapes and not d.shapes[lane].contains(box):
            found.append(f"{node} is drawn outside its lane {lane}")
    return found


def edges_through_shapes(d: Diagram) -> list[str]:
    """Edges are orthogonal and pass through no shape other than their own ends."""
    found = []
    for flow, points in sorted(d.edges.items()):
        ends = set(d.flows.get(flow, ()))
        for p, q in zip(points, points[1:], strict=False):
            if p[0] != q[0] and p[1] != q[1]:
                found.append(f"{flow}: segment {p}->{q} is not orthogonal")
            for node in d.kinds:
                if node not in ends and node in d.shapes and segment_cuts(p, q, d.shapes[node]):
                    found.append(f"{flow} runs through {node}")
    return sorted(set(found))


def _on_border(point: tuple[float, float], box: Box, slack: float = 2) -> bool:
    x, y = point
    inside = box.x - slack <= x <= box.x + box.w + slack and box.y - slack <= y <= box.y + box.h + slack
    return inside and min(abs(x - box.x), abs(x - box.x - box.w), abs(y - box.y), abs(y - box.y - box.h)) <= slack


def loose_edges(d: Diagram) -> list[str]:
    """An edge starts on its source's outline and ends on its target's, so it reads as connecting them."""
    found = []
    for flow, (source, target) in sorted(d.flows.items()):
        points = d.edges.get(flow, [])
        if len(points) < 2 or source not in d.shapes or target not in d.shapes:
            continue
        if not _on_border(points[0], d.shapes[source]):
            found.append(f"{flow} does not start on {source}")
        if not _on_border(points[-1], d.shapes[target]):
            found.append(f"{flow} does not end on {target}")
    return found


def lanes_out_of_pool(d: Diagram) -> list[str]:
    """Lanes are bands of the pool that do not overlap."""
    lanes = sorted(set(d.lanes.values()))
    pool = [box for element, box in d.shapes.items() if element.startswith("participant")]
    found = [f"lane {lane} lies outside the pool" for lane in lanes
             if lane in d.shapes and pool and not pool[0].contains(d.shapes[lane])]
    for i, a in enumerate(lanes):
        found += [f"lanes {a} and {b} overlap" for b in lanes[i + 1:]
                  if a in d.shapes and b in d.shapes and d.shapes[a].overlaps(d.shapes[b])]
    return found


def _runs(points: list[tuple[float, float]]) -> list[tuple[str, float, float, float]]:
    """An edge's segments as (axis, position, from, to): ('h', y, x1, x2) or ('v', x, y1, y2)."""
    runs = []
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        if ay == by:
            runs.append(("h", ay, min(ax, bx), max(ax, bx)))
        elif ax == bx:
            runs.append(("v", ax, min(ay, by), max(ay, by)))
    return runs


def edges_on_each_other(d: Diagram) -> list[str]:
    """Two flows that share no end never run on the same line: a reader could not tell them apart."""
    flows = sorted(f for f in d.flows if f in d.edges)
    runs = {f: _runs(d.edges[f]) for f in flows}
    found = []
    for i, a in enumerate(flows):
        for b in flows[i + 1:]:
            if set(d.flows[a]) & set(d.flows[b]):
                continue
            if any(ra[0] == rb[0] and ra[1] == rb[1] and min(ra[3], rb[3]) - max(ra[2], rb[2]) > 2
                   for ra in runs[a] for rb in runs[b]):
                found.append(f"{a} and {b} run on each other")
    return found


def default_label(d: Diagram, element: str) -> Box | None:
    """Where bpmn-js puts a label the DI does not place: under an event or gateway, at a flow's middle."""
    text = d.names.get(element, "")
    if not text:
        return None
    lines = max(1, math.ceil(text_width(text) / 90))
    if element in d.edges:
        points = d.edges[element]
        mid = len(points) // 2
        (ax, ay), (bx, by) = points[mid - 1], points[mid]
        return Box((ax + bx) / 2 - 45, (ay + by) / 2 - 7 * lines, 90, LINE_HEIGHT * lines)
    box = d.shapes.get(element)
    if box is None or not d.kinds.get(element, "").endswith(LABELLED):
        return None
    return Box(box.x + box.w / 2 - 45, box.y + box.h + 5, 90, LINE_HEIGHT * lines)


def label_boxes(d: Diagram) -> dict[str, Box]:
    labels = {}
    for element in [*d.kinds, *d.flows]:
        box = d.labels.get(element) if d.names.get(element) else None
        labels[element] = box or default_label(d, element)  # type: ignore[assignment]
    return {k: v for k, v in labels.items() if v is not None}


def hidden_labels(d: Diagram) -> list[str]:
    """Labels sit clear of every shape and of each other, in a box big enough for their text."""
    labels = label_boxes(d)
    found = [f"label of {e} is too small for its text" for e, box in labels.items()
             if e in d.labels and not text_fits(d.names[e], box)]
    for element, box in sorted(labels.items()):
        found += [f"label of {element} overlaps {node}" for node in d.kinds
                  if node in d.shapes and box.overlaps(d.shapes[node], margin=1)]
    ids = sorted(labels)
    for i, a in enumerate(ids):
        found += [f"labels of {a} and {b} overlap" for b in ids[i + 1:] if labels[a].overlaps(labels[b], margin=1)]
    return found


def labels_under_edges(d: Diagram) -> list[str]:
    """No edge runs through a label (a flow's own label may sit on its own line, as bpmn-js draws it)."""
    found = []
    for element, box in sorted(label_boxes(d).items()):
        for flow, points in sorted(d.edges.items()):
            if flow != element and any(segment_cuts(p, q, box.shrunk(-END_TOLERANCE))
                                       for p, q in zip(points, points[1:], strict=False)):
                found.append(f"{flow} runs through the label of {element}")
    return found


CHECKS = (missing_di, overlapping_shapes, shapes_outside_lanes, lanes_out_of_pool, edges_through_shapes, loose_edges,
          edges_on_each_other, hidden_labels, labels_under_edges)


def problems(path: Path) -> list[str]:
    """Everything a careful modeler would fix in the file's drawing, each naming the elements."""
    d = read(path)
    return [problem for check in CHECKS for problem in check(d)]


PROCESSES = PROJECT_ROOT / "processes"
DIAGRAMS = sorted(PROCESSES.glob("*.bpmn"))
# Who gets each user task is the lane it sits in (runtime/roles.py): a re-drawn diagram must keep every one.
USER_TASK_LANES = {
    "complaint.bpmn": {"alert_site_manager": "lane_site", "contact_customer": "lane_front_desk",
                       "dispatch_reminder": "lane_duty", "explain": "lane_front_desk",
                       "forward_external": "lane_front_desk", "report_gm": "lane_gm", "take_over": "lane_site",
                       "track_fix": "lane_front_desk", "triage": "lane_front_desk",
                       "weekly_progress": "lane_front_desk"},
    "complaint_closing.bpmn": {"await_reply": "lane_front_desk", "callback": "lane_front_desk",
                               "callback_reminder": "lane_cs_manager", "confirm": "lane_site",
                               "post_reply": "lane_front_desk"},
    "complaint_collective.bpmn": {"plan": "lane_site", "reply": "lane_gm"},
    "complaint_crisis.bpmn": {"form_team": "lane_crisis", "inform_leadership": "lane_gm",
                              "initial_response_late": "lane_gm", "legal_assessment": "lane_legal",
                              "media_response": "lane_crisis", "onsite": "lane_site", "review": "lane_crisis",
                              "statement_late": "lane_gm"},
    "complaint_major.bpmn": {"approve": "lane_site", "assessment": "lane_department", "carry_out": "lane_department",
                             "inform_gm": "lane_gm", "inform_site": "lane_site", "investigate": "lane_department",
                             "legal_opinion": "lane_legal", "major_overdue": "lane_gm", "plan": "lane_department"},
    "complaint_normal.bpmn": {"coordinate": "lane_cs_manager", "duty_review": "lane_duty",
                              "first_reply": "lane_front_desk", "handle": "lane_department",
                              "reply_reminder": "lane_cs_manager", "rereply": "lane_front_desk",
                              "rereply_reminder": "lane_cs_manager", "supervise": "lane_duty"},
    "shift_review.bpmn": {"review": "lane_duty", "review_late_notice": "lane_cs"},
}


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_the_drawing_has_no_overlap_crossing_or_hidden_label(path):
    found = problems(path)
    assert found == [], f"{path.name}: {len(found)} problems:\n" + "\n".join(found)


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_user_task_stays_in_the_lane_of_its_role(path):
    d = read(path)
    assert {n: d.lanes.get(n) for n, kind in d.kinds.items() if kind == "userTask"} == USER_TASK_LANES[path.name]


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_the_committed_drawing_is_what_the_layout_tool_draws(path):
    """Re-running ``python -m tools.bpmn_layout`` changes nothing: the drawings are reproducible, and a
    process owner's edit is re-laid out by the same rules."""
    from tools.bpmn_layout.layout import relayout

    text = path.read_text(encoding="utf-8")
    assert relayout(text) == text, f"{path.name}: run python -m tools.bpmn_layout processes/{path.name}"
