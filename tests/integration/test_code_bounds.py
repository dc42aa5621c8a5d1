"""Diagram code that would run forever or exhaust memory: refused at deployment when it is unbounded on
its face, stopped at run time within a couple of seconds otherwise, as an incident naming the element
while the complaint is kept, and the server goes on serving everyone else."""
from __future__ import annotations

import time

import pytest

from runtime import services
from runtime.errors import DeploymentRejected, IncidentRaised
from runtime.services.deployment import deploy
from tests import bpmn_builder
from tests.conftest import FRONT_DESK
from tests.helpers import incidents, instance, task


@pytest.mark.parametrize("script, reason", [
    ("x = 9**9**9", "would be too large a number"),
    ("x = 'a' * 10**10", "is too large for diagram code"),
    ("x = 1 &lt;&lt; 10**7", "would be too large a number"),  # XML-escaped <<
    ("x = f'{1!r:>{10**9}}'", "f-string formats computed at run time are not allowed"),
    ("x = f'{1:>100000}'", "f-string padding wider than 1000"),
])
def test_code_unbounded_on_its_face_is_refused_at_deployment(rt, script, reason):
    with pytest.raises(DeploymentRejected) as refused:
        deploy(rt, {"bomb.bpmn": bpmn_builder.script(script)}, "tester", "test")
    [problem] = refused.value.problems
    assert problem.file == "bomb.bpmn" and problem.element_id == "sc" and reason in problem.message


@pytest.mark.parametrize("script, reason", [
    ("x = 0\nwhile True:\n    x += 1", "more than 1,000,000 steps"),
    ("total = 0\nfor i in range(10**6):\n    for j in range(10**6):\n        total += 1", "more than 1,000,000 steps"),
    ("x = [0] * size", "is too large for diagram code"),
    ("x = 2 ** size", "would be too large a number"),
    ("x = list(range(size))", "range of 10,000,000,000 numbers is too large"),
])
def test_code_that_runs_away_becomes_an_incident_within_seconds(rt, script, reason):
    deploy(rt, {"runaway.bpmn": bpmn_builder.script(script)}, "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {"size": 10**10}, business_key="R-1")
    started = time.monotonic()
    with pytest.raises(IncidentRaised) as failed:
        services.complete_task(rt, FRONT_DESK, task(rt, "R-1", "t").id, {})
    assert time.monotonic() - started < 3
    assert failed.value.task_name == "sc" and reason in str(failed.value)
    [incident] = incidents(rt, "R-1")
    assert incident.task_name == "sc" and instance(rt, "R-1").status == "failed"
    # the server goes on: another complaint starts and is served normally
    services.start_instance(rt, FRONT_DESK, "p", {"size": 1}, business_key="R-2")
    assert task(rt, "R-2", "t").task_name == "t"


def test_bounded_code_runs_as_before(rt):
    deploy(rt, {"fine.bpmn": bpmn_builder.script("total = sum(i * i for i in range(1000))\n"
                                                  "label = f'{total:>12}'\npower = 2 ** 64")}, "tester", "test")
    services.start_instance(rt, FRONT_DESK, "p", {}, business_key="F-1")
    assert services.complete_task(rt, FRONT_DESK, task(rt, "F-1", "t").id, {}) == "completed"
