"""Tiny BPMN documents for deployment tests: one lane, one user task, and a slot for variations."""
from __future__ import annotations

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="d" targetNamespace="t">\n')


def process(body: str = "", *, process_id: str = "p", lane: str = "front_desk", prolog: str = "",
            task_extra: str = "", after_task: str = '<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />',
            lane_refs: tuple[str, ...] = ()) -> bytes:
    """``lane_refs``: further user tasks (in ``after_task`` or ``body``) in the same lane."""
    pid = f' id="{process_id}"' if process_id else ""
    refs = "".join(f"<bpmn:flowNodeRef>{ref}</bpmn:flowNodeRef>" for ref in ("t", *lane_refs))
    return (prolog + HEAD + f'''  <bpmn:process{pid} isExecutable="true">
    <bpmn:laneSet id="ls"><bpmn:lane id="l" name="{lane}">{refs}</bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" name="Task">{task_extra}</bpmn:userTask>
    {after_task}
    <bpmn:endEvent id="e" />
{body}
  </bpmn:process>
</bpmn:definitions>
''').encode()


def script(text: str) -> bytes:
    """A process whose user task is followed by a script task running ``text``."""
    return process(after_task=f'''<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="sc" />
    <bpmn:scriptTask id="sc"><bpmn:script>{text}</bpmn:script></bpmn:scriptTask>
    <bpmn:sequenceFlow id="f3" sourceRef="sc" targetRef="e" />''')


def boundary_timer(expression: str, kind: str = "timeDuration") -> bytes:
    return process(f'''    <bpmn:boundaryEvent id="late" attachedToRef="t" cancelActivity="false">
      <bpmn:timerEventDefinition id="td"><bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>''')
