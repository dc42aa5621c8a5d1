"""Timers inside a workflow: their due times, and the catch-up rule for recurring reminders.

SpiffWorkflow fires every missed period of a cycle timer at once after downtime (a burst of
identical reminders, see ../shared/notes/spiffworkflow.md §3.3). A reminder is about *now*, so
before each run the missed periods are folded into one: the timer fires once and its next due
time is the first period still in the future.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.util.task import TaskState


@dataclass(frozen=True)
class WaitingTimer:
    task_id: str
    name: str
    kind: str
    due_at: datetime
    exact: bool = True  # False: computed on a provisional year of the business calendar


def waiting_cycles(wf) -> dict[str, tuple[Any, str]]:
    """Every waiting cycle timer that has periods left: task id -> (task, next due as stored)."""
    out = {}
    for task in wf.event_manager.tasks.values():
        value = task.internal_data.get("event_value")
        if (task.state == TaskState.WAITING and isinstance(value, dict)
                and isinstance(task.task_spec.event_definition, CycleTimerEventDefinition) and value["cycles"] != 0):
            out[str(task.id)] = (task, value["next"])
    return out


def fold_missed_periods(wf, now: datetime) -> list[tuple[str, int]]:
    """Let each cycle timer that missed several periods fire only once; returns (element, periods dropped)."""
    dropped = []
    for task, _ in waiting_cycles(wf).values():
        value = task.internal_data["event_value"]
        due, period = datetime.fromisoformat(value["next"]), value["duration"]
        if period <= 0 or due >= now:
            continue
        missed = math.ceil((now - due).total_seconds() / period) - 1  # due periods beyond the one that fires
        if value["cycles"] > 0:
            missed = min(missed, value["cycles"] - 1)
        if missed > 0:
            value["next"] = (due + timedelta(seconds=missed * period)).isoformat()
            if value["cycles"] > 0:
                value["cycles"] -= missed
            dropped.append((task.task_spec.bpmn_id or task.task_spec.name, missed))
    return dropped


def timer_due(task) -> tuple[str, datetime] | None:
    definition = task.task_spec.event_definition
    value = task.internal_data.get("event_value")
    if not isinstance(definition, TimerEventDefinition) or value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if value["cycles"] == 0:
            return None
        return "cycle", datetime.fromisoformat(value["next"])
    kind = "date" if isinstance(definition, TimeDateEventDefinition) else "duration"
    return kind, TimerEventDefinition.get_datetime(value)


def waiting_timers(wf, exact=lambda task, due: True) -> list[WaitingTimer]:
    out = []
    for task in wf.event_manager.tasks.values():
        due = timer_due(task) if task.state == TaskState.WAITING else None
        if due is not None:
            out.append(WaitingTimer(str(task.id), task.task_spec.bpmn_id or task.task_spec.name, *due,
                                    exact=exact(task, due[1])))
    return out


def attached_human_task(task) -> str | None:
    """The user task a boundary event sits on (its sibling under the boundary split), if any."""
    if task.parent is None:
        return None
    for sibling in task.parent.children:
        if sibling is not task and sibling.task_spec.manual:
            return str(sibling.id)
    return None
