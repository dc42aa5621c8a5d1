"""The restricted environment every BPMN expression, script and DMN cell runs in.

SpiffWorkflow runs diagram code with plain ``eval``/``exec``; restricting ``__builtins__`` alone is
escaped through ``().__class__.__base__.__subclasses__()``. RestrictedPython compiles the code
with guards (no underscore attributes, no imports, guarded item and attribute access), and the
only extra names are the functions whitelisted in ``handlers/``. The size of results is bounded by
``runtime.code_bounds``, steps and time by ``runtime.code_budget`` (a breach stops the code and
becomes the element's incident).
"""
from __future__ import annotations

import json
import operator
from functools import lru_cache
from typing import Literal

from RestrictedPython import compile_restricted
from RestrictedPython.Guards import full_write_guard, guarded_iter_unpack_sequence, safer_getattr
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from runtime import bounded_builtins, code_bounds, code_budget, sandbox_policy
from runtime.lint import restricted_reason

_INPLACE = {"+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
            "//=": operator.ifloordiv, "%=": operator.imod, "|=": operator.ior, "&=": operator.iand}


def _inplacevar(op: str, x, y):
    if op in ("*=", "%=", "+="):  # bounded like *, % and +: s *= 10**10 is 'a' * 10**10
        code_bounds.check(op[0], x, y)
    if op not in _INPLACE:
        raise PermissionError(f"operator {op} is not allowed in diagram scripts")
    return _INPLACE[op](x, y)


def _base_globals() -> dict:
    return {
        "__builtins__": sandbox_policy.builtins(),
        "_getattr_": bounded_builtins.guarded_getattr(safer_getattr),
        "_sized_": code_bounds.sized,
        "_getitem_": lambda obj, key: obj[key],
        "_getiter_": code_budget.counted_iter,
        "_step_": code_budget.step,
        "_binop_": code_bounds.binop,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_iter_unpack_sequence,
        "_write_": full_write_guard,
        "_inplacevar_": _inplacevar,
    }


@lru_cache(maxsize=4096)
def compile_code(source: str, mode: Literal["exec", "eval"]):
    """Compile diagram code under RestrictedPython's policy; refusals become PermissionError.

    RestrictedPython reports refusals as SyntaxError without a line number, which SpiffWorkflow's
    error formatter cannot handle, so they are re-raised as PermissionError with the reason.
    """
    try:
        return compile_restricted(source, "<string>" if mode == "exec" else "<expr>", mode,
                                  policy=code_bounds.BoundedPolicy)
    except SyntaxError as e:
        raise PermissionError(f"not allowed in diagram code: {restricted_reason(e)}") from None


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment that runs code under RestrictedPython with whitelisted functions."""

    def __init__(self, functions: dict, services: dict):
        super().__init__(dict(functions))
        self.services = services
        self._base = _base_globals()

    def _namespace(self, context: dict, external_context: dict | None) -> dict:
        ns = dict(self._base)
        ns.update(self.globals)
        ns.update(external_context or {})
        ns.update(context)
        return ns

    def evaluate(self, expression, context, external_context=None):
        with code_budget.budget():
            return code_bounds.sized(eval(compile_code(expression, "eval"), self._namespace(context, external_context)))

    def execute(self, script, context, external_context=None):
        self.check_for_overwrite(context, external_context or {})
        ns = self._namespace(context, external_context)
        with code_budget.budget():
            exec(compile_code(script, "exec"), ns)
        hidden = set(self._base) | set(self.globals) | set(external_context or {})
        result = {k: v for k, v in ns.items() if k not in hidden and not k.startswith("_") and not callable(v)}
        code_bounds.sized(result, "the data the script leaves")
        context.clear()
        context.update(result)
        return True

    def call_service(self, context, operation_name=None, operation_params=None, **_kwargs):
        handler = self.services.get(operation_name)
        if handler is None:
            raise LookupError(f"no handler is registered for service '{operation_name}'")
        params = {name: spec["value"] for name, spec in (operation_params or {}).items()}
        return json.dumps(handler(**params))


class ScriptEngine(PythonScriptEngine):
    """Script engine that reports service-task failures truthfully.

    SpiffWorkflow 3.2.0's ``call_service`` refers to an undefined ``script`` in its error path, so
    every handler error surfaces as ``NameError: name 'script' is not defined``.
    """

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as err:
            name = kwargs.get("operation_name")
            raise WorkflowTaskException(f"service '{name}' failed: {type(err).__name__}: {err}",
                                        task=task, exception=err) from err
