"""Forms cannot reach out or hang: a ``$ref`` outside the form and a pattern RE2 cannot run are refused at
deployment, and a pattern that backtracks catastrophically in Python's ``re`` is matched in linear time."""
from __future__ import annotations

import json
import time

import pytest

from runtime import services
from runtime.errors import DeploymentRejected, InvalidInput
from runtime.services.deployment import deploy
from tests import bpmn_builder
from tests.conftest import FRONT_DESK
from tests.helpers import task

FORM_TASK = ('<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property '
             'name="formJsonSchemaFilename" value="f.schema.json" /></spiffworkflow:properties>'
             '</bpmn:extensionElements>')


def files(schema: dict) -> dict[str, bytes]:
    return {"p.bpmn": bpmn_builder.process(task_extra=FORM_TASK), "f.schema.json": json.dumps(schema).encode()}


@pytest.mark.parametrize("schema, reason", [
    ({"$ref": "http://127.0.0.1:9/schema.json"}, "points outside the form"),
    ({"type": "object", "properties": {"x": {"type": "string", "pattern": "(a)\\1"}}}, "cannot be checked in linear"),
    ({"type": "object", "patternProperties": {"(?=x)": {"type": "string"}}}, "cannot be checked in linear"),
    ({"type": "object", "patternProperties": {"^n": {}}, "unevaluatedProperties": False}, "is not supported"),
    ({"type": "object", "properties": {"d": {"type": "string", "maxWorkingDaysAhead": "3"}}},
     "maxWorkingDaysAhead must be a whole number"),
    ({"type": "object", "properties": {"d": {"type": "string", "maxWorkingDaysAhead": 400}}},
     "maxWorkingDaysAhead must be a whole number"),
    ({"type": "object", "allOf": [{"patternProperties": {"^(a+)+$": {}}}], "unevaluatedProperties": False},
     "is not supported"),
    ({"type": "object", "properties": {"名字": {"type": "string"}}}, "field name '名字' is not allowed"),
])
def test_a_form_that_could_reach_out_or_backtrack_is_refused_at_deployment(rt, schema, reason):
    with pytest.raises(DeploymentRejected) as refused:
        deploy(rt, files(schema), "tester", "test")
    assert any(p.file == "f.schema.json" and reason in p.message for p in refused.value.problems)


def test_a_catastrophic_pattern_is_matched_in_linear_time(rt):
    schema = {"type": "object", "properties": {"code": {"type": "string", "pattern": "^(a+)+$"}}}
    deploy(rt, files(schema), "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {}, business_key="P-1")
    started = time.monotonic()
    with pytest.raises(InvalidInput) as refused:
        services.complete_task(rt, FRONT_DESK, task(rt, "P-1", "t").id, {"code": "a" * 40 + "!"})
    assert time.monotonic() - started < 1 and "code" in refused.value.field_errors
    assert services.complete_task(rt, FRONT_DESK, task(rt, "P-1", "t").id, {"code": "aaaa"}) == "completed"


@pytest.mark.parametrize("schema, refused", [
    ({"type": "object", "patternProperties": {"^(a+)+$": {"type": "integer"}}}, False),
    ({"type": "object", "patternProperties": {"^(a+)+$": {}}, "additionalProperties": False}, True),
])
def test_catastrophic_property_name_patterns_are_matched_in_linear_time(rt, schema, refused):
    """A field name that almost matches makes Python's re backtrack for hours; RE2 answers at once."""
    deploy(rt, files(schema), "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {}, business_key="P-2")
    started = time.monotonic()
    try:
        services.complete_task(rt, FRONT_DESK, task(rt, "P-2", "t").id, {"a" * 40 + "b": 1})
        outcome = False
    except InvalidInput:
        outcome = True
    assert time.monotonic() - started < 1 and outcome is refused
