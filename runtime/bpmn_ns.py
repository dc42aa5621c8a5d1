"""The XML namespaces of the process files, named once for every module that reads BPMN."""
from __future__ import annotations

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "spiffworkflow": SPIFF}  # prefixes for find() / iterfind()
PREFIXES = {f"{{{uri}}}": f"{prefix}:" for prefix, uri in NS.items()}  # Clark notation -> prefix


def tag(name: str) -> str:
    """A BPMN element's tag in Clark notation, e.g. ``tag("userTask")``."""
    return f"{{{BPMN}}}{name}"
