"""Repairs on one workflow's task tree, as Camunda's instance modification and migration do them:
go back to an earlier user task, skip forward to a later one, and move an instance onto a newer
version of its diagrams. Owned by ``runtime.engine`` (it reads and rewrites SpiffWorkflow's tree).
"""
from __future__ import annotations

from datetime import datetime
from collections.abc import Callable

from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from runtime import clock
from runtime.errors import InvalidState

MAX_SKIPS = 30
_OPEN = TaskState.READY | TaskState.STARTED | TaskState.WAITING
_PREDICTED = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


def all_tasks(wf):
    yield from wf.tasks.values()
    for sub in wf.subprocesses.values():
        yield from sub.tasks.values()


def automatic_ready(wf) -> bool:
    """Whether a script, gateway or event is ready to run (the tasks' maps: cheaper than a tree walk)."""
    return any(t.state == TaskState.READY and not t.task_spec.manual for t in all_tasks(wf))


def _name(spec) -> str:
    return spec.bpmn_name or spec.bpmn_id or spec.name


def ready_user_tasks(wf) -> list:
    return [t for t in all_tasks(wf) if t.state == TaskState.READY and t.task_spec.manual]


def go_back(wf, element_id: str) -> str:
    """Reset the instance to the latest completed run of user task ``element_id``; everything done
    after it is undone (its later tasks, timers and called processes are dropped and predicted anew)."""
    done = [t for t in all_tasks(wf) if t.task_spec.bpmn_id == element_id and t.state == TaskState.COMPLETED
            and t.task_spec.manual]
    if not done:
        raise InvalidState(f"'{element_id}' has not been done in this instance; there is nothing to go back to")
    target = max(done, key=lambda t: t.last_state_change)
    wf.reset_from_task_id(target.id)
    return _name(target.task_spec)


def skip_to(wf, element_id: str, data: dict, run: Callable[[object], None],
            defaults: Callable[[dict], dict]) -> list[str]:
    """Complete every user task in the way until ``element_id`` is ready, each with its form's
    defaults (``defaults`` maps task properties to them) and ``data`` on top.

    ``run`` lets the engine do the automatic steps between skips. Raises InvalidState when the
    target cannot be reached that way; the caller's transaction then changes nothing.
    """
    skipped: list[str] = []
    for _ in range(MAX_SKIPS):
        ready = ready_user_tasks(wf)
        if any(t.task_spec.bpmn_id == element_id for t in ready):
            return skipped
        if not ready:
            break
        for task in ready:
            task.data.update({**defaults((task.task_spec.extensions or {}).get("properties", {})), **data})
            task.run()
            skipped.append(_name(task.task_spec))
        run(wf)
    raise InvalidState(f"skipping the open tasks does not lead to '{element_id}' "
                       f"(skipped: {', '.join(skipped) or 'nothing'}); choose a step on the path ahead")


def migration_problems(registry, wf, new_spec, new_deps: dict, version: int) -> list[str]:
    """Why this workflow cannot move onto the new specs: its open or finished steps that the new
    version no longer has, and called processes it lacks. Empty when it can move."""
    top, subs = diff_workflow(registry, wf, new_spec, new_deps)
    problems = _removed(top, version)
    for sp_id, diff in subs.items():
        sub = wf.subprocesses[sp_id]
        if diff is None:
            if any(t.state & _OPEN for t in sub.tasks.values()):
                problems.append(f"the called process '{sub.spec.name}' is running and version {version} has none")
            continue
        problems += _removed(diff, version)
    return sorted(set(problems))


def _removed(diff, version: int) -> list[str]:
    out = []
    for task in diff.removed:
        if task.state & _PREDICTED or not task.task_spec.bpmn_id:
            continue  # predictions are made anew on the new version; helper specs carry no history
        where = "the instance is at" if task.state & _OPEN else "the instance already did"
        out.append(f"'{_name(task.task_spec)}' ({task.task_spec.bpmn_id}), which {where}, "
                   f"does not exist in version {version}")
    return out


def migrate(registry, wf, new_spec, new_deps: dict, timer_started: dict[str, datetime]) -> list[str]:
    """Move ``wf`` onto the new specs; returns the timers whose due time was computed anew.

    Open steps are reset and predicted on the new version (SpiffWorkflow's migration). A waiting
    timer keeps its due time when its expression is unchanged; a changed one is evaluated as of
    the moment it started (``timer_started``), so "3 working days" becoming "5 working days" moves
    the deadline, not the start of the clock.
    """
    before = {t.id: (_expression(t), dict(t.internal_data)) for t in _waiting_timers(wf)}
    top, subs = diff_workflow(registry, wf, new_spec, new_deps)
    migrate_workflow(top, wf, new_spec)
    for sp_id, diff in subs.items():
        sub = wf.subprocesses[sp_id]
        if diff is not None:
            migrate_workflow(diff, sub, new_deps[sub.spec.name])
    wf.subprocess_specs = new_deps
    changed = set()
    for task in _waiting_timers(wf):
        if task.id not in before:
            continue
        expression, internal = before[task.id]
        if _expression(task) == expression:
            task.internal_data = internal
        else:
            changed.add(str(task.id))
    return recompute_timers(wf, timer_started, changed)


def recompute_timers(wf, timer_started: dict[str, datetime], which: set[str]) -> list[str]:
    """Evaluate the waiting timers ``which`` (task ids) afresh, each as of the moment it started, so
    a new expression or a new calendar moves the deadline, not the start of the clock."""
    recomputed = []
    for task in _waiting_timers(wf):
        if str(task.id) not in which:
            continue
        task.internal_data = {}
        with clock.as_of(timer_started.get(str(task.id), clock.now())):
            _evaluate(task)
        recomputed.append(task.task_spec.bpmn_id)
    return recomputed


def _waiting_timers(wf):
    return [t for t in all_tasks(wf) if t.state == TaskState.WAITING
            and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def _expression(task) -> str:
    return task.task_spec.event_definition.expression


def _evaluate(task) -> None:
    definition = task.task_spec.event_definition
    if isinstance(definition, CycleTimerEventDefinition):
        definition.cycle_complete(task)
    else:
        definition.has_fired(task)
