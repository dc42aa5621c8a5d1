"""The JSON API under /api/v1: what partner systems and hotline integrations rely on.

Authenticated with per-user bearer tokens (``Authorization: Bearer cft_...``), the same role checks
as the web app (the services run them), contact data masked by role. Every error is JSON with a
stable ``code`` and a ``message``: 400 invalid input, 401 no or bad token, 403 a role that may not,
404 unknown ids, 409 conflicts. The contract is ``web/openapi.json``, served at
/api/v1/openapi.json; a test keeps the two in step.
"""
from __future__ import annotations

import json
from functools import wraps
from pathlib import Path

from flask import Blueprint, g, jsonify, request
from flask_babel import force_locale

from runtime import clock, masking, services
from runtime.read import api_contract, inbox, queries
from runtime.read.standing import standing
from runtime.services.api_tokens import authenticate_token
from runtime.errors import ComplaintflowError, IncidentRaised, InstanceNotFound, InvalidInput, PermissionDenied
from web import error_messages, form_messages
from web.context import runtime
from web.params import whole_number
from web.errors import status_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")
OPENAPI = Path(__file__).with_name("openapi.json")
COMPLAINT_PROCESS = "complaint"
SCOPES = ("available", "mine", "all")


def api_error(status: int, code: str, message: str, fields: dict | None = None, details: dict | None = None):
    body: dict[str, dict[str, object]] = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    if details:
        body["error"]["field_details"] = details
    return jsonify(body), status


@bp.errorhandler(ComplaintflowError)
def runtime_error(error: ComplaintflowError):
    return api_error(status_for(error), error.code, error_messages.message_in(error, _api_locale()),
                     getattr(error, "field_errors", None), _field_details(error))


def _field_details(error: ComplaintflowError) -> dict | None:
    """Field path -> its label and the refusal in the client's language, beside ``fields`` (which keeps
    jsonschema's own English, keyed by the same paths, for clients that already read it)."""
    problems = error.details.get("problems")
    if not isinstance(problems, dict):
        return None
    with force_locale(_api_locale()):
        return {path: {"label": str(p.get("label") or path), "message": form_messages.problem_message(path, p)}
                for path, p in problems.items() if isinstance(p, dict)}


def _api_locale() -> str:
    """An API client reads messages in the language its Accept-Language asks for, else English: a
    program's log is read by whoever integrates it, the product's codes are in ``code`` anyway. (The
    token user's own interface language is every user's Chinese by default, so it does not choose.)"""
    asked = request.accept_languages.best_match(["zh-Hans", "zh-CN", "zh", "en"])
    if asked:
        return "en" if asked == "en" else "zh_Hans"
    return "en"


