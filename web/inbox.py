"""The staff task list: claim, release and complete (the full inbox is built on this).

The list keeps itself current by htmx polling of ``/live`` (the tab's rows and every tab's count, read
from the projection tables like the page itself) rather than server-sent events: a poll is one short
request that any web process answers, while an event stream would hold a connection (and, under
gunicorn's sync workers, a whole worker) per open inbox. The client sends the fingerprint of what it
shows; an unchanged list is answered 204 and nothing on the screen moves.
"""
from __future__ import annotations

import re

import hashlib

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_babel import gettext as _

from runtime import services
from runtime.read import task_page
from runtime.read import inbox
from runtime.services import attachments, saved_filters
from runtime.actors import MANAGER_ROLES, REPAIR_ROLES
from runtime.errors import Conflict, InvalidInput, Unavailable
from web import file_messages, schema_form
from web.attachments import uploads
from web.params import local_path, whole_number
from web.context import current_actor, login_required, runtime, signed_in
from web import error_messages, form_messages

bp = Blueprint("inbox", __name__)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
CSRF_INPUT = re.compile(r'<input type="hidden" name="csrf_token" value="[^"]*">')


@bp.get("/")
@login_required
def index():
    actor, query = current_actor(), request.args.to_dict()
    flt = _filter(query)
    found = inbox.screen(runtime(), actor, flt)
    parts = _parts(found.result, flt, query)
    live = render_template("_inbox_live.html", **parts)
    return render_template("inbox.html", **parts, live=Markup(live), fingerprint=_fingerprint(live),
                           saved=found.saved, options=found.options, filters=inbox.FILTERS,
                           poll_seconds=runtime().settings.inbox_poll_seconds)


@bp.get("/live")
def live():
    """The polled list (rows, heading, and the counts swapped out of band); 204 when nothing changed."""
    if signed_in() is None and request.headers.get("HX-Request"):  # signed out meanwhile: the page, not the list,
        return Response(status=204, headers={"HX-Redirect": url_for("auth.login", next=url_for("inbox.index"))})
    return _live()


@login_required
def _live():
    query = request.args.to_dict()
    flt = _filter(query)
    parts = _parts(inbox.page(runtime(), current_actor(), flt), flt, query)
    if request.args.get("part") == "counts":  # after a claim or release in a row: the counts and the heading's total
        return render_template("_inbox_counts.html", **parts) + render_template("_inbox_heading.html", **parts,
                                                                                heading_oob=True)
    rows = render_template("_inbox_live.html", **parts)
    fingerprint = _fingerprint(rows)
    if request.headers.get("X-Inbox-Fingerprint") == fingerprint:
        return Response(status=204)
    body = rows + render_template("_inbox_counts.html", **parts, oob=True)
    return Response(body, headers={"X-Inbox-Fingerprint": fingerprint})


def _parts(result: inbox.InboxPage, flt: inbox.InboxFilter, query: dict) -> dict:
    """What the page, the polled list and the counts are rendered from (``here``: the inbox's own address,
    which the rows' links carry as ``next`` so completing a task returns to this very view)."""
    clean = {k: v for k, v in query.items() if k in inbox.FILTERS or k in ("tab", "page")}
    here = url_for("inbox.index", **clean)
    return {"result": result, "flt": flt, "tabs": inbox.tabs_for(current_actor()), "cap": inbox.COUNT_CAP,
            "query": clean, "here": here, "live_url": url_for("inbox.live", **clean),
            "counts_url": url_for("inbox.live", part="counts", **clean)}


def _fingerprint(html: str) -> str:
    """What the list shows, hashed without the rows' CSRF tokens (signed anew at every render)."""
    return hashlib.sha256(CSRF_INPUT.sub("", html).encode()).hexdigest()[:16]


@bp.post("/views")
@login_required
def save_view():
    try:
        saved_filters.save(runtime(), current_actor(), request.form.get("name", ""), request.form.get("query", ""))
        flash(_("View saved"), "ok")
    except (Conflict, InvalidInput) as e:
        flash(error_messages.message(e), "error")
    return redirect(url_for("inbox.index") + "?" + saved_filters.clean_query(request.form.get("query", "")))


@bp.post("/views/<int:view_id>/delete")
@login_required
def delete_view(view_id: int):
    saved_filters.remove(runtime(), current_actor(), view_id)
    flash(_("View deleted"), "ok")
    return redirect(url_for("inbox.index"))


def _filter(args: dict) -> inbox.InboxFilter:
    """The tab, filters and page from the query string; unknown values are ignored, not errors (a value
    with control characters is none a filter could match, and PostgreSQL refuses a NUL in a text)."""
    values = {name: (args.get(name) or None) for name in inbox.FILTERS}
    values = {name: None if value and CONTROL.search(value) else value for name, value in values.items()}
    page = whole_number(args.get("page"), "page", default=1, strict=False) or 1
    return inbox.InboxFilter(tab=args.get("tab", "available"), page=page, **values)


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id):
    try:
        services.claim_task(runtime(), current_actor(), task_id, _version())
        notice = ("ok", _("Claimed"))
    except Conflict as e:
        notice = ("error", error_messages.message(e))
    return _answer(task_id, notice)


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id):
    try:
        services.release_task(runtime(), current_actor(), task_id, _version())
        notice = ("ok", _("Released"))
    except Conflict as e:
        notice = ("error", error_messages.message(e))
    return _answer(task_id, notice)


