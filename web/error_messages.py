"""What a refusal of the runtime says to the person who met it, in their language.

The runtime raises errors with a machine-readable ``code``, an optional ``reason`` and the
parameters of the sentence in ``details``; its English ``message`` is for logs and the CLI. This is
the single table that turns them into a sentence for pages, flash messages and API bodies, so a
new refusal is worded once, here, and in both languages.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, UTC
from zoneinfo import ZoneInfo

from flask_babel import force_locale, get_locale, gettext as _
from werkzeug.exceptions import HTTPException

from runtime.errors import ComplaintflowError
from web.context import runtime
from web.i18n import name_list, role_names

Sentence = Callable[[dict], str]


def _sentences() -> dict[tuple[str, str | None], Sentence]:
    """(code, reason) -> sentence from details; read at call time so each reader gets their language."""
    return {
        ("already_claimed", None): lambda d: _("“%(title)s” is already claimed by %(who)s.",
                                               title=d["title"], who=d["assignee"]),
        ("conflict", "completed"): lambda d: _("This task was already completed by %(who)s at %(at)s; "
                                               "nothing was changed.", who=d["actor"], at=_local(d["at"])),
        ("conflict", "concurrent"): lambda d: _("%(number)s was changed by someone else at the same time; "
                                                "nothing was changed, try again.", number=d["number"]),
        ("stale_version", "task_changed"): lambda d: _("“%(title)s” changed since you loaded it; it is now held by "
                                                       "%(who)s. Reload the page and try again.", title=d["title"],
                                                       who=d["assignee"])
        if d.get("assignee") else _("“%(title)s” changed since you loaded it; reload the page and try again.",
                                    title=d["title"]),
        ("stale_version", "instance_changed"): lambda d: _("%(number)s changed since you loaded it; reload the page "
                                                           "and try again.", number=d["number"]),
        ("conflict", "action_done"): lambda d: _("This corrective action was already marked done by %(who)s at "
                                                 "%(at)s.", who=d["actor"], at=_local(d["at"])),
        ("permission_denied", "action_owner"): lambda d: _("This corrective action is %(who)s's; only they, a site "
                                                           "manager or the quality department may mark it done.",
                                                           who=d["owner"]),
        ("configuration", None): lambda d: _("A settings file is not valid; nothing was done until it is fixed: "
                                             "%(detail)s", detail=d["detail"]),
        ("invalid_input", "whole_number"): lambda d: _("%(name)s must be a whole number from 0 to %(limit)s.",
                                                       name=d["name"], limit=d["limit"]),
        ("invalid_input", "too_long"): lambda d: _("%(name)s may hold at most %(limit)s characters.", name=d["name"],
                                                   limit=d["limit"]),
        ("invalid_input", "date"): lambda d: _("%(name)s must be a date like 2025-10-09.", name=d["name"]),
        ("conflict", "view_exists"): lambda d: _("You already have a view called “%(name)s”.", name=d["name"]),
        ("invalid_input", "not_json"): lambda d: _("The data is not valid JSON; write an object such as "
                                                   "{\"validity\": \"valid\"}."),
        ("invalid_input", "not_object"): lambda d: _("The data must be a JSON object such as "
                                                     "{\"validity\": \"valid\"}."),
        ("permission_denied", "not_for_you"): lambda d: _("“%(title)s” is for %(group)s; you may not take it.",
                                                          title=d["title"], group=d["group"]),
        ("permission_denied", "role"): _role_refusal,
        ("invalid_state", "suspended"): lambda d: _("%(number)s is suspended; its steps cannot be worked on until an "
                                                    "administrator resumes it.", number=d["number"]),
        ("incident", None): lambda d: _("The step “%(step)s” of %(number)s failed; the complaint is stopped at that "
                                        "step until an administrator retries it.", step=d["step"], number=d["number"]),
        ("invalid_state", "failed"): lambda d: _("%(number)s is stopped by an incident until an administrator "
                                                 "retries it.", number=d["number"]),
        ("invalid_state", "completed"): lambda d: _("%(number)s is already closed.", number=d["number"]),
        ("invalid_state", "terminated"): lambda d: _("%(number)s was terminated.", number=d["number"]),
        ("permission_denied", "release_claimed"): lambda d: _("“%(title)s” is claimed by %(who)s; only they or a "
                                                              "manager may release it.",
                                                              title=d["title"], who=d["assignee"]),
        ("permission_denied", "delegated"): lambda d: _("“%(title)s” was delegated to you by %(who)s; return it for "
                                                        "their review instead of completing it.",
                                                        title=d["title"], who=d["by"]),
        ("task_not_found", None): lambda d: _("This task does not exist or is no longer waiting for anyone."),
        ("instance_not_found", None): lambda d: _("There is no complaint %(number)s.", number=d["number"])
        if d.get("number") else _("This complaint does not exist."),
        ("user_not_found", None): lambda d: _("There is no active user %(name)s.", name=d["username"])
        if d.get("username") else _("No user has this name."),
    }


def _actions() -> dict[str, str]:
    """What a role check guarded (``require_any``'s ``what``), as the reader would say it."""
    return {
        "accept complaints": _("accept complaints"),
        "start a process": _("start a process"),
        "recompute deadlines": _("recompute deadlines"),
        "create API tokens": _("create API tokens"),
        "revoke API tokens": _("revoke API tokens"),
        "retry incidents": _("retry incidents"),
        "reassign tasks": _("reassign tasks"),
        "suspend instances": _("suspend complaints"),
        "resume instances": _("resume complaints"),
        "terminate instances": _("terminate complaints"),
        "see complainants' contact data": _("see complainants' contact data"),
        "migrate instances": _("move complaints to another version of their procedure"),
        "deploy process files": _("deploy process files"),
        "move instances to another task": _("move complaints to another step"),
        "send signals from the console": _("send signals from the console"),
        "read complaint reports": _("read complaint reports"),
        "read the complaint report": _("read the complaint report"),
        "keep complaint reports": _("keep complaint reports"),
        "export the event log": _("export the event log"),
        "monitor process instances": _("monitor complaints in the console"),
        "act on process instances": _("act on complaints in the console"),
        "export process instances": _("export complaints from the console"),
        "see the dashboard": _("see the dashboard"),
    }


def _role_refusal(details: dict) -> str:
    action = _actions().get(details["action"])
    if action is None:
        return _("You are not allowed to do this.")
    roles = name_list([r.strip() for r in details["roles"].split(",")], role_names())
    return _("You may not %(action)s (it needs one of the roles: %(roles)s).", action=action, roles=roles)


def _generic() -> dict[str, str]:
    """The sentence of a family when a refusal has no wording of its own yet (its class's docstring)."""
    return {
        "not_found": _("The requested object does not exist."),
        "conflict": _("Someone else changed this in the meantime; reload and try again."),
        "invalid_state": _("This action is not possible in the complaint's current state."),
        "permission_denied": _("You are not allowed to do this."),
        "invalid_input": _("The data sent is not valid."),
        "deployment_rejected": _("The process files were refused; nothing was deployed."),
        "incident": _("The step failed; the complaint is stopped at that step until an administrator retries it."),
        "unavailable": _("The database did not answer; nothing was changed. Try again in a moment."),
        "blob_corrupt": _("A stored file no longer matches its checksum, so it was not served."),
        "configuration": _("A settings file is not valid; nothing was done until it is fixed."),
        "error": _("Something went wrong; nothing was changed."),
    }


def message(error: ComplaintflowError) -> str:
    """The error as a sentence in the current language.

    A refusal without its own sentence keeps the runtime's English wording in the English interface
    (it is the most precise one) and gets its family's translated sentence in any other.
    """
    if error.details.get("said"):  # raised in web/ already in the reader's words
        return error.message
    details = {"detail": error.message, **error.details}  # a settings file's fault is named as the runtime put it
    reason = details.get("reason") if isinstance(details.get("reason"), str) else None
    sentence = _sentences().get((error.code, reason)) or _sentences().get((error.code, None))
    if sentence is not None:
        try:
            return sentence(details)
        except KeyError:  # raised without the parameters its sentence needs
            pass
    if str(get_locale()) == "en":
        return error.message
    return _family_sentence(error)


def http_message(error: HTTPException) -> str:
    """A page's 4xx in the reader's language: werkzeug's own English descriptions replaced, a
    description our views gave (already ``_()``) kept."""
    if error.description != type(error).description:
        return str(error.description)
    return {400: _("The request was not understood; nothing was changed."),
            403: _("You are not allowed to see this page."),
            404: _("This page does not exist."),
            405: _("This action is not possible here."),
            }.get(error.code or 0, _("Something went wrong; nothing was changed."))


def message_in(error: ComplaintflowError, locale: str) -> str:
    """``message`` in a language chosen by the caller (an API client's Accept-Language)."""
    with force_locale(locale):
        return message(error)


def _family_sentence(error: ComplaintflowError) -> str:
    fields = getattr(error, "field_errors", None)
    if fields:  # at least name what was refused (a form's field, an address's parameter)
        return _("The data sent is not valid: %(fields)s.", fields=", ".join(fields))
    generic = _generic()
    for cls in type(error).__mro__:
        code = getattr(cls, "code", None)
        if code in generic:
            return generic[code]
    return generic["error"]


def _local(moment: object) -> str:
    if not isinstance(moment, datetime):
        return str(moment)
    if moment.tzinfo is None:  # kept as UTC without its zone (SQLite)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(runtime().settings.timezone)).strftime("%Y-%m-%d %H:%M")
