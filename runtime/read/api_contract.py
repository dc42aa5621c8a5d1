"""The API's OpenAPI document with the deployed forms in it: the intake body is the start form of
the newest ``complaint`` version and every form file is a component named as the file (as a task's
``form`` names it), so a client (and the fuzzer) reads the same constraints the server validates
(required fields, lengths, patterns, choices, conditional fields), not a hand-kept copy that drifts
from the diagrams."""
from __future__ import annotations

import copy
from pathlib import PurePath

from sqlalchemy import select

from runtime import field_names
from runtime.bootstrap import Runtime
from runtime.read.queries import start_form_in
from runtime.store.instance_store import newest_definition
from runtime.store.models import ProcessFile
from runtime.store.packages import KINDS, form_schema


def document(rt: Runtime, base: dict, process_id: str) -> dict:
    """``base`` (the hand-written contract) with ``Intake`` and the form components filled in."""
    doc = copy.deepcopy(base)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    with rt.db.reader() as session:
        intake = start_form_in(rt, session, process_id)
        if intake is not None:
            schemas["Intake"] = _component(intake, "Intake", rt.functions | field_names.SERVER_SET)
        for name, schema in _forms(rt, session, process_id):
            schemas[name] = _component(schema, name, rt.functions)
    body = doc["paths"]["/tasks/{task_id}/complete"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["propertyNames"] = field_names.schema(rt.functions)
    return doc


def _forms(rt: Runtime, session, process_id: str):
    ref = newest_definition(rt, session, process_id)
    if ref is None:
        return
    names = session.scalars(select(ProcessFile.name).where(ProcessFile.package_id == ref.package_id)
                            .order_by(ProcessFile.name))
    for name in names:
        if KINDS.get(PurePath(name).suffix.lower()) == "form":
            yield name, form_schema(session, ref.package_id, ref.content_hash, name)


def _component(schema: dict, key: str, reserved: frozenset[str]) -> dict:
    """A form as an OpenAPI 3.1 schema component: references inside the form point into the component,
    and field names follow the server's rule."""
    schema = {k: v for k, v in schema.items() if k != "$schema"}
    schema["propertyNames"] = field_names.schema(reserved)
    return _rebase(schema, f"#/components/schemas/{key}")


PAST_DATE_TIME = "past-date-time"  # the format a client reads for ``notInFuture`` (a rule relative to now)


def _rebase(node, prefix: str):
    if isinstance(node, dict):
        return _calendar_limits({k: (prefix + v[1:] if k == "$ref" and isinstance(v, str) and v.startswith("#")
                                     else _rebase(v, prefix)) for k, v in node.items()})
    if isinstance(node, list):
        return [_rebase(v, prefix) for v in node]
    return node


def _calendar_limits(node: dict) -> dict:
    """Our form keywords (``notInFuture``, ``maxWorkingDaysAhead``: limits relative to now and to the
    business calendar, which JSON Schema cannot state) told to a client: a format naming the rule and
    a description of it. The keywords stay for the server; validators ignore what they do not know."""
    if node.get("notInFuture") is True:
        node = {**node, "format": PAST_DATE_TIME, "description": _joined(
            node.get("description"), "A date and time that has happened (not in the future), ISO 8601; "
            "without an offset it is Asia/Shanghai time.")}
    if isinstance(node.get("maxWorkingDaysAhead"), int):
        node = {**node, "description": _joined(node.get("description"), (
            f"A date (YYYY-MM-DD) from today to {node['maxWorkingDaysAhead']} Chinese working days ahead."))}
    if node.get("notInPast") is True:
        node = {**node, "description": _joined(node.get("description"), "A date (YYYY-MM-DD) from today on.")}
    return node


def _joined(first: object, second: str) -> str:
    return f"{first} {second}" if isinstance(first, str) and first else second
