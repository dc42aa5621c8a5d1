"""Recompute the BPMN DI of a process file from its semantics: layered left to right, one band per lane,
orthogonal edges in the gaps between columns and rows, labels where they clear everything.

``python -m tools.bpmn_layout processes/*.bpmn`` rewrites only the ``<bpmndi:BPMNDiagram>`` section of each
file; every byte of the process semantics stays as the process owners wrote it."""
