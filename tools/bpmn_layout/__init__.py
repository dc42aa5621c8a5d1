"""Recompute the BPMN DI of a process file from its semantics, the way a careful modeler draws it.

``python -m tools.bpmn_layout processes/*.bpmn processes/*.dmn`` rewrites only the ``<bpmndi:BPMNDiagram>``
section of each BPMN file (the ``<dmndi:DMNDI>`` section of a DMN file); every byte of the process semantics,
lanes included, stays as the process owners wrote it. The same input always gives the same drawing.

The rules, module by module:

- layers: a node's column is the longest loop-free path from the start (a depth-first walk marks the flows
  that close loops and leaves them out); a boundary event shares its host's column. Lanes run top to bottom
  in the order they first act, so the start event's lane comes first. In each column the branch that runs
  furthest right is placed first, and a node takes the row of the step before it (a boundary event's path the
  row below its host), so the main path stays straight and on top.
- place: lanes are horizontal bands as tall as their rows; a row is as tall as a task plus what hangs below
  it (labels, boundary events and theirs) plus a channel for the edges running along it; columns are as wide
  as their widest node, and the gaps between them as wide as the edges they carry. Boundary events sit on
  their host's bottom edge, one slot each with the label to the right of the event; a host with several
  timers is made wide enough for all of them.
- routes: every edge is orthogonal; it leaves its source to the right (a boundary event downward), turns
  only in the empty gaps between columns and runs sideways only along a row's free cells or in a channel
  between rows, and enters its target from the left. Each edge has its own track in a gap or channel; edges
  leaving a column keep left of edges entering the next one.
- labels: events' and gateways' labels go under (else above, else beside) their shape, flows' labels beside
  their own segment (after the fan-out of a gateway), each at the first spot clear of every shape, label and
  edge.
- dmn: a DMN file's decisions drawn left to right in a DRD.
"""
