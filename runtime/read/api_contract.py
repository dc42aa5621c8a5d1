"""The API's OpenAPI document with the deployed forms in it: the intake body is the start form of
the newest ``complaint`` version and every task form is a component, so a client (and the fuzzer)
reads the same constraints the server validates (required fields, lengths, patterns, choices,
conditional fields), not a hand-kept copy that drifts from the diagrams."""
from __future__ import annotations

import copy
import re

from sqlalchemy import select

from runtime import field_names
from runtime.bootstrap import Runtime
from runtime.read.queries import start_form_in
from runtime.store.models import ProcessDefinition, ProcessFile, ProcessPackage
from runtime.store.packages import form_schema

FORM_FILE = re.compile(r"^(?P<stem>[A-Za-z0-9_.-]+?)(\.schema)?\.json$")


def document(rt: Runtime, base: dict, process_id: str) -> dict:
    """``base`` (the hand-written contract) with ``Intake`` and ``form.<name>`` filled from the deployment."""
    doc = copy.deepcopy(base)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    with rt.db.reader() as session:
        intake = start_form_in(rt, session, process_id)
        if intake is not None:
            schemas["Intake"] = _component(intake, "Intake", rt.functions | {field_names.INITIATOR})
        for name, schema in _task_forms(session, process_id):
            key = f"form.{name}"
            schemas[key] = _component(schema, key, rt.functions)
    body = doc["paths"]["/tasks/{task_id}/complete"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["propertyNames"] = field_names.schema(rt.functions)
    return doc


def _task_forms(session, process_id: str):
    found = session.execute(select(ProcessDefinition.package_id, ProcessPackage.content_hash).join(ProcessPackage)
                            .where(ProcessDefinition.process_id == process_id)
                            .order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if found is None:
        return
    names = session.scalars(select(ProcessFile.name).where(ProcessFile.package_id == found.package_id)
                            .order_by(ProcessFile.name))
    for file in names:
        match = FORM_FILE.match(file)
        if match is None:
            continue
        schema = form_schema(session, found.package_id, found.content_hash, file)
        if isinstance(schema, dict):
            yield match.group("stem"), schema


def _component(schema: dict, key: str, reserved: frozenset[str]) -> dict:
    """A form as an OpenAPI 3.1 schema component: references inside the form point into the component,
    and field names follow the server's rule."""
    schema = {k: v for k, v in schema.items() if k != "$schema"}
    schema["propertyNames"] = field_names.schema(reserved)
    return _rebase(schema, f"#/components/schemas/{key}")


def _rebase(node, prefix: str):
    if isinstance(node, dict):
        return {k: (prefix + v[1:] if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v, prefix))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v, prefix) for v in node]
    return node
