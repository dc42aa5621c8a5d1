"""What the engine reports about a workflow after each run, as plain data for the projections and
the outbox: ready user tasks with their deadlines, every deadline with its clock, notices (missed
deadlines, reminders, escalations), and the complaint's owner and severity. Owned by
``runtime.engine``.

A deadline is a timer marked ``slaRule``. It stays a deadline after it fires: its due time is read
from the timer's own state, so a task whose reminder fired is still overdue, with its original due
time. A deadline marked ``slaScope = phase`` (an intermediate timer beside the steps, such as the
major procedure's 5 working days) is the deadline of every user task of its (sub)process.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from collections.abc import Callable

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from runtime.engine.timers import WaitingTimer, attached_human_task, timer_due


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
    due_rule: str | None = None
    due_exact: bool = True


@dataclass(frozen=True)
class Deadline:
    """One ``slaRule`` timer still in the instance's tree, waiting or fired."""

    timer_id: str
    element_id: str
    name: str
    rule: str
    due_at: datetime
    fired: bool
    exact: bool
    task_id: str | None  # the user task it sits on (a boundary timer)
    phase: bool


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
    due_at: datetime | None = None  # of a breach: when the deadline was



SEVERITY_RANK = {"normal": 0, "major": 1, "crisis": 2}


def notice_of(task) -> Notice | None:
    """A completed catch event people hear about: a deadline (``slaRule`` timer) or an escalation."""
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    name = spec.bpmn_name or spec.bpmn_id
    rule = _property(spec, "slaRule")
    if rule and isinstance(definition, TimerEventDefinition):
        return Notice("breach", str(task.id), spec.bpmn_id, name, attached_human_task(task), rule, fired_due(task))
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


# The process variables a complaint's page and the API show about where it stands. Read from the
# active tasks (and, once the instance has ended, from its last step), kept on the instance row.
CASE_FACTS = ("accepted_at", "entered_at", "urgent", "urgent_reason", "callback_contact", "validity", "outcome",
              "explanation", "satisfaction", "department", "severity_reason",
              "review_before")  # a shift review: complaints accepted before this are listed


def facts(wf, active_tasks: list) -> tuple[str | None, str | None, dict[str, Any]]:
    """In one pass over the data of the active tasks (ready and waiting, in the tree's order): the
    complaint's owner, its most serious severity, and the ``CASE_FACTS`` (the first value each, JSON values
    only; the last step's data is read too, so an ended instance keeps how it ended)."""
    owner, severity, found = None, None, {}
    active = [t.data for t in active_tasks]
    for data in active:
        owner = owner or _text(data.get("owner"))
        level = data.get("severity")
        if level in SEVERITY_RANK and SEVERITY_RANK[level] > SEVERITY_RANK.get(severity or "", -1):
            severity = level
    for data in active + ([wf.last_task.data] if wf.last_task is not None else []):
        for name in CASE_FACTS:
            value = data.get(name)
            if name not in found and value not in (None, "") and isinstance(value, (str, bool, int, float, dict)):
                found[name] = value
    return owner, severity, found


def deadlines(tasks, exact: Callable[[Any, datetime], bool]) -> list[tuple[Any, Deadline]]:
    """Every ``slaRule`` timer among ``tasks`` that waits or has fired, with its due time (and the
    timer's task, whose ``workflow`` tells the phase it belongs to)."""
    out = []
    for task in tasks:
        spec = task.task_spec
        rule = _property(spec, "slaRule")
        if not rule or task.state not in (TaskState.WAITING, TaskState.COMPLETED) \
                or not isinstance(getattr(spec, "event_definition", None), TimerEventDefinition):
            continue
        due = fired_due(task)
        if due is None:
            continue
        out.append((task, Deadline(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, rule, due,
                                   task.state == TaskState.COMPLETED, exact(task, due), attached_human_task(task),
                                   _property(spec, "slaScope") == "phase")))
    return out


def phase_of(task, phase: list[Deadline]) -> list[Deadline]:
    """The phase deadlines that apply to ``task``: not those it follows from (the supervision task a
    missed phase deadline opens is not itself late by that deadline)."""
    if not phase:
        return phase
    ancestors, node = set(), task.parent
    while node is not None:
        ancestors.add(str(node.id))
        node = node.parent
    return [d for d in phase if d.timer_id not in ancestors]


def fired_due(task) -> datetime | None:
    """The due time a date or duration timer was given (kept in its state after it fired)."""
    found = timer_due(task)
    return found[1] if found is not None and found[0] != "cycle" else None


def ready_task(task, timers: dict[str, WaitingTimer], own: list[Deadline], phase: list[Deadline]) -> ReadyTask:
    spec = task.task_spec
    props = dict((spec.extensions or {}).get("properties", {}))
    department_var = props.get("candidateDepartment")
    assignee_var = props.get("assigneeVariable")
    due, rule, exact = _deadline(task, timers, own + phase)
    return ReadyTask(id=str(task.id), name=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, lane=spec.lane,
                     properties=props, department=_text(task.data.get(department_var)) if department_var else None,
                     due_at=due, assignee=_text(task.data.get(assignee_var)) if assignee_var else None,
                     due_rule=rule, due_exact=exact)


Due = tuple[datetime | None, str | None, bool]  # due time, rule, exact


def _deadline(task, timers: dict[str, WaitingTimer], marked: list[Deadline]) -> Due:
    """The task's deadline: the earliest of its own and its phase's ``slaRule`` timers (waiting or
    fired); without any, its earliest waiting boundary timer but a cycle (a recurring reminder such
    as "contact the customer every 3 days" is no deadline)."""
    if marked:
        first = min(marked, key=lambda d: d.due_at)
        return first.due_at, first.rule, first.exact
    siblings = [timers[str(s.id)] for s in (task.parent.children if task.parent is not None else [])
                if str(s.id) in timers and timers[str(s.id)].kind != "cycle"]
    if not siblings:
        return None, None, True
    earliest = min(siblings, key=lambda t: t.due_at)
    return earliest.due_at, None, earliest.exact


def _property(spec, name: str) -> str | None:
    return (getattr(spec, "extensions", None) or {}).get("properties", {}).get(name)


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
