"""Deploy problems in the reader's language. The runtime's checks (runtime/lint.py, runtime/xmlsafe.py,
runtime/services/deployment.py) word their problems in English for the command line; the modeler shows
them beside their element, so the common ones are matched here pattern by pattern and worded again.
A message no pattern knows is shown as the runtime wrote it."""
from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _

WHAT = r"(?P<what>condition|script|timer expression|service parameter|decision input|decision output)"


def _things() -> dict[str, str]:
    return {"condition": _("The condition"), "script": _("The script"), "timer expression": _("The timer expression"),
            "service parameter": _("The service parameter"), "decision input": _("The decision input"),
            "decision output": _("The decision output")}


def _patterns() -> list[tuple[re.Pattern[str], Callable[[], str]]]:
    """(pattern, sentence) pairs; the sentence's %(names)s are the pattern's groups."""
    pairs: list[tuple[str, Callable[[], str]]] = [
        (WHAT + r" calls '(?P<func>[^']*)', which is not a whitelisted function",
         lambda: _("%(what)s calls “%(func)s”, which is not a function diagrams may use.")),
        (WHAT + r" is not valid Python: (?P<detail>.*)", lambda: _("%(what)s is not a valid expression: %(detail)s")),
        (WHAT + r" is empty", lambda: _("%(what)s is empty.")),
        (WHAT + r" uses something not allowed in diagrams: (?P<detail>.*)",
         lambda: _("%(what)s uses something diagrams may not use: %(detail)s")),
        (r"timer expression (?P<text>.*) must be quoted, like .*",
         lambda: _("The timer expression %(text)s must be in quotes, like \"%(text)s\" (timer texts are "
                   "expressions).")),
        (r"'(?P<value>.*)' is not an ISO 8601 duration such as .*",
         lambda: _("“%(value)s” is not an ISO 8601 duration such as \"PT24H\".")),
        (r"'(?P<value>.*)' is not an ISO 8601 date-time", lambda: _("“%(value)s” is not an ISO 8601 date and time.")),
        (r"'(?P<value>.*)' needs a UTC offset .*",
         lambda: _("“%(value)s” needs a UTC offset such as +08:00 (the server's time zone is not guessed).")),
        (r"'(?P<value>.*)' is not an ISO 8601 cycle such as .*",
         lambda: _("“%(value)s” is not an ISO 8601 cycle such as \"R/P3D\".")),
        (r"timer expression must give a text, not (?P<type>\w+)",
         lambda: _("The timer expression must give a text, not a value of type %(type)s.")),
        (r"lane '(?P<name>.*)' names no known role",
         lambda: _("The lane “%(name)s” names no known role; name lanes after a role so its people can claim "
                   "the tasks.")),
        (r"user task is in no lane, so no role could claim it",
         lambda: _("This user task is in no lane, so no role could claim it.")),
        (r"form file '(?P<form>.*)' is not part of the deployment",
         lambda: _("The form file “%(form)s” is not part of the deployment.")),
        (r"not well-formed XML: (?P<detail>.*)", lambda: _("The file is not well-formed XML: %(detail)s")),
        (r"not valid JSON: (?P<detail>.*)", lambda: _("The form is not valid JSON: %(detail)s")),
        (r"not a valid JSON Schema: (?P<detail>.*)", lambda: _("The form is not a valid JSON Schema: %(detail)s")),
        (r"no handler is registered for service '(?P<service>.*)'",
         lambda: _("No handler is registered for the service “%(service)s”.")),
        (r"sequence flow points to '(?P<target>.*)' \((?P<end>\w+)\), which is not an element of this process",
         lambda: _("The sequence flow points to “%(target)s”, which is not an element of this process.")),
    ]
    return [(re.compile(pattern, re.S), sentence) for pattern, sentence in pairs]


def deploy_message(message: str) -> str:
    """``message`` (a runtime deploy problem) in the reader's language, or as it is when no pattern fits."""
    for pattern, sentence in _patterns():
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if "what" in values:
                values["what"] = _things()[values["what"]]
            return sentence() % values
    return message
