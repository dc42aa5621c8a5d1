"""How a form's JSON Schema is applied, the same at deployment and when a task is completed: ``$ref``
only inside the form itself (nothing is ever fetched from a network, so no request can be made to
reach a server through a form), and ``pattern`` matched with RE2, in time linear in the input, so a
pattern such as ``^(a+)+$`` cannot keep a transaction busy. A pattern RE2 cannot run (backreferences,
lookarounds) is refused at deployment."""
from __future__ import annotations

from collections.abc import Iterator

import re2
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
NO_RETRIEVAL = Registry()  # resolves only inside the form; retrieves nothing


def _pattern(validator, pattern, instance, schema) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not re2.search(pattern, instance, options=_OPTIONS):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def validator(schema: dict):
    return FormValidator(schema, registry=NO_RETRIEVAL)


def problems(schema) -> list[str]:
    """What in a form's schema is refused at deployment."""
    found: list[str] = []
    _walk(schema, found)
    return found


def _walk(node, found: list[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(f"'$ref': '{ref[:80]}' points outside the form; only references inside it (#/...) are allowed")
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            try:
                re2.compile(pattern, options=_OPTIONS)
            except re2.error:
                found.append(f"pattern {pattern[:80]!r} cannot be checked in linear time (no backreferences or "
                             "lookarounds)")
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
