"""A form's refusal, field by field, in the reader's language and with the field's own label.

The runtime checks form data against the form's JSON Schema and reports each bad value as a
keyword and its parameters (``InvalidInput.details["problems"]``); jsonschema's English (``'abc'
does not match '^[0-9+\\- ]{5,20}$'``) stays in the logs and the API. This names the field by the
``title`` the process owner gave it and says what is expected, one sentence per keyword our forms use.
"""
from __future__ import annotations

from collections.abc import Callable

from runtime.services.forms import field_title
from web.i18n import authored
from flask_babel import gettext as _, ngettext

from runtime.errors import InvalidInput

Wording = Callable[[str, dict], str]


def field_messages(schema: dict, error: InvalidInput) -> dict[str, str]:
    """Field path -> sentence for the page; the runtime's field errors when it gave no problems."""
    problems = error.details.get("problems")
    if not isinstance(problems, dict):
        return dict(error.field_errors)
    return {path: _sentence(label(schema, path), problem) for path, problem in problems.items()}


def label(schema: dict, path: str) -> str:
    """The title of the field at ``path`` (``actions.0.owner``: the owner column of the actions table),
    in the reader's language."""
    title = field_title(schema, path)
    return authored(title) or title


def problem_message(path: str, problem: dict) -> str:
    """One field's refusal as a sentence in the current language, named by the label the runtime
    found for it (the API's ``field_details``; pages name fields from the schema they hold)."""
    return _sentence(str(problem.get("label") or path), problem)


def _sentence(field: str, problem: dict) -> str:
    wording = _wordings().get(str(problem.get("keyword")))
    if wording is None:
        return _("%(field)s: this value is not accepted.", field=field)
    return wording(field, problem)


def _type(field: str, p: dict) -> str:
    expected = p.get("limit")
    names = {"integer": _("a whole number"), "number": _("a number"), "string": _("text"),
             "boolean": _("yes or no"), "array": _("a list"), "object": _("a set of entries")}
    kind = names.get(str(expected)) or _("a valid value")
    return _("%(field)s: enter %(kind)s.", field=field, kind=kind)


def _length(field: str, p: dict, at_least: bool) -> str:
    n = int(p.get("limit") or 0)
    if at_least and n <= 1:
        return _("%(field)s: this field is required.", field=field)
    if at_least:
        return ngettext("%(field)s: enter at least %(num)s character.",
                        "%(field)s: enter at least %(num)s characters.", n, field=field)
    return ngettext("%(field)s: at most %(num)s character.", "%(field)s: at most %(num)s characters.", n, field=field)


def _items(field: str, p: dict, at_least: bool) -> str:
    n = int(p.get("limit") or 0)
    if at_least:
        return ngettext("%(field)s: add at least %(num)s row.", "%(field)s: add at least %(num)s rows.", n,
                        field=field)
    return ngettext("%(field)s: at most %(num)s row.", "%(field)s: at most %(num)s rows.", n, field=field)


def _format(field: str, p: dict) -> str:
    if p.get("limit") == "date":
        return _("%(field)s: enter a date such as 2026-03-01.", field=field)
    return _("%(field)s: enter a date and time such as 2026-03-01 14:30.", field=field)


def _wordings() -> dict[str, Wording]:
    """keyword -> sentence; read at call time so each reader gets their language."""
    return {
        "required": lambda f, p: _("%(field)s: this field is required.", field=f),
        "type": _type,
        "pattern": lambda f, p: _("%(field)s: this has the wrong format; check what you entered.", field=f),
        "minLength": lambda f, p: _length(f, p, True),
        "maxLength": lambda f, p: _length(f, p, False),
        "minimum": lambda f, p: _("%(field)s: enter %(limit)s or more.", field=f, limit=p.get("limit")),
        "maximum": lambda f, p: _("%(field)s: enter %(limit)s or less.", field=f, limit=p.get("limit")),
        "enum": lambda f, p: _("%(field)s: choose one of the listed options.", field=f),
        "const": lambda f, p: _("%(field)s: this must be ticked.", field=f) if p.get("limit") is True
        else _("%(field)s: this value is not accepted.", field=f),
        "format": _format,
        "minItems": lambda f, p: _items(f, p, True),
        "maxItems": lambda f, p: _items(f, p, False),
        "uniqueItems": lambda f, p: _("%(field)s: the same entry appears twice.", field=f),
        "maxProperties": lambda f, p: _("%(field)s: too many entries (at most %(limit)s).", field=f,
                                        limit=p.get("limit")),
        "propertyNames": lambda f, p: _("%(field)s: an entry belongs to nothing on this form.", field=f),
        "additionalProperties": lambda f, p: _("These fields are not part of this form: %(names)s.",
                                               names=p.get("limit")),
        "notInFuture": lambda f, p: _("%(field)s: this lies in the future; enter when it happened.", field=f),
        "notInPast": lambda f, p: _("%(field)s: this day has passed; choose a day from %(day)s on.", field=f,
                                    day=p.get("today", "")),
        "maxWorkingDaysAhead": lambda f, p: _("%(field)s: at most %(limit)s working days ahead, that is %(day)s "
                                              "at the latest.", field=f, limit=p.get("limit"),
                                              day=p.get("latest", "")),
    }
