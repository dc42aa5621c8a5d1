"""Instance state as JSON with the process spec stored by reference, not embedded.

SpiffWorkflow embeds the whole parsed spec in every serialized instance (half or more of the
bytes). Our specs are immutable per deployed package, so the state keeps only ``spec_ref`` and the
caller hands the cached spec back when loading.
"""
from __future__ import annotations

import json
import os
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.migration import version_migration
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, TaskConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

CHECK_DUMPS = "COMPLAINTFLOW_CHECK_DUMPS"  # "1": every dump is compared with SpiffWorkflow's own (the test suite)


def _update_event_gateway_children(dct: dict) -> None:
    """Corrected copy of SpiffWorkflow 3.2.0's 1.4 -> 1.5 migration step.

    The shipped version loops ``for up in ...`` but reads ``sp`` and the wrong spec location, so
    any stored 1.4 workflow with a subprocess fails with ``NameError: name 'sp' is not defined``.
    """
    def update(tasks, specs):
        for task in tasks:
            spec = specs.get(task["task_spec"], {})
            if spec.get("typename") == "EventBasedGateway":
                for name in spec["outputs"]:
                    specs[name]["event_definition"] = {
                        "description": "Default", "name": None, "typename": "NoneEventDefinition"}

    for sp in dct["subprocesses"].values():
        update(sp["tasks"].values(), dct["subprocess_specs"][sp["spec"]]["task_specs"])
    update(dct["tasks"].values(), dct["spec"]["task_specs"])


version_migration.update_event_gateway_children = _update_event_gateway_children


class SpecRefWorkflowConverter(BpmnWorkflowConverter):
    """Writes ``spec_ref`` instead of the spec; reads the spec objects the loader put in the dict."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["spec_ref"] = workflow.spec_ref
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        spec, subprocess_specs = dct.pop("_spec_objects")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.spec_ref = dct.get("spec_ref")
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class SettledTaskConverter(TaskConverter):
    """Reuses a task's dictionary from the last dump while nothing it is made of changed.

    Most of a complaint's tasks are finished, and each dump compared every one's data with its parent's
    (SpiffWorkflow stores data as deltas): half the cost of saving. A workflow kept by the workflow cache
    is dumped again at the next action, so a task's dictionary is kept on the task itself, with the
    fingerprint it was made from: its state and when it last changed, its spec, children and
    ``triggered``, a copy of its internal data (the engine marks finished timers there), and what its
    delta is made of:

    - a finished task whose parent is finished: which data dicts it and its parent hold, and how many
      keys (finished tasks' data is no longer written);
    - any other task whose data is still empty (the predicted tasks of the paths not taken yet, about
      two thirds of the rest): its delta is the parent's keys, so the parent's keys in order. Such a
      task's data is filled when it becomes ready, which changes its state too.

    Every other task is converted afresh every time.
    """

    def to_dict(self, task):
        parent = task.parent
        if task.state & TaskState.FINISHED_MASK and (parent is None or parent.state & TaskState.FINISHED_MASK):
            made_of = (id(task.data), len(task.data), None if parent is None else id(parent.data))
        elif not task.data and parent is not None:
            made_of = (id(task.data), tuple(parent.data))
        else:
            return super().to_dict(task)
        fingerprint = (task.state, task.last_state_change, task.task_spec.name, task.triggered, list(task._children),
                       made_of, dict(task.internal_data))
        kept = task.__dict__.get("_settled_dump")
        if kept is not None and kept[0] == fingerprint:
            return kept[1]
        dct = super().to_dict(task)
        task.__dict__["_settled_dump"] = (fingerprint, dct)
        return dct


_STOCK_CONFIG = dict(SPIFF_CONFIG)
_STOCK_CONFIG[BpmnWorkflow] = SpecRefWorkflowConverter
_CONFIG = {**_STOCK_CONFIG, Task: SettledTaskConverter}


class StateSerializer:
    """Turns a workflow into compact JSON and back, given the specs it runs on."""

    version = SERIALIZER_VERSION

    def __init__(self) -> None:
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))
        self._stock = (BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_STOCK_CONFIG))
                       if os.environ.get(CHECK_DUMPS) == "1" else None)

    @property
    def registry(self):
        """The converters, which SpiffWorkflow's spec diff uses to compare task specs."""
        return self._serializer.registry

    def dumps(self, workflow: BpmnWorkflow, spec_ref: str) -> str:
        workflow.spec_ref = spec_ref
        state = self._serializer.serialize_json(workflow)
        if self._stock is not None and self._stock.serialize_json(workflow) != state:
            raise AssertionError("a reused task dictionary differs from SpiffWorkflow's own dump")
        return state

    def loads(self, state: str, spec, subprocess_specs) -> BpmnWorkflow:
        dct = json.loads(state)
        if dct.get("serializer_version") != self.version:
            self._migrate(dct, spec, subprocess_specs)
        else:
            dct.pop("serializer_version")
        dct["_spec_objects"] = (spec, subprocess_specs)
        return self._serializer.from_dict(dct)

    def _migrate(self, dct: dict, spec, subprocess_specs) -> None:
        """Older formats are migrated with the spec put back in, as the migrations expect it."""
        registry = self._serializer.registry
        dct.setdefault("spec", registry.convert(spec))
        dct.setdefault("subprocess_specs", {k: registry.convert(v) for k, v in subprocess_specs.items()})
        self._serializer.migrate(dct)
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
