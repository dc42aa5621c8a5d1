"""Parsed process packages: the specs of every process in one deployment, parsed once and cached
by content hash, and the readable problems of a package that does not parse. Owned by
``runtime.engine``."""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from runtime.bpmn_ns import PREFIXES
from runtime.errors import Problem


class PackageInvalid(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems


@dataclass
class ParsedPackage:
    parser: SpiffBpmnParser
    process_ids: list[str]
    _specs: dict[str, tuple] = field(default_factory=dict)
    _events: dict[str, set[tuple[str, str]]] = field(default_factory=dict)

    def specs(self, process_id: str) -> tuple:
        if process_id not in self._specs:
            self._specs[process_id] = (self.parser.get_spec(process_id),
                                       self.parser.get_subprocess_specs(process_id))
        return self._specs[process_id]

    def declared_events(self, process_id: str) -> set[tuple[str, str]]:
        """Every (``signal`` | ``message``, name) a step of ``process_id`` or the processes it calls
        can catch: a name outside it is unknown to an instance, not merely unexpected now. Computed
        once per process (packages are immutable)."""
        if process_id in self._events:
            return self._events[process_id]
        spec, subprocesses = self.specs(process_id)
        found = set()
        for task_spec in (t for s in (spec, *subprocesses.values()) for t in s.task_specs.values()):
            definition = getattr(task_spec, "event_definition", None)
            kind, name = type(definition).__name__, getattr(definition, "name", None)
            if kind.startswith(("Signal", "Message")) and name:
                found.add(("signal" if kind.startswith("Signal") else "message", name))
        self._events[process_id] = found
        return found

    def start_form(self, process_id: str) -> str | None:
        """The form file a start event declares for the data an instance starts with, if any."""
        for start in self.specs(process_id)[0].start.outputs:
            form = (start.extensions or {}).get("properties", {}).get("formJsonSchemaFilename")
            if form:
                return form
        return None

    def file_of(self, process_id: str) -> str | None:
        """The BPMN file that defines ``process_id``."""
        return self.parser.get_process_parser(process_id).filename

    def elements_of(self, process_id: str) -> set[str]:
        return {s.bpmn_id for s in self.specs(process_id)[0].task_specs.values() if s.bpmn_id}

    def process_name(self, process_id: str) -> str:
        spec = self.specs(process_id)[0]
        return spec.description or process_id


def validation_problem(err: ValidationException, fallback_file: str) -> Problem:
    """A readable problem: namespaces shortened, the XSD's long list of allowed elements cut off."""
    line = err.line_number if isinstance(err.line_number, int) and err.line_number > 0 else None
    message = str(err).split("\n")[0].split(" Expected is one of")[0]
    for uri, prefix in PREFIXES.items():
        message = message.replace(uri, prefix)
    return Problem(err.file_name or fallback_file, message, element_id=err.id or None, line=line)
