"""Orthogonal edges through the empty gaps between columns and the channels between rows.

A route is planned on the grid first (which gap, which channel), so the gaps and channels can be made
wide enough for the tracks they carry; the coordinates follow once the columns and rows are placed."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tools.bpmn_layout.layers import Grid
from tools.bpmn_layout.model import Flow, Model

if TYPE_CHECKING:
    from tools.bpmn_layout.place import Placement

TRACK = 12


@dataclass
class Plan:
    """One edge: the gaps its vertical runs use (index, track key), the channel of its horizontal run."""
    flow: Flow
    kind: str  # straight | gap | channel | drop
    gaps: list[tuple[int, str]] = field(default_factory=list)
    channel: int | None = None


@dataclass
class Tracks:
    """Track keys in use per gap and per channel, in the order first used."""
    gaps: dict[int, list[str]] = field(default_factory=dict)
    channels: dict[int, list[str]] = field(default_factory=dict)

    def gap(self, index: int, key: str) -> None:
        keys = self.gaps.setdefault(index, [])
        if key not in keys:
            keys.append(key)

    def channel(self, index: int, key: str) -> None:
        self.channels.setdefault(index, []).append(key)

    def gap_track(self, index: int, key: str) -> int:
        """A key's track in a gap: the tracks of edges leaving the column on the left come first, so an
        edge leaving and one entering at the same height never run on each other."""
        keys = self.gaps[index]
        return sorted(keys, key=lambda k: (not k.startswith("src:"), keys.index(k))).index(key)


def global_row(model: Model, g: Grid, node: str) -> int:
    """Rows numbered top to bottom across all lanes."""
    lane = model.nodes[node].lane
    before = sum(g.rows_per_lane[lane_id] for lane_id in g.lanes[: g.lanes.index(lane)])
    return before + g.row[node]


def _free(occupied: set[tuple[int, int]], row: int, first: int, last: int) -> bool:
    return all((row, c) not in occupied for c in range(first, last + 1))


def plan(model: Model, g: Grid) -> tuple[list[Plan], Tracks]:
    """Choose each edge's path: straight along a row, one turn in a gap, or out through a channel."""
    occupied = {(global_row(model, g, n), g.column[n]) for n in g.column}
    tracks = Tracks()
    plans = []
    for flow in model.flows:
        source = model.nodes[flow.source]
        anchor = source.host or flow.source
        rs, cs = global_row(model, g, anchor), g.column[anchor]
        rt, ct = global_row(model, g, flow.target), g.column[flow.target]
        if source.host:
            p = Plan(flow, "drop", [(ct, f"tgt:{flow.target}")], rs)
        elif ct > cs and rs == rt and _free(occupied, rs, cs + 1, ct - 1):
            p = Plan(flow, "straight")
        elif ct > cs and rs != rt and _free(occupied, rt, cs, ct - 1):
            p = Plan(flow, "gap", [(cs + 1, f"src:{flow.source}")])
        elif ct > cs and rs != rt and _free(occupied, rs, cs + 1, ct):
            p = Plan(flow, "gap", [(ct, f"tgt:{flow.target}")])
        else:
            channel = rt - 1 if rt > rs else rt if rt < rs else rs
            p = Plan(flow, "channel", [(cs + 1, f"src:{flow.source}"), (ct, f"tgt:{flow.target}")], channel)
        for index, key in p.gaps:
            tracks.gap(index, key)
        if p.channel is not None:
            tracks.channel(p.channel, flow.id)
        plans.append(p)
    return plans, tracks


Point = tuple[int, int]


def points(p: Plan, place: Placement, tracks: Tracks) -> list[Point]:
    """The waypoints of a planned edge: it leaves its source to the right (a boundary event downward) and
    enters its target from the left."""
    sx, sy, sw, sh = place.boxes[p.flow.source]
    tx, ty, _, th = place.boxes[p.flow.target]
    start, end = (sx + sw, sy + sh // 2), (tx, ty + th // 2)
    xs = [place.gap_x[i] + TRACK * tracks.gap_track(i, key) for i, key in p.gaps]
    if p.kind == "straight":
        return [start, end]
    if p.kind == "gap":
        return [start, (xs[0], start[1]), (xs[0], end[1]), end]
    cy = place.channel_y[p.channel] + TRACK * tracks.channels[p.channel].index(p.flow.id)  # type: ignore[index]
    if p.kind == "drop":
        bottom = (sx + sw // 2, sy + sh)
        return [bottom, (bottom[0], cy), (xs[0], cy), (xs[0], end[1]), end]
    return [start, (xs[0], start[1]), (xs[0], cy), (xs[1], cy), (xs[1], end[1]), end]


def simplify(route: list[Point]) -> list[Point]:
    """Drop repeated and collinear waypoints, which modelers show as needless bend handles."""
    out: list[Point] = []
    for pt in route:
        if out and pt == out[-1]:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == pt[0] or out[-2][1] == out[-1][1] == pt[1]):
            out[-1] = pt
        else:
            out.append(pt)
    return out
