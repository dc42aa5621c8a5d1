"""One instance as the administrators' console shows it: its diagrams with the state of every
element, waiting timers, the data of its open steps (contact data masked for roles that do not call
customers), open tasks, incidents and the audit timeline.

This page loads the instance's workflow (read only, no lock): the element states exist nowhere
else. Lists and the dashboard never do this; they read the projections.
"""
from __future__ import annotations

import json

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from runtime import masking
from runtime.read import queries
from runtime.read.case_file import Shown, shown_fields
from runtime.read.element_names import element_names, signal_names
from runtime.actors import REPAIR_ROLES, Actor, require_any
from runtime.bootstrap import Runtime
from runtime.engine.inspection import user_tasks_by_process
from runtime.errors import InstanceNotFound
from runtime.store.instance_store import load, lock
from runtime.store.models import Incident, ProcessFile, WaitingEvent
from runtime.store.packages import form_schema


@dataclass(frozen=True)
class Diagram:
    """A BPMN file of the instance's package with the states of the elements it draws."""

    file: str
    processes: list[str]
    states: dict[str, str]  # element id -> completed | waiting | active | failed
    completions: dict[str, int]


@dataclass(frozen=True)
class OpenStep:
    """A step waiting for people and the data it sees, as its form names it (labels, choice names)."""

    task_id: str
    element_id: str
    title: str
    fields: list[Shown]
    # what no form names (the engine's own fields: initiator, accepted_at, callback_contact, ...), as
    # (key, value) for an administrator repairing the instance; shown apart, as code
    technical: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class InstanceDetail:
    number: str
    version: int  # the instance row's change counter, for optimistic checks of the repairs
    process_id: str
    process_version: int
    package_id: int
    status: str
    severity: str | None
    owner: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    diagrams: list[Diagram]
    timers: list[tuple[str, str, datetime, bool]]
    steps: list[OpenStep]
    tasks: list[queries.TaskRow]
    incidents: list[Incident]
    history: list
    move_targets: list[tuple[str, list[tuple[str, str]]]]  # per diagram (its name): (element id, task name)
    signals: list[str]
    element_names: dict[str, str] = field(default_factory=dict)  # element id -> the diagram's name
    signal_names: dict[str, str] = field(default_factory=dict)  # signal name -> the event that catches it


def instance_detail(rt: Runtime, actor: Actor, number: str) -> InstanceDetail:
    require_any(actor, REPAIR_ROLES, "inspect process instances")
    view = queries.complaint(rt, number)
    if view is None:
        raise InstanceNotFound(f"no process instance {number}", number=number)
    with rt.db.reader() as session:
        instance = lock(session, business_key=number, for_update=False)
        loaded = load(rt, session, instance)
        incidents = list(session.scalars(select(Incident).where(Incident.instance_id == instance.id)
                                         .order_by(Incident.created_at.desc())))
        for incident in incidents:
            session.expunge(incident)
        signals = sorted(session.scalars(select(WaitingEvent.name).where(
            WaitingEvent.instance_id == instance.id, WaitingEvent.kind == "signal")))
        files = _bpmn_files(session, loaded.definition.package_id)
        wf = loaded.workflow
        steps = _open_steps(rt, session, loaded, view.tasks, actor)
        names = element_names(session, loaded.definition.package_id)
        caught = signal_names(session, loaded.definition.package_id)
    states = rt.engine.element_states(wf)
    failed = [i.task_name for i in incidents if i.resolved_at is None and i.task_name]
    diagrams = _diagrams(loaded.package, files, states, failed)
    return InstanceDetail(number, instance.version, loaded.definition.process_id, loaded.definition.version,
                          loaded.definition.package_id, instance.status, instance.severity, instance.owner,
                          instance.started_at, instance.updated_at, instance.ended_at, diagrams, view.timers, steps,
                          view.tasks, incidents, view.history, _move_targets(rt, loaded), signals, names, caught)


def _open_steps(rt: Runtime, session, loaded, tasks: list[queries.TaskRow], actor: Actor) -> list[OpenStep]:
    """Each open step's data labelled by its own form, then by the intake form (the data a step sees
    carries the complaint's fields too); a field neither knows keeps its name."""
    ref = loaded.definition
    forms = {t.id: t.form for t in tasks}
    start = loaded.package.start_form(ref.process_id)
    intake = (form_schema(session, ref.package_id, ref.content_hash, start) or {}) if start else {}
    out = []
    for step in rt.engine.open_steps(loaded.workflow):
        name = forms.get(step.task_id)
        own = (form_schema(session, ref.package_id, ref.content_hash, name) or {}) if name else {}
        schema = {"properties": {**own.get("properties", {}), **{k: v for k, v in intake.get("properties", {}).items()
                                                                 if k not in own.get("properties", {})}}}
        data = {k: v for k, v in _masked(step.data, actor).items() if not k.startswith("_")}
        known = {k: v for k, v in data.items() if k in schema["properties"]}
        fields = [f for f in shown_fields(schema, known, {})
                  if f.checked or f.value]  # attachments are on the complaint page, not listed here by number
        technical = [(k, json.dumps(v, ensure_ascii=False, default=str)) for k, v in sorted(data.items())
                     if k not in known]
        out.append(OpenStep(step.task_id, step.element_id, step.title, fields, technical))
    return out


def _move_targets(rt: Runtime, loaded) -> list[tuple[str, list[tuple[str, str]]]]:
    """The user tasks of the diagrams this instance runs, grouped under each diagram's name, its own first."""
    return [(name, sorted(tasks.items(), key=lambda item: item[1]))
            for name, tasks in user_tasks_by_process(loaded.workflow).items()]


def _bpmn_files(session, package_id: int) -> list[str]:
    return list(session.scalars(select(ProcessFile.name).where(ProcessFile.package_id == package_id,
                                                               ProcessFile.kind == "bpmn").order_by(ProcessFile.name)))


def _diagrams(package, files: list[str], states, failed: list[str]) -> list[Diagram]:
    """One diagram per file that draws a process the instance ran, the top process first."""
    by_file: dict[str, Diagram] = {}
    for process_id, elements in states.states.items():
        file = package.file_of(process_id)
        if file not in files:
            continue
        diagram = by_file.setdefault(file, Diagram(file, [], {}, {}))
        diagram.processes.append(process_id)
        diagram.states.update(elements)
        diagram.completions.update(states.completions.get(process_id, {}))
        for element in failed:
            if element in package.elements_of(process_id):
                diagram.states[element] = "failed"
    return list(by_file.values())


def _masked(data: dict, actor: Actor) -> dict:
    if masking.may_see_contact(actor):
        return data
    return masking.masked({k: v for k, v in data.items() if not k.startswith("_")}, actor)
