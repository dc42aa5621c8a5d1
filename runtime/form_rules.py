"""How a form's JSON Schema is applied, the same at deployment and when a task is completed: ``$ref``
only inside the form itself (nothing is ever fetched from a network, so no request can be made to
reach a server through a form), and ``pattern`` and ``patternProperties`` matched with RE2, in time
linear in the input, so a pattern such as ``^(a+)+$`` cannot keep a transaction busy (jsonschema's
own keywords would use Python's backtracking ``re``). A pattern RE2 cannot run (backreferences,
lookarounds) is refused at deployment.

Two keywords of our own carry time limits a form states (the business calendar decides them, so
plain JSON Schema cannot): ``notInFuture`` (a date and time that has happened, e.g. when a complaint
was received) and ``maxWorkingDaysAhead: n`` (a date from today to n working days ahead, e.g. the
re-reply date agreed with a customer), and ``notInPast`` (a date from today on, e.g. a corrective
action's due date). A client reading the API contract sees them on the field.

Two more mark what a closing review records beyond the step's data: ``"correctiveActions": true`` on
a list of actions (kind, description, owner, due_on) and ``"rootCause": true`` on the root cause;
the completion turns them into tracked ``corrective_action`` rows (runtime/services/actions.py)."""
from __future__ import annotations

from collections.abc import Iterator

import re2
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry

from runtime import business_calendar, clock, field_names
from runtime.moments import parse_day, parse_moment

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False
NO_RETRIEVAL = Registry()  # resolves only inside the form; retrieves nothing


def _search(pattern: str, text: str) -> bool:
    return re2.search(pattern, text, options=_OPTIONS) is not None


def _pattern(validator, pattern, instance, schema) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(validator, patterns, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(validator, allowed, instance, schema) -> Iterator[ValidationError]:
    """As jsonschema's, with the ``patternProperties`` keys matched by RE2."""
    if not validator.is_type(instance, "object"):
        return
    known, patterns = schema.get("properties", {}), list(schema.get("patternProperties", {}))
    extras = sorted(k for k in instance if k not in known and not any(_search(p, k) for p in patterns))
    if validator.is_type(allowed, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], allowed, path=extra)
    elif not allowed and extras:
        yield ValidationError(f"Additional properties are not allowed ({', '.join(map(repr, extras))} unexpected)")


def _not_in_future(validator, wanted, instance, schema) -> Iterator[ValidationError]:
    if not wanted or not validator.is_type(instance, "string") or instance == "":
        return
    try:
        moment = parse_moment(instance, business_calendar.current().zone)
    except ValueError as e:
        yield _unreadable(str(e), "date-time")
        return
    if moment > clock.now():
        yield ValidationError(f"{instance} is in the future; enter when it happened")


def _max_working_days_ahead(validator, limit, instance, schema) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "string") or instance == "":
        return
    calendar = business_calendar.current()
    try:
        day = parse_day(instance)
    except ValueError as e:
        yield _unreadable(str(e), "date")
        return
    today = clock.now().astimezone(calendar.zone).date()
    latest = calendar.next_working_day(today, int(limit)) if limit else today
    if day < today:
        yield _with(ValidationError(f"{instance} has passed; choose a date from {today} on", validator="notInPast",
                                    validator_value=True), today=today.isoformat())
    elif day > latest:
        yield _with(ValidationError(f"{instance} is more than {limit} working days ahead; at most {latest}"),
                    latest=latest.isoformat())


def _not_in_past(validator, wanted, instance, schema) -> Iterator[ValidationError]:
    if not wanted or not validator.is_type(instance, "string"):
        return
    try:
        day = parse_day(instance)
    except ValueError as e:
        yield _unreadable(str(e), "date")
        return
    today = clock.now().astimezone(business_calendar.current().zone).date()
    if day < today:
        yield _with(ValidationError(f"{instance} has passed; choose a date from {today} on"), today=today.isoformat())


def _unreadable(message: str, form: str) -> ValidationError:
    """A date that cannot be read is a ``format`` problem, whichever keyword met it."""
    return ValidationError(message, validator="format", validator_value=form)


def _with(error: ValidationError, **params) -> ValidationError:
    """The parameters a reader's sentence needs (the day to choose from, the latest day), beside the English."""
    error.params = params
    return error


FormValidator = validators.extend(Draft202012Validator, {"pattern": _pattern,
                                                         "patternProperties": _pattern_properties,
                                                         "additionalProperties": _additional_properties,
                                                         "notInFuture": _not_in_future,
                                                         "maxWorkingDaysAhead": _max_working_days_ahead,
                                                         "notInPast": _not_in_past})


def validator(schema: dict):
    return FormValidator(schema, registry=NO_RETRIEVAL)


def problems(schema) -> list[str]:
    """What in a form's schema is refused at deployment."""
    found: list[str] = []
    keywords: set[str] = set()
    _walk(schema, found, keywords)
    if {"patternProperties", "unevaluatedProperties"} <= keywords:  # jsonschema matches those with ``re``
        found.append("'unevaluatedProperties' in a form with 'patternProperties' is not supported")
    return found


def _walk(node, found: list[str], keywords: set[str]) -> None:
    if isinstance(node, dict):
        keywords.update(node)
        ref = node.get("$ref")
        names = node.get("properties")
        if isinstance(names, dict):
            found += [f"field name {name[:80]!r} is not allowed: use letters, digits and _ (at most 64, starting "
                      "with a letter)" for name in names if not field_names.valid(name)]
        if isinstance(ref, str) and not ref.startswith("#"):
            found.append(f"'$ref': '{ref[:80]}' points outside the form; only references inside it (#/...) are allowed")
        patterns = [node.get("pattern")] + list(node.get("patternProperties") or {})
        for pattern in (p for p in patterns if isinstance(p, str)):
            try:
                re2.compile(pattern, options=_OPTIONS)
            except re2.error:
                found.append(f"pattern {pattern[:80]!r} cannot be checked in linear time (no backreferences or "
                             "lookarounds)")
        limit = node.get("maxWorkingDaysAhead")
        if "maxWorkingDaysAhead" in node and (not isinstance(limit, int) or isinstance(limit, bool)
                                              or not 0 <= limit <= 366):
            found.append(f"maxWorkingDaysAhead must be a whole number of working days from 0 to 366, not {limit!r}")
        for value in node.values():
            _walk(value, found, keywords)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found, keywords)


def attachment_fields(schema: dict) -> list[str]:
    """The form's fields that hold attachments (``"attachments": true``: a list of the ids of the
    complaint's files, checked to be its own when the step is completed)."""
    return [name for name, prop in schema.get("properties", {}).items() if prop.get("attachments")]


def action_fields(schema: dict) -> tuple[str | None, str | None]:
    """The form's list of corrective actions and its root-cause field (``"correctiveActions": true``,
    ``"rootCause": true``), or None for each it lacks: the fields a closing review's rows come from."""
    properties = schema.get("properties", {})
    actions = next((n for n, p in properties.items() if p.get("correctiveActions") is True), None)
    cause = next((n for n, p in properties.items() if p.get("rootCause") is True), None)
    return actions, cause
