"""Columns and rows turned into coordinates: each lane a horizontal band sized to its rows, each node
centred in its cell, boundary events spaced along their host's bottom edge with their labels beside them."""
from __future__ import annotations

from dataclasses import dataclass

from tools.bpmn_layout.layers import Grid
from tools.bpmn_layout.model import EVENT_SIZE, GATEWAY_SIZE, TASK_H, TASK_W, Model, Node
from tools.bpmn_layout.routes import TRACK, Tracks, global_row
from tools.bpmn_layout.text import label_size

Box = tuple[int, int, int, int]  # x, y, width, height
POOL_X, POOL_Y, HEADER = 60, 60, 30  # the pool's and each lane's name band on the left
GAP_MARGIN, CHANNEL_MARGIN = 40, 18
BOUNDARY_SLOT, BOUNDARY_INSET, BOUNDARY_LABEL, LANE_PAD = 124, 12, 76, 20


@dataclass
class Placement:
    boxes: dict[str, Box]
    gap_x: dict[int, int]  # gap index -> x of its first track
    channel_y: dict[int, int]  # global row -> y of its channel's first track
    row_center: dict[int, int]
    lanes: dict[str, Box]
    pool: Box
    labels: dict[str, Box]  # boundary events' labels, fixed beside them


def size(node: Node) -> tuple[int, int]:
    """Events and gateways at bpmn-js's sizes; a task wide enough for its boundary events and their labels."""
    if node.is_event:
        return EVENT_SIZE, EVENT_SIZE
    if node.is_gateway:
        return GATEWAY_SIZE, GATEWAY_SIZE
    slots = len(node.boundaries)
    return max(TASK_W, BOUNDARY_INSET + slots * BOUNDARY_SLOT), TASK_H


def below(model: Model, node: Node) -> int:
    """How far below its row's task band a node's drawing reaches (its label, its boundary events' labels)."""
    if node.boundaries:
        return max(EVENT_SIZE // 2 + 4 + label_size(model.nodes[b].name, BOUNDARY_LABEL)[1] for b in node.boundaries)
    if node.is_event or node.is_gateway:
        h = size(node)[1]
        return max(0, (TASK_H + h) // 2 + 6 + (label_size(node.name)[1] if node.name else 0) - TASK_H)
    return 0


def _gap_width(tracks: Tracks, index: int) -> int:
    return 2 * GAP_MARGIN + TRACK * max(0, len(tracks.gaps.get(index, [])) - 1)


def place(model: Model, g: Grid, tracks: Tracks) -> Placement:
    columns = 1 + max(g.column.values())
    widths = [max((size(model.nodes[n])[0] for n in g.column if g.column[n] == c), default=TASK_W)
              for c in range(columns)]
    gap_x, x = {}, POOL_X + 2 * HEADER
    for c in range(columns + 1):
        gap_x[c] = x + GAP_MARGIN
        x += _gap_width(tracks, c) + (widths[c] if c < columns else 0)
    col_x = {c: gap_x[c] - GAP_MARGIN + _gap_width(tracks, c) for c in range(columns)}
    right = x
    by_row: dict[int, list[str]] = {}
    for n in g.column:
        by_row.setdefault(global_row(model, g, n), []).append(n)
    row_top, channel_y, lanes, y, r = {}, {}, {}, POOL_Y, 0
    for lane in g.lanes:
        lane_top = y
        y += LANE_PAD
        for _ in range(g.rows_per_lane[lane]):
            row_top[r] = y
            y += TASK_H + max([below(model, model.nodes[n]) for n in by_row.get(r, [])], default=0)
            channel_y[r] = y + CHANNEL_MARGIN
            y += 2 * CHANNEL_MARGIN + TRACK * max(0, len(tracks.channels.get(r, [])) - 1)
            r += 1
        lanes[lane] = (POOL_X + HEADER, lane_top, right - POOL_X - HEADER, y - lane_top)
    boxes: dict[str, Box] = {}
    for n in g.column:
        w, h = size(model.nodes[n])
        c, row = g.column[n], global_row(model, g, n)
        boxes[n] = (col_x[c] + (widths[c] - w) // 2, row_top[row] + (TASK_H - h) // 2, w, h)
    labels = _boundaries(model, boxes)
    return Placement(boxes=boxes, gap_x=gap_x, channel_y=channel_y,
                     row_center={r: top + TASK_H // 2 for r, top in row_top.items()}, lanes=lanes,
                     pool=(POOL_X, POOL_Y, right - POOL_X, y - POOL_Y), labels=labels)


def _boundaries(model: Model, boxes: dict[str, Box]) -> dict[str, Box]:
    """Boundary events left to right on the host's bottom edge, each label to the right of its event, so the
    flow leaving the event downward crosses neither."""
    labels = {}
    for node in model.nodes.values():
        hx, hy, _, hh = boxes.get(node.id, (0, 0, 0, 0))
        for i, b in enumerate(node.boundaries):
            bx = hx + BOUNDARY_INSET + i * BOUNDARY_SLOT
            boxes[b] = (bx, hy + hh - EVENT_SIZE // 2, EVENT_SIZE, EVENT_SIZE)
            if model.nodes[b].name:
                w, h = label_size(model.nodes[b].name, BOUNDARY_LABEL)
                labels[b] = (bx + EVENT_SIZE + 4, hy + hh + 4, w, h)
    return labels