@bp.route("/tasks/<task_id>", methods=["GET", "POST"])
@login_required
def task(task_id):
    found = task_page.page(runtime(), current_actor(), task_id)
    if found is None:
        abort(404, _("This task does not exist or is already done."))
    errors, values, status = {}, {}, 200
    if request.method == "POST":  # a suspended complaint's task has no form, and the runtime refuses it (409)
        values = schema_form.parse(found.schema, request.form)
        try:
            values = _with_new_files(found, values)
            services.complete_task(runtime(), current_actor(), task_id, values, _version())
            flash(_("Completed: %(title)s", title=found.task.title), "ok")
            return redirect(_back())
        except Unavailable:  # the file store did not answer: nothing was kept, what was typed stays
            errors, status = {"(form)": _("The files could not be stored just now; nothing was saved. "
                                          "Try again in a moment.")}, 503
        except InvalidInput as e:
            errors, status = form_messages.field_messages(found.schema, e) or {"(form)": error_messages.message(e)}, 400
            if "reason" in e.details:  # a file refused: said in the reader's language
                errors = {name: file_messages.message(e, runtime().settings.max_attachment_bytes) for name in errors}
        except Conflict as e:  # someone changed it meanwhile: show the fresh task, keep what was typed
            found = task_page.page(runtime(), current_actor(), task_id)
            if found is None:
                flash(error_messages.message(e), "error")
                return redirect(url_for("inbox.index"))
            errors, status = {"(form)": error_messages.message(e)}, 409
        found = task_page.page(runtime(), current_actor(), task_id) or found  # with the files just kept
    actor = current_actor()
    return render_template("task.html", task=found.task, fields=schema_form.fields(found.schema), errors=errors,
                           values=values, colleagues=found.colleagues, page=found,
                           attachments=found.complaint.case_file.attachments if found.complaint else [],
                           number=found.task.business_key, suspended=_suspended(found), back=_back(),
                           may_reassign=bool(actor.roles & (MANAGER_ROLES | REPAIR_ROLES))), status


def _suspended(found) -> bool:
    return bool(found.complaint and found.complaint.view.status == "suspended")


def _with_new_files(found, values: dict) -> dict:
    """Files chosen in the form's attachment fields are kept first (their own action: if the step
    then fails its checks, the files stay on the complaint and come back ticked), then named in
    the step's data beside the ticked earlier ones."""
    for name in schema_form.attachment_fields(found.schema):
        new = uploads(f"{name}__files")
        if new:
            try:
                ids = attachments.add(runtime(), current_actor(), found.task.business_key, new, found.task.id)
            except InvalidInput as e:  # named under the field the files were chosen in
                text = file_messages.message(e, runtime().settings.max_attachment_bytes)
                raise InvalidInput(text, field_errors={name: text}) from e
            values[name] = [*values.get(name, []), *ids]
    return values


@bp.post("/tasks/<task_id>/reassign")
@login_required
def reassign(task_id):
    return _hand_over(task_id, lambda: services.reassign_task(runtime(), current_actor(), task_id,
                                                              request.form.get("to", "").strip(), _version()),
                      _("Reassigned"))


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id):
    return _hand_over(task_id, lambda: services.delegate_task(runtime(), current_actor(), task_id,
                                                              request.form.get("to", "").strip(), _version()),
                      _("Delegated; it comes back to you for review"))


@bp.post("/tasks/<task_id>/return")
@login_required
def give_back(task_id):
    return _hand_over(task_id, lambda: services.return_task(runtime(), current_actor(), task_id,
                                                            request.form.get("note", ""), _version()),
                      _("Returned for review"))


def _hand_over(task_id: str, act, done: str):
    try:
        act()
        flash(done, "ok")
    except (Conflict, InvalidInput) as e:
        flash(error_messages.message(e), "error")
        return redirect(url_for("inbox.task", task_id=task_id))
    return redirect(url_for("inbox.index"))


def _answer(task_id: str, notice: tuple[str, str]):
    """htmx swaps in the task's fresh row with the outcome; a plain form post goes back to the list."""
    if request.headers.get("HX-Request"):  # the counts above the list refresh on the event
        row = inbox.row(runtime(), task_id)
        headers = {"HX-Trigger": "inbox-changed"}
        if row is None:
            return render_template("_gone_row.html", notice=notice), headers
        return render_template("_task_row.html", t=row, notice=notice, here=_back()), headers
    flash(notice[1], notice[0])
    return redirect(_back())


def _back() -> str:
    """Where the user came from (same tab, filters and page), if it is a path of this site."""
    return local_path(request.form.get("next") or request.args.get("next"), url_for("inbox.index"))


def _version() -> int | None:
    return whole_number(request.form.get("version"), "version", strict=False)

