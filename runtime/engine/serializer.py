"""Instance state as JSON with the process spec stored by reference, not embedded.

SpiffWorkflow embeds the whole parsed spec in every serialized instance (half or more of the
bytes). Our specs are immutable per deployed package, so the state keeps only ``spec_ref`` and the
caller hands the cached spec back when loading.
"""
from __future__ import annotations

import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.migration import version_migration
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SERIALIZER_VERSION
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


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


_CONFIG = dict(SPIFF_CONFIG)
_CONFIG[BpmnWorkflow] = SpecRefWorkflowConverter


class StateSerializer:
    """Turns a workflow into compact JSON and back, given the specs it runs on."""

    version = SERIALIZER_VERSION

    def __init__(self) -> None:
        self._serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(_CONFIG))

    @property
    def registry(self):
        """The converters, which SpiffWorkflow's spec diff uses to compare task specs."""
        return self._serializer.registry

    def dumps(self, workflow: BpmnWorkflow, spec_ref: str) -> str:
        workflow.spec_ref = spec_ref
        return self._serializer.serialize_json(workflow)

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
