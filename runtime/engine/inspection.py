"""What an administrator sees of one running workflow: the state of every diagram element and the
data its open steps carry. Owned by ``runtime.engine`` (it reads SpiffWorkflow's task tree)."""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.util.task import TaskState

# An element shows the liveliest state any of its tasks is in (a loop may have run it before).
_RANK = {"completed": 1, "waiting": 2, "active": 3, "failed": 4}


def _state_of(task) -> str | None:
    if task.state & (TaskState.READY | TaskState.STARTED):
        return "active"
    if task.state == TaskState.WAITING:
        return "waiting"
    if task.state == TaskState.ERROR:
        return "failed"
    if task.state == TaskState.COMPLETED:
        return "completed"
    return None


def _workflows(wf):
    yield wf
    yield from wf.subprocesses.values()


@dataclass(frozen=True)
class ElementStates:
    """Per process (diagram) id: element id -> completed | waiting | active | failed, and how
    often each element completed (a heat count for loops and reminders)."""

    states: dict[str, dict[str, str]]
    completions: dict[str, dict[str, int]]


def element_states(wf) -> ElementStates:
    states: dict[str, dict[str, str]] = {}
    completions: dict[str, dict[str, int]] = {}
    for sub in _workflows(wf):
        process = sub.spec.name
        seen, done = states.setdefault(process, {}), completions.setdefault(process, {})
        for task in sub.tasks.values():
            element, state = task.task_spec.bpmn_id, _state_of(task)
            if not element or state is None:
                continue
            if _RANK[state] > _RANK.get(seen.get(element, ""), 0):
                seen[element] = state
            if state == "completed":
                done[element] = done.get(element, 0) + 1
    return ElementStates(states, completions)


@dataclass(frozen=True)
class StepData:
    task_id: str
    element_id: str
    title: str
    state: str
    data: dict


def open_step_data(wf) -> list[StepData]:
    """The data of every user task waiting for people (what its form and the next steps see)."""
    out = []
    for sub in _workflows(wf):
        for task in sub.tasks.values():
            state = _state_of(task)
            spec = task.task_spec
            if spec.bpmn_id and state == "active" and spec.manual:
                out.append(StepData(str(task.id), spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, state,
                                    dict(task.data)))
    return out


def user_tasks_by_process(wf) -> dict[str, dict[str, str]]:
    """The user tasks of the processes this instance runs (its own and the subprocesses it started), per
    process by its name (the diagram's, else its id): where a repair may sensibly move it, grouped."""
    out: dict[str, dict[str, str]] = {}
    for sub in _workflows(wf):
        found = {s.bpmn_id: s.bpmn_name or s.bpmn_id for s in sub.spec.task_specs.values() if s.manual and s.bpmn_id}
        if found:
            out.setdefault(sub.spec.description or sub.spec.name, {}).update(found)
    return out


def user_tasks(wf) -> dict[str, str]:
    """Every user task the instance's diagrams define: element id -> its name."""
    out = {}
    for sub in _workflows(wf):
        for spec in sub.spec.task_specs.values():
            if spec.manual and spec.bpmn_id:
                out[spec.bpmn_id] = spec.bpmn_name or spec.bpmn_id
    for spec_set in wf.subprocess_specs.values():
        for spec in spec_set.task_specs.values():
            if spec.manual and spec.bpmn_id:
                out.setdefault(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id)
    return out
