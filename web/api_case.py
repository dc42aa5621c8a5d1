"""The case file over the API: a complaint's finished steps with their data, comments, attachments
up and down, a task's form, and the managers' reassign and delegate. Same blueprint, same token,
same role checks and error shape as web/api.py; the contract is web/openapi.json."""
from __future__ import annotations

from flask import g, request

from runtime import services
from runtime.errors import InstanceNotFound, InvalidInput, TaskNotFound
from runtime.read import case_file, task_page
from runtime.read.complaint_page import page as complaint_page
from runtime.services import archive, attachments
from web.api import COMPLAINT_PROCESS, bp, expected_version, json_object, token_required
from web.attachments import file_response, uploads
from web.context import runtime


def _case(number: str):
    found = complaint_page(runtime(), g.actor, number, COMPLAINT_PROCESS)
    if found is None or found.view.process != COMPLAINT_PROCESS:
        raise InstanceNotFound(f"no complaint {number}", number=number)
    return found


def attachment_json(a: case_file.AttachmentRow, number: str) -> dict:
    base = f"/api/v1/complaints/{number}/attachments/{a.id}"
    return {**a.as_json(), "download": base, "thumbnail": f"{base}/thumbnail" if a.is_image else None}


def field_json(f: case_file.Shown, number: str) -> dict:
    shown: dict = {"name": f.name, "label": f.label}
    if f.files:
        shown["attachments"] = [attachment_json(a, number) for a in f.files]
    elif f.checked:
        shown["checked"] = True
    elif isinstance(f.value, list):
        shown["rows"] = f.value
    else:
        shown["value"] = f.value
    return shown


def entry_json(e: case_file.Entry, number: str) -> dict:
    return {"at": e.at.isoformat(), "kind": e.kind, "actor": e.actor, "actor_name": e.actor_name,
            "title": e.title, "task_id": e.task_id, "task": e.details.get("task_name"),
            "fields": [field_json(f, number) for f in e.fields], "text": e.text}


@bp.get("/complaints/<number>/steps")
@token_required
def steps(number: str):
    """The finished steps, in order, each with who, when and what they entered (labels, choice names)."""
    found = _case(number)
    return {"number": number, "steps": [entry_json(e, number) for e in found.case_file.steps]}


@bp.get("/complaints/<number>/case-file")
@token_required
def case(number: str):
    """Everything that happened: steps, comments, hand-overs, escalations, deadlines met and missed, and
    the closing review's corrective actions with their state."""
    found = _case(number)
    return {"number": number, "entries": [entry_json(e, number) for e in found.case_file.entries],
            "attachments": [attachment_json(a, number) for a in found.case_file.attachments],
            "actions": [a.as_json() for a in found.case_file.actions]}


@bp.get("/complaints/<number>/comments")
@token_required
def comments(number: str):
    found = _case(number)
    return {"number": number, "comments": [{"at": e.at.isoformat(), "actor": e.actor, "text": e.text}
                                           for e in found.case_file.entries if e.kind == "comment"]}


@bp.post("/complaints/<number>/comments")
@token_required
def add_comment(number: str):
    body = json_object()
    _only(body, {"text"})
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidInput("text must be a string", field_errors={"text": "must be a string"})
    services.add_comment(runtime(), g.actor, number, text)
    return {"number": number, "text": text.strip()}, 201


@bp.get("/complaints/<number>/attachments")
@token_required
def list_attachments(number: str):
    return {"number": number,
            "attachments": [attachment_json(a, number) for a in attachments.listed(runtime(), g.actor, number)]}


@bp.post("/complaints/<number>/attachments")
@token_required
def upload(number: str):
    """multipart/form-data with one or more ``files`` parts; ``?task=<id>`` when given in a step."""
    if not request.content_type or not request.content_type.startswith("multipart/form-data"):
        raise InvalidInput("send the files as multipart/form-data, each in a part named 'files'")
    task = request.args.get("task") or None
    ids = attachments.add(runtime(), g.actor, number, uploads("files"), task)
    by_id = {a.id: a for a in attachments.listed(runtime(), g.actor, number)}
    return {"number": number, "attachments": [attachment_json(by_id[i], number) for i in ids]}, 201


@bp.get("/complaints/<number>/attachments/<int:attachment_id>")
@token_required
def download(number: str, attachment_id: int):
    found = attachments.download(runtime(), g.actor, number, attachment_id)
    return file_response(found.data, found.media_type, found.filename)


@bp.get("/complaints/<number>/attachments/<int:attachment_id>/thumbnail")
@token_required
def thumbnail(number: str, attachment_id: int):
    found = attachments.download(runtime(), g.actor, number, attachment_id, thumbnail=True)
    return file_response(found.data, found.media_type, found.filename)


@bp.get("/tasks/<task_id>/form")
@token_required
def task_form(task_id: str):
    """The JSON Schema the task's data is checked against (what ``complete`` accepts)."""
    found = task_page.page(runtime(), g.actor, task_id)
    if found is None:
        raise TaskNotFound(f"task {task_id} does not exist or is no longer waiting for anyone")
    return {"id": task_id, "title": found.task.title, "form": found.task.form, "version": found.task.version,
            "schema": found.schema}


@bp.post("/tasks/<task_id>/reassign")
@token_required
def reassign(task_id: str):
    body = json_object()
    _only(body, {"to", "reason"})
    version = services.reassign_task(runtime(), g.actor, task_id, _user(body), expected_version(),
                                     reason=_text(body, "reason") or None)
    return {"id": task_id, "assignee": body["to"], "version": version}


@bp.post("/tasks/<task_id>/delegate")
@token_required
def delegate(task_id: str):
    body = json_object()
    _only(body, {"to"})
    version = services.delegate_task(runtime(), g.actor, task_id, _user(body), expected_version())
    return {"id": task_id, "assignee": body["to"], "delegated_by": g.actor.username, "version": version}


def _only(body: dict, allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise InvalidInput(f"unknown fields: {', '.join(unknown)}", field_errors={k: "unknown field" for k in unknown})


def _user(body: dict) -> str:
    """The user name exactly as sent (an unknown one is a 404, as the contract says)."""
    to = body.get("to")
    if not isinstance(to, str) or not to:
        raise InvalidInput("to must name a user", field_errors={"to": "required"})
    return to


def _text(body: dict, name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise InvalidInput(f"{name} must be a string", field_errors={name: "must be a string"})
    return value


@bp.get("/complaints/<number>/archive.<kind>")
@token_required
def archive_file(number: str, kind: str):
    """The archived case file of a closed complaint: ``pdf`` (everything) or ``zip`` (the originals)."""
    found = archive.download(runtime(), g.actor, number, kind)
    return file_response(found.data, found.media_type, found.filename)