def _bearer() -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if there is one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def token_required(view):
    """Resolve the bearer token to an actor; 401 without a valid one."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = _bearer()
        if token is None:
            return api_error(401, "unauthenticated", "send 'Authorization: Bearer <token>'; admins create tokens")
        try:
            g.actor = authenticate_token(runtime(), token)
        except PermissionDenied as e:
            return api_error(401, "unauthenticated", e.message)
        return view(*args, **kwargs)
    return wrapped


def json_object() -> dict:
    """The request body as a JSON object; an empty body is an empty object."""
    if not request.get_data():
        return {}
    try:
        body = json.loads(request.get_data())
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def expected_version() -> int | None:
    """``?version=N``: the version the client last saw, for an optimistic check."""
    return whole_number(request.args.get("version"), "version")


def task_json(t: queries.TaskRow | inbox.InboxRow) -> dict:
    return {"id": t.id, "name": t.task_name, "title": t.title, "complaint": t.business_key, "role": t.role,
            "department": t.department, "assignee": t.assignee, "created_at": t.created_at.isoformat(),
            "due_at": t.due_at.isoformat() if t.due_at else None, "due_rule": t.due_rule,
            "due_provisional": not t.due_exact, **queries.lateness(t.due_at, clock.now()),
            "version": t.version, "form": t.form}


def clock_json(c: queries.ClockRow) -> dict:
    return {"rule": c.rule, "name": c.element_name, "state": c.state, "started_at": c.started_at.isoformat(),
            "due_at": c.due_at.isoformat(), "provisional": not c.exact,
            "met_at": c.met_at.isoformat() if c.met_at else None,
            "breached_at": c.breached_at.isoformat() if c.breached_at else None}


@bp.get("/openapi.json")
def openapi():
    """The contract; with a valid token, also the deployed forms (fields, choices, patterns), which are
    not for anonymous eyes."""
    base = json.loads(OPENAPI.read_text())
    try:
        authenticate_token(runtime(), _bearer() or "")
    except PermissionDenied:
        return base
    return api_contract.document(runtime(), base, COMPLAINT_PROCESS)


@bp.post("/complaints")
@token_required
def accept_complaint():
    """A JSON complaint, or multipart/form-data with the JSON in a part named ``complaint`` and the
    files (photos, PDFs, documents) in parts named ``files``."""
    data, files = _intake()
    earlier = queries.duplicates(runtime(), data.get("customer_phone"), data.get("category"))
    try:
        started = services.start_instance(runtime(), g.actor, COMPLAINT_PROCESS, data, files=files)
    except IncidentRaised as e:  # the complaint is kept under its number; a step waits for a retry
        return {"number": e.business_key, "status": "failed", "open_duplicates": earlier, "incident": e.message}, 201
    return {"number": started.business_key, "status": started.status, "open_duplicates": earlier}, 201


def _intake() -> tuple[dict, list]:
    if not (request.content_type or "").startswith("multipart/form-data"):
        return json_object(), []
    from web.attachments import uploads
    if "complaint" not in request.form:
        raise InvalidInput("send the complaint as JSON in a form part named 'complaint' beside the 'files' parts",
                           field_errors={"complaint": "missing"})
    try:
        data = json.loads(request.form["complaint"])
    except ValueError:
        raise InvalidInput("the 'complaint' part is not valid JSON", field_errors={"complaint": "not JSON"}) from None
    if not isinstance(data, dict):
        raise InvalidInput("the 'complaint' part must be a JSON object", field_errors={"complaint": "not an object"})
    return data, uploads("files")


@bp.get("/complaints/<number>")
@token_required
def get_complaint(number: str):
    view = queries.complaint(runtime(), number, g.actor)
    if view is None or view.process != COMPLAINT_PROCESS:
        raise InstanceNotFound(f"no complaint {number}", number=number)
    now = clock.now()
    deadlines = [{"task": t.task_name, "title": t.title, "due_at": t.due_at.isoformat(), "rule": t.due_rule,
                  "provisional": not t.due_exact, **queries.lateness(t.due_at, now)} for t in view.tasks if t.due_at]
    deadlines += [{"timer": element, "kind": kind, "due_at": due.isoformat(), "provisional": not exact}
                  for element, kind, due, exact in view.timers]
    return {
        "number": view.number, "status": view.status, "severity": view.severity, "owner": view.owner,
        "started_at": view.started_at.isoformat(), "ended_at": view.ended_at.isoformat() if view.ended_at else None,
        "record": masking.masked(view.record, g.actor),
        "tasks": [task_json(t) for t in view.tasks],
        "deadlines": sorted(deadlines, key=lambda d: d["due_at"]),
        "time_limits": [clock_json(c) for c in view.clocks],
        "history": [{"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "task": e.task_name}
                    for e in view.history],
        **standing(view.facts).as_json(), "outcome": view.outcome,
        "severity_reason": view.facts.get("severity_reason"), **_links_json(queries.linked(runtime(), view)),
    }


def _links_json(links: dict) -> dict:
    """Repeat links both ways with why, and the collective case: numbers only, no other customer's data."""
    case = links["collective"]
    return {"repeats": [{"number": r.number, "direction": "repeats" if r.earlier else "repeated_by", "by": list(r.by)}
                        for r in links["repeats"]],
            "collective": {"id": case.collective_id, "status": case.status, "members": case.others} if case else None}


@bp.get("/tasks")
@token_required
def list_tasks():
    scope = request.args.get("scope", "available")
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}", field_errors={"scope": scope})
    number = whole_number(request.args.get("page"), "page", default=1)
    found = inbox.page(runtime(), g.actor, inbox.InboxFilter(tab=scope, page=number), every_tab=False)
    return {"scope": scope, "tasks": [task_json(t) for t in found.rows], "page": found.page, "pages": found.pages,
            "total": found.total}


@bp.post("/tasks/<task_id>/claim")
@token_required
def claim(task_id: str):
    version = services.claim_task(runtime(), g.actor, task_id, expected_version())
    return {"id": task_id, "assignee": g.actor.username, "version": version}


@bp.post("/tasks/<task_id>/release")
@token_required
def release(task_id: str):
    version = services.release_task(runtime(), g.actor, task_id, expected_version())
    return {"id": task_id, "assignee": None, "version": version}


@bp.post("/tasks/<task_id>/complete")
@token_required
def complete(task_id: str):
    status = services.complete_task(runtime(), g.actor, task_id, json_object(), expected_version())
    return {"id": task_id, "completed": True, "complaint_status": status}


@bp.post("/complaints/<number>/urgency")
@token_required
def correct_urgency(number: str):
    urgent = json_object().get("urgent")
    services.correct_urgency(runtime(), g.actor, number, urgent)
    return {"number": number, "urgent": urgent}


@bp.post("/complaints/<number>/signals/<name>")
@token_required
def signal(number: str, name: str):
    caught = services.send_signal(runtime(), g.actor, name, json_object() or None, business_key=number)
    return {"number": number, "signal": name, "delivered": bool(caught)}
