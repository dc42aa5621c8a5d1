"""Hostile or careless process files are refused whole, each problem named, never a crash: code nested
or repeated beyond reading, a form nested 100,000 deep, a cycle timer with no period, a file with no
process, a file name that climbs out of its folder."""
from __future__ import annotations

import pytest

from runtime.errors import DeploymentRejected
from runtime.services.deployment import deploy
from tests import bpmn_builder


def refused(rt, files) -> list[str]:
    with pytest.raises(DeploymentRejected) as error:
        deploy(rt, files, "tester", "test")
    return [f"{p.file}: {p.message}" for p in error.value.problems]


@pytest.mark.parametrize("script, reason", [
    ("x = " + "+".join(["1"] * 5000), "nested too deeply"),
    ("x = " + "-" * 100_000 + "1", "is longer than 20,000 characters"),
    ("x = " + "(" * 300 + "1" + ")" * 300, "too many nested parentheses"),
])
def test_code_beyond_reading_is_refused_with_its_element(rt, script, reason):
    [problem] = refused(rt, {"deep.bpmn": bpmn_builder.script(script)})
    assert problem.startswith("deep.bpmn") and reason in problem


def test_a_form_nested_100000_deep_is_refused(rt):
    form = ("[" * 100_000 + "]" * 100_000).encode()
    problems = refused(rt, {"p.bpmn": bpmn_builder.process(), "deep.schema.json": form})
    assert "deep.schema.json: the form is nested too deeply to be read" in problems


@pytest.mark.parametrize("cycle", ['"R/PT0S"', '"R999999999/PT0S"', '"R/P0D"'])
def test_a_cycle_timer_without_a_period_is_refused(rt, cycle):
    [problem] = refused(rt, {"cycle.bpmn": bpmn_builder.boundary_timer(cycle, kind="timeCycle")})
    assert "repeats with no time in between" in problem


def test_a_file_without_a_process_is_refused(rt):
    empty = bpmn_builder.HEAD.encode() + b"</bpmn:definitions>\n"
    assert "empty.bpmn: the file holds no process to run" in refused(rt, {"empty.bpmn": empty})


@pytest.mark.parametrize("name", ["../../../../tmp/evil.bpmn", "sub/dir.bpmn", ".hidden.bpmn", "a\x00b.bpmn"])
def test_a_file_name_that_leaves_its_folder_is_refused_at_the_door(rt, name):
    [problem] = refused(rt, {name: bpmn_builder.process()})
    assert "may not contain a folder" in problem
