"""Columns and rows: the longest path from the start gives a node's column (loops ignored), its lane and
the row of the step it follows give its row, so the main path runs straight from left to right."""
from __future__ import annotations

from dataclasses import dataclass

from tools.bpmn_layout.model import Model


@dataclass
class Grid:
    column: dict[str, int]  # flow node (not boundary event) -> column
    row: dict[str, int]  # flow node (not boundary event) -> row inside its lane
    lanes: list[str]  # lane ids, top to bottom
    rows_per_lane: dict[str, int]
    back_edges: set[str]  # flow ids that loop back


def successors(model: Model) -> dict[str, list[tuple[str, str]]]:
    """Each node's outgoing (flow id, target); a host leads to its boundary events (flow id '')."""
    out: dict[str, list[tuple[str, str]]] = {n: [] for n in model.nodes}
    for flow in model.flows:
        out[flow.source].append((flow.id, flow.target))
    for node in model.nodes.values():
        out[node.id] += [("", b) for b in node.boundaries]
    return out


def back_edges(model: Model, out: dict[str, list[tuple[str, str]]]) -> set[str]:
    """Flows that close a loop in a depth-first walk from the start events (document order)."""
    incoming = {f.target for f in model.flows}
    starts = [n for n, node in model.nodes.items() if n not in incoming and not node.host]
    state: dict[str, int] = {}
    found: set[str] = set()
    for start in starts + list(model.nodes):
        if start in state:
            continue
        stack = [(start, iter(out[start]))]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            step = next(it, None)
            if step is None:
                state[node] = 2
                stack.pop()
            elif state.get(step[1]) == 1:
                found.add(step[0])
            elif step[1] not in state:
                state[step[1]] = 1
                stack.append((step[1], iter(out[step[1]])))
    return found


def longest_path_layers(model: Model, out: dict[str, list[tuple[str, str]]], back: set[str]) -> dict[str, int]:
    """A node's layer: the longest loop-free path to it; a boundary event shares its host's layer."""
    layer = {n: 0 for n in model.nodes}
    indegree = {n: 0 for n in model.nodes}
    for steps in out.values():
        for flow, target in steps:
            if flow not in back:
                indegree[target] += 1
    ready = [n for n in model.nodes if indegree[n] == 0]
    while ready:
        node = ready.pop(0)
        for flow, target in out[node]:
            if flow in back:
                continue
            layer[target] = max(layer[target], layer[node] + (0 if flow == "" else 1))
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return layer


def lane_order(model: Model, layer: dict[str, int]) -> list[str]:
    """Lanes top to bottom by the first column they act in: the start event's lane comes first."""
    first = {lane: min((layer[n] for n, node in model.nodes.items() if node.lane == lane), default=10**6)
             for lane, _ in model.lanes}
    position = {lane: i for i, (lane, _) in enumerate(model.lanes)}
    return sorted(first, key=lambda lane: (first[lane], position[lane]))


def reach(out: dict[str, list[tuple[str, str]]], back: set[str], layer: dict[str, int]) -> dict[str, int]:
    """How far right the paths from each node run: the branch that runs furthest is the main path."""
    far: dict[str, int] = {}
    for node in sorted(layer, key=lambda n: -layer[n]):
        far[node] = max([layer[node], *(far.get(t, layer[t]) for f, t in out[node] if f not in back)])
    return far


def assign_rows(model: Model, layer: dict[str, int], back: set[str], far: dict[str, int]) -> dict[str, int]:
    """Column by column, the furthest-running branch first, a node takes the row of the step before it
    (below its host for a boundary path), or the next free row of its lane in that column."""
    preds: dict[str, list[str]] = {n: [] for n in model.nodes}
    for flow in model.flows:
        if flow.id not in back:
            preds[flow.target].append(flow.source)
    row: dict[str, int] = {}
    taken: set[tuple[str, int, int]] = set()
    order = sorted((n for n, node in model.nodes.items() if not node.host), key=lambda n: (layer[n], -far[n]))
    for n in order:
        lane = model.nodes[n].lane
        wanted = 0
        for p in preds[n]:
            source = model.nodes[p]
            anchor = source.host or p
            if model.nodes[anchor].lane == lane and anchor in row:
                wanted = row[anchor] + (1 if source.host else 0)
                break
        while (lane, layer[n], wanted) in taken:
            wanted += 1
        row[n] = wanted
        taken.add((lane, layer[n], wanted))
    return row


def grid(model: Model) -> Grid:
    out = successors(model)
    back = back_edges(model, out)
    layer = longest_path_layers(model, out, back)
    row = assign_rows(model, layer, back, reach(out, back, layer))
    lanes = lane_order(model, layer)
    rows = {lane: 1 + max((row[n] for n in row if model.nodes[n].lane == lane), default=0) for lane in lanes}
    return Grid(column={n: layer[n] for n in row}, row=row, lanes=lanes, rows_per_lane=rows, back_edges=back)
