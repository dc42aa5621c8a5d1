"""The engine facade: with the other modules of ``runtime/engine/``, the only code that imports SpiffWorkflow.

It parses packages of process files into cached specs, starts and loads instances, acts on them
(complete a task, fire timers, deliver signals and messages) and reports what the projections need
as plain data (``Snapshot``), so no other module ever touches a ``BpmnWorkflow``.
"""
from __future__ import annotations

import re
import threading
from functools import partial
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import version as package_version
from typing import Any
from collections.abc import Callable
from uuid import UUID

import SpiffWorkflow.bpmn.specs.event_definitions.timer as spiff_timer
from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition, SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from runtime import business_calendar, clock
from runtime.engine import modify as engine_modify
from runtime.engine.inspection import ElementStates, StepData, element_states, open_step_data, user_tasks
from runtime.engine.snapshot import (Deadline, Notice, ReadyTask, deadlines, facts, notice_of, phase_of, ready_task,
                                     reminders)
from runtime.engine.timers import WaitingTimer, fold_missed_periods, waiting_cycles, waiting_timers
from runtime.engine.sandbox import RestrictedEnvironment, ScriptEngine
from runtime.engine.serializer import StateSerializer
from runtime.engine.failures import translated_errors
from runtime.engine.packages import PackageInvalid, ParsedPackage, validation_problem
from runtime.errors import InvalidState, Problem, TaskNotFound

LIBRARY_VERSION = f"SpiffWorkflow {package_version('SpiffWorkflow')}"
EXACT_KEY = "calendar_exact"  # in a timer's internal data: was its due time computed on an exact calendar year
MAX_ENGINE_ROUNDS = 50


class _EngineClock(datetime):
    """SpiffWorkflow reads ``datetime.now(timezone.utc)`` for timers; route it to ``runtime.clock``."""

    @classmethod
    def now(cls, tz=None):
        current = clock.now()
        return current if tz is None else current.astimezone(tz)


spiff_timer.datetime = _EngineClock


@dataclass
class RunReport:
    """What happened while the engine ran on: automatic steps, deadlines missed, messages thrown."""

    automatic: list[tuple[str, str]] = field(default_factory=list)  # (task id, element id)
    messages: list[tuple[str, Any]] = field(default_factory=list)  # (message name, payload)
    notices: list[Notice] = field(default_factory=list)
    folded: list[tuple[str, int]] = field(default_factory=list)  # (cycle timer, missed periods dropped)

    @property
    def names(self) -> list[str]:
        return [name for _, name in self.automatic]


@dataclass(frozen=True)
class Snapshot:
    """What the projections need from a workflow, read once after each action."""

    ready_tasks: list[ReadyTask]
    timers: list[WaitingTimer]
    waiting_events: set[tuple[str, str]]
    completed: bool
    owner: str | None = None
    severity: str | None = None
    deadlines: list[Deadline] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # CASE_FACTS


