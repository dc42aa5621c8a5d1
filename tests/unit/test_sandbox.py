"""Diagram code runs under RestrictedPython with only whitelisted extra names."""
from __future__ import annotations

import pytest

import handlers
from runtime.engine.sandbox import RestrictedEnvironment

ESCAPES = [
    "().__class__.__base__.__subclasses__()",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "getattr((), '__class__')",
    "'{0.__class__}'.format(1)",
    "eval('1+1')",
    "exec('x=1')",
    "compile('1', 'f', 'eval')",
    "globals()",
    "(lambda: 0).__code__",
    "type(1).__subclasses__()",
    "str.format('{0.__globals__}', minutes)",
    "str.format_map('{x.__class__}', {'x': 1})",
]


@pytest.fixture
def env():
    return RestrictedEnvironment(handlers.registry.functions, handlers.registry.services)


@pytest.mark.parametrize("code", ESCAPES)
def test_escape_attempts_fail_in_expressions(env, code):
    with pytest.raises((PermissionError, NameError, NotImplementedError, AttributeError, TypeError)):
        env.evaluate(code, {})


@pytest.mark.parametrize("code", ESCAPES)
def test_escape_attempts_fail_in_scripts(env, code):
    context = {"n": 1}
    with pytest.raises((PermissionError, NameError, NotImplementedError, AttributeError, TypeError)):
        env.execute(f"result = {code}", context)
    assert "result" not in context


def test_whitelisted_functions_and_ordinary_python_work(env):
    assert env.evaluate("hours(24)", {}) == "PT86400S"
    assert env.evaluate("minutes(20)", {}) == "PT1200S"
    context = {"items": [3, 1, 2], "severity": "major"}
    env.execute("total = sum(items)\nordered = sorted(items)\nflags = {s: s == severity for s in ['normal', 'major']}\n"
                "total += 1", context)
    assert context == {"items": [3, 1, 2], "severity": "major", "total": 7, "ordered": [1, 2, 3],
                       "flags": {"normal": False, "major": True}}


def test_task_data_may_not_shadow_a_whitelisted_function(env):
    with pytest.raises(ValueError, match="hours"):
        env.execute("x = 1", {"hours": 3})


def test_service_calls_go_through_the_handler_registry(env):
    result = env.call_service({}, operation_name="complaint.callback_contact",
                              operation_params={"customer_phone": {"value": "", "type": "str"},
                                                "channel": {"value": "website", "type": "str"}})
    assert '"reachable": false' in result and '"reply_where": "website"' in result
    with pytest.raises(LookupError, match="no handler is registered for service 'nope'"):
        env.call_service({}, operation_name="nope", operation_params={})
