"""Labels of events, gateways and flows, each at the first of a few customary spots that clears every
shape and every label already placed (and, if it can, every edge)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tools.bpmn_layout.model import Model
from tools.bpmn_layout.place import Box
from tools.bpmn_layout.text import label_size

Point = tuple[int, int]
CLEARANCE = 3


def _hits(a: Box, b: Box, margin: int = CLEARANCE) -> bool:
    return (a[0] < b[0] + b[2] + margin and b[0] < a[0] + a[2] + margin
            and a[1] < b[1] + b[3] + margin and b[1] < a[1] + a[3] + margin)


def _crosses(box: Box, route: list[Point]) -> bool:
    for (ax, ay), (bx, by) in zip(route, route[1:], strict=False):
        seg = (min(ax, bx), min(ay, by), abs(bx - ax), abs(by - ay))
        if _hits(box, seg, 1):
            return True
    return False


def _choose(spots: Iterable[Box], taken: list[Box], routes: list[list[Point]]) -> Box | None:
    """The first spot clear of everything, else the first clear of shapes and labels, else None."""
    clear = [s for s in spots if not any(_hits(s, t) for t in taken)]
    for spot in clear:
        if not any(_crosses(spot, r) for r in routes):
            return spot
    return clear[0] if clear else None


def _node_spots(box: Box, w: int, h: int) -> list[Box]:
    x, y, bw, bh = box
    cx = x + bw // 2
    return [(cx - w // 2, y + bh + 4, w, h), (cx - w // 2, y - h - 4, w, h), (x + bw + 4, y + bh + 2, w, h),
            (x - w - 4, y + bh + 2, w, h), (x + bw + 4, y - h - 2, w, h), (x - w - 4, y - h - 2, w, h)]


def _steps(first: int, last: int, step: int) -> list[int]:
    """Positions from ``first`` to ``last`` (or just ``first`` when the room is short)."""
    return list(range(first, max(first, last) + 1, step))


def _edge_spots(route: list[Point], w: int, h: int, shared_start: bool) -> list[Box]:
    """Spots beside each segment, from the source on; when the source has other flows leaving by the same
    first segment, the segments after the first turn come first, so a label is read with its own edge."""
    segments = list(zip(route, route[1:], strict=False))
    if shared_start and len(segments) > 1:
        segments = segments[1:] + segments[:1]
    spots = []
    for (ax, ay), (bx, by) in segments:
        if ay == by and abs(bx - ax) >= 24:
            for x in _steps(min(ax, bx) + 8, max(ax, bx) - w - 8, 30):
                spots += [(x, ay - h - 3, w, h), (x, ay + 3, w, h)]
        elif ax == bx and abs(by - ay) >= h + 8:
            for y in _steps(min(ay, by) + 6, max(ay, by) - h - 6, 20):
                spots += [(ax + 5, y, w, h), (ax - w - 5, y, w, h)]
    return spots


def place_labels(model: Model, boxes: dict[str, Box], fixed: dict[str, Box],
                 routes: dict[str, list[Point]]) -> dict[str, Box]:
    """Event and gateway labels first (beside their shape), then flow labels (along their edge)."""
    labels = dict(fixed)
    taken = [*boxes.values(), *fixed.values()]
    all_routes = list(routes.values())
    for node in model.nodes.values():
        if node.name and not node.host and (node.is_event or node.is_gateway):
            w, h = label_size(node.name)
            spot = _choose(_node_spots(boxes[node.id], w, h), taken, all_routes)
            if spot:
                labels[node.id] = spot
                taken.append(spot)
    fan_out = Counter(flow.source for flow in model.flows)
    for flow in model.flows:
        if flow.name:
            w, h = label_size(flow.name)
            spot = _choose(_edge_spots(routes[flow.id], w, h, fan_out[flow.source] > 1), taken, all_routes)
            if spot:
                labels[flow.id] = spot
                taken.append(spot)
    return labels