class Engine:
    """Runs BPMN with SpiffWorkflow under the restricted script environment."""

    def __init__(self, functions: dict[str, Callable], services: dict[str, Callable]):
        self.script_engine = ScriptEngine(RestrictedEnvironment(functions, services))
        self.serializer = StateSerializer()
        calendar_names = sorted(n for n, f in functions.items() if getattr(f, "business_calendar", False))
        alternatives = "|".join(map(re.escape, calendar_names))
        self._calendar_call = re.compile(rf"\b({alternatives})\s*\(") if calendar_names else None
        self._packages: dict[str, ParsedPackage] = {}
        self._lock = threading.Lock()

    # -- packages ---------------------------------------------------------------------------
    def parse_package(self, bpmn: dict[str, Any], dmn: dict[str, Any]) -> ParsedPackage:
        """Parse already-hardened XML trees with the XSD validator and a trial build of every process.

        Raises PackageInvalid with every problem found, each naming its file and element.
        """
        parser = SpiffBpmnParser(validator=VALIDATOR)
        problems: list[Problem] = []
        for name, tree in dmn.items():
            self._guard(problems, name, partial(parser.add_dmn_xml, tree.getroot(), filename=name))
        for name, tree in bpmn.items():
            self._guard(problems, name, partial(parser.add_bpmn_xml, tree, filename=name))
        if problems:
            raise PackageInvalid(problems)
        package = ParsedPackage(parser, sorted(parser.get_process_ids()))
        for pid in package.process_ids:
            self._guard(problems, parser.get_process_parser(pid).filename or "?", partial(package.specs, pid))
        if problems:
            raise PackageInvalid(problems)
        return package

    @staticmethod
    def _guard(problems: list[Problem], file_name: str, action: Callable[[], Any]) -> None:
        try:
            action()
        except ValidationException as e:
            problems.append(validation_problem(e, file_name))
        except (SpiffWorkflowException, TypeError, KeyError, ValueError) as e:
            problems.append(Problem(file_name, f"{type(e).__name__}: {e}"))

    def package(self, key: str, load: Callable[[], ParsedPackage]) -> ParsedPackage:
        """The parsed package cached under ``key`` (its content hash), parsed once on first use."""
        package = self._packages.get(key)
        if package is None:
            package = load()
            with self._lock:
                package = self._packages.setdefault(key, package)
        return package

    # -- instances --------------------------------------------------------------------------
    def start(self, package: ParsedPackage, process_id: str, data: dict) -> BpmnWorkflow:
        spec, subprocess_specs = package.specs(process_id)
        wf = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        wf.get_tasks(state=TaskState.READY)[0].data.update(data)
        return wf

    def load(self, state: str, package: ParsedPackage, process_id: str) -> BpmnWorkflow:
        wf = self.serializer.loads(state, *package.specs(process_id))
        wf.script_engine = self.script_engine
        return wf

    def dump(self, wf: BpmnWorkflow, spec_ref: str) -> str:
        return self.serializer.dumps(wf, spec_ref)

    def run(self, wf: BpmnWorkflow) -> RunReport:
        """Run every automatic step (scripts, gateways, due timers) until people or time must act.

        Timer events marked with an ``slaRule`` property are reported as missed deadlines, and
        messages nothing in the instance catches are handed back. Raises ExecutionFailed.
        """
        report = RunReport(folded=fold_missed_periods(wf, clock.now()))
        cycles = waiting_cycles(wf)

        def record(task):
            spec = task.task_spec
            if not spec.bpmn_id:  # the engine's own helper specs (splits, joins)
                return
            report.automatic.append((str(task.id), spec.bpmn_id))
            notice = notice_of(task)
            if notice is not None:
                report.notices.append(notice)

        with translated_errors():
            for _ in range(MAX_ENGINE_ROUNDS):
                wf.refresh_timers()
                wf.do_engine_steps(did_complete_task=record)
                if not engine_modify.automatic_ready(wf):
                    break
        report.messages = [(e.event_definition.name, e.payload) for e in wf.get_events()
                           if isinstance(e.event_definition, MessageEventDefinition)]
        report.notices.extend(reminders(cycles))
        return report

    def complete_task(self, wf: BpmnWorkflow, task_id: str, data: dict, completed_by: str | None = None) -> str:
        """Complete the ready human task ``task_id`` with form ``data``; returns its element id.

        A task whose diagram names a ``completedByVariable`` stores who completed it there: a site
        manager taking over a complaint the quality department received becomes its owner so."""
        task = self.ready_human_task(wf, task_id)
        task.data.update(data)
        variable = (task.task_spec.extensions or {}).get("properties", {}).get("completedByVariable")
        if variable and completed_by:
            task.data[variable] = completed_by
        with translated_errors():
            task.run()
        return task.task_spec.bpmn_id

    def ready_human_task(self, wf: BpmnWorkflow, task_id: str):
        try:
            task = wf.get_task_from_id(UUID(task_id))
        except (ValueError, WorkflowException, KeyError):
            task = None
        if task is None or not task.task_spec.manual or task.state != TaskState.READY:
            raise TaskNotFound(f"task {task_id} is not waiting for anyone")
        return task

    def send(self, wf: BpmnWorkflow, kind: str, name: str, payload: Any = None) -> None:
        """Deliver a signal or message; raises InvalidState when the instance does not wait for it."""
        definition = SignalEventDefinition(name) if kind == "signal" else MessageEventDefinition(name)
        try:
            wf.send_event(BpmnEvent(definition, payload))
        except WorkflowException:
            raise InvalidState(f"this instance is not waiting for the {kind} '{name}'") from None

    def cancel(self, wf: BpmnWorkflow) -> None:
        wf.cancel()

    # -- what administrators see and repair (engine_inspect, engine_modify) ----------------
    def element_states(self, wf: BpmnWorkflow) -> ElementStates:
        return element_states(wf)

    def open_steps(self, wf: BpmnWorkflow) -> list[StepData]:
        return open_step_data(wf)

    def user_tasks(self, wf: BpmnWorkflow) -> dict[str, str]:
        return user_tasks(wf)

    def move_to(self, wf: BpmnWorkflow, element_id: str, data: dict,
                defaults: Callable[[dict], dict]) -> tuple[str, list[str], RunReport]:
        """Go back to user task ``element_id`` if it was done before, else skip forward to it
        (``defaults`` gives a skipped task's form defaults from its properties).

        Returns ("back" | "skip", the tasks skipped or gone back to, the report of the run after).
        """
        known = self.user_tasks(wf)
        if element_id not in known:
            raise TaskNotFound(f"'{element_id}' is not a user task of this instance's diagrams")
        if any(t.task_spec.bpmn_id == element_id for t in engine_modify.ready_user_tasks(wf)):
            raise InvalidState(f"the instance already waits at '{known[element_id]}'")
        reports: list[RunReport] = []
        with translated_errors():
            if any(t.task_spec.bpmn_id == element_id and t.state == TaskState.COMPLETED
                   for t in engine_modify.all_tasks(wf)):
                how, steps = "back", [engine_modify.go_back(wf, element_id)]
            else:
                how, steps = "skip", engine_modify.skip_to(wf, element_id, data, lambda w: reports.append(self.run(w)),
                                                           defaults)
        report = self.run(wf)
        for earlier in reports:
            report.notices[:0] = earlier.notices
            report.automatic[:0] = earlier.automatic
        return how, steps, report

    def migration_problems(self, wf: BpmnWorkflow, package: ParsedPackage, process_id: str, version: int) -> list[str]:
        spec, deps = package.specs(process_id)
        return engine_modify.migration_problems(self.serializer.registry, wf, spec, deps, version)

    def migrate(self, wf: BpmnWorkflow, package: ParsedPackage, process_id: str,
                timer_started: dict[str, datetime]) -> list[str]:
        """Move ``wf`` onto ``package``'s version of ``process_id``; returns timers computed anew."""
        spec, deps = package.specs(process_id)
        with translated_errors():
            return engine_modify.migrate(self.serializer.registry, wf, spec, deps, timer_started)

    # -- what the projections read ----------------------------------------------------------
    def snapshot(self, wf: BpmnWorkflow) -> Snapshot:
        timers = waiting_timers(wf, self.exact)
        by_task = {t.task_id: t for t in timers}
        found = deadlines(engine_modify.all_tasks(wf), self.exact)
        own: dict[str, list[Deadline]] = defaultdict(list)
        phase: dict[int, list[Deadline]] = defaultdict(list)
        for task, deadline in found:
            if deadline.phase:
                phase[id(task.workflow)].append(deadline)
            elif deadline.task_id:
                own[deadline.task_id].append(deadline)
        active = wf.get_tasks(state=TaskState.READY | TaskState.WAITING)  # one walk of the tree: ready and facts
        ready = [ready_task(t, by_task, own.get(str(t.id), []), phase_of(t, phase.get(id(t.workflow), [])))
                 for t in active if t.state == TaskState.READY and t.task_spec.manual]
        events = {("signal" if p.event_type.startswith("Signal") else "message", p.name)
                  for p in wf.waiting_events() if p.event_type.startswith(("Signal", "Message"))}
        owner, severity, case = facts(wf, active)
        return Snapshot(ready, timers, events, wf.is_completed(), owner, severity, [d for _, d in found], case)

    def exact(self, task, due: datetime) -> bool:
        """Whether a timer's due time is exact: False when its expression counts working time
        (``working_days``, ...) and the due day lay in a provisional year of the business calendar
        when it was computed. Kept in the timer's state, so entering the official schedule later
        does not make a provisional due time look exact: only recomputing it does."""
        known = task.internal_data.get(EXACT_KEY)
        if known is None:
            known = True
            expression = getattr(task.task_spec.event_definition, "expression", "") or ""
            if self._calendar_call is not None and self._calendar_call.search(expression):
                calendar = business_calendar.current()
                known = calendar.is_exact(due.astimezone(calendar.zone).date())
            task.internal_data[EXACT_KEY] = known
        return known

    def recompute_timers(self, wf: BpmnWorkflow, timer_started: dict[str, datetime], which: set[str]) -> list[str]:
        """Compute the waiting timers ``which`` anew on today's calendar, each as of when it started."""
        with translated_errors():
            return engine_modify.recompute_timers(wf, timer_started, which)
