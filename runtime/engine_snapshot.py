"""What the engine reports about a workflow after each run, as plain data for the projections and
the outbox: ready user tasks with their deadlines, notices (missed deadlines, reminders,
escalations), and the complaint's owner and severity. Owned by ``runtime.engine``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from runtime.engine_timers import attached_human_task


@dataclass(frozen=True)
class ReadyTask:
    id: str
    name: str
    title: str
    lane: str | None
    properties: dict[str, str]
    department: str | None
    due_at: datetime | None
    assignee: str | None = None


@dataclass(frozen=True)
class Notice:
    """Something people should hear about that happened while the engine ran.

    ``key`` is unique to this occurrence (a task id, or a cycle timer's id and period), so the
    notification outbox can refuse to say it twice.
    """

    kind: str  # breach | reminder | escalation
    key: str
    element_id: str
    name: str
    attached_task_id: str | None = None
    rule: str | None = None



SEVERITY_RANK = {"normal": 0, "major": 1, "crisis": 2}


def notice_of(task) -> Notice | None:
    """A completed catch event people hear about: a deadline (``slaRule`` timer) or an escalation."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    name = spec.bpmn_name or spec.bpmn_id
    rule = (spec.extensions or {}).get("properties", {}).get("slaRule")
    if rule and isinstance(definition, TimerEventDefinition):
        return Notice("breach", str(task.id), spec.bpmn_id, name, attached_human_task(task), rule)
    if isinstance(spec, CatchingEvent) and isinstance(definition, (EscalationEventDefinition, SignalEventDefinition)):
        return Notice("escalation", str(task.id), spec.bpmn_id, name, attached_human_task(task))
    return None


def reminders(before: dict[str, tuple[Any, str]]) -> list[Notice]:
    """Cycle timers whose next due time moved during the run fired one period: a reminder each."""
    out = []
    for task_id, (task, due) in before.items():
        value = task.internal_data.get("event_value")
        if value is None or value.get("next") != due:
            spec = task.task_spec
            out.append(Notice("reminder", f"{task_id}@{due}", spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                              attached_human_task(task)))
    return out


def facts(wf) -> tuple[str | None, str | None]:
    """The complaint's owner and its most serious severity, read from the data of its active tasks."""
    owner, severity = None, None
    for task in wf.get_tasks(state=TaskState.READY | TaskState.WAITING):
        owner = owner or _text(task.data.get("owner"))
        found = task.data.get("severity")
        if found in SEVERITY_RANK and SEVERITY_RANK[found] > SEVERITY_RANK.get(severity, -1):
            severity = found
    return owner, severity


def ready_task(task, timer_due: dict[str, datetime]) -> ReadyTask:
    spec = task.task_spec
    props = dict((spec.extensions or {}).get("properties", {}))
    department_var = props.get("candidateDepartment")
    assignee_var = props.get("assigneeVariable")
    dues = _deadlines(task, timer_due)
    return ReadyTask(id=str(task.id), name=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
                     properties=props, department=_text(task.data.get(department_var)) if department_var else None,
                     due_at=min(dues) if dues else None,
                     assignee=_text(task.data.get(assignee_var)) if assignee_var else None)


def _deadlines(task, timer_due: dict[str, datetime]) -> list[datetime]:
    """Due times of the task's boundary timers that are deadlines: those marked ``slaRule``, else any
    timer but a cycle (a recurring reminder such as "contact the customer every 3 days" is no deadline)."""
    siblings = [s for s in (task.parent.children if task.parent is not None else []) if str(s.id) in timer_due]
    marked = [s for s in siblings if (s.task_spec.extensions or {}).get("properties", {}).get("slaRule")]
    chosen = marked or [s for s in siblings
                        if not isinstance(s.task_spec.event_definition, CycleTimerEventDefinition)]
    return [timer_due[str(s.id)] for s in chosen]


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
