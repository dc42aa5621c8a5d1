"""The whole layout of one file: grid, routes, coordinates, labels, DI."""
from __future__ import annotations

from lxml import etree

from tools.bpmn_layout import di
from tools.bpmn_layout.labels import place_labels
from tools.bpmn_layout.layers import grid
from tools.bpmn_layout.model import read_model
from tools.bpmn_layout.place import place
from tools.bpmn_layout.routes import plan, points, simplify


def relayout(text: str) -> str:
    """The file's text with its BPMNDiagram recomputed from the semantics; deterministic for one input."""
    model = read_model(etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True)))
    g = grid(model)
    plans, tracks = plan(model, g)
    placement = place(model, g, tracks)
    routes = {p.flow.id: simplify(points(p, placement, tracks)) for p in plans}
    labels = place_labels(model, placement.boxes, placement.labels, routes)
    section = di.diagram(model, placement.pool, placement.lanes, placement.boxes, labels, routes)
    return di.splice(text, section)
